"""Whether a callable handed over runs on several threads or processes at once: handed
over once per item (``map``), in a loop without waiting for each one, or at several places
of one function; and which of its arguments every one of those runs gets
(:func:`shared_arguments`). A configured thread callback counts once: the library decides
on how many threads it calls it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Set, Tuple

import libcst as cst

from conclint.analysis.scopes import Scope
from conclint.analysis.threads.handoffs import HandoffSite, receivers
from conclint.analysis.threads.lookup import ModuleLookup
from conclint.analysis.threads.syntax import COMPREHENSIONS, SCOPE_NODES, child_nodes, code_of

#: Methods that wait for a thread, a future or a result.
_WAITS = frozenset({"join", "result", "wait", "get"})


class Concurrency:
    def __init__(self, lookup: ModuleLookup) -> None:
        self.lookup = lookup

    def enclosing_loop(self, node: cst.CSTNode, scope: Scope) -> Optional[cst.CSTNode]:
        """The innermost loop or comprehension around ``node`` in its own function, whose
        body (not its one-time header) holds it."""
        root = self.lookup.container_node(scope)
        parents = self.lookup.parents(root)
        child = node
        parent = parents.get(id(child))
        while parent is not None and parent is not root:
            if isinstance(parent, SCOPE_NODES):
                return None
            if isinstance(parent, cst.For) and child is not parent.iter:
                return parent
            if isinstance(parent, cst.While) and child is not parent.test:
                return parent
            if isinstance(parent, COMPREHENSIONS):
                outer = parent.for_in
                if child is not outer:
                    return parent
            if isinstance(parent, cst.CompFor) and child is not parent.iter:
                return parent
            child, parent = parent, parents.get(id(parent))
        return None

    def waited_in_loop(self, handoff: HandoffSite, loop: Optional[cst.CSTNode]) -> bool:
        """Whether each hand-off of a loop is waited for before the next one starts:
        ``await asyncio.to_thread(...)``, ``pool.submit(...).result()``, or
        ``t = Thread(...)`` ... ``t.join()`` in the same loop body. Outside a loop
        (``loop`` is ``None``) only the first two count."""
        if handoff.site.awaited:
            return True
        node = handoff.site.node
        parents = self.lookup.parents(self.lookup.container_node(handoff.scope))
        parent = parents.get(id(node))
        if isinstance(parent, cst.Attribute) and parent.attr.value in _WAITS:
            return isinstance(parents.get(id(parent)), cst.Call)
        if loop is None:
            return False
        if not (isinstance(parent, cst.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0].target, cst.Name)):
            return False
        name = parent.targets[0].target.value
        stack: List[cst.CSTNode] = [loop]
        while stack:
            current = stack.pop()
            if (
                isinstance(current, cst.Call)
                and isinstance(current.func, cst.Attribute)
                and current.func.attr.value in _WAITS
                and isinstance(current.func.value, cst.Name)
                and current.func.value.value == name
            ):
                return True
            stack.extend(c for c in child_nodes(current) if not isinstance(c, SCOPE_NODES))
        return False

    def site_concurrency(self, handoff: HandoffSite, same_function: Sequence[HandoffSite]) -> str:
        """Why the threads this one hand-off starts run several at once (``""``: nothing
        says so); ``same_function``: the hand-offs of the same callable in its function."""
        if handoff.callback:
            return ""
        if handoff.per_item:
            return f"{handoff.via} calls it once per item"
        loop = self.enclosing_loop(handoff.site.node, handoff.scope)
        if self.waited_in_loop(handoff, loop):
            return ""
        if loop is not None:
            return f"it is handed to {handoff.via} in a loop"
        return self.concurrency(same_function) if len(same_function) > 1 else ""

    def concurrency(self, handoffs: Sequence[HandoffSite]) -> str:
        """Why the callable of these hand-offs (all of one target) runs on several threads
        or processes at once; ``""`` when nothing says so. The first hand-off's own reason
        comes first."""
        handoffs = [handoff for handoff in handoffs if not handoff.callback]
        for handoff in handoffs:
            if handoff.per_item:
                return f"{handoff.via} calls it once per item"
            loop = self.enclosing_loop(handoff.site.node, handoff.scope)
            if loop is not None and not self.waited_in_loop(handoff, loop):
                return f"it is handed to {handoff.via} in a loop"
        by_function: Dict[int, int] = {}
        for handoff in handoffs:
            loop = self.enclosing_loop(handoff.site.node, handoff.scope)
            if self.waited_in_loop(handoff, loop if loop is not None else None):
                continue  # waited for before the code goes on
            key = id(handoff.scope.function_scope)
            by_function[key] = by_function.get(key, 0) + 1
            if by_function[key] > 1:
                # Two hand-offs in one function run together; in two functions, maybe not.
                return f"it is handed over at {by_function[key]} places in one function"
        return ""


@dataclass(frozen=True)
class SharedArgument:
    """An object that every run of a callable handed over gets: the same one each time."""

    value: cst.BaseExpression  # the argument (a name, or attributes of one)
    handoff: HandoffSite  # where it is passed; ``value`` is evaluated in its scope
    why: str  # "bound with functools.partial", "passed in a loop", "passed at 2 places"


def shared_arguments(concurrency: Concurrency, handoffs: Sequence[HandoffSite]) -> Dict[str, SharedArgument]:
    """Parameter name -> the object it receives on every run, for the hand-offs of one
    callable (a function or lambda of this module): bound with ``functools.partial``,
    passed in a loop (or comprehension) where it is not the loop's own variable (one
    ``args=(x, sink)`` per ``x``, one ``submit(f, x, shared)`` per round), or passed by
    several hand-offs of one function. Only names and attributes of names count: a literal
    or a call makes a new object for each run. Whether the runs overlap is
    :meth:`Concurrency.concurrency`'s to say; what the objects are, the caller's."""
    shared: Dict[str, SharedArgument] = {}
    places: Dict[Tuple[int, str], int] = {}
    for handoff in handoffs:
        target = handoff.target
        node = target.node
        if not isinstance(node, (cst.FunctionDef, cst.Lambda)):
            continue
        loop = concurrency.enclosing_loop(handoff.site.node, handoff.scope)
        fresh = names_bound_in(loop) if loop is not None else set()
        fixed = list(target.partial_args)
        per_call = [] if handoff.per_item or handoff.args is None else list(handoff.args)
        skip_self = (target.bound or target.own_instance) and isinstance(node, cst.FunctionDef)
        for index, arg, param in receivers(node, skip_self, fixed + per_call):
            base = arg.value
            while isinstance(base, cst.Attribute):
                base = base.value
            if not isinstance(base, cst.Name):
                continue
            name = param.name.value
            if index < len(fixed):
                shared[name] = SharedArgument(arg.value, handoff, "bound with functools.partial")
            elif loop is not None and base.value not in fresh:
                shared[name] = SharedArgument(arg.value, handoff, "passed in a loop")
            else:
                key = (id(handoff.scope.function_scope), code_of(arg.value, 200))
                places[key] = places.get(key, 0) + 1
                if places[key] > 1:
                    shared[name] = SharedArgument(arg.value, handoff, f"passed at {places[key]} places")
    return shared


def names_bound_in(node: cst.CSTNode) -> Set[str]:
    """Every name a statement (or expression) binds, nested scopes included: the loop
    variables, assignment targets, ``as`` names and ``:=`` targets."""
    names: Set[str] = set()

    def targets(expr: cst.CSTNode) -> None:
        if isinstance(expr, cst.Name):
            names.add(expr.value)
        elif isinstance(expr, (cst.Tuple, cst.List)):
            for element in expr.elements:
                targets(element.value)
        elif isinstance(expr, cst.StarredElement):
            targets(expr.value)

    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, (cst.For, cst.CompFor)):
            targets(current.target)
        elif isinstance(current, cst.AssignTarget):
            targets(current.target)
        elif isinstance(current, (cst.AugAssign, cst.AnnAssign)):
            targets(current.target)
        elif isinstance(current, cst.AsName):
            targets(current.name)
        elif isinstance(current, cst.NamedExpr):
            targets(current.target)
        stack.extend(child_nodes(current))
    return names
