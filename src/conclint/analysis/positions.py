"""Positions of call expressions without LibCST's PositionProvider.

PositionProvider re-generates the code of the whole module to count lines (about twice
the parse). Python's own ``ast`` parses about eight times faster than LibCST and records
positions, so for call expressions — what almost every finding points at — conclint pairs
the k-th ``cst.Call`` of the traversal (source pre-order) with the k-th ``ast.Call`` in
the same order. When the two parsers disagree on the number of calls (syntax ``ast`` does
not know, for instance), the caller falls back to PositionProvider.
"""

from __future__ import annotations

import ast
import re
import warnings
from typing import List, Optional, Tuple

Span = Tuple[int, int, int, int]  # line, column (1-based, characters), end line, end column

_LINES = re.compile(r"\r\n|\r|\n")


def _parse(text: str, tree: Optional[ast.AST]) -> Optional[ast.AST]:
    if tree is not None:
        return tree
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def call_spans(text: str, expected: int, tree: Optional[ast.AST] = None) -> Optional[List[Span]]:
    """Spans of every call in ``text`` in source pre-order, or ``None`` if unsure."""
    tree = _parse(text, tree)
    if tree is None:
        return None
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)]
    if len(calls) != expected:
        return None
    # Pre-order by start; an enclosing call (``f(x)(y)``) starts with and outlasts the
    # call inside it, so it sorts first.
    calls.sort(key=lambda n: (n.lineno, n.col_offset, -(n.end_lineno or 0), -(n.end_col_offset or 0)))
    lines = _LINES.split(text)
    return [
        (
            call.lineno,
            _column(lines, call.lineno, call.col_offset),
            call.end_lineno or call.lineno,
            _column(lines, call.end_lineno or call.lineno, call.end_col_offset or 0),
        )
        for call in calls
    ]


def _column(lines: List[str], line: int, byte_offset: int) -> int:
    """``ast`` counts UTF-8 bytes; diagnostics count characters, 1-based."""
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    if text.isascii():
        return byte_offset + 1
    return len(text.encode("utf-8")[:byte_offset].decode("utf-8", errors="ignore")) + 1


#: LibCST node types that correspond one-to-one to ``ast`` node types, in the same order,
#: with the same span (checked against PositionProvider in the tests).
CORRESPONDING = {
    "Call": (ast.Call,),
    "For": (ast.For, ast.AsyncFor),
    "While": (ast.While,),
    "With": (ast.With, ast.AsyncWith),
    "If": (ast.If,),
    "ListComp": (ast.ListComp,),
    "SetComp": (ast.SetComp,),
    "DictComp": (ast.DictComp,),
    "Assign": (ast.Assign,),
    "AugAssign": (ast.AugAssign,),
    "AnnAssign": (ast.AnnAssign,),
    "Lambda": (ast.Lambda,),
    "Await": (ast.Await,),
    "Return": (ast.Return,),
}


def spans_by_type(text: str, counts: dict, tree: Optional[ast.AST] = None) -> Optional[dict]:
    """For each LibCST type name in ``counts`` (its number of nodes in the module), the
    spans of the corresponding ``ast`` nodes in source pre-order; ``None`` if unsure."""
    tree = _parse(text, tree)
    if tree is None:
        return None
    wanted = {name: CORRESPONDING[name] for name in counts}
    found: dict = {name: [] for name in counts}
    for node in ast.walk(tree):
        for name, types in wanted.items():
            if isinstance(node, types):
                found[name].append(node)
    lines = _LINES.split(text)
    result = {}
    for name, nodes in found.items():
        if len(nodes) != counts[name]:
            return None
        nodes.sort(key=lambda n: (n.lineno, n.col_offset, -(n.end_lineno or 0), -(n.end_col_offset or 0)))
        result[name] = [
            (
                n.lineno,
                _column(lines, n.lineno, n.col_offset),
                n.end_lineno or n.lineno,
                _column(lines, n.end_lineno or n.lineno, n.end_col_offset or 0),
            )
            for n in nodes
        ]
    return result
