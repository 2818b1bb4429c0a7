"""Which shared state an expression in thread code names: a module-level object, an
attribute of the object whose method runs on the threads, an argument every thread gets,
or a variable captured from an enclosing function; with its container type. And, in the
code that runs alongside the threads, which of those same pieces of state it names."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Optional, Tuple

import libcst as cst

from conclint.analysis.scopes import PARAM, Scope
from conclint.analysis.threads.lookup import ModuleLookup
from conclint.analysis.threads.shared_roots import ThreadRoot
from conclint.analysis.threads.syntax import code_of
from conclint.knowledge import cpu as K


@dataclass(frozen=True)
class Subject:
    """A piece of state code can touch: ``("global", name)``, ``("self", class, attr)``,
    ``("param", root, name)``, ``("closure", scope, name)``. A parameter's category is
    ``"param"`` when every thread gets the same object, ``"handed"`` when each gets its own,
    which the code that handed it over still holds."""

    key: Tuple
    text: str  # how the code spells it: "results", "self.count"
    category: str  # global, self, param, handed, closure
    type: str = ""  # a container type (knowledge.cpu.MUTATING_METHODS), "number", or ""


class Subjects:
    """Finds the subject of an expression seen in the code of a :class:`ThreadRoot`
    (``depth`` 0: the root's own function; more: a helper it calls; ``self_name``: the
    name of ``self`` when the object is shared)."""

    def __init__(self, lookup: ModuleLookup) -> None:
        self.lookup = lookup

    def named(
        self, root: ThreadRoot, expr: cst.BaseExpression, scope: Scope, self_name: Optional[str], depth: int
    ) -> Optional[Subject]:
        """The shared state an expression names, if any (with its container type)."""
        if isinstance(expr, cst.Name):
            name = expr.value
            defining = _defining_scope(scope, name)
            home = scope.function_scope
            if defining is None or home is None:
                return None
            if defining.kind == "module":
                kind = self.lookup.container_type(expr, scope)
                return Subject(("global", name), name, "global", kind)
            if defining is home:
                if depth == 0 and (name in root.shared_params or name in root.handed_params):
                    bindings = home.bindings.get(name, [])
                    if len(bindings) == 1 and bindings[0].kind == PARAM:
                        if name in root.shared_params:
                            return Subject(("param", id(root), name), name, "param", root.shared_params[name][0])
                        return Subject(("param", id(root), name), name, "handed", root.handed_params[name][0])
                return None
            if defining.kind in ("function", "lambda") and root.scope is not None and _outside(defining, root.scope):
                # A variable of a function that encloses the thread's function: every
                # thread running it sees the same object.
                kind = self.lookup.container_type(expr, scope)
                return Subject(("closure", id(defining), name), name, "closure", kind)
            return None
        home = scope.function_scope
        if (
            isinstance(expr, cst.Attribute)
            and isinstance(expr.value, cst.Name)
            and self_name is not None
            and home is not None
            and expr.value.value == self_name
            and _defining_scope(scope, self_name) is home
        ):
            cls = home.method_class()
            if cls is None:
                return None
            kind = self.lookup.container_type(expr, scope)
            return Subject(("self", cls.qualname, expr.attr.value), code_of(expr), "self", kind)
        return None

    def updated(
        self, root: ThreadRoot, target: cst.BaseExpression, scope: Scope, self_name: Optional[str], depth: int
    ) -> Optional[Tuple[Subject, bool]]:
        """The shared subject a read-modify-write target touches, and whether its value is
        known to be a number."""
        if isinstance(target, cst.Name):
            name = target.value
            if name in scope.global_names:
                return Subject(("global", name), name, "global", "number"), self.lookup.initial_is_numeric(target, scope.module_scope())
            if name in scope.nonlocal_names:
                defining = _defining_scope(scope, name)
                if defining is not None and root.scope is not None and _outside(defining, root.scope):
                    return Subject(("closure", id(defining), name), name, "closure", "number"), self.lookup.initial_is_numeric(target, scope)
            return None
        if isinstance(target, cst.Subscript):
            subject = self.named(root, target.value, scope, self_name, depth)
            if subject is None or subject.type not in K.MUTATING_METHODS:
                return None
            return subject, subject.type in K.NUMERIC_CONTAINERS or self._numeric_defaultdict(target.value, scope)
        if isinstance(target, cst.Attribute):
            subject = self.named(root, target, scope, self_name, depth)
            if subject is not None:
                return subject, self.lookup.initial_is_numeric(target, scope)
            if isinstance(target.value, cst.Name):
                holder = self.named(root, target.value, scope, self_name, depth)
                if holder is not None and holder.type.startswith("class:"):
                    text = code_of(target)
                    return Subject(holder.key + (target.attr.value,), text, holder.category, ""), False
        return None

    def alongside(
        self,
        expr: cst.BaseExpression,
        scope: Scope,
        self_name: Optional[str],
        interest: Dict[Tuple, Subject],
        arguments: Dict[str, Tuple],
    ) -> Optional[Subject]:
        """The piece of state of ``interest`` (what the threads touch, by key) that an
        expression in code alongside them names: the same global, the same attribute of an
        object of the same class, the variable the thread function captures, or the
        variable passed to it as a shared argument (``arguments``: text -> key)."""
        key: Optional[Tuple] = None
        if isinstance(expr, cst.Name):
            name = expr.value
            defining = _defining_scope(scope, name)
            if defining is None:
                return None
            if defining.kind == "module":
                key = ("global", name)
            elif defining.kind in ("function", "lambda"):
                key = ("closure", id(defining), name)
                if key not in interest and name in arguments and defining is scope.function_scope:
                    key = arguments[name]
        elif (
            isinstance(expr, cst.Attribute)
            and isinstance(expr.value, cst.Name)
            and self_name is not None
            and expr.value.value == self_name
        ):
            home = scope.function_scope
            cls = home.method_class() if home is not None and _defining_scope(scope, self_name) is home else None
            if cls is not None:
                key = ("self", cls.qualname, expr.attr.value)
        found = interest.get(key) if key is not None else None
        if found is None:
            return None
        return Subject(found.key, code_of(expr), found.category, found.type)

    def _numeric_defaultdict(self, expr: cst.BaseExpression, scope: Scope) -> bool:
        made = self.lookup.constructor(expr, scope)
        if made is None:
            return False
        call, call_scope = made
        callee = self.lookup.resolve(call.func, call_scope)
        if callee is None or callee.qualname != "collections.defaultdict" or not call.args:
            return False
        factory = self.lookup.resolve(call.args[0].value, call_scope)
        return factory is not None and factory.qualname in ("builtins.int", "builtins.float")


def _defining_scope(scope: Scope, name: str) -> Optional[Scope]:
    """The scope whose binding a use of ``name`` in ``scope`` sees (Python's LEGB rule)."""
    current: Optional[Scope] = scope
    if name in scope.global_names:
        current = scope.module_scope()
    first = True
    while current is not None:
        if current.kind != "class" or first:
            if name in current.bindings:
                return current
        first = False
        current = current.parent
    return None


def _outside(defining: Scope, scope: Scope) -> bool:
    """Whether ``defining`` is a strict ancestor of ``scope`` (a closure variable)."""
    current = scope.parent
    while current is not None:
        if current is defining:
            return True
        current = current.parent
    return False
