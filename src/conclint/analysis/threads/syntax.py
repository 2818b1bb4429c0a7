"""Small helpers over LibCST nodes that every part of the thread facts uses: the child
nodes that carry code, a block's statements, a node's source text for messages, and the
node types that start a scope, loop or do arithmetic."""

from __future__ import annotations

import dataclasses
import sys
from typing import Dict, Iterator, List, Sequence, Tuple

import libcst as cst

#: Nodes whose body runs only when called (or, for a class, is another scope).
SCOPE_NODES = (cst.FunctionDef, cst.ClassDef, cst.Lambda)
COMPREHENSIONS = (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)

ARITHMETIC = (
    cst.Add, cst.Subtract, cst.Multiply, cst.Divide, cst.FloorDivide, cst.Modulo, cst.Power,
    cst.LeftShift, cst.RightShift, cst.BitAnd, cst.BitOr, cst.BitXor, cst.MatrixMultiply,
)
AUG_ARITHMETIC = (
    cst.AddAssign, cst.SubtractAssign, cst.MultiplyAssign, cst.DivideAssign, cst.FloorDivideAssign,
    cst.ModuloAssign, cst.PowerAssign, cst.LeftShiftAssign, cst.RightShiftAssign, cst.BitAndAssign,
    cst.BitOrAssign, cst.BitXorAssign, cst.MatrixMultiplyAssign,
)

#: Top-level module names of the standard library.
STDLIB = frozenset(getattr(sys, "stdlib_module_names", ())) | {"builtins"}

_EMPTY = cst.Module(body=[])


def code_of(node: cst.CSTNode, limit: int = 60) -> str:
    """Source text of a small node, on one line, shortened for messages."""
    text = " ".join(_EMPTY.code_for_node(node).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


_FIELDS: Dict[type, Tuple[str, ...]] = {}
_SKIP_FIELDS = frozenset(
    {"lpar", "rpar", "lbracket", "rbracket", "lbrace", "rbrace", "leading_lines", "header", "footer",
     "comma", "semicolon", "equal", "colon", "dot", "star_tok", "trailing_whitespace", "newline",
     "first_line", "empty_lines", "lines_after_decorators", "operator", "asynchronous", "relative"}
)


def child_nodes(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """The child nodes that carry code (no whitespace or punctuation), in field order."""
    names = _FIELDS.get(type(node))
    if names is None:
        names = _FIELDS[type(node)] = tuple(
            f.name for f in dataclasses.fields(node) if f.name not in _SKIP_FIELDS and not f.name.startswith("whitespace")
        )
    for name in names:
        value = getattr(node, name)
        if isinstance(value, cst.CSTNode):
            yield value
        elif isinstance(value, (tuple, list)):
            for item in value:
                if isinstance(item, cst.CSTNode):
                    yield item


def block_statements(body: cst.BaseSuite) -> Sequence[cst.CSTNode]:
    return body.body if isinstance(body, (cst.IndentedBlock, cst.SimpleStatementSuite)) else ()


def name_uses(node: cst.FunctionDef) -> Dict[str, List[Tuple[cst.Name, bool]]]:
    """Every ``Name`` in the function (and nested scopes), with whether it is nested."""
    uses: Dict[str, List[Tuple[cst.Name, bool]]] = {}
    stack: List[Tuple[cst.CSTNode, bool]] = [(node.body, False)]
    while stack:
        current, nested = stack.pop()
        if isinstance(current, cst.Name):
            uses.setdefault(current.value, []).append((current, nested))
        inner = nested or isinstance(current, SCOPE_NODES)
        if isinstance(current, (cst.Attribute, cst.Arg)):
            stack.append((current.value, inner))  # not ``x.lock`` or ``f(lock=...)``'s name
            continue
        for child in child_nodes(current):
            stack.append((child, inner))
    return uses
