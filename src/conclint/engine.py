"""Which files, in what order: discover -> per-file pass -> project pass -> filter.

The per-file pass parses each file once with LibCST and runs the shared analysis and all
enabled rules in one batched traversal. Positions are computed only for files that have
something to report. Results are compact (diagnostics, a module summary and the ``noqa``
map), so they cross process boundaries cheaply.
"""

from __future__ import annotations

import ast
import gc
import io
import os
import re
import stat as stat_module
import sys
import tokenize
import warnings
import traceback
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Callable, Dict, FrozenSet, Iterable, Iterator, List, Optional, Sequence, Set, Tuple, Union

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from conclint.analysis import ModuleAnalyzer, ModuleFacts, ModuleSummary
from conclint.analysis.positions import CORRESPONDING, call_spans, spans_by_type
from conclint.analysis.project import Project
from conclint.cache import Cache, digest, settings_key
from conclint.analysis.traversal import walk
from conclint.config import BUILTIN_EXCLUDES, Config
from conclint.diagnostic import Diagnostic, Edit, Fix, TraceStep
from conclint.knowledge.catalogue import Catalogue
from conclint.rules import ALL_RULES, Report, Rule, project_rules_for, rules_for
from conclint.rules.base import NodeFix
from conclint.rules.interprocedural import ProjectFinding
from conclint.suppress import NoqaMap, is_suppressed, matches_any, noqa_map


@dataclass(frozen=True)
class Settings:
    """What a worker needs to analyse a file; small and picklable."""

    codes: FrozenSet[str]
    blocking: Tuple[Tuple[str, str], ...] = ()
    executor_wrappers: Tuple[str, ...] = ()
    #: ``free-threaded = true``: CPython without the GIL, where CPU-bound threads do run in
    #: parallel, so CCL201 (cpu-bound-in-thread) is off.
    free_threaded: bool = False

    @property
    def triggers(self) -> Optional[Tuple[bytes, ...]]:
        """Words one of which a file must contain to hold a finding of an enabled rule;
        ``None`` when some enabled rule can fire on any file."""
        words: Set[bytes] = set()
        for code in self.codes:
            rule = ALL_RULES.get(code)
            if rule is None or rule.engine_reported:
                continue
            if rule.triggers is None:
                return None
            words.update(rule.triggers)
        if not words:
            return None  # no rules: a summary-only pass, which must parse
        words.update(name.rsplit(".", 1)[-1].encode() for name in self.executor_wrappers)
        return tuple(sorted(words))

    @classmethod
    def from_config(cls, config: Config) -> "Settings":
        codes = config.enabled_codes(ALL_RULES)
        if config.free_threaded:
            codes = codes - {"CCL201"}
        return cls(codes, config.blocking, config.executor_wrappers, config.free_threaded)


@dataclass
class FileResult:
    path: str
    diagnostics: Tuple[Diagnostic, ...]
    summary: Optional[ModuleSummary] = None
    noqa: NoqaMap = field(default_factory=dict)
    #: From the cache: the summary is read from it only if the project pass needs it.
    cached: bool = False


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


# -- the per-file pass ---------------------------------------------------------------------
#: Lines longer than this are generated data, not code to lint, and LibCST's parse time
#: grows with the square of such a line (``a.b.b.b...``): the file is skipped, with a
#: CCL002 saying so.
MAX_LINE = 50_000
#: Files larger than this are skipped (CCL002) rather than read whole.
MAX_BYTES = 20 * 1024 * 1024
#: Expressions nested deeper than this (in ``ast`` nodes) are skipped (CCL002): CPython
#: accepts long chains split over many short lines (``a\n.b\n.b...``), but LibCST's parse
#: time grows faster than the square of their depth (3,000 links: about 3 s) and around
#: 15,000 links it overflows its native stack and kills the process.
MAX_DEPTH = 3_000


def decode_source(data: bytes) -> str:
    """The text of a Python file as the interpreter reads it: a coding cookie or BOM
    decides the encoding (PEP 263), UTF-8 otherwise; a BOM is dropped.

    Raises ``SyntaxError`` (a bad cookie), ``LookupError`` (an unknown codec) or
    ``UnicodeDecodeError``."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    text = data.decode(encoding)
    return text[1:] if text.startswith("\ufeff") else text


def analyze_source(
    source: Union[str, bytes],
    path: str,
    settings: Settings,
    module_name: Optional[str] = None,
) -> FileResult:
    """Lint one module's source. Never raises: problems become CCL00x diagnostics.

    CPython's own parser runs first (about an eighth of LibCST's cost): its positions
    place the findings, its verdict on syntax is the one users know, and it turns away the
    inputs that would overflow LibCST's native stack (CPython limits nesting)."""
    if sys.getrecursionlimit() < 20_000:
        # The walker and LibCST recurse once per nesting level; Python-to-Python calls
        # do not use the C stack (3.11+), so a higher limit is safe.
        sys.setrecursionlimit(20_000)
    if isinstance(source, bytes):
        try:
            text = decode_source(source)
        except (SyntaxError, LookupError, UnicodeDecodeError) as exc:
            return _tool_result(path, "CCL002", f"cannot decode file: {exc}", 1, 1, settings)
    else:
        text = source
    if len(text) > MAX_LINE:
        for number, line in enumerate(text.splitlines(), start=1):
            # A long string literal is harmless; a long chain of code is what LibCST
            # parses in quadratic time.
            if len(line) > MAX_LINE and line.count(".") + line.count("(") + line.count("[") > MAX_LINE // 10:
                return _tool_result(
                    path,
                    "CCL002",
                    f"skipped: line {number} is {len(line):,} characters of code, over the {MAX_LINE:,} that conclint analyses",
                    number,
                    1,
                    settings,
                )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = compile(text, path, "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as exc:
        return _tool_result(path, "CCL001", f"syntax error: {exc.msg}", exc.lineno or 1, exc.offset or 1, settings)
    except ValueError as exc:  # a NUL byte
        return _tool_result(path, "CCL001", f"syntax error: {exc}", 1, 1, settings)
    except (RecursionError, MemoryError):
        return _tool_result(path, "CCL001", "syntax error: the code is nested too deeply to parse", 1, 1, settings)
    deep = _too_deep(tree, MAX_DEPTH) if len(text) > MAX_DEPTH // 2 else None
    if deep is not None:
        return _tool_result(
            path,
            "CCL002",
            f"skipped: the code at line {deep} is nested over {MAX_DEPTH:,} levels deep, more than conclint analyses",
            deep,
            1,
            settings,
        )
    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        # CPython accepts it but LibCST does not: syntax newer than LibCST supports.
        message = " ".join(str(exc.message).split())
        return _tool_result(path, "CCL001", f"syntax error (LibCST): {message}", exc.raw_line, exc.raw_column + 1, settings)
    except RecursionError:
        return _tool_result(path, "CCL001", "syntax error: the code is nested too deeply to parse", 1, 1, settings)
    except Exception as exc:
        # CPython accepts the code but LibCST's parser fails on it (a LibCST limitation,
        # e.g. CSTValidationError on unusual whitespace): the file cannot be checked.
        return _tool_result(path, "CCL001", f"LibCST cannot parse this file: {exc}", 1, 1, settings)
    name = module_name if module_name is not None else module_name_for(path)
    try:
        return _run_rules(module, text, path, name, settings, tree)
    except RecursionError:
        return _tool_result(path, "CCL001", "the code is nested too deeply to analyse", 1, 1, settings)


def _too_deep(tree: ast.AST, limit: int) -> Optional[int]:
    """The line of a node nested more than ``limit`` levels deep, or None.

    Cheap enough for every file: a node on one line spanning fewer than ``limit // 2``
    bytes cannot hold ``limit`` levels (each level adds at least one character, and a
    statement and its expression share a span), so only long or multi-line nodes are
    entered."""
    short = limit // 2
    stack = [(tree, 0, 1)]
    while stack:
        node, depth, line = stack.pop()
        if depth > limit:
            return line
        depth += 1
        for name in node._fields:
            value = getattr(node, name, None)
            children = value if isinstance(value, list) else (value,)
            for child in children:
                if not isinstance(child, ast.AST) or not child._fields:
                    continue  # not a node, or a leaf such as ``Load`` or ``Add``
                start = getattr(child, "lineno", None)
                if start is not None:
                    if child.end_lineno == start and child.end_col_offset - child.col_offset < short:
                        continue
                    stack.append((child, depth, start))
                else:
                    stack.append((child, depth, line))
    return None


def _tool_result(path: str, code: str, message: str, line: int, column: int, settings: Settings) -> FileResult:
    return FileResult(path, (Diagnostic(path, max(line, 1), max(column, 1), code, message),))


def _run_rules(module: cst.Module, text: str, path: str, name: str, settings: Settings, tree: Optional[ast.AST] = None) -> FileResult:
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
    diagnostics = _position(wrapper, facts, text, reports, path, tree) if reports else []
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
    wrapper: MetadataWrapper, facts: ModuleFacts, text: str, reports: List[Report], path: str, tree: Optional[ast.AST] = None
) -> List[Diagnostic]:
    """Diagnostics at 1-based positions. Calls are placed with ``ast`` (cheap); other nodes,
    or a module where the two parsers disagree, with LibCST's PositionProvider."""
    spans: Dict[int, Tuple[int, int, int, int]] = {}
    if any(isinstance(r.node, cst.Call) for r in reports):
        located = call_spans(text, len(facts.calls), tree)
        if located is not None:
            spans = {id(site.node): span for site, span in zip(facts.calls, located)}
    others = {type(r.node).__name__ for r in reports if not isinstance(r.node, cst.Call)}
    if others and others <= set(CORRESPONDING):
        spans.update(_spans_of_types(wrapper.module, text, others, tree))
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


def _spans_of_types(
    module: cst.Module, text: str, names: Set[str], tree: Optional[ast.AST] = None
) -> Dict[int, Tuple[int, int, int, int]]:
    """Positions of every node of some types, by pairing them with ``ast`` nodes: one more
    walk over the tree, much cheaper than PositionProvider's code generation."""
    nodes: Dict[str, List[cst.CSTNode]] = {name: [] for name in names}

    class Collect(cst.BatchableCSTVisitor):
        def get_visitors(self):
            return {f"visit_{name}": nodes[name].append for name in names}

    walk(module, [Collect()])
    located = spans_by_type(text, {name: len(found) for name, found in nodes.items()}, tree)
    if located is None:
        return {}
    return {id(node): span for name, found in nodes.items() for node, span in zip(found, located[name])}


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


_NEWLINE = re.compile(r"\r\n|\r|\n")


@lru_cache(maxsize=8)
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
    # The file's own line ending (the first one, as LibCST's ``default_newline``): an
    # import in another style would mix line endings.
    first = _NEWLINE.search(text)
    newline = first.group() if first else "\n"
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
        status = os.stat(path)
        if not stat_module.S_ISREG(status.st_mode):
            kind = "a folder" if stat_module.S_ISDIR(status.st_mode) else "not a regular file"
            return _tool_result(path, "CCL002", f"cannot read file: {kind}", 1, 1, settings)
        if status.st_size > MAX_BYTES:
            return _tool_result(
                path, "CCL002", f"skipped: {status.st_size / 2**20:.0f} MB is over the {MAX_BYTES // 2**20} MB that conclint analyses", 1, 1, settings
            )
        with open(path, "rb") as handle:
            source = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        return _tool_result(path, "CCL002", f"cannot read file: {reason}", 1, 1, settings)
    triggers = settings.triggers
    if triggers is not None and not any(trigger in source for trigger in triggers):
        return _light_check(source, path, settings)
    return analyze_source(source, path, settings)


def _light_check(source: bytes, path: str, settings: Settings) -> FileResult:
    """A file with none of the words any enabled rule needs (``async``, ``Thread``, ...)
    cannot hold a finding of its own: it is only checked for syntax with ``ast``, about
    eight times cheaper than LibCST. Its summary is made later if the project pass needs
    it (a checked file imports it)."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
        text = source.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError) as exc:
        return _tool_result(path, "CCL002", f"cannot decode file: {exc}", 1, 1, settings)
    try:
        compile(text.lstrip("\ufeff"), path, "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as exc:
        return _tool_result(path, "CCL001", f"syntax error: {exc.msg}", exc.lineno or 1, exc.offset or 1, settings)
    except (ValueError, RecursionError, MemoryError):
        return analyze_source(source, path, settings)
    return FileResult(path, (), None, {})


def _analyze_chunk(paths: Sequence[str], settings: Settings) -> List[FileResult]:
    results = []
    with gc_paused():
        for path in paths:
            results.append(analyze_file(path, settings))
            gc.collect(0)
        gc.collect(1)
    return results


@contextmanager
def gc_paused() -> Iterator[None]:
    """Run without Python's automatic cycle collection, restoring it after.

    A syntax tree is a million small objects: the automatic collector runs every 700
    allocations and, from time to time, walks everything alive (all the cached results in
    the main process). Measured on textual, pausing it and collecting only the young
    generation after each file makes the per-file pass 12% faster at the same peak memory;
    loading the summaries cache takes half the time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# -- discovery --------------------------------------------------------------------------------
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


# -- the run ------------------------------------------------------------------------------------
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
    files = list(discover(paths or ["."], config, unlistable))
    cache = Cache(cache_dir, settings_key(settings, config.root)) if cache_dir else None
    results = _run_per_file(files, settings, jobs, cache, progress)
    for folder in unlistable:
        results.append(FileResult(folder, (Diagnostic(folder, 1, 1, "CCL002", "cannot list folder: permission denied or gone"),)))
    extra = project_pass(results, settings, config.root, cache=cache)
    if cache is not None:
        cache.prune(os.path.abspath(f) for f in files)
        cache.save()
    return _finish(results, config, settings, extra)


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
    result = analyze_source(source, path, settings)
    extra = project_pass(
        [result], settings, config.root, {path: source} if source is not None else None, cache=cache, reuse=False
    )
    return _finish([result], config, settings, extra).diagnostics


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
            results[path] = FileResult(path, _relocate(entry[4], path), None, entry[5], cached=True)
    fresh = _analyze_many(todo, settings, jobs, progress, len(files) - len(todo), len(files))
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


def _analyze_many(
    files: List[str],
    settings: Settings,
    jobs: Optional[int],
    progress: Optional[Callable[[int, int], None]],
    done: int,
    total: int,
) -> List[FileResult]:
    jobs = jobs or os.cpu_count() or 1
    results: List[FileResult] = []
    if jobs <= 1 or len(files) < 16:
        for path in files:
            results.append(analyze_file(path, settings))
            gc.collect(0)
            if progress is not None:
                progress(done + len(results), total)
        return results
    # Chunks amortise the per-task overhead of small files; several chunks per worker keep
    # both busy when file sizes are uneven.
    size = max(1, min(64, len(files) // (jobs * 8)))
    chunks = [files[i : i + size] for i in range(0, len(files), size)]
    finished = 0
    try:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            for chunk_results in pool.map(_analyze_chunk, chunks, [settings] * len(chunks)):
                results.extend(chunk_results)
                finished += 1
                if progress is not None:
                    progress(done + len(results), total)
    except BrokenProcessPool:
        # A worker died (a native crash in the parser): finish the rest one file per
        # process, so that only the file that kills its process is lost, and reported.
        for chunk in chunks[finished:]:
            for path in chunk:
                results.append(_analyze_isolated(path, settings))
    return results


def _analyze_isolated(path: str, settings: Settings) -> FileResult:
    try:
        with ProcessPoolExecutor(max_workers=1) as pool:
            return pool.submit(analyze_file, path, settings).result()
    except BrokenProcessPool:
        return FileResult(path, (Diagnostic(path, 1, 1, "CCL009", "internal error: the parser crashed on this file (its process died)"),))


# -- the project pass ------------------------------------------------------------------------------
def project_pass(
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
    summary_only = Settings(frozenset(), settings.blocking, settings.executor_wrappers)
    inputs = None
    if cache is not None and reuse:
        inputs = _project_inputs(results, cache)
        previous = cache.project
        if previous is not None and previous[0] == inputs and _dependencies_unchanged(previous[2], cache):
            return _replace_moved(results, cache, previous)
        for result in results:
            if result.summary is None and result.cached:
                full = os.path.abspath(result.path)
                result.summary = cache.checked_summary(full)
                if result.summary is None and cache.results.get(full, (None,) * 7)[6] is not None:
                    # The results are cached but the summaries file was lost: summarise again.
                    result.summary = analyze_file(result.path, summary_only).summary
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
        result = analyze_file(path, summary_only)
        if cache is not None and result.summary is not None:
            try:
                with open(path, "rb") as handle:
                    cache.store_summary(path, os.stat(path), digest(handle.read()), result.summary)
            except OSError:
                pass
        return result.summary

    project = Project(checked, load, root)
    locator = CallLocator(project.by_path.get, sources or {})
    # Findings that were already found and placed last time, in files left as they were,
    # keep their positions: placing needs each file's text and ``ast``.
    known: Dict[ProjectFinding, Optional[Diagnostic]] = {}
    contents = None
    if inputs is not None and cache.project is not None:
        contents = _contents(results, cache)
        unedited = _unedited(results, contents, cache.project)
        known = {f: d for f, d in cache.project[1] if f is not None and _placed_before(f, unedited)}
    placed: List[Tuple[Optional[ProjectFinding], Optional[Diagnostic]]] = []
    diagnostics = []
    for rule in rules:
        try:
            findings = list(rule.check_project(project, checked))
        except Exception as exc:
            error = _internal_error(checked[0].path, f"{rule.code} ({rule.name}) in the project pass", exc)
            placed.append((None, error))
            diagnostics.append(error)
            continue
        for finding in findings:
            diagnostic = known[finding] if finding in known else _place(finding, locator)
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
        cache.set_project(inputs, placed, (dependencies, sorted(project.absent)), contents or _contents(results, cache))
    return diagnostics


def _place(finding: ProjectFinding, locator: "CallLocator") -> Optional[Diagnostic]:
    """A finding of the project pass as a diagnostic, or None when its call is not found."""
    span = locator.span(finding.path, finding.call)
    if span is None:
        return None
    trace = []
    for path, call, text in finding.trace:
        step = locator.span(path, call)
        if step is not None:
            trace.append(TraceStep(_shown(path), step[0], step[1], text))
    line, column, end_line, end_column = span
    fix = None
    if finding.fix is not None:
        offset = locator.offset(finding.path, line, column)
        if offset is not None:
            description, applicability, text = finding.fix
            fix = Fix(description, (Edit(offset, offset, text),), applicability)
    return Diagnostic(finding.path, line, column, finding.code, finding.message, end_line, end_column, fix, tuple(trace))


def _contents(results: Sequence[FileResult], cache: Cache) -> Dict[str, Optional[str]]:
    contents = {}
    for result in results:
        entry = cache.results.get(os.path.abspath(result.path))
        contents[os.path.abspath(result.path)] = entry[3] if entry else None
    return contents


def _unedited(results: Sequence[FileResult], now: Dict[str, Optional[str]], previous: tuple) -> Set[str]:
    """Files as they were in the previous project pass: checked files with the same
    content, by the path shown and the absolute path (findings use either), and modules
    it read from disk with the same size and mtime."""
    before = previous[3]
    same = set()
    for result in results:
        full = os.path.abspath(result.path)
        content = now.get(full)
        if content is not None and before.get(full) == content:
            same.add(full)
            same.add(result.path)
    for path, seen in previous[2][0].items():
        try:
            stat = os.stat(path)
        except OSError:
            continue
        if seen is not None and (stat.st_mtime_ns, stat.st_size) == tuple(seen):
            same.add(path)
    return same


def _placed_before(finding: ProjectFinding, unedited: Set[str]) -> bool:
    """Whether the position found last time still holds: every file the finding points
    into (its call and each step of its trace) is left as it was."""
    return finding.path in unedited and all(step[0] in unedited for step in finding.trace)


def _replace_moved(results: Sequence[FileResult], cache: Cache, previous: tuple) -> List[Diagnostic]:
    """The cached project findings, placed again where they point into files edited since
    (same summaries, so the same findings, but their calls may have moved)."""
    placed = previous[1]
    unedited = _unedited(results, _contents(results, cache), previous)
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
        if finding is not None and not _placed_before(finding, unedited):
            diagnostic = _place(finding, locator)
        if diagnostic is not None:
            diagnostics.append(diagnostic)
    return diagnostics


def _shown(path: str) -> str:
    """Modules read from disk for the project pass have absolute paths; show them as the
    checked files are shown, relative to the working folder, when they are below it."""
    if os.path.isabs(path):
        relative = os.path.relpath(path)
        if not relative.startswith(".."):
            return relative
    return path


def _project_inputs(results: Sequence[FileResult], cache: Cache) -> str:
    """A digest of what the project pass reads of the checked files: paths, module names
    and summaries (by the digest of the content that produced each summary)."""
    parts = []
    for result in results:
        entry = cache.results.get(os.path.abspath(result.path))
        parts.append(f"{result.path}\0{entry[6] if entry else '?'}\0{entry[2] if entry else '?'}")
    return digest("\n".join(parts).encode("utf-8", "surrogateescape"))


def _dependencies_unchanged(dependencies, cache: Cache) -> bool:
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


class CallLocator:
    """Positions of calls by index, for the few that the project pass reports: ``ast``
    first (cheap), LibCST's PositionProvider when the two parsers count differently."""

    def __init__(self, summary_of: Callable[[str], Optional[ModuleSummary]], sources: Dict[str, Union[str, bytes]]) -> None:
        self.summary_of = summary_of
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
        summary = self.summary_of(os.path.abspath(path))
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
