"""The project pass: join the module summaries into one project, run the interprocedural
rules over it, and place what they find. Modules the checked files import are summarised
from disk on demand."""

from __future__ import annotations

import gc
import os
from dataclasses import asdict, replace
from typing import Dict, List, Optional, Sequence, Tuple, Union

from conclint.analysis import ModuleSummary
from conclint.analysis.project import Libraries, Project
from conclint.analysis.summary import Call
from conclint.cache import Cache, LibraryCache, digest
from conclint.diagnostic import Diagnostic
from conclint.engine import per_file
from conclint.engine.discovery import module_name_for
from conclint.engine.libraries import library_roots, on_every_path
from conclint.engine.placing import CallLocator, place
from conclint.engine.reuse import contents_of, dependencies_unchanged, placed_before, project_inputs, replace_moved, unedited_files
from conclint.engine.source import decode_lenient
from conclint.engine.settings import FileResult, Settings, catalogue_for
from conclint.rules import project_rules_for, without_superseded
from conclint.rules.interprocedural import ProjectFinding


def project_pass(
    results: Sequence[FileResult],
    settings: Settings,
    root: str,
    sources: Optional[Dict[str, Union[str, bytes]]] = None,
    cache: Optional[Cache] = None,
    reuse: bool = True,
) -> List[Diagnostic]:
    """The project pass's findings (:func:`_project_pass`), less those a per-file finding
    at the same place supersedes (a dropped coroutine on a thread is CCL306, not CCL501)."""
    found = _project_pass(results, settings, root, sources, cache, reuse)
    return without_superseded(found, (d for result in results for d in result.diagnostics))


def _project_pass(
    results: Sequence[FileResult],
    settings: Settings,
    root: str,
    sources: Optional[Dict[str, Union[str, bytes]]] = None,
    cache: Optional[Cache] = None,
    reuse: bool = True,
) -> List[Diagnostic]:
    """Join the module summaries and run the interprocedural rules (CCL110, CCL501).

    With a ``cache``, summaries of unchanged modules come from it; with ``reuse`` too, so
    does the whole result when no summary and no module read from disk changed (not for
    an editor's unsaved buffer). Then only findings that touch an edited file are placed
    again, since the edit may have moved their calls."""
    rules = project_rules_for(settings.codes)
    if not rules or not results:
        return []
    summary_only = Settings(
        frozenset(), settings.blocking, settings.executor_wrappers, thread_callbacks=settings.thread_callbacks
    )
    inputs = None
    if cache is not None and reuse:
        inputs = project_inputs(results, cache)
        previous = cache.project
        if previous is not None and previous.inputs == inputs and dependencies_unchanged(previous.dependencies, cache):
            return replace_moved(results, cache, previous)
        for result in results:
            if result.summary is None and result.cached:
                full = os.path.abspath(result.path)
                result.summary = cache.checked_summary(full)
                entry = cache.results.get(full)
                if result.summary is None and entry is not None and entry.summary_digest is not None:
                    # The results are cached but the summaries file was lost: summarise again.
                    result.summary = per_file.analyze_file(result.path, summary_only).summary
    checked = [r.summary for r in results if r.summary is not None]
    if not checked:
        return []

    def load(path: str) -> Optional[ModuleSummary]:
        if cache is not None:
            try:
                stat = os.stat(path)
            except OSError:
                return None
            summary = cache.summary(path, stat)
            if summary is not None:
                return summary
        result = per_file.analyze_file(path, summary_only)
        gc.collect(0)  # as for a library file, below
        if cache is not None and result.summary is not None:
            try:
                with open(path, "rb") as handle:
                    cache.store_summary(path, os.stat(path), digest(handle.read()), result.summary)
            except OSError:
                pass
        return result.summary

    project = Project(checked, load, root, _libraries(settings, summary_only, root) if needs_libraries(rules) else None)
    locator = CallLocator(project.by_path.get, sources or {})
    # Findings that were already found and placed last time, in files left as they were,
    # keep their positions: placing needs each file's text and ``ast``.
    known: Dict[ProjectFinding, Optional[Diagnostic]] = {}
    contents = None
    if inputs is not None and cache.project is not None:
        contents = contents_of(results, cache)
        unedited = unedited_files(results, contents, cache.project)
        known = {f: d for f, d in cache.project.placed if f is not None and placed_before(f, unedited)}
    placed: List[Tuple[Optional[ProjectFinding], Optional[Diagnostic]]] = []
    diagnostics = []
    for rule in rules:
        try:
            findings = list(rule.check_project(project, checked))
        except Exception as exc:
            error = per_file.internal_error(checked[0].path, f"{rule.code} ({rule.name}) in the project pass", exc)
            placed.append((None, error))
            diagnostics.append(error)
            continue
        for finding in findings:
            diagnostic = known[finding] if finding in known else place(finding, locator)
            placed.append((finding, diagnostic))
            if diagnostic is not None:
                diagnostics.append(diagnostic)
    if cache is not None and inputs is not None:
        dependencies = {}
        for path in project.loaded:
            try:
                stat = os.stat(path)
                dependencies[path] = (stat.st_mtime_ns, stat.st_size)
            except OSError:
                dependencies[path] = None
        cache.set_project(inputs, placed, (dependencies, sorted(project.absent)), contents or contents_of(results, cache))
    return diagnostics




#: A library module bigger than this is generated data or a vendored bundle (emoji's 3 MB
#: table of names), not code a project calls into: LibCST needs 9 s and 0.9 GB for that
#: one file, so it is not followed.
LIBRARY_MAX_BYTES = 512 * 1024


def needs_libraries(rules: Sequence[type]) -> bool:
    return any(getattr(rule, "follows_libraries", False) for rule in rules)


def _libraries(settings: Settings, summary_only: Settings, root: str) -> Optional[Libraries]:
    """What the project pass needs to follow calls into the installed libraries; ``None``
    when ``follow-libraries = false`` or no library folder exists."""
    try:
        roots = library_roots(settings, root)
    except (OSError, ValueError):
        roots = ()  # an environment that cannot be looked at: no libraries, as before
    if not roots:
        return None
    cache = LibraryCache(asdict(summary_only))

    def load(path: str) -> Optional[ModuleSummary]:
        """A library file's summary, from the user cache when its content was seen before
        (in any project); ``None`` when it cannot be read or parsed, or is too big to be
        code a project calls into."""
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError:
            return None
        if len(data) > LIBRARY_MAX_BYTES:
            return None
        module = module_name_for(path)
        content = digest(data)
        hit, summary = cache.get(content, module)
        if not hit:
            summary = per_file.analyze_source(data, path, summary_only, module).summary
            # The run pauses automatic collection: free this file's syntax tree now, as
            # the workers do after each file (summarising the 2,067 library modules
            # homeassistant's integrations reach peaked at 1.1 GB without it, 0.73 GB with).
            gc.collect(0)
            if summary is not None:
                text = decode_lenient(data)
                summary = on_every_path(summary, text) if text is not None else summary
            cache.put(content, module, summary)
        if summary is not None and summary.path != path:
            summary = replace(summary, path=path)
        return summary

    catalogue = catalogue_for(settings.blocking)

    def catalogued(call: Call) -> bool:
        owner, _, attr = call.callee.rpartition(".")
        owner = owner[:-2] if owner.endswith("()") else owner
        if call.bound:
            return owner in catalogue.types
        name = call.callee
        return (
            name in catalogue.calls
            or name in catalogue.types
            or name in catalogue.factories
            or owner in catalogue.types
        )

    return Libraries(roots, load, catalogued)
