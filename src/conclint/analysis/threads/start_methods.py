"""Start methods: whether a child process starts as a fork of the parent, or spawned (or
from a fork server) from a fresh interpreter that imports the main module again and
receives its ``Process`` target by pickle.

A process or pool takes its start method from the context it is made from:
``multiprocessing.get_context("fork")`` (called in place, or held in a local, a module
global, a class attribute read as ``self.ctx``/``cls.ctx``/``Klass.ctx``, or an attribute
set in a method as ``self.ctx = ...``), the ``mp_context=`` of a ``ProcessPoolExecutor``,
or the ``context=`` of ``multiprocessing.pool.Pool``. Without one (``multiprocessing.
Process``, ``multiprocessing.Pool``, ``get_context()``), it takes the default, which a
``multiprocessing.set_start_method(...)`` in the module sets; inside a branch on
``multiprocessing.get_start_method()`` the default is what that branch leaves possible.

What is found is the set of methods a process may start under (every method when nothing
says): only a set that holds nothing but ``fork`` lets a rule rely on forking. Nothing
here knows the platform default (spawn on macOS and Windows, fork on Linux before 3.14,
forkserver from 3.14): code that does not choose must work under all of them.
"""

from __future__ import annotations

from typing import FrozenSet, List, Optional, Tuple

import libcst as cst

from conclint.analysis.module import ModuleFacts
from conclint.analysis.scopes import ASSIGN, WITH, Scope
from conclint.analysis.threads.lookup import ModuleLookup, module_lookup, per_module
from conclint.knowledge import threads as K

Methods = FrozenSet[str]

_MAX_DEPTH = 8


def is_none(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "None"


def _literal(expr: cst.BaseExpression) -> Optional[str]:
    if isinstance(expr, cst.SimpleString):
        value = expr.evaluated_value
        return value if isinstance(value, str) else None
    return None


def _argument(call: cst.Call, keyword: str, position: int) -> Tuple[bool, Optional[cst.BaseExpression]]:
    """(whether the call can be read, the argument given as ``keyword`` or at ``position``)."""
    index = 0
    found = None
    for arg in call.args:
        if arg.star:
            return False, None
        if arg.keyword is None:
            if index == position:
                found = arg.value
            index += 1
        elif arg.keyword.value == keyword:
            found = arg.value
    return True, found


class StartMethods:
    def __init__(self, lookup: ModuleLookup) -> None:
        self.lookup = lookup
        self._default: Optional[Methods] = None

    @staticmethod
    def forks(methods: Methods) -> bool:
        """Whether every method in ``methods`` forks."""
        return bool(methods) and methods <= K.FORK_METHODS

    # -- the default ------------------------------------------------------------------------
    def default(self) -> Methods:
        """The methods ``set_start_method(...)`` calls of this module choose (wherever they
        are: the method is one per interpreter, and a module that sets it says which one its
        processes start under); every method when there is none, or one is not a literal."""
        if self._default is None:
            chosen = set()
            for site in self.lookup.facts.calls:
                func = site.node.func
                tail = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else ""
                if tail != "set_start_method":
                    continue
                value = self.lookup.facts.callee(site)
                if value is None or value.qualname != "multiprocessing.set_start_method":
                    continue
                readable, method = _argument(site.node, "method", 0)
                name = _literal(method) if readable and method is not None else None
                if name is None:
                    chosen = set(K.START_METHODS)
                    break
                chosen.add(name)
            self._default = frozenset(chosen) if chosen else K.START_METHODS
        return self._default

    # -- what a call makes ------------------------------------------------------------------
    def of_creation(self, call: cst.Call, scope: Scope) -> Methods:
        """The methods the processes made by ``call`` (``Process(...)``, ``Pool(...)``,
        ``Manager()``, ``ProcessPoolExecutor(...)``, a context's ``.Process(...)``) start
        under."""
        func = call.func
        callee = self.lookup.resolve(func, scope)
        if callee is None or callee.instance:
            return self.default()
        if callee.bound and callee.owner == "multiprocessing.get_context()" and isinstance(func, cst.Attribute):
            return self.of_context(func.value, scope)
        spec = K.CONTEXT_ARGUMENTS.get(callee.qualname) if not callee.bound else None
        if spec is not None:
            readable, context = _argument(call, *spec)
            if not readable:
                return K.START_METHODS  # ``**options`` may carry any context
            if context is not None and not is_none(context):
                return self.of_context(context, scope)
        return self.default()

    def of_context(self, expr: cst.BaseExpression, scope: Scope, depth: int = 0) -> Methods:
        """The methods of the context ``expr``: what every ``get_context(...)`` it may be
        says; the default when it cannot be followed."""
        if depth > _MAX_DEPTH:
            return self.default()
        if isinstance(expr, cst.Call):
            return self._get_context(expr, scope)
        if isinstance(expr, cst.IfExp):
            return self.of_context(expr.body, scope, depth + 1) | self.of_context(expr.orelse, scope, depth + 1)
        candidates = self._candidates(expr, scope)
        if not candidates:
            return self.default()
        found: FrozenSet[str] = frozenset()
        for value, value_scope in candidates:
            found |= self.of_context(value, value_scope, depth + 1)
        return found

    def _candidates(self, expr: cst.BaseExpression, scope: Scope) -> Optional[List[Tuple[cst.BaseExpression, Scope]]]:
        """The expressions a name or attribute is bound to (``None`` bindings left out: no
        process is made from ``None``); ``None`` when one of them cannot be followed."""
        found: List[Tuple[Optional[cst.BaseExpression], Optional[Scope]]] = []
        if isinstance(expr, cst.Name):
            bindings = scope.lookup(expr.value)
            if not bindings:
                return None
            for binding in bindings:
                found.append((binding.value, binding.scope) if binding.kind in (ASSIGN, WITH) else (None, None))
        elif isinstance(expr, cst.Attribute):
            base = self.lookup.resolve(expr.value, scope)
            cls = self.lookup.facts.resolver.local_classes.get(base.qualname) if base is not None else None
            if cls is None or base.bound:
                return None
            attr = expr.attr.value
            if base.instance:
                found.extend(cls.instance_attrs.get(attr, []))
            for binding in cls.bindings.get(attr, []):
                found.append((binding.value, binding.scope) if binding.kind == ASSIGN else (None, None))
        else:
            return None
        if any(value is None or value_scope is None for value, value_scope in found):
            return None
        usable = [(value, value_scope) for value, value_scope in found if not is_none(value)]
        return usable or None  # type: ignore[return-value]

    def _get_context(self, call: cst.Call, scope: Scope) -> Methods:
        callee = self.lookup.resolve(call.func, scope)
        if callee is None or callee.instance or callee.bound or callee.qualname != "multiprocessing.get_context":
            return self.default()
        readable, method = _argument(call, "method", 0)
        if not readable:
            return K.START_METHODS
        if method is None or is_none(method):
            return self.default() & self._branches(call, scope)
        name = _literal(method)
        return frozenset({name}) if name is not None else K.START_METHODS

    def _branches(self, node: cst.CSTNode, scope: Scope) -> Methods:
        """What the ``if`` statements around ``node`` on ``get_start_method()`` leave
        possible for the default."""
        parents = self.lookup.parents(self.lookup.container_node(scope))
        allowed = K.START_METHODS
        child, parent = node, parents.get(id(node))
        while parent is not None and not isinstance(parent, (cst.FunctionDef, cst.Lambda)):
            if isinstance(parent, cst.If) and child is not parent.test:
                allowed &= _allowed(self.lookup, parent.test, child is parent.body, scope)
            elif isinstance(parent, cst.IfExp) and child is not parent.test:
                allowed &= _allowed(self.lookup, parent.test, child is parent.body, scope)
            child, parent = parent, parents.get(id(parent))
        return allowed


def _allowed(lookup: ModuleLookup, test: cst.BaseExpression, outcome: bool, scope: Scope) -> Methods:
    """The default start methods for which ``test`` evaluates to ``outcome``, when ``test``
    compares ``multiprocessing.get_start_method()`` with literals; every method otherwise."""
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        return _allowed(lookup, test.expression, not outcome, scope)
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return K.START_METHODS
    left, comparison = test.left, test.comparisons[0]
    if not (isinstance(left, cst.Call) and _reads_start_method(lookup, left, scope)):
        return K.START_METHODS
    operator, right = comparison.operator, comparison.comparator
    if isinstance(operator, (cst.Equal, cst.NotEqual)):
        name = _literal(right)
        named = frozenset({name}) if name is not None else None
    elif isinstance(operator, (cst.In, cst.NotIn)) and isinstance(right, (cst.List, cst.Tuple, cst.Set)):
        names = [_literal(element.value) if not isinstance(element, cst.StarredElement) else None for element in right.elements]
        named = frozenset(n for n in names if n is not None) if all(n is not None for n in names) else None
    else:
        named = None
    if named is None:
        return K.START_METHODS
    positive = isinstance(operator, (cst.Equal, cst.In))
    return K.START_METHODS & named if positive == outcome else K.START_METHODS - named


def _reads_start_method(lookup: ModuleLookup, call: cst.Call, scope: Scope) -> bool:
    """``multiprocessing.get_start_method()`` that returns the method in use (with
    ``allow_none=True`` it returns ``None`` while none is chosen, and the default is then
    still open)."""
    callee = lookup.resolve(call.func, scope)
    return callee is not None and callee.qualname == "multiprocessing.get_start_method" and not call.args


@per_module
def start_methods(facts: ModuleFacts) -> StartMethods:
    """The start-method facts of a module."""
    return StartMethods(module_lookup(facts))
