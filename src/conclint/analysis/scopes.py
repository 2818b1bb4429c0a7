"""A light name tracker: scopes and bindings, resolved to qualified names.

LibCST's ``QualifiedNameProvider`` answers the same question but costs about six parses
per file; this tracker is filled in during the one traversal and resolves lazily, once
every binding of the module is known (a function body may use a name imported further
down the module). The tests check that the two agree.

Precision first: when a name has several bindings that disagree (``try: import ujson as
json`` / ``except ImportError: import json``), or is bound by something we cannot follow
(a ``for`` target, a parameter without annotation), it resolves to ``None`` and rules
stay silent. Two things keep an object's type all the same: ``None`` beside a single
known type is an Optional of that type (``f = open(p) if p else None``), and inside a
function the one binding that reaches a use straight decides for that use
(:mod:`conclint.analysis.flow`).
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field, replace
from typing import Dict, Iterable, List, Optional, Set, Tuple

import libcst as cst

from conclint.analysis.flow import Flow

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

    ``annotated`` says the type rests on an annotation somewhere along the way (a
    parameter, a variable, or an attribute set from one): a claim, not something seen
    constructed. Code can refute a claim (``await client.time()`` on a ``redis.Redis``
    says the client is the asyncio one); it does not take part in comparisons, so two
    bindings that agree on the type agree whatever their evidence.
    """

    qualname: str
    instance: bool = False
    bound: bool = False
    annotated: bool = field(default=False, compare=False)

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
    #: The name node that is bound (or, for imports, the imported name): places the
    #: binding among the statements of its function (see :mod:`conclint.analysis.flow`).
    node: Optional[cst.CSTNode] = None


def is_none(expr: Optional[cst.BaseExpression]) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "None"


def _claimed(value: Optional[Value], annotated: bool) -> Optional[Value]:
    """``value``, marked as resting on an annotation when ``annotated``."""
    if value is None or not annotated or value.annotated:
        return value
    return replace(value, annotated=True)


def agreed(values: Iterable[Optional[Value]], optional: bool = False) -> Optional[Value]:
    """The one value every alternative agrees on, else ``None``. With ``optional`` (some
    alternatives were ``None`` and are left out), only an object of a known type
    survives: ``f = open(p) if p else None`` is a file wherever it is not ``None``."""
    result: Optional[Value] = None
    annotated = False
    for value in values:
        if value is None or (result is not None and value != result):
            return None
        result = value
        annotated = annotated or value.annotated
    if optional and (result is None or not result.instance):
        return None
    return _claimed(result, annotated)


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
        "attr_annotations",
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
        # Only for class scopes: ``attr: Type`` in the class body (the class an annotation
        # names, as an expression of the module): what its instances' ``attr`` holds.
        self.attr_annotations: Dict[str, cst.BaseExpression] = {}
        self.node = node
        self.decorators: Tuple[str, ...] = ()

    def add(self, name: str, binding: Binding, node: Optional[cst.CSTNode] = None) -> None:
        if binding.node is None:
            binding.node = node
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
        self.flow = Flow()
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
            return self.resolve_name(expr.value, scope, depth, use=expr)
        if isinstance(expr, cst.Attribute):
            base = self.resolve(expr.value, scope, depth)
            if base is None:
                return None
            return self.attribute(base, expr.attr.value, depth)
        if isinstance(expr, cst.Call):
            callee = self.resolve(expr.func, scope, depth)
            return self.call_result(callee) if callee is not None else None
        if isinstance(expr, cst.IfExp):
            branches = [branch for branch in (expr.body, expr.orelse) if not is_none(branch)]
            return agreed((self.resolve(branch, scope, depth) for branch in branches), len(branches) < 2)
        return None

    def resolve_name(
        self, name: str, scope: Scope, depth: int, use: Optional[cst.Name] = None
    ) -> Optional[Value]:
        bindings = scope.lookup(name)
        if bindings is None:
            return None
        if not bindings:
            return Value(f"builtins.{name}")
        # ``x = None`` beside other bindings is the "not set yet" of an Optional.
        typed = [b for b in bindings if not (b.kind == ASSIGN and is_none(b.value))]
        if not typed:
            typed = bindings
        result = agreed((self.binding_value(b, depth) for b in typed), len(typed) < len(bindings))
        if result is None and use is not None and len(bindings) > 1 and scope.kind == "function":
            if any(value is not None and value.instance for value in (self.binding_value(b, depth) for b in typed)):
                # The bindings disagree: the one that reaches this use, when the statements
                # between show a single one (``f: int = 7`` ... ``f: TextIOWrapper = ...``).
                reaching = self._reaching(name, bindings, use, scope)
                value = self.binding_value(reaching, depth) if reaching is not None else None
                # Only for objects: what a name means as a module or function stays the
                # flow-insensitive answer (the one the name oracle checks).
                if value is not None and value.instance:
                    result = value
        return result

    def _reaching(self, name: str, bindings: List[Binding], use: cst.Name, scope: Scope) -> Optional[Binding]:
        """The binding that reaches ``use``, when all of them are made by this function's
        own statements (no ``global``/``nonlocal``; a closure's ``nonlocal`` rebinding
        is anchored outside the statements searched, which gives no answer)."""
        if (
            not isinstance(scope.node, cst.FunctionDef)
            or scope.bindings.get(name) is not bindings
            or name in scope.global_names
            or name in scope.nonlocal_names
            or any(b.node is None and b.kind != PARAM for b in bindings)
        ):
            return None
        anchors = [None if b.kind == PARAM else b.node for b in bindings]
        found = self.flow.reaching(scope.node, use, anchors)
        return bindings[found] if found is not None else None

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
                return Value(annotation.qualname, instance=True, annotated=True)
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
                return Value(annotation.qualname, instance=True, annotated=True)
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
            return _claimed(self.class_member(cls, attr, depth, instance=True), base.annotated)
        return Value(f"{base.qualname}.{attr}", bound=True, annotated=base.annotated)

    def class_member(self, cls: Scope, attr: str, depth: int, instance: bool) -> Optional[Value]:
        assigned = cls.instance_attrs.get(attr) if instance else None
        members = cls.bindings.get(attr)
        # ``_sock = None`` in the class body: the default of an Optional attribute.
        default_none = bool(members) and all(b.kind == ASSIGN and is_none(b.value) for b in members)
        declared = cls.attr_annotations.get(attr) if instance else None
        if declared is not None and (not members or default_none):
            # ``hass: HomeAssistant`` in the class body: a claim about every instance, as a
            # parameter's annotation is (an ``await`` on a call through it refutes it).
            found = self._member_value(cls, attr, depth, instance, assigned, members, default_none)
            if found is not None and found.instance:
                return found
            annotation = self.resolve(declared, cls, depth)
            if annotation is not None and not annotation.instance and not annotation.bound:
                return Value(annotation.qualname, instance=True, annotated=True)
            return found
        return self._member_value(cls, attr, depth, instance, assigned, members, default_none)

    def _member_value(self, cls: Scope, attr: str, depth: int, instance: bool, assigned, members, default_none: bool) -> Optional[Value]:
        if assigned and (not members or default_none):
            if any(value_expr is None for value_expr, _ in assigned):
                return None
            typed = [(value_expr, scope) for value_expr, scope in assigned if not is_none(value_expr)]
            return agreed(
                (self.resolve(value_expr, scope, depth) for value_expr, scope in typed),
                default_none or len(typed) < len(assigned),
            )
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
        claim = callee.annotated
        if callee.bound:
            result = self.catalogue.result_type(callee.qualname)
            return Value(result, instance=True, annotated=claim) if result else None
        if callee.qualname in self.local_classes:
            return Value(callee.qualname, instance=True, annotated=claim)
        result = self.catalogue.result_type(callee.qualname)
        if result:
            return Value(result, instance=True, annotated=claim)
        # Whatever ``f()`` returns: if ``f`` turns out to be a class of the project, the
        # project pass resolves ``f().method`` to its method. Never a catalogue type.
        return Value(f"{callee.qualname}()", instance=True, annotated=claim)
