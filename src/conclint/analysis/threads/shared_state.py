"""Shared state (CCL301-CCL304, CCL307): what code running on threads does to state other
threads see, and which of those sites race with each other, found once per module.

Each :class:`SharedAccess` is one site: a mutation, a read-modify-write, a rebinding, a
loop over a container (or a live view of a dict handed out), or the test of a
check-then-act, which *covers* the changes it guards. Sites are found in the code of the
thread functions (and of the functions of the module they call, which run on the same
thread), and, for the state that code touches, in the code that runs alongside those
threads on other threads: the rest of the function that started them, until it waits for
them, and, while a thread lives on, the module's public functions and the public methods
of the object whose state it touches. Sites under a lock are kept too: a lock taken on
one side only protects nothing. :func:`link_partners` (:mod:`.shared_races`) then pairs
each site with the sites it races with (:attr:`SharedAccess.partners`); which are
reported, and with which code, the rules decide. The sites themselves are
:mod:`.shared_sites`'s records; check-then-act tests are :mod:`.shared_checks`'s.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Set, Tuple

import libcst as cst

from conclint.analysis.scopes import Scope
from conclint.analysis.threads.body import FunctionBody
from conclint.analysis.threads.concurrency import Concurrency, names_bound_in
from conclint.analysis.threads.handoffs import LAMBDA, HandoffSite, Target
from conclint.analysis.threads.lookup import ModuleLookup
from conclint.analysis.threads.shared_roots import ThreadRoot, Timing, thread_roots
from conclint.analysis.threads.shared_checks import check_then_act
from conclint.analysis.threads.shared_races import link_partners
from conclint.analysis.threads.shared_sites import ITERATE, MUTATE, REBIND, UPDATE, Context, SharedAccess
from conclint.analysis.threads.shared_subjects import Subject, Subjects
from conclint.analysis.threads.syntax import ARITHMETIC, COMPREHENSIONS, code_of
from conclint.knowledge import cpu as K
from conclint.knowledge import shared_state as S

#: Dunder methods that the users of an object call (the rest set it up or tear it down).
_PUBLIC_DUNDERS = frozenset(
    {"__iter__", "__len__", "__contains__", "__getitem__", "__setitem__", "__delitem__", "__call__", "__repr__", "__str__", "__bool__"}
)


def shared_accesses(
    lookup: ModuleLookup, handoffs: Sequence[HandoffSite], concurrency: Concurrency, entries: Sequence = ()
) -> List[SharedAccess]:
    """The accesses to shared state of the thread code of a module and of the code that
    runs alongside it, in the order found, with their partners."""
    roots = thread_roots(lookup, handoffs, concurrency, entries)
    if not roots:
        return []
    finder = AccessFinder(lookup, concurrency)
    accesses = finder.find(roots)
    link_partners(accesses)
    return accesses


class AccessFinder:
    MAX_HELPER_DEPTH = 4

    def __init__(self, lookup: ModuleLookup, concurrency: Concurrency) -> None:
        self.lookup = lookup
        self.subjects = Subjects(lookup)
        self.accesses: List[SharedAccess] = []
        self._bodies: Dict[int, FunctionBody] = {}
        self.timing = Timing(lookup, concurrency, self.body)
        self.thread_code: Set[int] = set()  # function nodes walked as thread code

    def body(self, node: cst.CSTNode) -> FunctionBody:
        found = self._bodies.get(id(node))
        if found is None:
            found = self._bodies[id(node)] = FunctionBody(self.lookup, node)
        return found

    def find(self, roots: List[ThreadRoot]) -> List[SharedAccess]:
        self.timing.link_roots(roots)
        for root in roots:
            target = root.target
            context = Context(root)
            if target.kind == LAMBDA:
                root.scope = self._lambda_scope(target.node)
                if root.scope is not None:
                    self._visit_function(context, target.node, root.scope, None, set(), 0)
            elif target.scope is not None:
                root.scope = target.scope
                self_name = _self_name(target) if target.bound or target.own_instance else None
                self._visit_function(context, target.node, target.scope, self_name, set(), 0)
        if self.accesses:
            self._find_alongside(roots)
        return self.accesses

    def _lambda_scope(self, node: cst.CSTNode) -> Optional[Scope]:
        """A lambda's scope, found through the calls it makes (one without calls cannot
        change anything)."""
        for site in self.lookup.facts.calls:
            scope = site.scope.function_scope
            if scope is not None and scope.kind == "lambda" and scope.node is node:
                return scope
        return None

    # -- code alongside the threads ----------------------------------------------------------------
    def _find_alongside(self, roots: List[ThreadRoot]) -> None:
        interest: Dict[Tuple, Subject] = {}
        for access in self.accesses:
            if access.kind != REBIND:
                interest.setdefault(access.subject.key, access.subject)
        # The rest of each function that hands a thread function over.
        handing: Dict[int, Tuple[cst.CSTNode, Scope, List[HandoffSite]]] = {}
        arguments: Dict[int, Dict[str, Tuple]] = {}
        for root in roots:
            for handoff in root.handoffs:
                function = handoff.scope.function_scope
                node = self.lookup.container_node(handoff.scope)
                entry = handing.setdefault(id(node), (node, function or self.lookup.facts.root, []))
                entry[2].append(handoff)
                for param, (_, text) in list(root.shared_params.items()) + list(root.handed_params.items()):
                    arguments.setdefault(id(node), {})[text] = ("param", id(root), param)
        for key, (node, scope, handoffs) in handing.items():
            if isinstance(node, cst.FunctionDef) and id(node) in self.thread_code:
                continue
            context = Context(None, interest=interest, arguments=arguments.get(key, {}))
            start = len(self.accesses)
            self._visit_function(context, node, scope, _first_param(node, scope), set(), 0)
            kept = []
            for access in self.accesses[start:]:
                access.windows = tuple(h for h in handoffs if self.timing.alongside(h, access.anchor))
                if access.windows:
                    kept.append(access)
            self.accesses[start:] = kept
        # Public code, while a thread lives on.
        if not any(root.lives_on for root in roots):
            return
        classes = {key[1] for key in interest if key[0] == "self"}
        globals_wanted = any(key[0] == "global" for key in interest)
        for scope in self.lookup.facts.functions:
            node = scope.node
            if not isinstance(node, cst.FunctionDef) or id(node) in self.thread_code or id(node) in handing:
                continue
            if not _public(scope.name):
                continue
            cls = scope.method_class()
            if cls is None:
                if not globals_wanted or scope.parent is not self.lookup.facts.root:
                    continue
            elif cls.qualname not in classes and not globals_wanted:
                continue
            context = Context(None, public=True, interest=interest, arguments={})
            start = len(self.accesses)
            self._visit_function(context, node, scope, _first_param(node, scope), set(), 0)
            body = self.body(node)
            # After ``join()`` the threads are done (or, for ``Event.wait``, may be).
            self.accesses[start:] = [a for a in self.accesses[start:] if not self.timing.waited_after(body, a.anchor)]

    # -- walking one function ----------------------------------------------------------------------
    def _visit_function(
        self, context: Context, node: cst.CSTNode, scope: Scope, self_name: Optional[str], seen: Set[Tuple[int, bool]], depth: int
    ) -> None:
        if (id(node), context.guarded) in seen or depth > self.MAX_HELPER_DEPTH:
            return
        seen.add((id(node), context.guarded))
        if context.root is not None and isinstance(node, cst.FunctionDef):
            self.thread_code.add(id(node))
        elif context.root is None and depth > 0 and id(node) in self.thread_code:
            # A helper the thread runs itself, called from public code too: whether the
            # object's users call it while the thread runs, nothing says.
            return
        body = self.body(node)
        start = len(self.accesses)
        for item in body.nodes:
            inner = context.inside(body.guarded(item, scope), item)
            if isinstance(item, cst.Call):
                self._call(inner, item, scope, self_name, seen, depth)
            elif isinstance(item, cst.AugAssign):
                self._augassign(inner, item, scope, self_name, depth)
            elif isinstance(item, (cst.Assign, cst.AnnAssign)):
                self._assign(inner, item, scope, self_name, depth)
            elif isinstance(item, cst.Del):
                self._del(inner, item, scope, self_name, depth)
            elif isinstance(item, cst.For):
                self._loop(inner, item, item.iter, scope, self_name, depth)
            elif isinstance(item, COMPREHENSIONS):
                self._comprehension(inner, item, scope, self_name, depth)
            elif isinstance(item, cst.Return) and item.value is not None:
                self._returned(inner, item, scope, self_name, depth)
            elif isinstance(item, cst.Yield) and isinstance(item.value, cst.From):
                self._loop(inner, item, item.value.item, scope, self_name, depth)
        for item in body.nodes:
            if isinstance(item, cst.If):
                check_then_act(self, context.inside(body.guarded(item, scope), item), body, item, scope, self_name, depth, start)

    def record(
        self, context: Context, node: cst.CSTNode, subject: Subject, kind: str, detail: str, scope: Scope, change: str = ""
    ) -> SharedAccess:
        access = SharedAccess(
            node, subject, kind, detail, context.root, function=scope.function_scope, change=change,
            guarded=context.guarded, windows=context.windows, public=context.public, anchor=context.anchor or node,
        )
        self.accesses.append(access)
        return access

    def named(self, context: Context, expr: cst.BaseExpression, scope: Scope, self_name: Optional[str], depth: int) -> Optional[Subject]:
        if context.root is not None:
            return self.subjects.named(context.root, expr, scope, self_name, depth)
        return self.subjects.alongside(expr, scope, self_name, context.interest or {}, context.arguments or {})

    def updated(self, context: Context, target: cst.BaseExpression, scope: Scope, self_name, depth) -> Optional[Tuple[Subject, bool]]:
        if context.root is not None:
            return self.subjects.updated(context.root, target, scope, self_name, depth)
        subject = None
        if isinstance(target, cst.Subscript):
            subject = self.named(context, target.value, scope, self_name, depth)
            if subject is None or subject.type not in K.MUTATING_METHODS:
                return None
            return subject, subject.type in K.NUMERIC_CONTAINERS
        if isinstance(target, cst.Name) and target.value in scope.global_names | scope.nonlocal_names:
            subject = self.named(context, target, scope, self_name, depth)
        elif isinstance(target, cst.Attribute):
            subject = self.named(context, target, scope, self_name, depth)
        if subject is None:
            return None
        return subject, self.lookup.initial_is_numeric(target, scope if isinstance(target, cst.Attribute) else scope.module_scope())

    # -- changes -----------------------------------------------------------------------------------
    def _call(self, context: Context, call: cst.Call, scope, self_name, seen, depth) -> None:
        located = self.lookup.site(call)
        if located is None:
            return
        site = located[1]
        if site.scope.function_scope is not scope.function_scope:
            return  # inside a nested lambda
        func = call.func
        if isinstance(func, cst.Attribute):
            subject = self.named(context, func.value, site.scope, self_name, depth)
            method = func.attr.value
            if subject is not None and subject.type in K.MUTATING_METHODS:
                if method in S.READ_MODIFY_WRITE_METHODS.get(subject.type, ()):
                    self.record(context, call, subject, UPDATE, f"{subject.text}.{method}()", scope, method)
                    return
                if method in K.MUTATING_METHODS[subject.type]:
                    self.record(context, call, subject, MUTATE, f"{subject.text}.{method}()", scope, method)
                    return
            if isinstance(func.value, cst.Subscript):
                # ``groups[k].append(v)`` reads ``groups[k]``, which a defaultdict inserts.
                holder = self.named(context, func.value.value, site.scope, self_name, depth)
                if holder is not None and holder.type == "collections.defaultdict":
                    self.record(context, call, holder, MUTATE, f"{code_of(func.value, 40)}.{method}()", scope, "[]")
        copied = self._copied(call, site.scope)
        if copied is not None:
            subject = self.named(context, copied, site.scope, self_name, depth)
            if subject is not None and subject.type in K.MUTATING_METHODS:
                self.record(context, call, subject, ITERATE, code_of(call, 40), scope, "copy")
                return
        # Follow calls to this module's functions: they run on the same thread.
        helper, helper_self = self._helper(site, func, self_name)
        if helper is None or helper.is_async or not isinstance(helper.node, cst.FunctionDef) or not self.lookup.transparent(helper):
            return
        self._visit_function(context, helper.node, helper, helper_self, seen, depth + 1)

    def _copied(self, call: cst.Call, scope: Scope) -> Optional[cst.BaseExpression]:
        """The argument of ``copy.deepcopy(x)``, which copies item by item."""
        if not call.args or call.args[0].keyword is not None or call.args[0].star:
            return None
        callee = self.lookup.resolve(call.func, scope)
        if callee is None or callee.instance or callee.qualname not in S.ITERATING_COPIES:
            return None
        return call.args[0].value

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

    def _augassign(self, context: Context, node: cst.AugAssign, scope, self_name, depth) -> None:
        found = self.updated(context, node.target, scope, self_name, depth)
        if found is None:
            return
        subject, numeric = found
        if numeric or self.lookup.is_numeric(node.value, scope):
            self.record(context, node, subject, UPDATE, code_of(node, 40), scope, "+=")
        elif isinstance(node.target, cst.Subscript):
            self.record(context, node, subject, MUTATE, code_of(node, 40), scope, "[]=")
        elif subject.type in K.MUTATING_METHODS:
            # ``items += more`` on a shared list or set changes it in place.
            self.record(context, node, subject, MUTATE, code_of(node, 40), scope, "+=")

    def _assign(self, context: Context, node, scope, self_name, depth) -> None:
        targets = [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]
        value = node.value
        if value is None:
            return
        for target in targets:
            if isinstance(target, cst.Subscript):
                subject = self.named(context, target.value, scope, self_name, depth)
                if subject is not None and subject.type in K.MUTATING_METHODS:
                    if _reads_target(value, target):
                        self.record(context, node, subject, UPDATE, code_of(node, 40), scope, "[]=")
                    elif subject.type not in K.SLOT_SEQUENCES:
                        self.record(context, node, subject, MUTATE, f"{code_of(target, 40)} = ...", scope, "[]=")
                    elif _is_slice(target):
                        self.record(context, node, subject, MUTATE, f"{code_of(target, 40)} = ...", scope, "[:]=")
                    # Storing into a slot of a list changes no structure: threads that
                    # each fill their own slot are a correct, common pattern.
                continue
            found = self.updated(context, target, scope, self_name, depth)
            if found is None:
                continue
            subject = found[0]
            if _reads_target(value, target):
                self.record(context, node, subject, UPDATE, code_of(node, 40), scope, "=")
            else:
                self.record(context, node, subject, REBIND, code_of(node, 40), scope, "=")

    def _del(self, context: Context, node: cst.Del, scope, self_name, depth) -> None:
        targets = [e.value for e in node.target.elements] if isinstance(node.target, (cst.Tuple, cst.List)) else [node.target]
        for target in targets:
            if isinstance(target, cst.Subscript):
                subject = self.named(context, target.value, scope, self_name, depth)
                if subject is not None and subject.type in K.MUTATING_METHODS:
                    self.record(context, node, subject, MUTATE, f"del {code_of(target, 40)}", scope, "del[]")

    # -- loops -------------------------------------------------------------------------------------
    def _loop(self, context: Context, node, iterable: cst.BaseExpression, scope, self_name, depth) -> None:
        for expr in self._looped_over(iterable, scope):
            subject = self.named(context, expr, scope, self_name, depth)
            if subject is not None and subject.type in K.MUTATING_METHODS:
                if isinstance(node, cst.For):
                    text = f"for {code_of(node.target, 20)} in {code_of(iterable, 40)}"
                else:
                    text = f"yield from {code_of(iterable, 40)}"
                self.record(context, node, subject, ITERATE, text, scope, "loop").expr = iterable
                return

    def _comprehension(self, context: Context, node, scope, self_name, depth) -> None:
        bound: Set[str] = set()
        comp: Optional[cst.CompFor] = node.for_in
        while comp is not None:
            if not (isinstance(comp.iter, cst.Name) and comp.iter.value in bound):
                for expr in self._looped_over(comp.iter, scope):
                    if isinstance(expr, cst.Name) and expr.value in bound:
                        continue
                    subject = self.named(context, expr, scope, self_name, depth)
                    if subject is not None and subject.type in K.MUTATING_METHODS:
                        self.record(context, node, subject, ITERATE, code_of(node, 50), scope, "loop").expr = comp.iter
                        return
            bound |= names_bound_in(comp.target)
            comp = comp.inner_for_in

    def _looped_over(self, iterable: cst.BaseExpression, scope: Scope) -> List[cst.BaseExpression]:
        """The containers a loop over ``iterable`` steps through: ``d``, ``d.items()``,
        ``enumerate(d)``, ``zip(a, b)``."""
        if isinstance(iterable, cst.Call):
            func = iterable.func
            if isinstance(func, cst.Attribute) and func.attr.value in S.VIEW_METHODS and not iterable.args:
                return [func.value]
            callee = self.lookup.resolve(func, scope)
            if callee is not None and not callee.instance and callee.qualname in S.LAZY_ITERATORS:
                found: List[cst.BaseExpression] = []
                for arg in iterable.args:
                    if arg.keyword is None and not arg.star:
                        found.extend(self._looped_over(arg.value, scope))
                return found
            return []
        if isinstance(iterable, (cst.Name, cst.Attribute)):
            return [iterable]
        return []

    def _returned(self, context: Context, node: cst.Return, scope, self_name, depth) -> None:
        """``return self._d.values()``: the caller loops over the dict, later, anywhere."""
        value = node.value
        if not (isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) and not value.args):
            return
        if value.func.attr.value not in S.VIEW_METHODS:
            return
        subject = self.named(context, value.func.value, scope, self_name, depth)
        if subject is not None and subject.type in K.MUTATING_METHODS and subject.type not in K.SLOT_SEQUENCES:
            self.record(context, node, subject, ITERATE, code_of(node, 40), scope, "view").expr = value

    # -- check-then-act ----------------------------------------------------------------------------


# -- small helpers ---------------------------------------------------------------------------------
def _self_name(target: Target) -> Optional[str]:
    node = target.node
    if isinstance(node, cst.FunctionDef) and node.params.params:
        return node.params.params[0].name.value
    return None


def _first_param(node: cst.CSTNode, scope: Scope) -> Optional[str]:
    if isinstance(node, cst.FunctionDef) and scope.method_class() is not None and node.params.params:
        if "staticmethod" in scope.decorators:
            return None
        return node.params.params[0].name.value
    return None


def _public(name: str) -> bool:
    return not name.startswith("_") or name in _PUBLIC_DUNDERS


def _reads_target(value: cst.BaseExpression, target: cst.BaseExpression) -> bool:
    """``x = x + 1``, ``d[k] = d[k] * 2``, ``d[k] = d.get(k, 0) + 1``: the new value is
    computed from the old one."""
    if not (isinstance(value, cst.BinaryOperation) and isinstance(value.operator, ARITHMETIC)):
        return False
    if value.left.deep_equals(target) or value.right.deep_equals(target):
        return True
    if isinstance(target, cst.Subscript):
        holder = target.value
        return any(_is_get_of(side, holder) for side in (value.left, value.right))
    return False


def _is_get_of(expr: cst.BaseExpression, holder: cst.BaseExpression) -> bool:
    return (
        isinstance(expr, cst.Call)
        and isinstance(expr.func, cst.Attribute)
        and expr.func.attr.value == "get"
        and expr.func.value.deep_equals(holder)
    )


def _is_slice(target: cst.Subscript) -> bool:
    return any(isinstance(element.slice, cst.Slice) for element in target.slice)
