"""``[tool.conclint]`` from ``pyproject.toml``: read, validate, never guess.

Every unknown key, wrong type or unknown rule code is a :class:`ConfigError` naming the
file and the key; the CLI turns it into exit status 2.
"""

from __future__ import annotations

import difflib
import fnmatch
import os
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, FrozenSet, Iterable, List, Mapping, Optional, Tuple

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11 only
    import tomli as tomllib

from conclint.knowledge.catalogue import CATEGORIES
from conclint.knowledge.test_code import DEFAULT_TEST_POLICY, TEST_FILES, TEST_POLICIES

BUILTIN_EXCLUDES: Tuple[str, ...] = (
    ".git",
    ".hg",
    ".svn",
    ".venv",
    "venv",
    ".tox",
    ".nox",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    ".conclint_cache",
    "__pycache__",
    "build",
    "dist",
    "node_modules",
)


class ConfigError(Exception):
    """A configuration problem the user must fix; the message names file and key."""


@dataclass(frozen=True)
class Config:
    select: Tuple[str, ...] = ("CCL",)
    extend_select: Tuple[str, ...] = ()
    ignore: Tuple[str, ...] = ()
    per_file_ignores: Tuple[Tuple[str, Tuple[str, ...]], ...] = ()
    exclude: Tuple[str, ...] = ()
    extend_exclude: Tuple[str, ...] = ()
    blocking: Tuple[Tuple[str, str], ...] = ()
    executor_wrappers: Tuple[str, ...] = ()
    #: Library calls that call their first argument on a thread of their own.
    thread_callbacks: Tuple[str, ...] = ()
    #: CPython built without the GIL (3.13t and later): CPU-bound threads run in parallel.
    free_threaded: bool = False
    #: Which files are test code, and what is reported in them (``conclint.knowledge.test_code``).
    test_files: Tuple[str, ...] = TEST_FILES
    test_policy: str = DEFAULT_TEST_POLICY
    #: Follow calls into the installed libraries the project calls (CCL110).
    follow_libraries: bool = True
    #: The interpreter whose ``sys.path`` holds those libraries ("": a ``.venv`` at the
    #: root, else the interpreter conclint runs in).
    python: str = ""
    #: More folders to find libraries in, searched first (relative to ``root``).
    library_paths: Tuple[str, ...] = ()
    #: Folder the config came from (or the working directory): globs are relative to it.
    root: str = field(default_factory=os.getcwd)
    source: Optional[str] = None

    # -- rule selection -------------------------------------------------------------
    def enabled_codes(self, all_codes: Iterable[str]) -> FrozenSet[str]:
        """Codes selected and not ignored; the most specific prefix wins, ties go to ignore."""
        selected = self.select + self.extend_select
        enabled = set()
        for code in all_codes:
            if code.startswith("CCL0"):
                # What the tool could not check (syntax errors, unreadable files, internal
                # errors) is always reported, whatever is selected, unless ignored by name.
                if not any(code.startswith(p) and len(p) >= 4 for p in self.ignore):
                    enabled.add(code)
                continue
            best_select = max((len(p) for p in selected if code.startswith(p)), default=-1)
            best_ignore = max((len(p) for p in self.ignore if code.startswith(p)), default=-1)
            if best_select >= 0 and best_select > best_ignore:
                enabled.add(code)
        return frozenset(enabled)

    def ignored_for(self, path: str) -> Tuple[str, ...]:
        """Code prefixes ignored for one file by ``per-file-ignores``."""
        if not self.per_file_ignores:
            return ()
        relative = _relative(path, self.root)
        base = os.path.basename(path)
        codes: List[str] = []
        for pattern, prefixes in self.per_file_ignores:
            if _glob_match(relative, pattern) or fnmatch.fnmatchcase(base, pattern):
                codes.extend(prefixes)
        return tuple(codes)

    def is_test_file(self, path: str) -> bool:
        """Whether a ``test-files`` pattern calls the file test code.

        ``tests/`` (a trailing ``/``) names a folder anywhere on the path, ``test_*.py`` (no
        ``/``) the file name, ``src/*/testing/*.py`` the path relative to the root."""
        relative = _relative(path, self.root)
        parts = [part for part in relative.split("/") if part not in ("", ".", "..")]
        if not parts:
            return False
        folders, name = parts[:-1], parts[-1]
        for pattern in self.test_files:
            if pattern.endswith("/"):
                folder = pattern.rstrip("/")
                if "/" in folder:
                    if any(_glob_match("/".join(folders[:i]), folder) for i in range(1, len(folders) + 1)):
                        return True
                elif any(fnmatch.fnmatchcase(part, folder) for part in folders):
                    return True
            elif "/" in pattern:
                if _glob_match("/".join(parts), pattern):
                    return True
            elif fnmatch.fnmatchcase(name, pattern):
                return True
        return False

    def limits_tests(self, path: str) -> bool:
        """Whether ``path`` is test code whose findings ``test-policy`` limits to those
        ``conclint.knowledge.test_code.reported_in_tests`` accepts."""
        return self.test_policy != "all" and self.is_test_file(path)

    def is_excluded(self, path: str) -> bool:
        """Whether a user ``exclude``/``extend-exclude`` pattern matches the path."""
        patterns = self.exclude + self.extend_exclude
        if not patterns:
            return False
        relative = _relative(path, self.root)
        parts = relative.split("/")
        for pattern in patterns:
            pattern = pattern.rstrip("/")
            if _glob_match(relative, pattern):
                return True
            if any(fnmatch.fnmatchcase(part, pattern) for part in parts):
                return True
            # A folder pattern excludes everything below it.
            for i in range(1, len(parts)):
                if _glob_match("/".join(parts[:i]), pattern):
                    return True
        return False

    def cache_key(self) -> Tuple[Any, ...]:
        """The settings that change what the per-file pass computes."""
        return (self.blocking, self.executor_wrappers, self.thread_callbacks)


def _relative(path: str, root: str) -> str:
    try:
        relative = os.path.relpath(os.path.abspath(path), root)
    except ValueError:  # another drive on Windows
        relative = path
    return relative.replace(os.sep, "/")


def _glob_match(path: str, pattern: str) -> bool:
    return fnmatch.fnmatchcase(path, pattern) or fnmatch.fnmatchcase(path, pattern.lstrip("./"))


# -- loading ----------------------------------------------------------------------------
def find_config(start: str) -> Optional[Path]:
    """The nearest ``pyproject.toml`` with a ``[tool.conclint]`` table, from ``start`` up."""
    directory = Path(start).resolve()
    if directory.is_file():
        directory = directory.parent
    for candidate in (directory, *directory.parents):
        pyproject = candidate / "pyproject.toml"
        if pyproject.is_file():
            try:
                data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
                # The nearest pyproject is broken: report it rather than skip to a parent.
                return pyproject
            if isinstance(data.get("tool"), dict) and "conclint" in data["tool"]:
                return pyproject
    return None


def load_config(path: Optional[Path], known_codes: Iterable[str], explicit: bool = False) -> Config:
    """Read and validate ``[tool.conclint]`` of ``path`` (``None``: defaults)."""
    if path is None:
        return Config()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the configuration file: {exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    table = data.get("tool", {}).get("conclint") if isinstance(data.get("tool"), dict) else None
    if table is None:
        if explicit:
            raise ConfigError(f"{path}: no [tool.conclint] table")
        return Config(root=str(path.parent.resolve()), source=str(path))
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.conclint] must be a table")
    return parse_table(table, str(path), known_codes, root=str(path.parent.resolve()))


_KEYS = (
    "select",
    "extend-select",
    "ignore",
    "per-file-ignores",
    "exclude",
    "extend-exclude",
    "blocking",
    "executor-wrappers",
    "thread-callbacks",
    "free-threaded",
    "test-files",
    "test-policy",
    "follow-libraries",
    "python",
    "library-paths",
)


def parse_table(table: Mapping[str, Any], source: str, known_codes: Iterable[str], root: str) -> Config:
    known = tuple(known_codes)

    def where(key: str) -> str:
        return f"{source}: [tool.conclint] {key}"

    for key in table:
        if key not in _KEYS:
            hint = difflib.get_close_matches(key, _KEYS, n=1)
            suggestion = f" (did you mean '{hint[0]}'?)" if hint else ""
            raise ConfigError(f"{source}: [tool.conclint] unknown key '{key}'{suggestion}")

    def strings(key: str) -> Tuple[str, ...]:
        value = table.get(key, None)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{where(key)}: expected a list of strings, got {_describe(value)}")
        return tuple(value)

    def codes(key: str, values: Tuple[str, ...]) -> Tuple[str, ...]:
        for value in values:
            check_code(value, known, where(key))
        return values

    config = Config(root=root, source=source)
    select = codes("select", strings("select")) if "select" in table else config.select
    per_file = table.get("per-file-ignores", {})
    if not isinstance(per_file, dict):
        raise ConfigError(f"{where('per-file-ignores')}: expected a table of glob = [codes], got {_describe(per_file)}")
    per_file_ignores = []
    for pattern, value in per_file.items():
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(
                f"{where('per-file-ignores')}.\"{pattern}\": expected a list of strings, got {_describe(value)}"
            )
        per_file_ignores.append((pattern, codes(f'per-file-ignores."{pattern}"', tuple(value))))
    blocking = table.get("blocking", {})
    if not isinstance(blocking, dict):
        raise ConfigError(f"{where('blocking')}: expected a table of \"qualified.name\" = \"category\", got {_describe(blocking)}")
    for name, category in blocking.items():
        if not isinstance(category, str) or category not in CATEGORIES:
            raise ConfigError(
                f"{where('blocking')}.\"{name}\": expected one of {', '.join(sorted(CATEGORIES))}, got {_describe(category)}"
            )
        if not name or any(not part.isidentifier() for part in name.split(".")):
            raise ConfigError(f"{where('blocking')}: '{name}' is not a dotted qualified name")
    free_threaded = table.get("free-threaded", False)
    if not isinstance(free_threaded, bool):
        raise ConfigError(f"{where('free-threaded')}: expected a boolean (true or false), got {_describe(free_threaded)}")
    test_files = strings("test-files") if "test-files" in table else config.test_files
    if any(not pattern.strip("/") for pattern in test_files):
        raise ConfigError(f"{where('test-files')}: an empty pattern would match every file")
    test_policy = table.get("test-policy", config.test_policy)
    if test_policy not in TEST_POLICIES:
        choices = " or ".join(f'"{p}"' for p in TEST_POLICIES)
        raise ConfigError(f"{where('test-policy')}: expected {choices}, got {_describe(test_policy)}")
    follow_libraries = table.get("follow-libraries", True)
    if not isinstance(follow_libraries, bool):
        raise ConfigError(f"{where('follow-libraries')}: expected a boolean (true or false), got {_describe(follow_libraries)}")
    python = table.get("python", "")
    if not isinstance(python, str) or (not python.strip() and "python" in table):
        raise ConfigError(f"{where('python')}: expected the path of a Python interpreter, got {_describe(python)}")
    library_paths = strings("library-paths")
    if any(not path.strip() for path in library_paths):
        raise ConfigError(f"{where('library-paths')}: an empty path")

    def qualified_names(key: str) -> Tuple[str, ...]:
        names = strings(key)
        for name in names:
            if not name or any(not part.isidentifier() for part in name.split(".")):
                raise ConfigError(f"{where(key)}: '{name}' is not a dotted qualified name")
        return names

    return replace(
        config,
        executor_wrappers=qualified_names("executor-wrappers"),
        thread_callbacks=qualified_names("thread-callbacks"),
        free_threaded=free_threaded,
        follow_libraries=follow_libraries,
        python=python,
        library_paths=library_paths,
        test_files=test_files,
        test_policy=test_policy,
        select=select,
        extend_select=codes("extend-select", strings("extend-select")),
        ignore=codes("ignore", strings("ignore")),
        per_file_ignores=tuple(per_file_ignores),
        exclude=strings("exclude"),
        extend_exclude=strings("extend-exclude"),
        blocking=tuple(sorted(blocking.items())),
    )


def check_code(value: str, known: Tuple[str, ...], where: str) -> None:
    """A selector must be a code or a prefix of at least one code."""
    if not any(code.startswith(value) for code in known) or not value:
        hint = difflib.get_close_matches(value, known, n=1)
        suggestion = f" (did you mean '{hint[0]}'?)" if hint else ""
        raise ConfigError(f"{where}: unknown rule code or prefix '{value}'{suggestion}")


def _describe(value: Any) -> str:
    names = {bool: "a boolean", int: "an integer", float: "a number", str: "a string", list: "a list", dict: "a table"}
    return f"{names.get(type(value), type(value).__name__)} ({value!r})"
