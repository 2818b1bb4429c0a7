"""Reusing the last project pass: when no summary and no module read from disk changed
(a comment, a constant), the cached findings stand, and only those pointing into an
edited file are placed again."""

from __future__ import annotations

import os
from typing import Dict, List, Optional, Sequence, Set

from conclint.analysis import ModuleSummary
from conclint.cache import Cache, ProjectEntry, digest
from conclint.diagnostic import Diagnostic
from conclint.engine.placing import CallLocator, place
from conclint.engine.settings import FileResult
from conclint.rules.interprocedural import ProjectFinding


def contents_of(results: Sequence[FileResult], cache: Cache) -> Dict[str, Optional[str]]:
    contents = {}
    for result in results:
        entry = cache.results.get(os.path.abspath(result.path))
        contents[os.path.abspath(result.path)] = entry.digest if entry else None
    return contents


def unedited_files(results: Sequence[FileResult], now: Dict[str, Optional[str]], previous: ProjectEntry) -> Set[str]:
    """Files as they were in the previous project pass: checked files with the same
    content, by the path shown and the absolute path (findings use either), and modules
    it read from disk with the same size and mtime."""
    before = previous.contents
    same = set()
    for result in results:
        full = os.path.abspath(result.path)
        content = now.get(full)
        if content is not None and before.get(full) == content:
            same.add(full)
            same.add(result.path)
    for path, seen in previous.dependencies[0].items():
        try:
            stat = os.stat(path)
        except OSError:
            continue
        if seen is not None and (stat.st_mtime_ns, stat.st_size) == tuple(seen):
            same.add(path)
    return same


def placed_before(finding: ProjectFinding, unedited: Set[str]) -> bool:
    """Whether the position found last time still holds: every file the finding points
    into (its call and each step of its trace) is left as it was."""
    return finding.path in unedited and all(step[0] in unedited for step in finding.trace)


def replace_moved(results: Sequence[FileResult], cache: Cache, previous: ProjectEntry) -> List[Diagnostic]:
    """The cached project findings, placed again where they point into files edited since
    (same summaries, so the same findings, but their calls may have moved)."""
    placed = previous.placed
    unedited = unedited_files(results, contents_of(results, cache), previous)
    fresh = {os.path.abspath(r.path): r.summary for r in results if r.summary is not None}

    def summary_of(path: str) -> Optional[ModuleSummary]:
        summary = fresh.get(path) or cache.checked_summary(path)
        if summary is None:
            try:
                summary = cache.summary(path, os.stat(path))  # a module read from disk
            except OSError:
                pass
        return summary

    locator = CallLocator(summary_of, {})
    diagnostics = []
    for finding, diagnostic in placed:
        if finding is not None and not placed_before(finding, unedited):
            diagnostic = place(finding, locator)
        if diagnostic is not None:
            diagnostics.append(diagnostic)
    return diagnostics


def project_inputs(results: Sequence[FileResult], cache: Cache) -> str:
    """A digest of what the project pass reads of the checked files: paths, module names
    and summaries (by the digest of the content that produced each summary)."""
    parts = []
    for result in results:
        entry = cache.results.get(os.path.abspath(result.path))
        parts.append(f"{result.path}\0{entry.summary_digest if entry else '?'}\0{entry.module if entry else '?'}")
    return digest("\n".join(parts).encode("utf-8", "surrogateescape"))


def dependencies_unchanged(dependencies, cache: Cache) -> bool:
    loaded, absent = dependencies
    for path, seen in loaded.items():
        try:
            stat = os.stat(path)
        except OSError:
            if seen is not None:
                return False
            continue
        if seen is None or (stat.st_mtime_ns, stat.st_size) != tuple(seen):
            return False
    return not any(os.path.exists(path) for path in absent)


