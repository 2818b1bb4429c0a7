"""Discover: which files a run checks (paths minus built-in and configured excludes, each
file once), and the dotted module name a file is imported as."""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Iterator, List, Optional, Sequence

from conclint.config import BUILTIN_EXCLUDES, Config


def discover(paths: Sequence[str], config: Config, errors: Optional[List[str]] = None) -> Iterator[str]:
    """Python files under ``paths``, minus built-in and configured excludes, each once.
    Folders that cannot be listed are added to ``errors``."""

    def unlistable(exc: OSError) -> None:
        if errors is not None and exc.filename:
            errors.append(_display(str(exc.filename)))

    seen = set()
    excluding = bool(config.exclude or config.extend_exclude)
    for given in paths:
        if os.path.isdir(given):
            # Folder symlinks are not followed (no loops); a file symlink is checked once.
            for root, dirs, files in os.walk(given, onerror=unlistable, followlinks=False):
                dirs[:] = sorted(
                    d
                    for d in dirs
                    if d not in BUILTIN_EXCLUDES
                    and not d.endswith(".egg-info")
                    and not (excluding and config.is_excluded(os.path.join(root, d)))
                )
                real_root = os.path.realpath(root)
                for filename in sorted(files):
                    if filename.endswith(".py"):
                        full = os.path.join(root, filename)
                        if excluding and config.is_excluded(full):
                            continue
                        key = os.path.join(real_root, filename)
                        if os.path.islink(full):
                            key = os.path.realpath(full)
                        if key not in seen:
                            seen.add(key)
                            yield _display(full)
        else:
            # A file named on the command line is checked whatever its name, unless the
            # user's own exclude patterns match it (pre-commit passes every staged file).
            if config.is_excluded(given):
                continue
            key = os.path.realpath(given)
            if key not in seen:
                seen.add(key)
                yield _display(given)


def _display(path: str) -> str:
    return path[2:] if path.startswith("./") else path


def module_name_for(path: str) -> str:
    """Dotted module name from the path, walking up through package ``__init__.py`` files."""
    directory, filename = os.path.split(os.path.abspath(path))
    stem = filename[:-3] if filename.endswith(".py") else filename
    package = _package_of(directory)
    if stem == "__init__":
        return package or stem
    return f"{package}.{stem}" if package else stem


@lru_cache(maxsize=4096)
def _package_of(directory: str) -> str:
    """The dotted package a folder is, or ``""`` when it has no ``__init__.py``."""
    if not os.path.isfile(os.path.join(directory, "__init__.py")):
        return ""
    parent, name = os.path.split(directory)
    if not name:
        return ""
    outer = _package_of(parent)
    return f"{outer}.{name}" if outer else name


