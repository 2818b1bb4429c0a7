"""The functions that run on threads, as roots of the shared-state search: which
hand-offs start them, why several run at once, and what every one of those threads shares
(the object of a bound method, arguments that get the same object on every call)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import libcst as cst

from conclint.analysis.scopes import Scope
from conclint.analysis.threads.concurrency import Concurrency, names_bound_in
from conclint.analysis.threads.handoffs import FUNCTION, LAMBDA, THREAD, HandoffSite, Target, receivers
from conclint.analysis.threads.lookup import ModuleLookup
from conclint.analysis.threads.syntax import code_of


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


def thread_roots(lookup: ModuleLookup, handoffs: Sequence[HandoffSite], concurrency: Concurrency) -> List[ThreadRoot]:
    """One root per sync function or lambda handed to threads (per receiver, for a bound
    method), in the order of its first hand-off."""
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
        root = ThreadRoot(target, group, how, target.display)
        if how and target.bound and not target.own_instance:
            root.self_shared = _receiver_shared(concurrency, target, group)
        if how:
            root.shared_params = _shared_params(lookup, concurrency, target, group)
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
) -> Dict[str, Tuple[str, str]]:
    """Parameters that receive the same mutable object on every call."""
    node = target.node
    if not isinstance(node, (cst.FunctionDef, cst.Lambda)):
        return {}
    skip_self = target.bound and isinstance(node, cst.FunctionDef)
    shared: Dict[str, Tuple[str, str]] = {}
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
    return shared
