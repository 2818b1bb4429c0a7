"""The per-file pass: one file in, its diagnostics, module summary and ``noqa`` map out.

CPython's parser runs first, then one LibCST parse and one traversal that runs the shared
analysis and every enabled rule together. Never raises: problems become CCL00x findings.
"""

from __future__ import annotations

import ast
import io
import os
import stat as stat_module
import sys
import tokenize
import traceback
import warnings
from contextlib import ExitStack
from typing import List, Optional, Sequence, Union

import libcst as cst
from libcst.metadata import MetadataWrapper

from conclint.analysis import ModuleAnalyzer, ModuleFacts
from conclint.analysis.summarize import summarize
from conclint.analysis.traversal import walk
from conclint.diagnostic import Diagnostic
from conclint.engine.discovery import module_name_for
from conclint.engine.placing import position
from conclint.engine.settings import FileResult, Settings, catalogue_for
from conclint.engine.source import MAX_BYTES, MAX_DEPTH, MAX_LINE, decode_source, too_deep
from conclint.rules import Report, Rule, rules_for, without_superseded
from conclint.suppress import noqa_map


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
    deep = too_deep(tree, MAX_DEPTH) if len(text) > MAX_DEPTH // 2 else None
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


def _tool_result(path: str, code: str, message: str, line: int, column: int, settings: Settings) -> FileResult:
    return FileResult(path, (Diagnostic(path, max(line, 1), max(column, 1), code, message),))


def _run_rules(module: cst.Module, text: str, path: str, name: str, settings: Settings, tree: Optional[ast.AST] = None) -> FileResult:
    catalogue = catalogue_for(settings.blocking)
    rule_classes = rules_for(settings.codes)
    errors: List[Diagnostic] = []
    while True:
        facts = ModuleFacts(module, path, name, catalogue, settings.executor_wrappers, settings.thread_callbacks)
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
                errors.append(internal_error(path, "the shared analysis", exc))
                return FileResult(path, tuple(errors))
            errors.append(internal_error(path, f"{culprit.code} ({culprit.name})", exc))
            rule_classes = [cls for cls in rule_classes if cls is not type(culprit)]
            continue
        break
    reports: List[Report] = []
    for rule in rules:
        try:
            rule.finish()
        except Exception as exc:
            errors.append(internal_error(path, f"{rule.code} ({rule.name})", exc))
            continue
        reports.extend(rule.reports)
    diagnostics = position(wrapper, facts, text, reports, path, tree) if reports else []
    diagnostics.extend(errors)
    try:
        summary = summarize(facts)
    except Exception as exc:
        diagnostics.append(internal_error(path, "the module summary", exc))
        summary = None
    return FileResult(path, tuple(_one_per_site(without_superseded(diagnostics))), summary, noqa_map(text))


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


def internal_error(path: str, where: str, exc: BaseException) -> Diagnostic:
    frames = traceback.extract_tb(exc.__traceback__)[-2:]
    trail = " <- ".join(f"{os.path.basename(f.filename)}:{f.lineno}" for f in reversed(frames))
    return Diagnostic(path, 1, 1, "CCL009", f"internal error in {where}: {type(exc).__name__}: {exc} [{trail}]")


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


