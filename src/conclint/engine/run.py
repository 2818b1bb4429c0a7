"""A whole run: discover -> per-file pass (cached, in workers) -> project pass -> filter.
The library entry points ``check_paths`` and ``check_source`` live here."""

from __future__ import annotations

import os
from dataclasses import replace
import stat as stat_module
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple, Union

from conclint.cache import Cache, digest, settings_key
from conclint.config import Config
from conclint.diagnostic import Diagnostic
from conclint.engine import discovery, per_file
from conclint.engine.discovery import module_name_for
from conclint.engine.project_pass import project_pass
from conclint.engine.settings import FileResult, RunResult, Settings
from conclint.engine.source import MAX_BYTES
from conclint.engine.workers import analyze_many, gc_paused
from conclint.knowledge.test_code import reported_in_tests
from conclint.suppress import is_suppressed, matches_any


def check_paths(
    paths: Sequence[str],
    config: Optional[Config] = None,
    jobs: Optional[int] = None,
    cache_dir: Optional[str] = None,
    progress: Optional[Callable[[int, int], None]] = None,
) -> RunResult:
    """Lint files and folders; the library entry point behind ``conclint check``.

    With ``cache_dir``, unchanged files (and an unchanged project) are not analysed again."""
    with gc_paused():
        return _check_paths(paths, config, jobs, cache_dir, progress)


def _check_paths(
    paths: Sequence[str],
    config: Optional[Config],
    jobs: Optional[int],
    cache_dir: Optional[str],
    progress: Optional[Callable[[int, int], None]],
) -> RunResult:
    config = config or Config()
    settings = Settings.from_config(config)
    unlistable: List[str] = []
    files = list(discovery.discover(paths or ["."], config, unlistable))
    cache = Cache(cache_dir, settings_key(settings, config.root)) if cache_dir else None
    results = _run_per_file(files, settings, jobs, cache, progress)
    for folder in unlistable:
        results.append(FileResult(folder, (Diagnostic(folder, 1, 1, "CCL002", "cannot list folder: permission denied or gone"),)))
    extra = project_pass(results, settings, config.root, cache=cache)
    if cache is not None:
        cache.prune(os.path.abspath(f) for f in files)
        cache.save()
    return filter_results(results, config, settings, extra)


def check_source(
    source: Union[str, bytes],
    path: str = "<stdin>",
    config: Optional[Config] = None,
    cache: Optional[Cache] = None,
) -> List[Diagnostic]:
    """Lint one module given as text or bytes; returns the diagnostics that survive filters.

    Modules it imports from the project are read from disk, relative to ``path``; with a
    ``cache`` (an editor keeps one open), their summaries are reused while unchanged."""
    config = config or Config()
    settings = Settings.from_config(config)
    result = per_file.analyze_source(source, path, settings)
    extra = project_pass(
        [result], settings, config.root, {path: source} if source is not None else None, cache=cache, reuse=False
    )
    return filter_results([result], config, settings, extra).diagnostics


def _run_per_file(
    files: List[str],
    settings: Settings,
    jobs: Optional[int],
    cache: Optional[Cache] = None,
    progress: Optional[Callable[[int, int], None]] = None,
) -> List[FileResult]:
    results: Dict[str, FileResult] = {}
    todo = files
    stats: Dict[str, Tuple[os.stat_result, str, str]] = {}
    if cache is not None:
        todo = []
        for path in files:
            full = os.path.abspath(path)
            try:
                stat = os.stat(full)
            except OSError:
                todo.append(path)
                continue
            if not stat_module.S_ISREG(stat.st_mode) or stat.st_size > MAX_BYTES:
                todo.append(path)  # analyze_file reports it without reading it
                continue
            module = module_name_for(full)
            entry = cache.lookup(full, stat, module)
            if entry is None:
                try:
                    with open(full, "rb") as handle:
                        content = digest(handle.read())
                except OSError:
                    todo.append(path)
                    continue
                entry = cache.lookup_digest(full, content, module)
                if entry is not None:
                    cache.touch(full, stat)
                else:
                    stats[path] = (stat, module, content)
                    todo.append(path)
                    continue
            results[path] = FileResult(path, _relocate(entry.diagnostics, path), None, entry.noqa, cached=True)
    fresh = analyze_many(todo, settings, jobs, progress, len(files) - len(todo), len(files))
    for result in fresh:
        results[result.path] = result
        if cache is not None and result.path in stats:
            stat, module, content = stats[result.path]
            cache.store(os.path.abspath(result.path), stat, module, content, result)
    return [results[path] for path in files if path in results]


def _relocate(diagnostics: Tuple[Diagnostic, ...], path: str) -> Tuple[Diagnostic, ...]:
    """Cached diagnostics carry the path as it was displayed then (another working folder)."""
    if all(d.path == path for d in diagnostics):
        return diagnostics
    return tuple(replace(d, path=path) for d in diagnostics)


def filter_results(
    results: Iterable[FileResult],
    config: Config,
    settings: Settings,
    extra: Sequence[Diagnostic] = (),
) -> RunResult:
    """select/ignore, ``per-file-ignores``, ``# noqa``, then ``test-policy``: a finding
    counts as left out in tests only if nothing else would have hidden it."""
    kept: List[Diagnostic] = []
    suppressed = 0
    left_out = 0
    files = 0
    by_path: Dict[str, List[Diagnostic]] = {}
    for diagnostic in extra:
        by_path.setdefault(diagnostic.path, []).append(diagnostic)
    for result in results:
        files += 1
        ignored = config.ignored_for(result.path)
        limited = config.limits_tests(result.path)
        for diagnostic in (*result.diagnostics, *by_path.get(result.path, ())):
            if diagnostic.code not in settings.codes or matches_any(diagnostic.code, ignored):
                continue
            if is_suppressed(diagnostic.code, diagnostic.line, result.noqa):
                suppressed += 1
                continue
            if limited and not reported_in_tests(diagnostic.code):
                left_out += 1
                continue
            kept.append(diagnostic)
    kept.sort()
    return RunResult(kept, files, suppressed, left_out)
