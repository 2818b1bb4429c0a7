"""Shared state (CCL301-CCL304): what code running on threads changes, or checks and then
changes, without a lock, found once per module.

Each :class:`SharedAccess` is one site in the code of a thread function (or of a function
of the module it calls, which runs on the same thread): a mutation, a read-modify-write, a
rebinding, or the test of a check-then-act, which *covers* the changes it guards. Which
sites are reported, and with which code, the rules decide.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Set, Tuple

import libcst as cst

from conclint.analysis.scopes import Scope
from conclint.analysis.threads.body import FunctionBody
from conclint.analysis.threads.concurrency import Concurrency
from conclint.analysis.threads.handoffs import LAMBDA, HandoffSite, Target
from conclint.analysis.threads.lookup import ModuleLookup
from conclint.analysis.threads.shared_roots import ThreadRoot, thread_roots
from conclint.analysis.threads.shared_subjects import Subject, Subjects
from conclint.analysis.threads.syntax import ARITHMETIC, code_of
from conclint.knowledge import cpu as K

# Access kinds.
MUTATE = "mutate"
UPDATE = "update"  # read-modify-write
REBIND = "rebind"
CHECK = "check"  # the test of a check-then-act


@dataclass
class SharedAccess:
    node: cst.CSTNode
    subject: Subject
    kind: str  # MUTATE, UPDATE, REBIND or CHECK
    detail: str  # the code, for messages: "results.append()", "n += 1"
    root: ThreadRoot
    covered: bool = False  # guarded by a check-then-act, which is the finding


def shared_accesses(lookup: ModuleLookup, handoffs: Sequence[HandoffSite], concurrency: Concurrency) -> List[SharedAccess]:
    """The accesses to shared state of the thread code of a module, in the order found."""
    roots = thread_roots(lookup, handoffs, concurrency)
    if not roots:
        return []
    return _AccessFinder(lookup).find(roots)


class _AccessFinder:
    MAX_HELPER_DEPTH = 4

    def __init__(self, lookup: ModuleLookup) -> None:
        self.lookup = lookup
        self.subjects = Subjects(lookup)
        self.accesses: List[SharedAccess] = []
        self._bodies: Dict[int, FunctionBody] = {}

    def body(self, node: cst.CSTNode) -> FunctionBody:
        found = self._bodies.get(id(node))
        if found is None:
            found = self._bodies[id(node)] = FunctionBody(self.lookup, node)
        return found

    def find(self, roots: List[ThreadRoot]) -> List[SharedAccess]:
        for root in roots:
            target = root.target
            if target.kind == LAMBDA:
                root.scope = self._lambda_scope(target.node)
                if root.scope is not None:
                    self._visit_function(root, target.node, root.scope, None, set(), 0)
            elif target.scope is not None:
                root.scope = target.scope
                self_name = _self_name(target) if root.self_shared else None
                self._visit_function(root, target.node, target.scope, self_name, set(), 0)
        return self.accesses

    def _lambda_scope(self, node: cst.CSTNode) -> Optional[Scope]:
        """A lambda's scope, found through the calls it makes (one without calls cannot
        change anything)."""
        for site in self.lookup.facts.calls:
            scope = site.scope.function_scope
            if scope is not None and scope.kind == "lambda" and scope.node is node:
                return scope
        return None

    def _visit_function(
        self, root: ThreadRoot, node: cst.CSTNode, scope: Scope, self_name: Optional[str], seen: Set[int], depth: int
    ) -> None:
        if id(node) in seen or depth > self.MAX_HELPER_DEPTH:
            return
        seen.add(id(node))
        body = self.body(node)
        start = len(self.accesses)
        for item in body.nodes:
            if body.guarded(item, scope):
                continue
            if isinstance(item, cst.Call):
                self._call(root, item, scope, self_name, seen, depth)
            elif isinstance(item, cst.AugAssign):
                self._augassign(root, item, scope, self_name, depth)
            elif isinstance(item, (cst.Assign, cst.AnnAssign)):
                self._assign(root, item, scope, self_name, depth)
            elif isinstance(item, cst.Del):
                self._del(root, item, scope, self_name, depth)
        for item in body.nodes:
            if isinstance(item, cst.If) and not body.guarded(item, scope):
                self._check_then_act(root, body, item, scope, self_name, depth, start)

    def _record(self, root: ThreadRoot, node: cst.CSTNode, subject: Subject, kind: str, detail: str) -> None:
        self.accesses.append(SharedAccess(node, subject, kind, detail, root))

    # -- changes -----------------------------------------------------------------------------------
    def _call(self, root, call: cst.Call, scope, self_name, seen, depth) -> None:
        located = self.lookup.site(call)
        if located is None:
            return
        site = located[1]
        if site.scope.function_scope is not scope.function_scope:
            return  # inside a nested lambda
        func = call.func
        if isinstance(func, cst.Attribute):
            subject = self.subjects.named(root, func.value, site.scope, self_name, depth)
            method = func.attr.value
            if subject is not None and subject.type in K.MUTATING_METHODS:
                if method in K.MUTATING_METHODS[subject.type] and method not in K.THREAD_SAFE_METHODS.get(subject.type, ()):
                    self._record(root, call, subject, MUTATE, f"{subject.text}.{method}()")
                    return
        # Follow calls to this module's functions: they run on the same thread.
        helper, helper_self = self._helper(site, func, self_name)
        if helper is None or helper.is_async or not isinstance(helper.node, cst.FunctionDef) or not self.lookup.transparent(helper):
            return
        self._visit_function(root, helper.node, helper, helper_self, seen, depth + 1)

    def _helper(self, site, func: cst.BaseExpression, self_name: Optional[str]) -> Tuple[Optional[Scope], Optional[str]]:
        """The function of this module a call runs (a method only when called on the shared
        ``self``), and the name of its ``self``."""
        value = self.lookup.facts.callee(site)
        if value is None or value.instance:
            return None, None
        helper: Optional[Scope] = None
        helper_self: Optional[str] = None
        if value.bound:
            cls = self.lookup.facts.resolver.local_classes.get(value.owner)
            if (
                cls is not None
                and self_name is not None
                and isinstance(func, cst.Attribute)
                and isinstance(func.value, cst.Name)
                and func.value.value == self_name
            ):
                helper = self.lookup.method(cls, value.attr)
                if helper is not None and isinstance(helper.node, cst.FunctionDef) and helper.node.params.params:
                    helper_self = helper.node.params.params[0].name.value
        else:
            helper = self.lookup.function(value.qualname)
            if helper is not None and helper.method_class() is not None:
                helper = None
        return helper, helper_self

    def _augassign(self, root, node: cst.AugAssign, scope, self_name, depth) -> None:
        found = self.subjects.updated(root, node.target, scope, self_name, depth)
        if found is None:
            return
        subject, numeric = found
        if numeric or self.lookup.is_numeric(node.value, scope):
            self._record(root, node, subject, UPDATE, code_of(node, 40))
        elif isinstance(node.target, cst.Subscript):
            self._record(root, node, subject, MUTATE, code_of(node, 40))

    def _assign(self, root, node, scope, self_name, depth) -> None:
        targets = [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]
        value = node.value
        if value is None:
            return
        for target in targets:
            if isinstance(target, cst.Subscript):
                subject = self.subjects.named(root, target.value, scope, self_name, depth)
                if subject is not None and subject.type in K.MUTATING_METHODS:
                    if _reads_target(value, target):
                        self._record(root, node, subject, UPDATE, code_of(node, 40))
                    elif subject.type not in K.SLOT_SEQUENCES:
                        # Storing into a slot of a list changes no structure: threads that
                        # each fill their own slot are a correct, common pattern.
                        self._record(root, node, subject, MUTATE, f"{code_of(target, 40)} = ...")
                continue
            found = self.subjects.updated(root, target, scope, self_name, depth)
            if found is None:
                continue
            subject = found[0]
            if _reads_target(value, target):
                self._record(root, node, subject, UPDATE, code_of(node, 40))
            else:
                self._record(root, node, subject, REBIND, code_of(node, 40))

    def _del(self, root, node: cst.Del, scope, self_name, depth) -> None:
        targets = [e.value for e in node.target.elements] if isinstance(node.target, (cst.Tuple, cst.List)) else [node.target]
        for target in targets:
            if isinstance(target, cst.Subscript):
                subject = self.subjects.named(root, target.value, scope, self_name, depth)
                if subject is not None and subject.type in K.MUTATING_METHODS:
                    self._record(root, node, subject, MUTATE, f"del {code_of(target, 40)}")

    # -- check-then-act ----------------------------------------------------------------------------
    def _checked(self, root, test: cst.BaseExpression, scope, self_name, depth, nesting: int = 0) -> List[Tuple[Subject, str]]:
        """Shared subjects an ``if`` test checks: (subject, "key" | "none" | "empty")."""
        found: List[Tuple[Subject, str]] = []
        if nesting > 16:
            return found
        if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            return self._checked(root, test.expression, scope, self_name, depth, nesting + 1)
        if isinstance(test, cst.BooleanOperation):
            return self._checked(root, test.left, scope, self_name, depth, nesting + 1) + self._checked(
                root, test.right, scope, self_name, depth, nesting + 1
            )
        if isinstance(test, cst.Comparison):
            for comparison in test.comparisons:
                operator = comparison.operator
                if isinstance(operator, (cst.In, cst.NotIn)):
                    subject = self.subjects.named(root, comparison.comparator, scope, self_name, depth)
                    if subject is not None and subject.type in K.MUTATING_METHODS:
                        found.append((subject, "key"))
                elif isinstance(operator, (cst.Is, cst.IsNot, cst.Equal, cst.NotEqual)) and _is_none(comparison.comparator):
                    found.extend(self._none_checked(root, test.left, scope, self_name, depth))
            return found
        return self._none_checked(root, test, scope, self_name, depth)

    def _none_checked(self, root, expr, scope, self_name, depth) -> List[Tuple[Subject, str]]:
        if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and expr.func.attr.value == "get":
            subject = self.subjects.named(root, expr.func.value, scope, self_name, depth)
            if subject is not None and subject.type in K.MUTATING_METHODS:
                return [(subject, "key")]
            return []
        if isinstance(expr, cst.Call):
            callee = self.lookup.resolve(expr.func, scope)
            if callee is not None and callee.qualname == "builtins.len" and expr.args:
                subject = self.subjects.named(root, expr.args[0].value, scope, self_name, depth)
                if subject is not None and subject.type in K.MUTATING_METHODS:
                    return [(subject, "empty")]
            return []
        if not isinstance(expr, (cst.Name, cst.Attribute)):
            return []
        subject = self.subjects.named(root, expr, scope, self_name, depth)
        if subject is not None and subject.type in K.MUTATING_METHODS:
            return [(subject, "empty")]
        found = self.subjects.updated(root, expr, scope, self_name, depth)
        return [(found[0], "none")] if found is not None else []

    def _check_then_act(self, root, body: FunctionBody, node: cst.If, scope, self_name, depth, start) -> None:
        checked = self._checked(root, node.test, scope, self_name, depth)
        if not checked:
            return
        keys = {subject.key: (subject, how) for subject, how in checked}
        acts = []
        for access in self.accesses[start:]:
            if access.root is not root or access.subject.key not in keys or access.node is node:
                continue
            if not body.within(access.node, node) or body.within(access.node, node.test):
                continue
            how = keys[access.subject.key][1]
            if how in ("key", "empty") and access.kind not in (MUTATE, UPDATE):
                continue
            acts.append(access)
        if not acts:
            return
        for access in acts:
            access.covered = True
        subject = acts[0].subject
        self.accesses.append(SharedAccess(node.test, subject, CHECK, acts[0].detail, root))


def _self_name(target: Target) -> Optional[str]:
    node = target.node
    if isinstance(node, cst.FunctionDef) and node.params.params:
        return node.params.params[0].name.value
    return None


def _reads_target(value: cst.BaseExpression, target: cst.BaseExpression) -> bool:
    """``x = x + 1``, ``d[k] = d[k] * 2``: the new value is computed from the old one."""
    return (
        isinstance(value, cst.BinaryOperation)
        and isinstance(value.operator, ARITHMETIC)
        and (value.left.deep_equals(target) or value.right.deep_equals(target))
    )


def _is_none(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "None"
