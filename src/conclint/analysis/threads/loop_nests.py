"""The shape of a loop nest, for what counts as computation (CCL201, CCL202, CCL120).

:func:`find_loops` finds the loops and comprehensions of a function from its statements,
without a full walk; :class:`LoopNest` tells what one of them does at each step: its
depth and the iterable of each level, its arithmetic, string work, comparisons, the data
it builds, its calls, and whether it hands control back (``await``, ``yield``). Which of
those calls are computation is :class:`conclint.analysis.threads.cpu.Work`'s to say.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, List, Optional, Sequence, Tuple

import libcst as cst

from conclint.analysis.scopes import Scope
from conclint.analysis.threads.syntax import (
    ARITHMETIC,
    AUG_ARITHMETIC,
    COMPREHENSIONS,
    SCOPE_NODES,
    block_statements,
    child_nodes,
    code_of,
)
from conclint.knowledge import cpu as K

if TYPE_CHECKING:
    from conclint.analysis.threads.cpu import Work

COMPREHENSION_TYPES = frozenset(COMPREHENSIONS)
STRINGS = (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)
_SUITES = frozenset({cst.IndentedBlock, cst.SimpleStatementSuite})
_BITWISE = (cst.BitAnd, cst.BitOr, cst.BitXor, cst.LeftShift, cst.RightShift)

# -- the shape of a loop nest ------------------------------------------------------------------
@dataclass
class LoopNest:
    """What a loop nest does: its depth, the iterable of each of its loops (with its level,
    1 for the outermost), what it computes, its calls, and whether it hands control back
    (``await``, ``yield``)."""

    _work: "Work"
    scope: Scope
    depth: int = 0
    levels: List[Tuple[int, cst.BaseExpression]] = field(default_factory=list)
    big_range: bool = False
    stops: bool = False
    arithmetic: bool = False  # any arithmetic operator (``+`` joins strings and lists too)
    numeric: bool = False  # arithmetic that is on numbers
    crunches: bool = False  # arithmetic on numbers beyond counting (``* / ** %``, summing values)
    strings: bool = False
    compares: bool = False
    builds: bool = False
    comprehension: bool = False
    calls: List[cst.Call] = field(default_factory=list)
    kind: type = cst.For  # of the outermost loop

    @property
    def works_for_threads(self) -> bool:
        """Any work at all: for a thread, all of it is computation the GIL serialises."""
        return self.comprehension or self.arithmetic or self.strings or self.compares or self.builds or bool(self.calls) or self.depth >= 2

    def describe(self) -> str:
        if self.big_range and self.depth < 2:
            shape = f"a loop over range(>= {K.BIG_RANGE:,})"
        elif self.depth >= 2:
            shape = f"{self.depth} nested loops"
        elif self.comprehension:
            shape = "a comprehension"
        else:
            shape = "a while loop" if self.kind is cst.While else "a loop"
        if self.numeric:
            return f"{shape} doing arithmetic"
        if self.strings:
            return f"{shape} processing strings"
        if self.arithmetic:
            return f"{shape} adding or joining values"
        if self.comprehension or self.builds:
            return f"{shape} building data"
        return f"{shape} working on its data"

    def _level(self, level: int, iterable: cst.BaseExpression) -> None:
        self.levels.append((level, iterable))
        self.big_range |= self._work.big_range(iterable, self.scope)
        self.depth = max(self.depth, level)

    def probe_loop(self, loop: cst.CSTNode) -> None:
        """The outermost loop's own iterable is evaluated once, before the loop: only what
        runs at each step (its body, a ``while`` test, inner iterables) is the nest's."""
        kind = self.kind = type(loop)
        if kind is cst.For:
            self._level(1, loop.iter)
            if loop.asynchronous is not None:
                self.stops = True
            self._walk(loop.body, 1)
            if loop.orelse is not None:
                self._walk(loop.orelse, 1)
        elif kind is cst.While:
            self._level(1, loop.test)
            self._walk(loop.test, 1)
            self._walk(loop.body, 1)
        else:
            self.comprehension = True
            clause = loop.for_in
            level = 0
            while clause is not None:
                level += 1
                self._level(level, clause.iter)
                if clause.asynchronous is not None:
                    self.stops = True
                if level > 1:
                    self._walk(clause.iter, level - 1)
                for condition in clause.ifs:
                    self._walk(condition.test, level)
                clause = clause.inner_for_in
            for part in ("elt", "key", "value"):
                value = getattr(loop, part, None)
                if value is not None:
                    self._walk(value, level)

    def _walk(self, node: cst.CSTNode, depth: int) -> None:
        stack: List[Tuple[cst.CSTNode, int]] = [(node, depth)]
        while stack:
            current, level = stack.pop()
            kind = type(current)
            if kind in SCOPE_NODES:
                continue
            if kind is cst.Call:
                self.calls.append(current)
            elif kind is cst.BinaryOperation:
                self._binary(current)
            elif kind is cst.AugAssign:
                self._augmented(current)
            elif kind is cst.Comparison:
                self.compares = True
            elif kind is cst.FormattedString:
                self.strings = True
            elif kind is cst.Subscript:
                self.builds = True
            elif kind is cst.Await or kind is cst.Yield:
                self.stops = True
            elif kind is cst.With:
                if current.asynchronous is not None:
                    self.stops = True
            elif kind is cst.For or kind is cst.While:
                if kind is cst.For:
                    if current.asynchronous is not None:
                        self.stops = True
                    self._level(level + 1, current.iter)
                else:
                    self._level(level + 1, current.test)
                for child in child_nodes(current):
                    stack.append((child, level + 1))
                continue
            elif kind in COMPREHENSION_TYPES:
                clause = current.for_in
                inner = level
                while clause is not None:
                    inner += 1
                    if clause.asynchronous is not None:
                        self.stops = True
                    self._level(inner, clause.iter)
                    clause = clause.inner_for_in
                for child in child_nodes(current):
                    stack.append((child, inner))
                continue
            elif kind is cst.Attribute:
                if current.attr.value in K.STR_METHODS:
                    self.strings = True
            for child in child_nodes(current):
                stack.append((child, level))

    def _binary(self, node: cst.BinaryOperation) -> None:
        operator = node.operator
        if not isinstance(operator, ARITHMETIC):
            return
        if isinstance(operator, cst.Modulo) and isinstance(node.left, STRINGS):
            self.strings = True  # ``"%s" % value`` formats a string
            return
        self.arithmetic = True
        if isinstance(operator, _BITWISE):
            # ``a | b`` also merges sets and dicts: numbers only beside a literal one.
            if _number(node.left) or _number(node.right):
                self.numeric = self.crunches = True
        elif not isinstance(operator, (cst.Add, cst.Subtract)):
            self.numeric = self.crunches = True
        elif _number(node.left) or _number(node.right):
            self.numeric = True

    def _augmented(self, node: cst.AugAssign) -> None:
        operator = node.operator
        if not isinstance(operator, AUG_ARITHMETIC):
            return
        self.arithmetic = True
        if not isinstance(operator, (cst.AddAssign, cst.SubtractAssign)):
            self.numeric = self.crunches = True
        elif _number(node.value):
            self.numeric = True  # ``count += 1``: counting, not computing
        elif self._work.lookup.initial_is_numeric(node.target, self.scope):
            self.numeric = self.crunches = True  # ``total = 0`` ... ``total += value``


# -- finding the loops -------------------------------------------------------------------------
def find_loops(statements: Sequence[cst.CSTNode], found: List[cst.CSTNode], generator: List[bool]) -> None:
    """Loops and comprehensions of a function, found from its statements without a full
    walk: loop statements, and comprehensions near the top of each statement's
    expressions. (Exact ``type()`` tests: ``isinstance`` on LibCST's abstract classes
    is several times slower, and this runs on every function.)"""
    for statement in statements:
        kind = type(statement)
        if kind is cst.SimpleStatementLine:
            for small in statement.body:
                value = getattr(small, "value", None)
                if value is not None:
                    _scan_expression(value, found, generator, 0)
        elif kind is cst.For or kind is cst.While:
            found.append(statement)
        elif kind is cst.FunctionDef or kind is cst.ClassDef:
            continue
        elif kind is cst.If:
            _scan_expression(statement.test, found, generator, 0)
            orelse: Optional[cst.CSTNode] = statement
            while type(orelse) is cst.If:
                find_loops(block_statements(orelse.body), found, generator)
                orelse = orelse.orelse
            if orelse is not None:
                find_loops(block_statements(orelse.body), found, generator)
        else:
            for attr in ("body", "orelse", "finalbody"):
                part = getattr(statement, attr, None)
                if part is None:
                    continue
                if type(part) in _SUITES:
                    find_loops(part.body, found, generator)
                elif type(part) is cst.Else or type(part) is cst.Finally:
                    find_loops(block_statements(part.body), found, generator)
            for handler in getattr(statement, "handlers", ()) or ():
                find_loops(block_statements(handler.body), found, generator)
            for case in getattr(statement, "cases", ()) or ():
                find_loops(block_statements(case.body), found, generator)


def _scan_expression(expr: cst.BaseExpression, found: List[cst.CSTNode], generator: List[bool], depth: int) -> None:
    kind = type(expr)
    if kind in COMPREHENSION_TYPES:
        found.append(expr)
    elif depth > 4:
        return
    elif kind is cst.Call:
        for arg in expr.args:
            _scan_expression(arg.value, found, generator, depth + 1)
    elif kind is cst.Yield:
        generator[0] = True
    elif kind is cst.BinaryOperation:
        _scan_expression(expr.left, found, generator, depth + 1)
        _scan_expression(expr.right, found, generator, depth + 1)
    elif kind is cst.UnaryOperation or kind is cst.Await:
        _scan_expression(expr.expression, found, generator, depth + 1)
    elif kind is cst.Tuple or kind is cst.List or kind is cst.Set:
        for element in expr.elements:
            _scan_expression(element.value, found, generator, depth + 1)



# -- small helpers -----------------------------------------------------------------------------
def _number(expr: cst.BaseExpression) -> bool:
    if isinstance(expr, cst.UnaryOperation):
        expr = expr.expression
    return isinstance(expr, (cst.Integer, cst.Float, cst.Imaginary))


def loop_header(loop: cst.CSTNode) -> str:
    if isinstance(loop, cst.For):
        return f"for {code_of(loop.target, 20)} in {code_of(loop.iter, 30)}"
    if isinstance(loop, cst.While):
        return f"while {code_of(loop.test, 40)}"
    return code_of(loop, 50)


def int_value(expr: cst.BaseExpression, depth: int = 0) -> Optional[int]:
    if isinstance(expr, cst.Integer):
        try:
            return int(expr.value.replace("_", ""), 0)
        except ValueError:
            return None
    if depth < 8 and isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, (cst.Power, cst.Multiply)):
        left, right = int_value(expr.left, depth + 1), int_value(expr.right, depth + 1)
        if left is not None and right is not None and abs(right) < 64:
            return left**right if isinstance(expr.operator, cst.Power) else left * right
    return None
