"""CPU facts of a module's functions, for the summaries: the first CPU-heavy loop of each
sync function (the definition of CCL120), and which functions make a call of unknown cost
that the project pass cannot follow (CCL202 must not call those I/O-bound).

The loop scan looks at statements first and walks only loops and comprehensions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Set

import libcst as cst

from conclint.analysis.scopes import Scope
from conclint.analysis.threads.lookup import ModuleLookup
from conclint.analysis.threads.syntax import ARITHMETIC, AUG_ARITHMETIC, COMPREHENSIONS, STDLIB, block_statements, code_of
from conclint.analysis.traversal import visitor_methods, walk
from conclint.knowledge import cpu as K

_COMPREHENSION_TYPES = frozenset(COMPREHENSIONS)
_SUITES = frozenset({cst.IndentedBlock, cst.SimpleStatementSuite})


@dataclass(frozen=True)
class CpuLoop:
    reason: str
    call: int  # index of a call inside the loop, to point at it (-1: none)


def cpu_loops(lookup: ModuleLookup) -> Dict[int, CpuLoop]:
    """Sync function scope id -> its first CPU-heavy loop (see CCL120 for the definition)."""
    found: Dict[int, CpuLoop] = {}
    for scope in lookup.facts.functions:
        node = scope.node
        if scope.is_async or not isinstance(node, cst.FunctionDef):
            continue
        candidates: List[cst.CSTNode] = []
        generator = [False]
        _scan_block(block_statements(node.body), candidates, generator)
        if generator[0]:
            continue
        for candidate in candidates:
            loop = _heavy(lookup, candidate, scope)
            if loop is not None:
                found[id(scope)] = loop
                break
    return found


def opaque_functions(lookup: ModuleLookup) -> Set[int]:
    """Function scope ids that make a call of unknown cost: not a blocking call, not a
    cheap builtin, and not a call the project pass may follow."""
    facts = lookup.facts
    found: Set[int] = set()
    for site in facts.calls:
        function = site.scope.function_scope
        if function is None or function.kind != "function" or id(function) in found:
            continue
        if not facts.runs_in_caller(site) or facts.blocking_category(site) is not None:
            continue
        value = facts.callee(site)
        if value is None or value.instance:
            found.add(id(function))
            continue
        name = value.qualname
        if name.startswith("builtins."):
            if name[9:] not in K.CHEAP_BUILTINS:
                found.add(id(function))
        elif name.split(".", 1)[0] in STDLIB and not cheap_call(facts.catalogue, value.qualname, value.bound):
            # Standard-library calls are left out of the summaries' calls: decide here.
            found.add(id(function))
    return found


def cheap_call(catalogue, qualname: str, bound: bool) -> bool:
    """A call that costs little whatever it is given, or is part of the I/O around it:
    bookkeeping (logging, paths, clocks), a constructor or method of a type the catalogue
    knows (clients, files, responses), or a method of what a blocking call returned
    (``urlopen(url).read()``)."""
    if qualname.startswith(K.CHEAP_STDLIB_PREFIXES):
        return True
    if not bound:
        return qualname in catalogue.types
    owner = qualname.rsplit(".", 1)[0]
    if owner.endswith("()"):
        owner = owner[:-2]
        return owner in catalogue.types or catalogue.category_of_call(owner) is not None
    return owner in catalogue.types


# -- finding the loops -------------------------------------------------------------------------
def _scan_block(statements: Sequence[cst.CSTNode], found: List[cst.CSTNode], generator: List[bool]) -> None:
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
                _scan_block(block_statements(orelse.body), found, generator)
                orelse = orelse.orelse
            if orelse is not None:
                _scan_block(block_statements(orelse.body), found, generator)
        else:
            for attr in ("body", "orelse", "finalbody"):
                part = getattr(statement, attr, None)
                if part is None:
                    continue
                if type(part) in _SUITES:
                    _scan_block(part.body, found, generator)
                elif type(part) is cst.Else or type(part) is cst.Finally:
                    _scan_block(block_statements(part.body), found, generator)
            for handler in getattr(statement, "handlers", ()) or ():
                _scan_block(block_statements(handler.body), found, generator)
            for case in getattr(statement, "cases", ()) or ():
                _scan_block(block_statements(case.body), found, generator)


def _scan_expression(expr: cst.BaseExpression, found: List[cst.CSTNode], generator: List[bool], depth: int) -> None:
    kind = type(expr)
    if kind in _COMPREHENSION_TYPES:
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


# -- telling a heavy loop ----------------------------------------------------------------------
def _heavy(lookup: ModuleLookup, loop: cst.CSTNode, scope: Scope) -> Optional[CpuLoop]:
    probe = _LoopProbe(lookup, scope)
    walk(loop, [probe])
    if probe.stops or not probe.arithmetic or not (probe.max_depth >= 2 or probe.big_range):
        return None
    if not all(_pure(lookup, call, scope) for call in probe.calls):
        return None
    if probe.big_range and probe.max_depth < 2:
        reason = f"a loop over range(>= {K.BIG_RANGE:,}) doing arithmetic"
    else:
        reason = f"{probe.max_depth} nested loops doing arithmetic"
    header = _loop_header(loop)
    index = -1
    for call in probe.calls:
        located = lookup.site(call)
        if located is not None:
            index = located[0]
            break
    return CpuLoop(f"{reason}: {header}", index)


def _pure(lookup: ModuleLookup, call: cst.Call, scope: Scope) -> bool:
    """A call inside a loop that is computation we know, not a call of unknown cost."""
    located = lookup.site(call)
    call_scope = located[1].scope if located is not None else scope
    func = call.func
    if isinstance(func, cst.Attribute) and func.attr.value in K.BUILDING_METHODS:
        if lookup.container_type(func.value, call_scope):
            return True
    value = lookup.resolve(func, call_scope)
    if value is None or value.instance or value.bound:
        return False
    name = value.qualname
    top = name.split(".", 1)[0]
    if top in K.GIL_RELEASING_MODULES:
        return False  # runs in parallel on threads: not CPU-bound for them
    if name.startswith("builtins."):
        return name[9:] in K.PURE_BUILTINS
    return top in K.PURE_MODULES


def _is_big_range(lookup: ModuleLookup, iterable: cst.BaseExpression, scope: Scope) -> bool:
    if not isinstance(iterable, cst.Call) or not iterable.args:
        return False
    callee = lookup.resolve(iterable.func, scope)
    if callee is None or callee.qualname != "builtins.range":
        return False
    bound = _int_value(iterable.args[-1 if len(iterable.args) < 3 else 1].value)
    return bound is not None and bound >= K.BIG_RANGE


def _loop_header(loop: cst.CSTNode) -> str:
    if isinstance(loop, cst.For):
        return f"for {code_of(loop.target, 20)} in {code_of(loop.iter, 30)}"
    if isinstance(loop, cst.While):
        return f"while {code_of(loop.test, 40)}"
    return code_of(loop, 50)


def _int_value(expr: cst.BaseExpression, depth: int = 0) -> Optional[int]:
    if isinstance(expr, cst.Integer):
        try:
            return int(expr.value.replace("_", ""), 0)
        except ValueError:
            return None
    if depth < 8 and isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, (cst.Power, cst.Multiply)):
        left, right = _int_value(expr.left, depth + 1), _int_value(expr.right, depth + 1)
        if left is not None and right is not None and abs(right) < 64:
            return left**right if isinstance(expr.operator, cst.Power) else left * right
    return None


class _LoopProbe(cst.BatchableCSTVisitor):
    """What a loop nest does: its depth, arithmetic, calls, and anything that hands control
    back (``yield``, ``await``) or belongs to a nested function."""

    def __init__(self, lookup: ModuleLookup, scope: Scope) -> None:
        super().__init__()
        self.lookup = lookup
        self.scope = scope
        self.depth = 0
        self.max_depth = 0
        self.nested = 0
        self.arithmetic = False
        self.big_range = False
        self.stops = False
        self.calls: List[cst.Call] = []

    def get_visitors(self):
        return visitor_methods(self)

    def _enter(self, levels: int) -> None:
        if not self.nested:
            self.depth += levels
            self.max_depth = max(self.max_depth, self.depth)

    def _exit(self, levels: int) -> None:
        if not self.nested:
            self.depth -= levels

    def visit_FunctionDef(self, node) -> None:
        self.nested += 1

    def leave_FunctionDef(self, node) -> None:
        self.nested -= 1

    visit_ClassDef = visit_FunctionDef
    leave_ClassDef = leave_FunctionDef

    def visit_For(self, node: cst.For) -> None:
        self._enter(1)
        if not self.nested:
            if node.asynchronous is not None:
                self.stops = True
            self.big_range |= _is_big_range(self.lookup, node.iter, self.scope)

    def leave_For(self, node) -> None:
        self._exit(1)

    def visit_While(self, node) -> None:
        self._enter(1)

    def leave_While(self, node) -> None:
        self._exit(1)

    def _visit_comprehension(self, node) -> None:
        self._enter(_clauses(node))

    def _leave_comprehension(self, node) -> None:
        self._exit(_clauses(node))

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _visit_comprehension
    leave_ListComp = leave_SetComp = leave_DictComp = leave_GeneratorExp = _leave_comprehension

    def visit_CompFor(self, node: cst.CompFor) -> None:
        if not self.nested:
            if node.asynchronous is not None:
                self.stops = True
            self.big_range |= _is_big_range(self.lookup, node.iter, self.scope)

    def visit_Await(self, node) -> None:
        if not self.nested:
            self.stops = True

    visit_Yield = visit_Await

    def visit_With(self, node: cst.With) -> None:
        if not self.nested and node.asynchronous is not None:
            self.stops = True

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        if self.nested or not isinstance(node.operator, ARITHMETIC):
            return
        # ``+`` and ``-`` also join strings and lists; count them only with a number.
        if isinstance(node.operator, (cst.Add, cst.Subtract)) and not (
            isinstance(node.left, (cst.Integer, cst.Float)) or isinstance(node.right, (cst.Integer, cst.Float))
        ):
            return
        self.arithmetic = True

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if not self.nested and isinstance(node.operator, AUG_ARITHMETIC):
            self.arithmetic = True

    def visit_Call(self, node: cst.Call) -> None:
        if not self.nested:
            self.calls.append(node)


def _clauses(comprehension) -> int:
    """How many ``for`` clauses a comprehension has: the loops it nests."""
    levels = 0
    clause = comprehension.for_in
    while clause is not None:
        levels += 1
        clause = clause.inner_for_in
    return levels
