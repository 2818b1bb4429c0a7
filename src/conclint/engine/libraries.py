"""Where the project's libraries are: the folders of the environment the project runs in,
for the project pass to follow calls into installed packages (CCL110).

In order: ``library-paths``; then the ``sys.path`` of the interpreter named by ``python``,
or of ``.venv/bin/python`` (``.venv\\Scripts\\python.exe``) at the project root, or of
the interpreter conclint runs in when neither applies. The standard library's folders are
left out: what in it blocks is the catalogue's to say (summaries leave its other calls out). An interpreter is asked once per
run (and once per process for the same interpreter); one that cannot be run, or a
``.venv`` without one, gives its ``site-packages`` folders found on disk instead.
"""

from __future__ import annotations

import ast
import glob
import json
import os
import re
import subprocess
import sys
from dataclasses import replace
from functools import lru_cache
from typing import List, Optional, Tuple

from conclint.analysis.positions import call_spans
from conclint.analysis.summary import ModuleSummary
from conclint.engine.settings import Settings

_ASK = "import sys, json; print(json.dumps(sys.path))"


def library_roots(settings: Settings, root: str) -> Tuple[str, ...]:
    """The folders to find library modules in, most important first (empty when
    ``follow-libraries = false``)."""
    if not settings.follow_libraries:
        return ()
    found: List[str] = list(settings.library_paths)
    venv = os.path.join(root, ".venv")
    if settings.python:
        found.extend(_interpreter_path(settings.python) or ())
    elif os.path.isdir(venv):
        interpreter = _venv_interpreter(venv)
        path = _interpreter_path(interpreter) if interpreter else None
        found.extend(path if path is not None else _site_packages(venv))
    else:
        found.extend(sys.path)
    project = os.path.abspath(root)
    roots = []
    for entry in found:
        if not entry:
            continue  # the working folder of ``python -c``
        entry = os.path.abspath(entry)
        if entry in (project, os.path.join(project, "src")) or not os.path.isdir(entry):
            continue  # the project's own roots; zip files and missing folders
        if os.path.isfile(os.path.join(entry, "os.py")) or os.path.basename(entry) == "lib-dynload":
            continue  # the standard library: its catalogue entries say what blocks
        roots.append(entry)
    return tuple(dict.fromkeys(roots))


def _venv_interpreter(venv: str) -> Optional[str]:
    for candidate in (os.path.join(venv, "bin", "python"), os.path.join(venv, "Scripts", "python.exe")):
        if os.path.isfile(candidate):
            return candidate
    return None


def _site_packages(venv: str) -> List[str]:
    return sorted(glob.glob(os.path.join(venv, "lib", "python*", "site-packages"))) + [
        os.path.join(venv, "Lib", "site-packages")
    ]


def _interpreter_path(python: str) -> Optional[Tuple[str, ...]]:
    try:
        stat = os.stat(python)
    except OSError:
        return None
    return _ask(os.path.abspath(python), stat.st_mtime_ns, os.environ.get("PYTHONPATH", ""))


@lru_cache(maxsize=16)
def _ask(python: str, mtime_ns: int, pythonpath: str) -> Optional[Tuple[str, ...]]:
    """The interpreter's ``sys.path`` (``None`` when it cannot tell)."""
    environment = {k: v for k, v in os.environ.items() if k not in ("PYTHONHOME", "PYTHONSTARTUP")}
    try:
        done = subprocess.run(
            [python, "-c", _ASK],
            capture_output=True,
            text=True,
            timeout=20,
            env=environment,
            stdin=subprocess.DEVNULL,
        )
        path = json.loads(done.stdout) if done.returncode == 0 else None
    except (OSError, ValueError, subprocess.SubprocessError):
        return None
    if not isinstance(path, list) or not all(isinstance(entry, str) for entry in path):
        return None
    return tuple(path)


# -- what a library does only on some platforms or with some optional package -----------
_ENVIRONMENT_ATTRIBUTES = {("sys", "platform"), ("sys", "version_info"), ("sys", "implementation"), ("os", "name")}
_ENVIRONMENT_FLAG = re.compile(r"(?i)^_*(is_?)?(win(32|dows)?|mac(os)?|darwin|linux|posix|nt|py_?[23]\d*|pypy|cpython|jython)_*$")
_IMPORT_ERRORS = {"ImportError", "ModuleNotFoundError"}


def _environment_test(test: ast.AST) -> bool:
    """``sys.platform == "win32"``, ``os.name == "nt"``, ``platform.system()``,
    ``sys.version_info >= (3, 8)``, ``IS_WINDOWS``, ``PY2``: which branch runs depends on
    where the library is installed, not on what the project passes."""
    for node in ast.walk(test):
        if isinstance(node, ast.Attribute):
            if isinstance(node.value, ast.Name) and (
                (node.value.id, node.attr) in _ENVIRONMENT_ATTRIBUTES or node.value.id == "platform"
            ):
                return True
            if _ENVIRONMENT_FLAG.match(node.attr):
                return True
        elif isinstance(node, ast.Name) and _ENVIRONMENT_FLAG.match(node.id):
            return True
    return False


_STDLIB = frozenset(getattr(sys, "stdlib_module_names", ()))


def _optional_import(node: ast.Try) -> bool:
    """A ``try`` that imports a package that may be missing (not the standard library's)
    and catches ``ImportError``: what it does depends on what is installed."""
    if not any(
        isinstance(inner, ast.ImportFrom) and (inner.level or (inner.module or "").split(".")[0] not in _STDLIB)
        or isinstance(inner, ast.Import) and any(alias.name.split(".")[0] not in _STDLIB for alias in inner.names)
        for statement in node.body
        for inner in ast.walk(statement)
    ):
        return False
    for handler in node.handlers:
        kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
        for kind in kinds:
            name = kind.attr if isinstance(kind, ast.Attribute) else getattr(kind, "id", None)
            if name in _IMPORT_ERRORS:
                return True
    return False


def without_environment_branches(summary: ModuleSummary, text: str) -> ModuleSummary:
    """The library summary less the blocking calls and calls that run only on some
    platforms, Python versions or with an optional package installed (inside an ``if`` on
    the platform, either branch; a ``try`` that imports a package outside the standard
    library and catches ``ImportError``, all of it): where
    conclint cannot tell whether the project's environment takes that path, it does not
    follow it."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return summary
    regions = []
    for node in ast.walk(tree):
        if (isinstance(node, (ast.If, ast.IfExp, ast.While)) and _environment_test(node.test)) or (
            isinstance(node, ast.Try) and _optional_import(node)
        ):
            regions.append(((node.lineno, node.col_offset), (node.end_lineno or node.lineno, node.end_col_offset or 0)))
    if not regions:
        return summary
    spans = call_spans(text, summary.call_count, tree)
    if spans is None:
        return summary
    inside = {
        index
        for index, (line, column, _, _) in enumerate(spans)
        if any(start <= (line, column - 1) < end for start, end in regions)
    }
    if not inside:
        return summary
    functions = tuple(
        replace(
            function,
            effects=tuple(e for e in function.effects if e.call not in inside),
            calls=tuple(c for c in function.calls if c.call not in inside),
        )
        for function in summary.functions
    )
    return replace(summary, functions=functions)
