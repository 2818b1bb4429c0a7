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
import subprocess
import sys
from dataclasses import replace
from functools import lru_cache
from typing import List, Optional, Set, Tuple

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


# -- what a library does only on some paths -------------------------------------------------
# A library is written for callers conclint does not see: its branches are options (a
# client passed in or made here, a path or an open file, a cached value or a first load),
# and which one the project's call selects is rarely visible. Measured on homeassistant's
# integrations, chains through library branches were mostly infeasible for the arguments
# given, so only the path a library function always takes is followed.
_IMPORT_ERRORS = {"ImportError", "ModuleNotFoundError"}
_STDLIB = frozenset(getattr(sys, "stdlib_module_names", ()))

Span = Tuple[Tuple[int, int], Tuple[int, int]]


def _span(first: ast.AST, last: Optional[ast.AST] = None) -> Span:
    last = last or first
    return (first.lineno, first.col_offset), (last.end_lineno or last.lineno, last.end_col_offset or 0)  # type: ignore[attr-defined]


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


def _returns(body: List[ast.stmt]) -> bool:
    return bool(body) and isinstance(body[-1], ast.Return)


def _parameter_test(test: ast.AST, params: Set[str]) -> bool:
    """``p``, ``not p``, ``p is None``, ``p is not None``, ``isinstance(p, T)`` and their
    ``and``/``or`` on parameters: the project pass decides these guards from what each
    call passes, so they are left to it. The forms are those ``analysis.guards`` records
    (``_Walker._conditions``, on the LibCST tree): a form added there belongs here too."""
    if isinstance(test, ast.Name):
        return test.id in params
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return _parameter_test(test.operand, params)
    if isinstance(test, ast.BoolOp):
        return all(_parameter_test(value, params) for value in test.values)
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], (ast.Is, ast.IsNot)):
        left, right = test.left, test.comparators[0]
        none = lambda node: isinstance(node, ast.Constant) and node.value is None  # noqa: E731
        return (none(right) and _parameter_test(left, params)) or (none(left) and _parameter_test(right, params))
    if isinstance(test, ast.Call) and isinstance(test.func, ast.Name) and test.func.id == "isinstance" and test.args:
        return isinstance(test.args[0], ast.Name) and test.args[0].id in params
    return False


def conditional_regions(tree: ast.AST) -> List[Span]:
    """The source regions that run only on some paths through their function: the
    branches of ``if`` and of conditional expressions, the operands of ``and``/``or``
    after the first, ``while`` bodies, ``except`` handlers, ``match`` cases, the elements
    of a comprehension with a filter, what follows an ``if`` that may ``return``, and all
    of a ``try`` that imports an optional package. Tests themselves always run. The
    branches of an ``if`` on the function's parameters are kept: the project pass decides
    those guards from each call's arguments."""
    regions: List[Span] = []

    def visit(node: ast.AST, params: Set[str]) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            arguments = node.args
            params = {a.arg for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)}
        if isinstance(node, ast.IfExp):
            regions.extend((_span(node.body), _span(node.orelse)))
        elif isinstance(node, (ast.If, ast.While)) and not (isinstance(node, ast.If) and _parameter_test(node.test, params)):
            for block in (node.body, node.orelse):
                if block:
                    regions.append(_span(block[0], block[-1]))
        elif isinstance(node, ast.BoolOp):
            regions.extend(_span(value) for value in node.values[1:])
        elif isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
            if _optional_import(node):  # type: ignore[arg-type]
                regions.append(_span(node))
            else:
                regions.extend(_span(handler) for handler in node.handlers)  # type: ignore[attr-defined]
        elif type(node).__name__ == "match_case":
            regions.append(_span(node.pattern, node.body[-1]))  # type: ignore[attr-defined]
        elif isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            if any(generator.ifs for generator in node.generators):
                parts = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
                regions.extend(_span(part) for part in parts)
        for field in ("body", "orelse", "finalbody"):
            block = getattr(node, field, None)
            if not isinstance(block, list):
                continue
            for i, statement in enumerate(block[:-1]):
                if (
                    isinstance(statement, ast.If)
                    and (_returns(statement.body) or _returns(statement.orelse))
                    and not _parameter_test(statement.test, params)
                ):
                    regions.append(_span(block[i + 1], block[-1]))
                    break
        for child in ast.iter_child_nodes(node):
            visit(child, params)

    visit(tree, set())
    return regions


def on_every_path(summary: ModuleSummary, text: str) -> ModuleSummary:
    """The library summary less the blocking calls and calls that run only on some paths
    (:func:`conditional_regions`): where the project's arguments, the environment or the
    library's own state decide whether a step runs, conclint cannot tell that the
    project's call takes it, and does not follow it."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return summary
    try:
        regions = conditional_regions(tree)
    except RecursionError:
        # Nested too deep to tell its paths apart: follow nothing in it.
        return replace(summary, functions=tuple(replace(f, effects=(), calls=()) for f in summary.functions))
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
