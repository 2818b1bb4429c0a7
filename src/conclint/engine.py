"""Which files, in what order: discover -> per-file pass -> project pass -> filter.

The per-file pass parses each file once with LibCST and runs the shared analysis and all
enabled rules in one batched traversal. Positions are computed only for files that have
something to report. Results are compact (diagnostics, a module summary and the ``noqa``
map), so they cross process boundaries cheaply.
"""

from __future__ import annotations

import ast
import io
import os
import re
import tokenize
import sys
import traceback
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Dict, FrozenSet, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from conclint.analysis import ModuleAnalyzer, ModuleFacts, ModuleSummary
from conclint.analysis.positions import call_spans
from conclint.analysis.project import Project
from conclint.analysis.traversal import walk
from conclint.config import BUILTIN_EXCLUDES, Config
from conclint.diagnostic import Diagnostic, Edit, Fix, TraceStep
from conclint.knowledge.catalogue import Catalogue
from conclint.rules import ALL_RULES, Report, Rule, project_rules_for, rules_for
from conclint.rules.base import NodeFix
from conclint.suppress import NoqaMap, is_suppressed, matches_any, noqa_map


@dataclass(frozen=True)
class Settings:
    """What a worker needs to analyse a file; small and picklable."""

    codes: FrozenSet[str]
    blocking: Tuple[Tuple[str, str], ...] = ()
    executor_wrappers: Tuple[str, ...] = ()

    @classmethod
    def from_config(cls, config: Config) -> "Settings":
        return cls(config.enabled_codes(ALL_RULES), config.blocking, config.executor_wrappers)


@dataclass(frozen=True)
class FileResult:
    path: str
    diagnostics: Tuple[Diagnostic, ...]
    summary: Optional[ModuleSummary] = None
    noqa: NoqaMap = field(default_factory=dict)


@dataclass
class RunResult:
    diagnostics: List[Diagnostic]
    files: int
    suppressed: int = 0

    @property
    def internal_errors(self) -> int:
        return sum(1 for d in self.diagnostics if d.code == "CCL009")


_CATALOGUES: Dict[Tuple[Tuple[str, str], ...], Catalogue] = {}


def _catalogue(blocking: Tuple[Tuple[str, str], ...]) -> Catalogue:
    catalogue = _CATALOGUES.get(blocking)
    if catalogue is None:
        catalogue = _CATALOGUES[blocking] = Catalogue.build(dict(blocking))
    return catalogue


# -- module names ------------------------------------------------------------------------
def module_name_for(path: str) -> str:
    """Dotted module name from the path, walking up through package ``__init__.py`` files."""
    path = os.path.abspath(path)
    directory, filename = os.path.split(path)
    stem = filename[:-3] if filename.endswith(".py") else filename
    parts = [] if stem == "__init__" else [stem]
    while os.path.isfile(os.path.join(directory, "__init__.py")):
        directory, package = os.path.split(directory)
        parts.append(package)
        if not package:
            break
    return ".".join(reversed(parts)) or stem


# -- the per-file pass ---------------------------------------------------------------------
def analyze_source(
    source: Union[str, bytes],
    path: str,
    settings: Settings,
    module_name: Optional[str] = None,
) -> FileResult:
    """Lint one module's source. Never raises: problems become CCL00x diagnostics."""
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError as exc:
        return _syntax_error(source, path, exc, settings)
    except (UnicodeDecodeError, LookupError, SyntaxError) as exc:
        return _tool_result(path, "CCL002", f"cannot decode file: {exc}", 1, 1, settings)
    except RecursionError:
        return _tool_result(path, "CCL001", "syntax error: the code is nested too deeply to parse", 1, 1, settings)
    except Exception as exc:  # the parser itself failed: report, never crash the run
        return _tool_result(path, "CCL009", f"internal error in the parser: {exc!r}", 1, 1, settings)
    if isinstance(source, bytes):
        try:
            text = source.decode(module.encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            return _tool_result(path, "CCL002", f"cannot decode file: {exc}", 1, 1, settings)
        if text.startswith("\ufeff"):
            text = text[1:]
    else:
        text = source
    name = module_name if module_name is not None else module_name_for(path)
    return _run_rules(module, text, path, name, settings)


def _syntax_error(source: Union[str, bytes], path: str, exc: cst.ParserSyntaxError, settings: Settings) -> FileResult:
    """CPython's own message and position where it also rejects the code (they are the
    ones users know); LibCST's where only LibCST does (syntax newer than it supports)."""
    try:
        compile(source, path, "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as py_exc:
        line = py_exc.lineno or 1
        column = py_exc.offset or 1
        return _tool_result(path, "CCL001", f"syntax error: {py_exc.msg}", line, column, settings)
    except (ValueError, RecursionError, MemoryError):
        pass
    message = " ".join(str(exc.message).split())
    return _tool_result(path, "CCL001", f"syntax error (LibCST): {message}", exc.raw_line, exc.raw_column + 1, settings)


def _tool_result(path: str, code: str, message: str, line: int, column: int, settings: Settings) -> FileResult:
    return FileResult(path, (Diagnostic(path, max(line, 1), max(column, 1), code, message),))


def _run_rules(module: cst.Module, text: str, path: str, name: str, settings: Settings) -> FileResult:
    catalogue = _catalogue(settings.blocking)
    rule_classes = rules_for(settings.codes)
    errors: List[Diagnostic] = []
    while True:
        facts = ModuleFacts(module, path, name, catalogue, settings.executor_wrappers)
        analyzer = ModuleAnalyzer(facts)
        rules = [cls(facts) for cls in rule_classes]
        wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
        try:
            _traverse(wrapper, [analyzer, *rules])
        except RecursionError:
            errors.append(Diagnostic(path, 1, 1, "CCL001", "the code is nested too deeply to analyse"))
            return FileResult(path, tuple(errors))
        except Exception as exc:
            culprit = _blame(exc, rules)
            if culprit is None:
                errors.append(_internal_error(path, "the shared analysis", exc))
                return FileResult(path, tuple(errors))
            errors.append(_internal_error(path, f"{culprit.code} ({culprit.name})", exc))
            rule_classes = [cls for cls in rule_classes if cls is not type(culprit)]
            continue
        break
    reports: List[Report] = []
    for rule in rules:
        try:
            rule.finish()
        except Exception as exc:
            errors.append(_internal_error(path, f"{rule.code} ({rule.name})", exc))
            continue
        reports.extend(rule.reports)
    diagnostics = _position(wrapper, facts, text, reports, path) if reports else []
    diagnostics.extend(errors)
    try:
        summary = facts.summary()
    except Exception as exc:
        diagnostics.append(_internal_error(path, "the module summary", exc))
        summary = None
    return FileResult(path, tuple(_one_per_site(diagnostics)), summary, noqa_map(text))


def _traverse(wrapper: MetadataWrapper, visitors: Sequence[cst.BatchableCSTVisitor]) -> None:
    """One traversal for the analysis and every rule; metadata only if a rule declares it."""
    if any(v.get_inherited_dependencies() for v in visitors):
        with ExitStack() as stack:
            for visitor in visitors:
                stack.enter_context(visitor.resolve(wrapper))
            walk(wrapper.module, visitors)
    else:
        walk(wrapper.module, visitors)


def _blame(exc: BaseException, rules: Sequence[Rule]) -> Optional[Rule]:
    """The rule whose method raised, found in the traceback."""
    by_id = {id(rule): rule for rule in rules}
    culprit = None
    tb = exc.__traceback__
    while tb is not None:
        candidate = tb.tb_frame.f_locals.get("self")
        if id(candidate) in by_id:
            culprit = by_id[id(candidate)]
        tb = tb.tb_next
    return culprit


def _internal_error(path: str, where: str, exc: BaseException) -> Diagnostic:
    frames = traceback.extract_tb(exc.__traceback__)[-2:]
    trail = " <- ".join(f"{os.path.basename(f.filename)}:{f.lineno}" for f in reversed(frames))
    return Diagnostic(path, 1, 1, "CCL009", f"internal error in {where}: {type(exc).__name__}: {exc} [{trail}]")


def _position(
    wrapper: MetadataWrapper, facts: ModuleFacts, text: str, reports: List[Report], path: str
) -> List[Diagnostic]:
    """Diagnostics at 1-based positions. Calls are placed with ``ast`` (cheap); other nodes,
    or a module where the two parsers disagree, with LibCST's PositionProvider."""
    spans: Dict[int, Tuple[int, int, int, int]] = {}
    if any(isinstance(r.node, cst.Call) for r in reports):
        located = call_spans(text, len(facts.calls))
        if located is not None:
            spans = {id(site.node): span for site, span in zip(facts.calls, located)}
    positions = None

    def span_of(node: cst.CSTNode) -> Tuple[int, int, int, int]:
        nonlocal positions
        span = spans.get(id(node))
        if span is None:
            if positions is None:
                positions = wrapper.resolve(PositionProvider)
            where = positions[node]
            span = (where.start.line, where.start.column + 1, where.end.line, where.end.column + 1)
        return span

    offsets = LineOffsets(text) if any(r.fix for r in reports) else None
    diagnostics = []
    for report in reports:
        line, column, end_line, end_column = span_of(report.node)
        fix = None
        if report.fix is not None and offsets is not None:
            fix = _offset_fix(report.fix, span_of, offsets, text, facts)
        diagnostics.append(
            Diagnostic(path, line, column, report.code, report.message, end_line, end_column, fix, report.trace)
        )
    return diagnostics


class LineOffsets:
    """(line, column) <-> character offset in a text, with every kind of line ending."""

    def __init__(self, text: str) -> None:
        self.starts = [0]
        for match in _LINE_BREAK.finditer(text):
            self.starts.append(match.end())

    def offset(self, line: int, column: int) -> int:
        return self.starts[min(line, len(self.starts)) - 1] + column - 1


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _offset_fix(fix: NodeFix, span_of, offsets: LineOffsets, text: str, facts: ModuleFacts) -> Optional[Fix]:
    edits = []
    for node, code in fix.replacements:
        line, column, end_line, end_column = span_of(node)
        edits.append(Edit(offsets.offset(line, column), offsets.offset(end_line, end_column), code))
    for module in fix.imports:
        insertion = import_insertion(text, module)
        if insertion is None:
            return None
        if insertion:
            edits.append(Edit(insertion[0], insertion[0], insertion[1]))
    return Fix(fix.description, tuple(sorted(edits, key=lambda e: (e.start, e.end))), fix.applicability)


def import_insertion(text: str, module: str) -> Optional[Tuple[int, str]]:
    """Where and what to insert so that ``import module`` is at the top of the module:
    after the docstring, ``__future__`` imports and the top-level imports. ``()`` when
    the module is already imported plainly; ``None`` when the module cannot be parsed."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    after = 0
    for index, statement in enumerate(tree.body):
        if isinstance(statement, ast.Import):
            if any(alias.name == module and alias.asname is None for alias in statement.names):
                return ()  # type: ignore[return-value]
            after = statement.end_lineno or statement.lineno
        elif isinstance(statement, ast.ImportFrom):
            after = statement.end_lineno or statement.lineno
        elif index == 0 and isinstance(statement, ast.Expr) and isinstance(getattr(statement, "value", None), ast.Constant) and isinstance(statement.value.value, str):
            after = statement.end_lineno or statement.lineno
        else:
            break
    newline = "\r\n" if "\r\n" in text else "\n"
    offsets = LineOffsets(text)
    if after >= len(offsets.starts):
        # The last import is the last line, without a newline after it.
        return len(text), f"{newline}import {module}{newline}"
    return offsets.starts[after], f"import {module}{newline}"


def _one_per_site(diagnostics: List[Diagnostic]) -> List[Diagnostic]:
    """One finding per site and code, in source order."""
    seen = set()
    unique = []
    for diagnostic in sorted(diagnostics):
        key = (diagnostic.line, diagnostic.column, diagnostic.code)
        if key not in seen:
            seen.add(key)
            unique.append(diagnostic)
    return unique


def analyze_file(path: str, settings: Settings) -> FileResult:
    try:
        with open(path, "rb") as handle:
            source = handle.read()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        return _tool_result(path, "CCL002", f"cannot read file: {reason}", 1, 1, settings)
    return analyze_source(source, path, settings)


def _analyze_chunk(paths: Sequence[str], settings: Settings) -> List[FileResult]:
    return [analyze_file(path, settings) for path in paths]


# -- discovery --------------------------------------------------------------------------------
def discover(paths: Sequence[str], config: Config) -> Iterator[str]:
    """Python files under ``paths``, minus built-in and configured excludes, each once."""
    seen = set()
    for given in paths:
        if os.path.isdir(given):
            for root, dirs, files in os.walk(given, followlinks=False):
                dirs[:] = sorted(
                    d
                    for d in dirs
                    if d not in BUILTIN_EXCLUDES
                    and not d.endswith(".egg-info")
                    and not config.is_excluded(os.path.join(root, d))
                )
                for filename in sorted(files):
                    if filename.endswith((".py", ".pyi")):
                        full = os.path.join(root, filename)
                        if not config.is_excluded(full):
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


# -- the run ------------------------------------------------------------------------------------
def check_paths(
    paths: Sequence[str],
    config: Optional[Config] = None,
    jobs: Optional[int] = None,
) -> RunResult:
    """Lint files and folders; the library entry point behind ``conclint check``."""
    config = config or Config()
    settings = Settings.from_config(config)
    files = list(discover(paths or ["."], config))
    results = _run_per_file(files, settings, jobs)
    extra = project_pass(results, settings, config.root)
    return _finish(results, config, settings, extra)


def check_source(
    source: Union[str, bytes],
    path: str = "<stdin>",
    config: Optional[Config] = None,
) -> List[Diagnostic]:
    """Lint one module given as text or bytes; returns the diagnostics that survive filters.

    Modules it imports from the project are read from disk, relative to ``path``."""
    config = config or Config()
    settings = Settings.from_config(config)
    result = analyze_source(source, path, settings)
    extra = project_pass([result], settings, config.root, {path: source} if source is not None else None)
    return _finish([result], config, settings, extra).diagnostics


def _run_per_file(files: List[str], settings: Settings, jobs: Optional[int]) -> List[FileResult]:
    jobs = jobs or os.cpu_count() or 1
    if jobs <= 1 or len(files) < 16:
        return [analyze_file(path, settings) for path in files]
    # Chunks amortise the per-task overhead of small files; several chunks per worker keep
    # both busy when file sizes are uneven.
    size = max(1, min(64, len(files) // (jobs * 8)))
    chunks = [files[i : i + size] for i in range(0, len(files), size)]
    results: List[FileResult] = []
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        for chunk_results in pool.map(_analyze_chunk, chunks, [settings] * len(chunks)):
            results.extend(chunk_results)
    return results


# -- the project pass ------------------------------------------------------------------------------
def project_pass(
    results: Sequence[FileResult],
    settings: Settings,
    root: str,
    sources: Optional[Dict[str, Union[str, bytes]]] = None,
) -> List[Diagnostic]:
    """Join the module summaries and run the interprocedural rules (CCL110)."""
    rules = project_rules_for(settings.codes)
    checked = [r.summary for r in results if r.summary is not None]
    if not rules or not checked:
        return []
    summary_only = Settings(frozenset(), settings.blocking, settings.executor_wrappers)

    def load(path: str) -> Optional[ModuleSummary]:
        return analyze_file(path, summary_only).summary

    project = Project(checked, load, root)
    locator = CallLocator(project, sources or {})
    diagnostics = []
    for rule in rules:
        try:
            findings = list(rule.check_project(project, checked))
        except Exception as exc:
            diagnostics.append(_internal_error(checked[0].path, f"{rule.code} ({rule.name}) in the project pass", exc))
            continue
        for finding in findings:
            span = locator.span(finding.path, finding.call)
            if span is None:
                continue
            trace = []
            for path, call, text in finding.trace:
                step = locator.span(path, call)
                if step is not None:
                    trace.append(TraceStep(path, step[0], step[1], text))
            line, column, end_line, end_column = span
            fix = None
            if finding.fix is not None:
                offset = locator.offset(finding.path, line, column)
                if offset is not None:
                    description, applicability, text = finding.fix
                    fix = Fix(description, (Edit(offset, offset, text),), applicability)
            diagnostics.append(
                Diagnostic(finding.path, line, column, finding.code, finding.message, end_line, end_column, fix, tuple(trace))
            )
    return diagnostics


class CallLocator:
    """Positions of calls by index, for the few that the project pass reports: ``ast``
    first (cheap), LibCST's PositionProvider when the two parsers count differently."""

    def __init__(self, project: Project, sources: Dict[str, Union[str, bytes]]) -> None:
        self.project = project
        self.sources = sources
        self._spans: Dict[str, Optional[List[Tuple[int, int, int, int]]]] = {}
        self._texts: Dict[str, str] = {}

    def offset(self, path: str, line: int, column: int) -> Optional[int]:
        """Character offset of a position, in the text the spans were computed on."""
        text = self._texts.get(path)
        return LineOffsets(text).offset(line, column) if text is not None else None

    def span(self, path: str, index: int) -> Optional[Tuple[int, int, int, int]]:
        if path not in self._spans:
            self._spans[path] = self._locate(path)
        spans = self._spans[path]
        return spans[index] if spans is not None and 0 <= index < len(spans) else None

    def _locate(self, path: str) -> Optional[List[Tuple[int, int, int, int]]]:
        source = self.sources.get(path)
        if source is None:
            try:
                with open(path, "rb") as handle:
                    source = handle.read()
            except OSError:
                return None
        summary = self.project.by_path.get(os.path.abspath(path))
        text = _decode(source)
        if text is not None:
            self._texts[path] = text
        if summary is not None:
            spans = call_spans(text, summary.call_count) if text is not None else None
            if spans is not None:
                return spans
        # The parsers disagree (or the file changed): count the calls as LibCST does.
        try:
            module = cst.parse_module(source)
        except Exception:
            return None
        calls: List[cst.Call] = []

        class Calls(cst.BatchableCSTVisitor):
            def visit_Call(self, node: cst.Call) -> None:
                calls.append(node)

        walk(module, [Calls()])
        if summary is not None and summary.call_count != len(calls):
            return None  # the file changed since it was analysed
        positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
        spans = []
        for call in calls:
            where = positions[call]
            spans.append((where.start.line, where.start.column + 1, where.end.line, where.end.column + 1))
        return spans


def _decode(source: Union[str, bytes]) -> Optional[str]:
    if isinstance(source, str):
        return source
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
        text = source.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError):
        return None
    return text[1:] if text.startswith("\ufeff") else text


def _finish(
    results: Iterable[FileResult],
    config: Config,
    settings: Settings,
    extra: Sequence[Diagnostic] = (),
) -> RunResult:
    kept: List[Diagnostic] = []
    suppressed = 0
    files = 0
    by_path: Dict[str, List[Diagnostic]] = {}
    for diagnostic in extra:
        by_path.setdefault(diagnostic.path, []).append(diagnostic)
    for result in results:
        files += 1
        ignored = config.ignored_for(result.path)
        for diagnostic in (*result.diagnostics, *by_path.get(result.path, ())):
            if diagnostic.code not in settings.codes or matches_any(diagnostic.code, ignored):
                continue
            if is_suppressed(diagnostic.code, diagnostic.line, result.noqa):
                suppressed += 1
                continue
            kept.append(diagnostic)
    kept.sort()
    return RunResult(kept, files, suppressed)
