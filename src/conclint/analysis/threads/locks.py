"""Locks: which code runs with a lock held (``with lock:``, ``lock.acquire()`` ...
``lock.release()``), and the locks a function makes for itself on every call (CCL305)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

import libcst as cst

from conclint.analysis.module import CallSite, ModuleFacts
from conclint.analysis.scopes import Scope
from conclint.analysis.threads.lookup import ModuleLookup, module_lookup
from conclint.analysis.threads.syntax import STDLIB, block_statements, code_of, name_uses
from conclint.knowledge import cpu as K
from conclint.knowledge.threads import THREAD_LOCK_TYPES

_LOCK_NAMES = frozenset({"Lock", "RLock", "Semaphore", "BoundedSemaphore", "Condition"})


# -- code that runs with a lock held -----------------------------------------------------------
def lock_held(lookup: ModuleLookup, ancestors: Iterable[Tuple[cst.CSTNode, cst.CSTNode]], scope: Scope) -> bool:
    """Whether the node whose (child, parent) pairs up to its function body are
    ``ancestors`` runs inside ``with lock:`` or between ``lock.acquire()`` and
    ``lock.release()``. A ``with`` on anything conclint cannot tell is not a lock counts as
    a lock (precision first)."""
    for child, parent in ancestors:
        if isinstance(parent, cst.With) and child is parent.body:
            if any(_may_be_lock(lookup, item.item, scope) for item in parent.items):
                return True
        if isinstance(parent, cst.If) and child is parent.body and _acquire_receiver(parent.test) is not None:
            return True
        if isinstance(parent, cst.IndentedBlock) and isinstance(child, cst.BaseStatement):
            if _held_before(parent.body, child):
                return True
    return False


def _held_before(statements: Sequence[cst.BaseStatement], current: cst.BaseStatement) -> bool:
    held: Set[str] = set()
    for statement in statements:
        if statement is current:
            return bool(held)
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Expr):
                    receiver = _acquire_receiver(small.value)
                    if receiver is not None:
                        held.add(receiver)
                    receiver = _method_receiver(small.value, "release")
                    if receiver is not None:
                        held.discard(receiver)
        elif isinstance(statement, cst.Try) and statement.finalbody is not None:
            for inner in block_statements(statement.finalbody.body):
                if isinstance(inner, cst.SimpleStatementLine):
                    for small in inner.body:
                        if isinstance(small, cst.Expr):
                            receiver = _method_receiver(small.value, "release")
                            if receiver is not None:
                                held.discard(receiver)
    return False


def _may_be_lock(lookup: ModuleLookup, item: cst.BaseExpression, scope: Scope) -> bool:
    """False only for a ``with`` item known not to be a lock: a file, a client or a
    response the catalogue knows, what a blocking call returned, or another
    standard-library context manager."""
    value = lookup.resolve(item, scope)
    if value is None or not value.instance:
        return True
    name = value.qualname
    catalogue = lookup.facts.catalogue
    if name in THREAD_LOCK_TYPES:
        return True
    if name in catalogue.types:
        return False
    if name.endswith("()"):
        made_by = name[:-2]
        if made_by.rsplit(".", 1)[-1] in _LOCK_NAMES:
            return True
        if catalogue.category_of_call(made_by) is not None or made_by.split(".", 1)[0] in STDLIB:
            return False
    return True


def _method_receiver(expr: cst.BaseExpression, method: str) -> Optional[str]:
    if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and expr.func.attr.value == method:
        return code_of(expr.func.value, 200)
    return None


def _acquire_receiver(expr: cst.BaseExpression) -> Optional[str]:
    return _method_receiver(expr, "acquire")


# -- locks made per call (CCL305) --------------------------------------------------------------
@dataclass
class PerCallLock:
    call: cst.Call
    function: Scope
    kind: str  # "Lock", "RLock", ...
    name: str  # the local name, or "" for ``with threading.Lock():``


def per_call_locks(facts: ModuleFacts) -> List[PerCallLock]:
    """Locks created inside a function and used only there, as locks: every call gets its
    own, so none of them can ever make another thread wait."""
    lookup = module_lookup(facts)
    found: List[PerCallLock] = []
    candidates: Dict[int, List[Tuple[int, CallSite, str]]] = {}
    for index, site in enumerate(facts.calls):
        func = site.node.func
        tail = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else ""
        if tail not in ("Lock", "RLock", "Semaphore", "BoundedSemaphore"):
            continue
        function = site.scope.function_scope
        if function is None or function.kind != "function" or site.scope is not function or function.is_async:
            continue  # in ``async def`` a thread lock is CCL107's (or CCL105's) finding
        value = facts.callee(site)
        if value is None or value.instance or value.bound or value.qualname not in K.LOCK_CONSTRUCTORS:
            continue
        candidates.setdefault(id(function), []).append((index, site, value.qualname.rsplit(".", 1)[-1]))
    for entries in candidates.values():
        function = entries[0][1].scope
        node = function.node
        if not isinstance(node, cst.FunctionDef):
            continue
        parents = lookup.parents(node)
        uses = None
        for _, site, kind in entries:
            parent = parents.get(id(site.node))
            if isinstance(parent, cst.WithItem):
                found.append(PerCallLock(site.node, function, kind, ""))
                continue
            if not (isinstance(parent, cst.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0].target, cst.Name)):
                continue
            name = parent.targets[0].target.value
            if name in function.global_names or name in function.nonlocal_names:
                continue
            bindings = function.bindings.get(name, [])
            if len(bindings) != 1:
                continue
            if uses is None:
                uses = name_uses(node)
            if _only_used_as_lock(uses.get(name, []), parents, parent):
                found.append(PerCallLock(site.node, function, kind, name))
    return found


def _only_used_as_lock(uses: List[Tuple[cst.Name, bool]], parents: Dict[int, cst.CSTNode], assign: cst.Assign) -> bool:
    """Whether the lock only ever guards a region of this function: ``with lock:``, or
    ``lock.acquire()`` with a ``lock.release()``; any other use may share it."""
    methods: Set[str] = set()
    for name, nested in uses:
        parent = parents.get(id(name))
        if isinstance(parent, cst.AssignTarget) and parents.get(id(parent)) is assign:
            continue
        if nested:
            return False  # a closure can share it
        if isinstance(parent, cst.WithItem) and parent.item is name:
            methods.add("with")
            continue
        if isinstance(parent, cst.Attribute) and parent.value is name and parent.attr.value in K.LOCK_METHODS:
            if isinstance(parents.get(id(parent)), cst.Call):
                methods.add(parent.attr.value)
                continue
        return False  # passed on, stored, returned: others may share it
    return "with" in methods or {"acquire", "release"} <= methods
