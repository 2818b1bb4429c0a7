"""Placing findings: 1-based positions for what the rules report, from ``ast`` where it is
cheap and LibCST's PositionProvider where the two parsers disagree; and the positions of
project-pass findings, whose calls are known only by their index in a module."""

from __future__ import annotations

import ast
import os
from typing import Callable, Dict, List, Optional, Set, Tuple, Union

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from conclint.analysis import ModuleFacts, ModuleSummary
from conclint.analysis.positions import CORRESPONDING, call_spans, spans_by_type
from conclint.analysis.traversal import walk
from conclint.diagnostic import Diagnostic, Edit, Fix, TraceStep
from conclint.engine.fixes import offset_fix
from conclint.engine.source import LineOffsets, decode_lenient
from conclint.rules import Report
from conclint.rules.interprocedural import ProjectFinding


def position(
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
            fix = offset_fix(report.fix, span_of, offsets, text, facts)
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


def place(finding: ProjectFinding, locator: CallLocator) -> Optional[Diagnostic]:
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


def _shown(path: str) -> str:
    """Modules read from disk for the project pass have absolute paths; show them as the
    checked files are shown, relative to the working folder, when they are below it."""
    if os.path.isabs(path):
        relative = os.path.relpath(path)
        if not relative.startswith(".."):
            return relative
    return path


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
        text = decode_lenient(source)
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
