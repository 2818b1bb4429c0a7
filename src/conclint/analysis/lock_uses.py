"""Which side of the event loop uses a thread lock.

A ``threading`` lock taken in ``async def`` for a short critical section is correct when
a thread takes it too: it guards state shared with that thread. It is the wrong lock only
when no thread ever takes it. :class:`LockUses` answers that for the locks of one module,
from every use of them it can see: a lock is "loop-only" when each use runs on the event
loop and only takes or calls the lock. Anything out of sight counts as a thread: a name
other modules can import, a parameter, a lock handed to a call or stored elsewhere, a use
in a sync function, a lambda or module-level code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, FrozenSet, Iterable, List, Optional, Tuple

import libcst as cst

from conclint.analysis.module import ModuleFacts
from conclint.analysis.scopes import ANNOTATED, ASSIGN, WITH, Scope
from conclint.analysis.traversal import visitor_methods, walk
from conclint.knowledge.threads import THREAD_LOCK_TYPES

# What a use does with the lock.
_TAKE = "take"  # ``with lock:`` or ``lock.method(...)``
_MAKE = "make"  # the target of ``lock = threading.Lock()``
_OTHER = "other"  # anything else: passed, stored, returned, rebound, referenced

#: Bindings whose value is in sight (each must still be a lock constructor, see _MAKE).
_MADE_HERE = frozenset({ASSIGN, WITH, ANNOTATED})


@dataclass
class _Use:
    node: cst.CSTNode
    scope: Scope
    on_loop: bool
    role: str


class LockUses:
    """The uses of the locks that ``watched`` expressions name, found in one walk of the
    module when first asked."""

    def __init__(self, facts: ModuleFacts, watched: Iterable[cst.BaseExpression]) -> None:
        self.facts = facts
        self._spellings = frozenset(filter(None, (_spelling(expr) for expr in watched)))
        self._uses: Optional[Dict[str, List[_Use]]] = None

    def loop_only(self, item: cst.BaseExpression, scope: Scope) -> bool:
        """Whether no thread can take the lock ``item`` names in ``scope``: every use of it
        in the module runs on the event loop and takes it, and no other module can reach
        it (a module-level or attribute name without a leading underscore may be used
        elsewhere)."""
        if isinstance(item, cst.Call):
            return True  # ``with threading.Lock():`` is its only use
        spelling = _spelling(item)
        if spelling is None:
            return False
        private = spelling.startswith("_")
        uses = self._collect().get(spelling, [])
        if isinstance(item, cst.Name):
            bindings = scope.lookup(spelling)
            owner = _owner(scope, spelling, bindings)
            if not bindings or owner is None or owner.kind == "class" or (owner.kind == "module" and not private):
                return False
            if any(binding.kind not in _MADE_HERE for binding in bindings):
                return False  # a parameter, or a name bound by what cannot be followed
            uses = [use for use in uses if isinstance(use.node, cst.Name) and use.scope.lookup(spelling) is bindings]
        elif not private:
            return False
        else:
            # Any object's ``._lock`` may be this one; a bare name is the class attribute
            # only in the class body.
            uses = [use for use in uses if isinstance(use.node, cst.Attribute) or use.scope.kind == "class"]
        return bool(uses) and all(use.role == _MAKE or (use.role == _TAKE and use.on_loop) for use in uses)

    def _collect(self) -> Dict[str, List[_Use]]:
        if self._uses is None:
            collector = _UseCollector(self.facts, self._spellings)
            if self._spellings:
                walk(self.facts.module, [collector])
            self._uses = collector.uses
        return self._uses


def _spelling(expr: cst.BaseExpression) -> Optional[str]:
    if isinstance(expr, cst.Name):
        return expr.value
    if isinstance(expr, cst.Attribute):
        return expr.attr.value
    return None


def _owner(scope: Scope, name: str, bindings) -> Optional[Scope]:
    """The scope whose binding of ``name`` a use in ``scope`` sees."""
    candidate: Optional[Scope] = scope
    while candidate is not None:
        if candidate.bindings.get(name) is bindings:
            return candidate
        candidate = candidate.parent
    return None


class _UseCollector(cst.BatchableCSTVisitor):
    """Records every name and attribute spelled like a watched lock, with the scope it is
    looked up in, whether it runs on the event loop, and what it does with the lock.
    Parents are visited before their children, so a child's role is known when it is."""

    def __init__(self, facts: ModuleFacts, spellings: FrozenSet[str]) -> None:
        super().__init__()
        self.facts = facts
        self.spellings = spellings
        self.uses: Dict[str, List[_Use]] = {}
        self._scopes: Dict[int, Scope] = {id(scope.node): scope for scope in facts.functions}
        self._scopes.update((id(cls.node), cls) for cls in facts.resolver.local_classes.values())
        # (the scope names are looked up in, whether the code runs on the event loop)
        self._stack: List[Tuple[Scope, bool]] = [(facts.root, False)]
        self._roles: Dict[int, str] = {}
        self._not_uses: set = set()

    def get_visitors(self):
        return visitor_methods(self)

    # -- where the code runs ---------------------------------------------------------------
    def _enter(self, node: cst.CSTNode) -> None:
        scope = self._scopes.get(id(node))
        if scope is None:  # not recorded by the analysis: stay on the safe side
            self._stack.append((self._stack[-1][0], False))
        elif scope.kind == "class":
            self._stack.append((scope, self._stack[-1][1]))
        else:
            self._stack.append((scope, scope.is_async))

    def _leave(self, node: cst.CSTNode) -> None:
        self._stack.pop()

    visit_FunctionDef_body = visit_ClassDef_body = _enter
    leave_FunctionDef_body = leave_ClassDef_body = _leave

    def visit_Lambda_body(self, node: cst.Lambda) -> None:
        self._stack.append((self._stack[-1][0], False))  # called wherever it is handed to

    def leave_Lambda_body(self, node: cst.Lambda) -> None:
        self._stack.pop()

    def visit_GeneratorExp(self, node: cst.GeneratorExp) -> None:
        scope, on_loop = self._stack[-1]
        handed = self.facts.executor_genexps.get(id(node))
        if handed is not None and self.facts.is_executor_call(*handed):
            on_loop = False  # consumed on the executor's thread
        self._stack.append((scope, on_loop))

    def leave_GeneratorExp(self, node: cst.GeneratorExp) -> None:
        self._stack.pop()

    # -- what a use does ----------------------------------------------------------------------
    def visit_WithItem(self, node: cst.WithItem) -> None:
        self._roles[id(node.item)] = _TAKE
        if node.asname is not None and self._makes_lock(node.item):
            self._roles[id(node.asname.name)] = _MAKE

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Attribute):
            self._roles[id(node.func.value)] = _TAKE
        for arg in node.args:
            if arg.keyword is not None:
                self._not_uses.add(id(arg.keyword))

    def visit_Assign(self, node: cst.Assign) -> None:
        if self._makes_lock(node.value):
            for target in node.targets:
                self._roles[id(target.target)] = _MAKE

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is None or self._makes_lock(node.value):
            self._roles[id(node.target)] = _MAKE

    def _makes_lock(self, value: cst.BaseExpression) -> bool:
        if not isinstance(value, cst.Call):
            return False
        made = self.facts.resolve(value, self._stack[-1][0])
        return made is not None and made.instance and made.qualname in THREAD_LOCK_TYPES

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self._not_uses.add(id(node.attr))
        if node.attr.value in self.spellings:
            self._record(node.attr.value, node)

    def visit_Name(self, node: cst.Name) -> None:
        if node.value in self.spellings and id(node) not in self._not_uses:
            self._record(node.value, node)

    def _record(self, spelling: str, node: cst.CSTNode) -> None:
        scope, on_loop = self._stack[-1]
        role = self._roles.get(id(node), _OTHER)
        self.uses.setdefault(spelling, []).append(_Use(node, scope, on_loop, role))
