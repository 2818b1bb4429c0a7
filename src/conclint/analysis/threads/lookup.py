"""What the thread facts look up in one module: its functions by name, the call site of a
``Call`` node, parent links, and what an object is (the call that made it, its type, the
container it is, the methods and bases of the module's classes).

Built once per :class:`ModuleFacts` (:func:`module_lookup`) and shared by the hand-off,
CPU, shared-state and lock facts. Names are resolved through :mod:`conclint.analysis.scopes`
only.
"""

from __future__ import annotations

import functools
import weakref
from typing import Callable, Dict, List, Optional, Set, Tuple, TypeVar

import libcst as cst

from conclint.analysis.module import CallSite, ModuleFacts
from conclint.analysis.scopes import ASSIGN, WITH, Scope, Value
from conclint.analysis.threads.syntax import child_nodes
from conclint.knowledge import cpu as K

T = TypeVar("T")

#: Decorators that keep a function as it is (mirrors ``module.TRANSPARENT_DECORATORS``).
_TRANSPARENT = frozenset(
    {
        "builtins.staticmethod", "builtins.classmethod", "functools.lru_cache", "functools.cache",
        "functools.wraps", "typing.overload", "typing.final", "typing_extensions.final",
        "typing_extensions.override", "typing.override", "abc.abstractmethod",
    }
)


class ModuleLookup:
    def __init__(self, facts: ModuleFacts) -> None:
        # A proxy: the cache entry must not keep the module (and its tree) alive.
        self.facts: ModuleFacts = weakref.proxy(facts)
        self._functions: Optional[Dict[str, List[Scope]]] = None
        self._sites: Optional[Dict[int, Tuple[int, CallSite]]] = None
        self._parents: Dict[int, Dict[int, cst.CSTNode]] = {}

    # -- indexes ----------------------------------------------------------------------------
    @property
    def functions(self) -> Dict[str, List[Scope]]:
        if self._functions is None:
            table: Dict[str, List[Scope]] = {}
            for scope in self.facts.functions:
                table.setdefault(scope.qualname, []).append(scope)
            self._functions = table
        return self._functions

    def function(self, qualname: str) -> Optional[Scope]:
        found = self.functions.get(qualname)
        return found[0] if found and len(found) == 1 else None

    def site(self, node: cst.CSTNode) -> Optional[Tuple[int, CallSite]]:
        if self._sites is None:
            self._sites = {id(site.node): (index, site) for index, site in enumerate(self.facts.calls)}
        return self._sites.get(id(node))

    def parents(self, root: cst.CSTNode) -> Dict[int, cst.CSTNode]:
        """Child id -> parent for the subtree under ``root`` (computed once per root)."""
        table = self._parents.get(id(root))
        if table is None:
            table = self._parents[id(root)] = {}
            stack = [root]
            while stack:
                node = stack.pop()
                for child in child_nodes(node):
                    table[id(child)] = node
                    stack.append(child)
        return table

    def container_node(self, scope: Scope) -> cst.CSTNode:
        """The function definition code of ``scope`` runs in, or the module."""
        function = scope.function_scope
        return function.node if function is not None and function.node is not None else self.facts.module

    def resolve(self, expr: cst.BaseExpression, scope: Scope) -> Optional[Value]:
        return self.facts.resolve(expr, scope)

    # -- objects and their types ----------------------------------------------------------------
    def constructor(self, expr: cst.BaseExpression, scope: Scope, depth: int = 0) -> Optional[Tuple[cst.Call, Scope]]:
        """The one call that made the object ``expr`` names, with the scope it ran in."""
        if depth > 8:
            return None
        if isinstance(expr, cst.Call):
            return expr, scope
        candidates: List[Tuple[Optional[cst.BaseExpression], Optional[Scope]]] = []
        if isinstance(expr, cst.Name):
            for binding in scope.lookup(expr.value) or []:
                candidates.append((binding.value, binding.scope) if binding.kind in (ASSIGN, WITH) else (None, None))
        elif isinstance(expr, cst.Attribute):
            base = self.resolve(expr.value, scope)
            cls = self.facts.resolver.local_classes.get(base.qualname) if base is not None and base.instance else None
            if cls is None:
                return None
            candidates.extend(cls.instance_attrs.get(expr.attr.value, []))
        if len(candidates) != 1 or candidates[0][0] is None or candidates[0][1] is None:
            return None
        return self.constructor(candidates[0][0], candidates[0][1], depth + 1)

    def instance_type(self, expr: cst.BaseExpression, scope: Scope) -> Optional[str]:
        """The type of the object ``expr`` evaluates to, when known."""
        value = self.resolve(expr, scope)
        if value is not None and value.instance:
            name = value.qualname
            return self._made_by(name[:-2]) if name.endswith("()") else name
        made = self.constructor(expr, scope)
        if made is None:
            return None
        callee = self.resolve(made[0].func, made[1])
        if callee is None or callee.instance:
            return None
        if callee.bound:
            return self._made_by(callee.qualname)
        return self.facts.catalogue.result_type(callee.qualname) or callee.qualname

    @staticmethod
    def _made_by(callee: str) -> Optional[str]:
        owner, _, attr = callee.rpartition(".")
        if owner == "multiprocessing.get_context()":
            return K.CONTEXT_MEMBERS.get(attr)
        return callee

    def container_type(self, expr: cst.BaseExpression, scope: Scope, depth: int = 0) -> str:
        """``builtins.list``, ``collections.Counter``, ... when ``expr`` is known to be one
        of the mutable containers of :data:`knowledge.cpu.MUTATING_METHODS`; else ``""``."""
        if depth > 8:
            return ""
        if isinstance(expr, (cst.List, cst.ListComp)):
            return "builtins.list"
        if isinstance(expr, (cst.Dict, cst.DictComp)):
            return "builtins.dict"
        if isinstance(expr, (cst.Set, cst.SetComp)):
            return "builtins.set"
        if isinstance(expr, cst.Call):
            callee = self.resolve(expr.func, scope)
            if callee is not None and not callee.instance and not callee.bound and callee.qualname in K.MUTATING_METHODS:
                return callee.qualname
            return ""
        values: List[Tuple[cst.BaseExpression, Scope]] = []
        if isinstance(expr, cst.Name):
            bindings = scope.lookup(expr.value)
            if not bindings:
                return ""
            for binding in bindings:
                if binding.kind != ASSIGN or binding.value is None or binding.scope is None:
                    return ""
                values.append((binding.value, binding.scope))
        elif isinstance(expr, cst.Attribute):
            base = self.resolve(expr.value, scope)
            cls = self.facts.resolver.local_classes.get(base.qualname) if base is not None and base.instance else None
            if cls is None or expr.attr.value in cls.bindings:
                return ""
            for value, method_scope in cls.instance_attrs.get(expr.attr.value, []):
                if value is None:
                    return ""
                values.append((value, method_scope))
        kinds = {self.container_type(value, value_scope, depth + 1) for value, value_scope in values}
        return kinds.pop() if len(kinds) == 1 else ""

    def local_instance(self, expr: cst.BaseExpression, scope: Scope) -> str:
        """``"class:<qualname>"`` when ``expr`` is an object of a class of this module made
        by a call conclint can see; else ``""``."""
        value = self.resolve(expr, scope)
        if value is not None and value.instance and value.qualname in self.facts.resolver.local_classes:
            if self.constructor(expr, scope) is not None:
                return f"class:{value.qualname}"
        return ""

    def is_numeric(self, expr: cst.BaseExpression, scope: Scope) -> bool:
        """Whether ``expr`` is clearly a number: a literal, ``-1``, ``len(...)``, ..."""
        if isinstance(expr, (cst.Integer, cst.Float, cst.Imaginary)):
            return True
        if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, (cst.Minus, cst.Plus)):
            return self.is_numeric(expr.expression, scope)
        if isinstance(expr, cst.Call):
            callee = self.resolve(expr.func, scope)
            return callee is not None and callee.qualname in (
                "builtins.len", "builtins.int", "builtins.float", "builtins.abs", "builtins.round",
            )
        return False

    def initial_is_numeric(self, expr: cst.BaseExpression, scope: Scope) -> bool:
        """Whether every assignment that binds ``expr`` (a name or ``self.attr``) gives a number."""
        values: List[Tuple[Optional[cst.BaseExpression], Optional[Scope]]] = []
        if isinstance(expr, cst.Name):
            for binding in scope.lookup(expr.value) or []:
                if binding.kind == ASSIGN:
                    values.append((binding.value, binding.scope))
        elif isinstance(expr, cst.Attribute):
            base = self.resolve(expr.value, scope)
            cls = self.facts.resolver.local_classes.get(base.qualname) if base is not None and base.instance else None
            if cls is not None:
                values.extend(cls.instance_attrs.get(expr.attr.value, []))
        return bool(values) and all(v is not None and s is not None and self.is_numeric(v, s) for v, s in values)

    # -- the module's classes and functions -------------------------------------------------------
    def local_class_ancestry(self, cls: Scope, depth: int = 0) -> Set[str]:
        """Qualified names of the bases of a class of this module, through its local bases."""
        found: Set[str] = set()
        node = cls.node
        if depth > 8 or not isinstance(node, cst.ClassDef):
            return found
        for arg in node.bases:
            value = self.resolve(arg.value, cls.parent or self.facts.root)
            if value is None or value.instance:
                continue
            found.add(value.qualname)
            base = self.facts.resolver.local_classes.get(value.qualname)
            if base is not None:
                found |= self.local_class_ancestry(base, depth + 1)
        return found

    def method(self, cls: Scope, attr: str, depth: int = 0) -> Optional[Scope]:
        """A method of a class of this module, looked up through its local bases."""
        if depth > 8:
            return None
        bindings = cls.bindings.get(attr)
        if bindings:
            return self.function(f"{cls.qualname}.{attr}") if len(bindings) == 1 else None
        node = cls.node
        if not isinstance(node, cst.ClassDef):
            return None
        for arg in node.bases:
            value = self.resolve(arg.value, cls.parent or self.facts.root)
            base = self.facts.resolver.local_classes.get(value.qualname) if value is not None else None
            if base is None:
                return None  # an unknown base may define it
            found = self.method(base, attr, depth + 1)
            if found is not None:
                return found
        return None

    def transparent(self, scope: Scope) -> bool:
        """Whether no decorator of the function may replace it."""
        node = scope.node
        if not isinstance(node, cst.FunctionDef):
            return True
        for decorator in node.decorators:
            expr = decorator.decorator.func if isinstance(decorator.decorator, cst.Call) else decorator.decorator
            value = self.resolve(expr, scope.parent or self.facts.root)
            if value is None or value.qualname not in _TRANSPARENT:
                return False
        return True


def per_module(build: Callable[[ModuleFacts], T]) -> Callable[[ModuleFacts], T]:
    """``build(facts)`` made on first use for each module and kept while it is alive
    (what it makes must hold the module only through a weak reference)."""
    made: "weakref.WeakKeyDictionary[ModuleFacts, T]" = weakref.WeakKeyDictionary()

    @functools.wraps(build)
    def get(facts: ModuleFacts) -> T:
        found = made.get(facts)
        if found is None:
            found = made[facts] = build(facts)
        return found

    return get


@per_module
def module_lookup(facts: ModuleFacts) -> ModuleLookup:
    """The lookup of a module."""
    return ModuleLookup(facts)
