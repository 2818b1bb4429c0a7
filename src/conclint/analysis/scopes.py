"""A light name tracker: scopes and bindings, resolved to qualified names.

LibCST's ``QualifiedNameProvider`` answers the same question but costs about six parses
per file; this tracker is filled in during the one traversal and resolves lazily, once
every binding of the module is known (a function body may use a name imported further
down the module). The tests check that the two agree.

Precision first: when a name has several bindings that disagree (``try: import ujson as
json`` / ``except ImportError: import json``), or is bound by something we cannot follow
(a ``for`` target, a parameter without annotation), it resolves to ``None`` and rules
stay silent.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from typing import Dict, List, Optional, Set, Tuple

import libcst as cst

BUILTIN_NAMES = frozenset(dir(builtins))

# Binding kinds.
IMPORT = "import"
DEF = "def"
CLASS = "class"
ASSIGN = "assign"
WITH = "with"
PARAM = "param"
ANNOTATED = "annotated"
OTHER = "other"


@dataclass(frozen=True)
class Value:
    """What an expression evaluates to, as far as conclint can tell.

    ``qualname`` names a module, function or type. ``instance`` means "an object of type
    ``qualname``"; ``bound`` means "the attribute ``qualname`` looked up on an instance",
    i.e. a method of the type that is everything before the last dot.
    """

    qualname: str
    instance: bool = False
    bound: bool = False

    @property
    def owner(self) -> str:
        return self.qualname.rsplit(".", 1)[0]

    @property
    def attr(self) -> str:
        return self.qualname.rsplit(".", 1)[-1]


@dataclass
class Binding:
    kind: str
    qualname: Optional[str] = None
    value: Optional[cst.BaseExpression] = None
    scope: Optional["Scope"] = None
    index: int = -1


class Scope:
    __slots__ = (
        "kind",
        "parent",
        "name",
        "qualname",
        "bindings",
        "global_names",
        "nonlocal_names",
        "is_async",
        "star_import",
        "instance_attrs",
        "node",
        "decorators",
    )

    def __init__(
        self,
        kind: str,
        parent: Optional["Scope"],
        name: str = "",
        qualname: str = "",
        is_async: bool = False,
        node: Optional[cst.CSTNode] = None,
    ) -> None:
        self.kind = kind  # module, class, function, lambda, comprehension
        self.parent = parent
        self.name = name
        self.qualname = qualname
        self.bindings: Dict[str, List[Binding]] = {}
        self.global_names: Set[str] = set()
        self.nonlocal_names: Set[str] = set()
        self.is_async = is_async
        self.star_import = False
        # Only for class scopes: ``self.attr = value`` assignments seen in its methods.
        self.instance_attrs: Dict[str, List[Tuple[Optional[cst.BaseExpression], "Scope"]]] = {}
        self.node = node
        self.decorators: Tuple[str, ...] = ()

    def add(self, name: str, binding: Binding) -> None:
        target = self
        if name in self.global_names:
            target = self.module_scope()
        elif name in self.nonlocal_names:
            parent = self.parent
            while parent is not None and not (parent.kind == "function" and name in parent.bindings):
                parent = parent.parent
            target = parent or self
        target.bindings.setdefault(name, []).append(binding)

    def module_scope(self) -> "Scope":
        scope = self
        while scope.parent is not None:
            scope = scope.parent
        return scope

    @property
    def function_scope(self) -> Optional["Scope"]:
        """The innermost function or lambda this code runs in (``None`` at module level)."""
        scope: Optional[Scope] = self
        while scope is not None and scope.kind not in ("function", "lambda"):
            scope = scope.parent
        return scope

    @property
    def in_async(self) -> bool:
        """Whether code in this scope runs as part of an ``async def`` body."""
        scope = self.function_scope
        return scope is not None and scope.kind == "function" and scope.is_async

    def method_class(self) -> Optional["Scope"]:
        """The class scope when this is a method defined directly in a class body."""
        if self.kind == "function" and self.parent is not None and self.parent.kind == "class":
            return self.parent
        return None

    def lookup(self, name: str) -> Optional[List[Binding]]:
        """The bindings a use of ``name`` in this scope can see (Python's LEGB rule)."""
        scope: Optional[Scope] = self
        if name in self.global_names:
            scope = self.module_scope()
        first = True
        while scope is not None:
            if scope.kind != "class" or first:
                found = scope.bindings.get(name)
                if found:
                    return found
                if scope.star_import:
                    return None
            first = False
            scope = scope.parent
        return [] if name in BUILTIN_NAMES else None


class Resolver:
    """Resolves expressions to :class:`Value` once all bindings of a module are known."""

    MAX_DEPTH = 12

    def __init__(self, module_name: str, catalogue) -> None:
        self.module_name = module_name
        self.catalogue = catalogue
        self.local_classes: Dict[str, Scope] = {}
        self._cache: Dict[Tuple[int, int], Optional[Value]] = {}

    def resolve(self, expr: cst.BaseExpression, scope: Scope, depth: int = 0) -> Optional[Value]:
        key = (id(expr), id(scope))
        if key in self._cache:
            return self._cache[key]
        self._cache[key] = None  # guards against cycles such as ``x = x.copy()``
        value = None if depth > self.MAX_DEPTH else self._resolve(expr, scope, depth + 1)
        self._cache[key] = value
        return value

    def _resolve(self, expr: cst.BaseExpression, scope: Scope, depth: int) -> Optional[Value]:
        if isinstance(expr, cst.Name):
            return self.resolve_name(expr.value, scope, depth)
        if isinstance(expr, cst.Attribute):
            base = self.resolve(expr.value, scope, depth)
            if base is None:
                return None
            return self.attribute(base, expr.attr.value, depth)
        if isinstance(expr, cst.Call):
            callee = self.resolve(expr.func, scope, depth)
            return self.call_result(callee) if callee is not None else None
        return None

    def resolve_name(self, name: str, scope: Scope, depth: int) -> Optional[Value]:
        bindings = scope.lookup(name)
        if bindings is None:
            return None
        if not bindings:
            return Value(f"builtins.{name}")
        result: Optional[Value] = None
        for binding in bindings:
            value = self.binding_value(binding, depth)
            if value is None or (result is not None and value != result):
                return None
            result = value
        return result

    def binding_value(self, binding: Binding, depth: int) -> Optional[Value]:
        kind = binding.kind
        if kind in (IMPORT, DEF, CLASS):
            return Value(binding.qualname) if binding.qualname else None
        if kind == ASSIGN and binding.value is not None and binding.scope is not None:
            return self.resolve(binding.value, binding.scope, depth)
        if kind == WITH and binding.value is not None and binding.scope is not None:
            value = self.resolve(binding.value, binding.scope, depth)
            # ``with X() as x`` binds ``X().__enter__()``; for the clients and connections
            # the catalogue knows, that is the object itself.
            return value if value is not None and value.instance else None
        if kind == PARAM and binding.scope is not None:
            return self.param_value(binding, depth)
        if kind == ANNOTATED and binding.value is not None and binding.scope is not None:
            annotation = self.resolve(binding.value, binding.scope, depth)
            if annotation is not None and not annotation.instance and not annotation.bound:
                return Value(annotation.qualname, instance=True)
            return None
        return None

    def param_value(self, binding: Binding, depth: int) -> Optional[Value]:
        scope = binding.scope
        assert scope is not None
        cls = scope.method_class()
        if binding.index == 0 and cls is not None:
            if "staticmethod" in scope.decorators:
                return None
            if "classmethod" in scope.decorators:
                return Value(cls.qualname)
            return Value(cls.qualname, instance=True)
        if binding.value is not None and scope.parent is not None:
            annotation = self.resolve(binding.value, scope.parent, depth)
            if annotation is not None and not annotation.instance and not annotation.bound:
                return Value(annotation.qualname, instance=True)
        return None

    def attribute(self, base: Value, attr: str, depth: int) -> Optional[Value]:
        if base.bound:
            return None
        if not base.instance:
            cls = self.local_classes.get(base.qualname)
            if cls is not None:
                # ``Klass.attr``: a class attribute or method of a class defined here.
                return self.class_member(cls, attr, depth, instance=False)
            return Value(f"{base.qualname}.{attr}")
        cls = self.local_classes.get(base.qualname)
        if cls is not None:
            return self.class_member(cls, attr, depth, instance=True)
        return Value(f"{base.qualname}.{attr}", bound=True)

    def class_member(self, cls: Scope, attr: str, depth: int, instance: bool) -> Optional[Value]:
        assigned = cls.instance_attrs.get(attr) if instance else None
        members = cls.bindings.get(attr)
        if assigned and not members:
            result: Optional[Value] = None
            for value_expr, method_scope in assigned:
                if value_expr is None:
                    return None
                value = self.resolve(value_expr, method_scope, depth)
                if value is None or (result is not None and value != result):
                    return None
                result = value
            return result
        if members and not assigned:
            if all(b.kind == DEF for b in members):
                return Value(f"{cls.qualname}.{attr}", bound=instance)
            return self.resolve_name(attr, cls, depth)
        if not assigned and not members:
            # Inherited, or set from outside: the project pass may find it through the
            # bases; no rule treats a method of a project class as a catalogue entry.
            return Value(f"{cls.qualname}.{attr}", bound=instance)
        return None

    def constructor_call(self, expr: cst.BaseExpression, scope: Scope, depth: int = 0) -> Optional[cst.Call]:
        """The call that created the object ``expr`` names, when there is exactly one."""
        if depth > self.MAX_DEPTH:
            return None
        if isinstance(expr, cst.Call):
            return expr
        candidates: List[Tuple[Optional[cst.BaseExpression], Optional[Scope]]] = []
        if isinstance(expr, cst.Name):
            for binding in scope.lookup(expr.value) or []:
                candidates.append((binding.value, binding.scope) if binding.kind in (ASSIGN, WITH) else (None, None))
        elif isinstance(expr, cst.Attribute):
            base = self.resolve(expr.value, scope)
            cls = self.local_classes.get(base.qualname) if base is not None and base.instance else None
            if cls is None:
                return None
            candidates.extend(cls.instance_attrs.get(expr.attr.value, []))
        if len(candidates) != 1 or candidates[0][0] is None or candidates[0][1] is None:
            return None
        return self.constructor_call(candidates[0][0], candidates[0][1], depth + 1)

    def call_result(self, callee: Value) -> Optional[Value]:
        if callee.instance:
            return None
        if callee.bound:
            result = self.catalogue.result_type(callee.qualname)
            return Value(result, instance=True) if result else None
        if callee.qualname in self.local_classes:
            return Value(callee.qualname, instance=True)
        result = self.catalogue.result_type(callee.qualname)
        if result:
            return Value(result, instance=True)
        # Whatever ``f()`` returns: if ``f`` turns out to be a class of the project, the
        # project pass resolves ``f().method`` to its method. Never a catalogue type.
        return Value(f"{callee.qualname}()", instance=True)
