"""The functions that run on threads, as roots of the shared-state search: which
hand-offs start them, why several run at once, what every one of those threads shares
(the object of a bound method, arguments that get the same object on every call), and
when the code that handed them over runs alongside them (:class:`Timing`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Set, Tuple

import libcst as cst

from conclint.analysis.scopes import Scope
from conclint.analysis.threads.body import FunctionBody
from conclint.analysis.threads.concurrency import Concurrency, names_bound_in
from conclint.analysis.threads.handoffs import FUNCTION, LAMBDA, THREAD, HandoffSite, Target, receivers
from conclint.analysis.threads.lookup import ModuleLookup
from conclint.analysis.threads.syntax import code_of
from conclint.knowledge import cpu as K

#: Calls that wait for a thread, a future or a pool: code after them runs once the
#: threads are done (``Event.wait`` too: conclint cannot tell what was waited for, and a
#: wait it takes for a join only makes it quieter). After ``os.fork()`` the child runs
#: without the parent's other threads; the parent's side is not told apart (quieter too).
_WAIT_METHODS = frozenset({"join", "result", "wait", "shutdown", "exception"})
_WAIT_FUNCTIONS = frozenset({"concurrent.futures.wait", "concurrent.futures.as_completed", "os.fork", "os.forkpty"})


@dataclass
class ThreadRoot:
    """A function that runs on threads, and what it shares."""

    target: Target
    handoffs: List[HandoffSite]
    how: str  # why it runs on several threads at once ("" when nothing says so)
    name: str
    scope: Optional[Scope] = None  # the function's (or lambda's) own scope
    self_shared: bool = False
    shared_params: Dict[str, Tuple[str, str]] = field(default_factory=dict)  # param -> (type, argument text)
    #: Parameters that receive a container the handing code names (one object per thread,
    #: but shared with the code that goes on after the hand-off): param -> (type, text).
    handed_params: Dict[str, Tuple[str, str]] = field(default_factory=dict)
    #: Some hand-off starts it and nothing waits for it afterwards in the code that handed
    #: it over: the thread runs alongside whatever the program does next.
    lives_on: bool = False
    #: The other roots whose threads can run at the same time as this one's (by id).
    alongside: Set[int] = field(default_factory=set)
    #: How it gets on a thread, for messages: "Thread(target=...)", "Worker(), a Thread subclass".
    started: str = ""
    #: Each thread has an object of its own, which no other code sees (a request handler).
    self_private: bool = False


def thread_roots(
    lookup: ModuleLookup, handoffs: Sequence[HandoffSite], concurrency: Concurrency, entries: Sequence = ()
) -> List[ThreadRoot]:
    """One root per sync function or lambda handed to threads (per receiver, for a bound
    method), in the order of its first hand-off; then one per other thread entry (see
    :mod:`.entries`: a ``Thread`` subclass's ``run`` made elsewhere, the methods of a
    request handler or of an object given to a thread callback)."""
    groups: Dict[Tuple, List[HandoffSite]] = {}
    for handoff in handoffs:
        target = handoff.target
        if handoff.kind != THREAD or target.kind not in (FUNCTION, LAMBDA):
            continue
        if target.kind == FUNCTION and (target.scope is None or target.scope.is_async or not lookup.transparent(target.scope)):
            continue
        receiver = code_of(target.receiver, 200) if target.bound and target.receiver is not None else ""
        key = (target.key, receiver)
        groups.setdefault(key, []).append(handoff)
    roots = []
    for group in groups.values():
        target = group[0].target
        how = concurrency.concurrency(group)
        root = ThreadRoot(target, group, how, target.display, started=group[0].via)
        if how and target.bound and not target.own_instance:
            root.self_shared = _receiver_shared(concurrency, target, group)
        shared, handed = _shared_params(lookup, concurrency, target, group)
        root.shared_params = shared if how else {}
        root.handed_params = {name: found for name, found in handed.items() if name not in root.shared_params}
        roots.append(root)
    covered = {id(root.target.node) for root in roots}
    for entry in entries:
        if id(entry.node) in covered or not isinstance(entry.node, cst.FunctionDef):
            continue
        shared_self = entry.self_class is not None
        target = Target(FUNCTION, entry.node, entry.scope, entry.scope.qualname, bound=shared_self, own_instance=not entry.handoffs)
        root = ThreadRoot(target, list(entry.handoffs), entry.several, entry.name, started=entry.how.replace("is ", "", 1))
        # Made elsewhere, it runs alongside whatever the module does meanwhile; a request
        # handler's thread has an object of its own.
        root.lives_on = not entry.handoffs
        root.self_private = not shared_self and entry.scope.method_class() is not None
        roots.append(root)
    return roots


def _receiver_shared(concurrency: Concurrency, target: Target, handoffs: List[HandoffSite]) -> bool:
    """Whether the threads of a bound method share its object: not when each one gets
    an object made in the loop that starts it."""
    if len(handoffs) > 1:
        return True
    handoff = handoffs[0]
    if handoff.per_item:
        return True
    base = target.receiver
    while isinstance(base, cst.Attribute):
        base = base.value
    loop = concurrency.enclosing_loop(handoff.site.node, handoff.scope)
    if loop is None or not isinstance(base, cst.Name):
        return loop is not None
    return base.value not in names_bound_in(loop)


def _shared_params(
    lookup: ModuleLookup, concurrency: Concurrency, target: Target, handoffs: List[HandoffSite]
) -> Tuple[Dict[str, Tuple[str, str]], Dict[str, Tuple[str, str]]]:
    """Parameters that receive the same mutable object on every call, and those that
    receive a mutable object the handing code names."""
    node = target.node
    if not isinstance(node, (cst.FunctionDef, cst.Lambda)):
        return {}, {}
    skip_self = target.bound and isinstance(node, cst.FunctionDef)
    shared: Dict[str, Tuple[str, str]] = {}
    handed: Dict[str, Tuple[str, str]] = {}
    sites_by_name: Dict[Tuple[int, str], int] = {}
    for handoff in handoffs:
        loop = concurrency.enclosing_loop(handoff.site.node, handoff.scope)
        fresh = names_bound_in(loop) if loop is not None else set()
        fixed = list(target.partial_args)
        per_call = [] if handoff.per_item or handoff.args is None else list(handoff.args)
        for index, arg, param in receivers(node, skip_self, fixed + per_call):
            value = arg.value
            base = value
            while isinstance(base, cst.Attribute):
                base = base.value
            if not isinstance(base, cst.Name):
                continue
            kind = lookup.container_type(value, handoff.scope) or lookup.local_instance(value, handoff.scope)
            if not kind:
                continue
            is_partial = index < len(fixed)
            repeated = loop is not None and base.value not in fresh
            if is_partial or repeated:
                shared[param.name.value] = (kind, code_of(value))
            else:
                key = (id(handoff.scope), code_of(value, 200))
                sites_by_name[key] = sites_by_name.get(key, 0) + 1
                if sites_by_name[key] > 1:
                    shared[param.name.value] = (kind, code_of(value))
                elif loop is None:
                    handed[param.name.value] = (kind, code_of(value))
    return shared, handed


class Timing:
    """When the code around a hand-off runs alongside the threads it starts: after the
    hand-off (or anywhere in a loop that repeats it) and before anything waits for them
    (``join()``, ``result()``, the end of the executor's ``with`` block)."""

    def __init__(self, lookup: ModuleLookup, concurrency: Concurrency, body: Callable[[cst.CSTNode], FunctionBody]) -> None:
        self.lookup = lookup
        self.concurrency = concurrency
        self.body = body
        self._waits: Dict[int, List[cst.Call]] = {}

    def handing_body(self, handoff: HandoffSite) -> FunctionBody:
        return self.body(self.lookup.container_node(handoff.scope))

    def waits(self, body: FunctionBody) -> List[cst.Call]:
        """The calls of ``body`` that wait, in source order."""
        found = self._waits.get(id(body.node))
        if found is None:
            found = self._waits[id(body.node)] = [node for node in body.nodes if self._is_wait(node)]
        return found

    def _is_wait(self, node: cst.CSTNode) -> bool:
        if not isinstance(node, cst.Call):
            return False
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in _WAIT_METHODS:
            return func.attr.value != "join" or _thread_join(node)
        located = self.lookup.site(node)
        value = self.lookup.facts.callee(located[1]) if located is not None else None
        return value is not None and value.qualname in _WAIT_FUNCTIONS

    def waited_after(self, body: FunctionBody, node: cst.CSTNode) -> bool:
        """Whether ``body`` waits for something before ``node`` runs."""
        position = body.position(node)
        return any(body.position(wait) < position for wait in self.waits(body))

    def alongside(self, handoff: HandoffSite, node: Optional[cst.CSTNode]) -> bool:
        """Whether ``node``, in the code that made ``handoff`` (``None``: the end of that
        code), runs while the threads it started may still run."""
        if handoff.callback:
            return True  # the library calls it later, on its own thread
        if handoff.site.awaited or self.concurrency.waited_in_loop(handoff, None):
            return False
        body = self.handing_body(handoff)
        call = handoff.site.node
        pool = self._pool_block(body, call, handoff.scope)
        if pool is not None and (node is None or not body.within(node, pool)):
            return False  # the executor's ``with`` waits for every task at its end
        start = body.position(call)
        waits = self.waits(body)
        loop = self.concurrency.enclosing_loop(call, handoff.scope)
        if node is not None and loop is not None and node is not loop and body.within(node, loop):
            # The loop's next rounds run after this round's hand-off, unless it waits.
            return not any(body.within(wait, loop) for wait in waits)
        end = body.position(node) if node is not None else None
        if end is not None and end <= start:
            return False
        return not any(body.position(wait) > start and (end is None or body.position(wait) < end) for wait in waits)

    def link_roots(self, roots: Sequence[ThreadRoot]) -> None:
        """Fill :attr:`ThreadRoot.lives_on` and :attr:`ThreadRoot.alongside`. Two thread
        functions handed over in one function run together when one is handed over while
        the other's threads still run; handed over in different functions, when one of them
        lives on (the order of the two functions is not known)."""
        for root in roots:
            root.lives_on = root.lives_on or any(self.alongside(handoff, None) for handoff in root.handoffs)
        for index, first in enumerate(roots):
            for second in roots[index + 1:]:
                if self._together(first, second):
                    first.alongside.add(id(second))
                    second.alongside.add(id(first))

    def _together(self, first: ThreadRoot, second: ThreadRoot) -> bool:
        if not first.handoffs or not second.handoffs:
            return first.lives_on or second.lives_on
        for one in first.handoffs:
            for other in second.handoffs:
                if self.lookup.container_node(one.scope) is self.lookup.container_node(other.scope):
                    if self.alongside(one, other.site.node) or self.alongside(other, one.site.node):
                        return True
                elif first.lives_on or second.lives_on:
                    return True
        return False

    def _pool_block(self, body: FunctionBody, call: cst.CSTNode, scope: Scope) -> Optional[cst.With]:
        for _, parent in body.ancestors(call):
            if isinstance(parent, cst.With):
                for item in parent.items:
                    if self.lookup.instance_type(item.item, scope) in K.THREAD_POOLS | K.PROCESS_POOLS:
                        return parent
        return None



def _thread_join(call: cst.Call) -> bool:
    """``thread.join()``, ``join(5)``, ``join(timeout=...)``: not ``", ".join(parts)`` or
    ``os.path.join(a, b)``."""
    receiver = call.func.value if isinstance(call.func, cst.Attribute) else None
    if isinstance(receiver, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)):
        return False
    if isinstance(receiver, cst.Attribute) and code_of(receiver) in ("os.path", "posixpath", "ntpath"):
        return False
    if not call.args:
        return True
    if len(call.args) > 1:
        return False
    arg = call.args[0]
    if arg.keyword is not None:
        return arg.keyword.value == "timeout"
    value = arg.value
    return isinstance(value, (cst.Integer, cst.Float)) or "timeout" in code_of(value).lower()
