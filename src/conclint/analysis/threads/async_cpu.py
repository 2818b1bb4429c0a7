"""CCL120's computation: loops of ``async def`` bodies that compute, without awaiting, on
the data the coroutine received (a parameter, what it awaited, what it derived from
those), judged by the same notion of computation as the thread rules
(:class:`conclint.analysis.threads.cpu.Work`) and by the shape of the nest."""

from __future__ import annotations

from typing import List, Optional, Sequence, Set, Tuple

import libcst as cst

from conclint.analysis.scopes import Scope
from conclint.analysis.threads.cpu import CHEAP, HEAVY, PURE, Work, call_name, gil_holding, module_work
from conclint.analysis.threads.lookup import ModuleLookup
from conclint.analysis.threads.loop_nests import COMPREHENSION_TYPES, LoopNest, find_loops, loop_header
from conclint.analysis.threads.syntax import SCOPE_NODES, block_statements, child_nodes
from conclint.knowledge import cpu as K

_ORDERING = (cst.LessThan, cst.LessThanEqual, cst.GreaterThan, cst.GreaterThanEqual)


def async_cpu_loops(lookup: ModuleLookup) -> List[Tuple[cst.CSTNode, str]]:
    """The loops of ``async def`` bodies that compute, without awaiting, on data the
    coroutine received: the outermost of each nest, with why (see CCL120)."""
    work = module_work(lookup)
    found: List[Tuple[cst.CSTNode, str]] = []
    for scope in lookup.facts.functions:
        if scope.is_async and isinstance(scope.node, cst.FunctionDef):
            found.extend(_async_loops(work, scope))
    return found


def _async_loops(work: Work, scope: Scope) -> List[Tuple[cst.CSTNode, str]]:
    candidates: List[cst.CSTNode] = []
    find_loops(block_statements(scope.node.body), candidates, [False])
    found: List[Tuple[cst.CSTNode, str]] = []
    flow: Optional[_Received] = None
    for candidate in candidates:
        nest = work.nest(candidate, scope)
        if nest.stops:
            continue
        kinds = [work.kind(located[0]) for located in map(work.lookup.site, nest.calls) if located is not None]
        if len(kinds) != len(nest.calls) or any(k not in (PURE, HEAVY, CHEAP) for k in kinds):
            continue  # it blocks, or calls what conclint cannot weigh (it may await inside)
        if flow is None:
            flow = _Received(work, scope)
        why = _async_shape(work, nest, flow, _heavy_call(work, nest, kinds))
        if why:
            found.append((candidate, f"{why}, no await: {loop_header(candidate)}"))
    return found

def _async_shape(work: Work, nest: LoopNest, flow: "_Received", heavy: str) -> str:
    """Why the nest runs long, as far as the code shows: a big ``range``; an iteration
    count the coroutine was given (``range(n)``, ``while i < n``); nested loops, all
    over data it received, computing on numbers or calling heavy library code; or a
    loop over a body or a result set it awaited, doing work on each item. ``""``
    otherwise: one loop over a parameter or over what some API returned goes over data
    whose size is not in the code, and is most often small (options, a colour, the
    devices of a hub)."""
    if nest.big_range and nest.arithmetic:
        return f"a loop over range(>= {K.BIG_RANGE:,}) doing arithmetic"
    if nest.arithmetic and any(flow.counts(expr) for _, expr in nest.levels):
        return "a loop counted by a number the coroutine was given, doing arithmetic"
    data = [expr for _, expr in nest.levels if not work._small(expr, nest.scope, 0)]
    levels = {level for level, expr in nest.levels if not work._small(expr, nest.scope, 0)}
    what = f"calling {heavy}" if heavy else "computing on numbers" if nest.crunches else ""
    if len(levels) >= 2 and what and all(flow.derives(expr, flow.received) for expr in data):
        return f"{len(levels)} nested loops over data the coroutine received, {what}"
    if not what and nest.strings:
        what = "processing strings"
    if what and any(flow.derives(expr, flow.bulk) for expr in data):
        return f"a loop over a body or result set the coroutine awaited, {what}"
    return ""

def _heavy_call(work: Work, nest: LoopNest, kinds: Sequence[str]) -> str:
    """The first heavy library call of the nest (``"json.dumps()"``), else ``""``."""
    for call, kind in zip(nest.calls, kinds):
        if kind == HEAVY:
            value = work.lookup.facts.callee(work.lookup.site(call)[1])
            return f"{call_name(value)}()" if value is not None else "heavy library code"
    return ""


# -- data flow in a coroutine ------------------------------------------------------------------
class _Received:
    """Data flow in a coroutine. ``received``: the names bound to what it received (its
    parameters other than ``self``/``cls``, what it awaited) or derived from that;
    ``bulk``: those bound to a body or a result set it awaited (``await request.json()``,
    ``await cursor.fetchall()``), whose size the other side decides; ``typed``: those
    derived only from parameters annotated with a type that is not a number (a count is
    never one of them). Derived means made by data operations only: attributes,
    subscripts, operators, string and container methods, builtins, known computation
    (``json.loads``); the result of any other call is new data."""

    def __init__(self, work: Work, scope: Scope) -> None:
        self.work = work
        self.scope = scope
        node = scope.node
        params = [*node.params.posonly_params, *node.params.params, *node.params.kwonly_params]
        params += [p for p in (node.params.star_arg, node.params.star_kwarg) if isinstance(p, cst.Param)]
        if scope.method_class() is not None and params and "staticmethod" not in scope.decorators:
            params = params[1:]
        self.received: Set[str] = {p.name.value for p in params}
        self.bulk: Set[str] = set()
        self.typed: Set[str] = {p.name.value for p in params if p.annotation is not None and not _numeric_annotation(p.annotation.annotation)}
        flows = _flows(node)
        for targets, value, awaited in flows:
            if awaited or _awaits(value):
                self.received |= targets
                if _awaits_bulk(value):
                    self.bulk |= targets
        for _ in range(4):
            changed = False
            for targets, value, _awaited in flows:
                for names in (self.received, self.bulk, self.typed):
                    if not targets <= names and self.derives(value, names):
                        names |= targets
                        changed = True
            if not changed:
                break

    def derives(self, expr: cst.BaseExpression, names: Set[str], depth: int = 0, lengths: bool = True) -> bool:
        """Whether ``expr`` is data made from ``names`` by data operations (an ``await``
        is what the coroutine received; for ``bulk``, only a body or a result set);
        without ``lengths``, not through ``len()``."""
        if depth > 12:
            return False
        kind = type(expr)
        if kind is cst.Name:
            return expr.value in names
        if kind is cst.Await:
            return names is self.received or (names is self.bulk and _awaits_bulk(expr))
        if kind is cst.Attribute or kind is cst.Subscript:
            return self.derives(expr.value, names, depth + 1, lengths)
        if kind is cst.BinaryOperation or kind is cst.BooleanOperation:
            return self.derives(expr.left, names, depth + 1, lengths) or self.derives(expr.right, names, depth + 1, lengths)
        if kind is cst.UnaryOperation:
            return self.derives(expr.expression, names, depth + 1, lengths)
        if kind is cst.IfExp:
            return self.derives(expr.body, names, depth + 1, lengths) or self.derives(expr.orelse, names, depth + 1, lengths)
        if kind in (cst.Tuple, cst.List, cst.Set):
            return any(self.derives(e.value, names, depth + 1, lengths) for e in expr.elements)
        if kind in COMPREHENSION_TYPES:
            return self.derives(expr.for_in.iter, names, depth + 1, lengths)
        if kind is cst.Call:
            func = expr.func
            if isinstance(func, cst.Attribute) and (
                func.attr.value in K.STR_METHODS or func.attr.value in K.CONTAINER_METHODS or func.attr.value in K.AMBIGUOUS_DATA_METHODS
            ):
                return self.derives(func.value, names, depth + 1, lengths)
            value = self.work.lookup.resolve(func, self.scope)
            if value is None or value.instance or value.bound:
                return False
            name = value.qualname
            if name == "builtins.len" and not lengths:
                return False
            if name.startswith("builtins.") or gil_holding(name) or name.split(".", 1)[0] in K.PURE_MODULES:
                return any(self.derives(a.value, names, depth + 1, lengths) for a in expr.args)
        return False

    def counts(self, expr: cst.BaseExpression) -> bool:
        """An iteration count the coroutine was given: ``range(n)``, ``while i < n``
        (not ``range(len(items))``: that is one loop over ``items``; not a comparison of
        parameters typed as dates or other non-numbers)."""
        if isinstance(expr, cst.Call) and expr.args:
            callee = self.work.lookup.resolve(expr.func, self.scope)
            if callee is None or callee.instance or callee.qualname != "builtins.range":
                return False
            return any(self._count(a.value) for a in expr.args)
        if isinstance(expr, cst.Comparison):
            if not any(isinstance(t.operator, _ORDERING) for t in expr.comparisons):
                return False
            return any(self._count(side) for side in (expr.left, *(t.comparator for t in expr.comparisons)))
        return False

    def _count(self, expr: cst.BaseExpression) -> bool:
        return self.derives(expr, self.received, lengths=False) and not self.derives(expr, self.typed)


def _flows(node: cst.FunctionDef) -> List[Tuple[Set[str], cst.BaseExpression, bool]]:
    """(names bound, the value they are bound to, bound by ``async for``) for every binding
    in a function's own body: assignments, loop and comprehension targets, ``as`` names,
    ``:=``."""
    flows: List[Tuple[Set[str], cst.BaseExpression, bool]] = []
    stack: List[cst.CSTNode] = list(block_statements(node.body))
    while stack:
        current = stack.pop()
        kind = type(current)
        if kind in SCOPE_NODES:
            continue
        if kind is cst.Assign:
            targets: Set[str] = set()
            for target in current.targets:
                targets |= _target_names(target.target)
            flows.append((targets, current.value, False))
        elif kind is cst.AnnAssign or kind is cst.AugAssign:
            if current.value is not None:
                flows.append((_target_names(current.target), current.value, False))
        elif kind is cst.For or kind is cst.CompFor:
            flows.append((_target_names(current.target), current.iter, current.asynchronous is not None))
        elif kind is cst.WithItem:
            if current.asname is not None:
                flows.append((_target_names(current.asname.name), current.item, False))
        elif kind is cst.NamedExpr:
            flows.append((_target_names(current.target), current.value, False))
        stack.extend(child_nodes(current))
    return flows


def _awaits_bulk(expr: cst.BaseExpression) -> bool:
    """``await x.json()``, ``await cursor.fetchall()``: a body or a result set."""
    if isinstance(expr, cst.Await):
        expr = expr.expression
    return isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and expr.func.attr.value in K.BULK_AWAITABLES


def _numeric_annotation(annotation: cst.BaseExpression) -> bool:
    """An annotation that may be a number (``int``, ``float | None``, a string): as good as none."""
    if isinstance(annotation, cst.Name):
        return annotation.value in ("int", "float", "complex", "Any", "object")
    if isinstance(annotation, cst.BinaryOperation):
        return _numeric_annotation(annotation.left) or _numeric_annotation(annotation.right)
    if isinstance(annotation, cst.Subscript) or isinstance(annotation, cst.Attribute):
        return not isinstance(annotation, cst.Attribute) or annotation.attr.value in ("Number", "Real", "Integral", "Any")
    return True


def _target_names(target: cst.BaseExpression) -> Set[str]:
    if isinstance(target, cst.Name):
        return {target.value}
    if isinstance(target, (cst.Tuple, cst.List)):
        found: Set[str] = set()
        for element in target.elements:
            found |= _target_names(element.value)
        return found
    if isinstance(target, cst.StarredElement):
        return _target_names(target.value)
    return set()


def _awaits(expr: cst.CSTNode) -> bool:
    stack = [expr]
    while stack:
        current = stack.pop()
        if type(current) is cst.Await:
            return True
        if type(current) not in SCOPE_NODES:
            stack.extend(child_nodes(current))
    return False
