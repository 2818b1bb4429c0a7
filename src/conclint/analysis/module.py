"""The per-file analysis: one visitor, run first in the batched traversal.

It maintains the scope stack (so rules can ask "am I inside ``async def``?" while they
visit) and records the facts every rule shares: bindings, call sites, imports. Names are
resolved after the traversal, when every binding of the module is known.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Dict, FrozenSet, List, Optional, Sequence, Set, Tuple

import libcst as cst

from conclint.analysis.scopes import (
    ANNOTATED,
    ASSIGN,
    CLASS,
    DEF,
    IMPORT,
    OTHER,
    PARAM,
    WITH,
    Binding,
    Resolver,
    Scope,
    Value,
)
from conclint.analysis.summary import Call as SummaryCall
from conclint.analysis.summary import Effect, FunctionSummary, ModuleSummary
from conclint.knowledge.catalogue import Catalogue

FRAMEWORKS = ("asyncio", "trio", "anyio")

#: Decorators that return the function itself, or a wrapper that calls it as it is.
TRANSPARENT_DECORATORS = frozenset(
    {
        "builtins.staticmethod",
        "builtins.classmethod",
        "builtins.property",
        "functools.lru_cache",
        "functools.cache",
        "functools.cached_property",
        "functools.wraps",
        "typing.overload",
        "typing.final",
        "typing_extensions.final",
        "typing_extensions.override",
        "typing.override",
        "abc.abstractmethod",
    }
)

#: Calls that run the callables (and generator expressions) given to them on a thread.
EXECUTOR_BOUNDARIES = frozenset(
    {
        "asyncio.to_thread",
        "anyio.to_thread.run_sync",
        "trio.to_thread.run_sync",
        "asyncio.AbstractEventLoop.run_in_executor",
    }
)

#: Queues whose ``put`` waits only when they were given a ``maxsize``.
BOUNDED_QUEUES = frozenset(
    {"queue.Queue", "queue.LifoQueue", "queue.PriorityQueue", "multiprocessing.Queue", "multiprocessing.JoinableQueue",
     "multiprocessing.queues.Queue", "multiprocessing.queues.JoinableQueue"}
)

_NON_BLOCKING_KEYWORDS = {"get": "block", "put": "block", "acquire": "blocking"}


_STDLIB = frozenset(getattr(sys, "stdlib_module_names", ())) | {"builtins"}


def _outside_project(qualname: str, module_name: str) -> bool:
    """Calls into the standard library can never reach a project function: leaving them
    out keeps summaries small (most calls are to the standard library)."""
    top = qualname.split(".", 1)[0]
    return top in _STDLIB and top != module_name.split(".", 1)[0]


def _non_blocking_form(call: cst.Call, method: str) -> bool:
    """``q.get(block=False)``, ``q.get(False)``, ``lock.acquire(blocking=False)``: they
    return at once instead of waiting; ``getaddrinfo(..., flags=AI_NUMERICHOST)`` only
    parses a numeric address and never asks a resolver."""
    if method == "getaddrinfo":
        for index, arg in enumerate(call.args):
            named = arg.keyword.value if arg.keyword is not None else None
            if named == "flags" or (named is None and index == 5):
                return "AI_NUMERICHOST" in cst.Module([]).code_for_node(arg.value)
        return False
    keyword = _NON_BLOCKING_KEYWORDS.get(method)
    if keyword is None:
        return False
    for index, arg in enumerate(call.args):
        named = arg.keyword.value if arg.keyword is not None else None
        if (named == keyword or (named is None and index == 0 and method != "put") or (named is None and index == 1 and method == "put")):
            return isinstance(arg.value, cst.Name) and arg.value.value == "False"
    return False


def dotted_name(expr: cst.BaseExpression) -> Optional[str]:
    """``a.b.c`` for a chain of names and attributes, else ``None``."""
    parts: List[str] = []
    while isinstance(expr, cst.Attribute):
        parts.append(expr.attr.value)
        expr = expr.value
    if not isinstance(expr, cst.Name):
        return None
    parts.append(expr.value)
    return ".".join(reversed(parts))


_VISITOR_NAMES: dict = {}


def visitor_methods(visitor: cst.BatchableCSTVisitor):
    """``BatchableCSTVisitor.get_visitors`` without ``inspect.getmembers`` on every file:
    the method names are found once per class."""
    cls = type(visitor)
    names = _VISITOR_NAMES.get(cls)
    if names is None:
        names = _VISITOR_NAMES[cls] = tuple(
            name
            for name in dir(cls)
            if name.startswith(("visit_", "leave_"))
            and callable(getattr(cls, name))
            and not getattr(getattr(cls, name), "_is_no_op", False)
        )
    return {name: getattr(visitor, name) for name in names}


@dataclass
class CallSite:
    node: cst.Call
    scope: Scope
    awaited: bool = False

    @property
    def in_async(self) -> bool:
        return self.scope.in_async


@dataclass
class BlockingCall:
    site: CallSite
    qualname: str
    category: str


class ModuleFacts:
    """Everything the analysis knows about one module, queried by the rules."""

    def __init__(
        self,
        module: cst.Module,
        path: str,
        module_name: str,
        catalogue: Catalogue,
        executor_wrappers: Sequence[str] = (),
    ) -> None:
        self.module = module
        self.path = path
        self.module_name = module_name
        self.catalogue = catalogue
        self.root = Scope("module", None, qualname=module_name)
        self.resolver = Resolver(module_name, catalogue)
        self.calls: List[CallSite] = []
        self.imported_modules: Set[str] = set()
        self.functions: List[Scope] = []
        #: Generator expressions passed as arguments: id -> (the call, its scope).
        self.executor_genexps: Dict[int, Tuple[cst.Call, Scope]] = {}
        self.executors: FrozenSet[str] = EXECUTOR_BOUNDARIES | frozenset(executor_wrappers)
        #: ids of expressions that are a whole statement (``f()`` alone on its line): their
        #: value is dropped.
        self.discarded: Set[int] = set()
        #: ids of expressions that are a statement, an assignment's value or a return value:
        #: where a fix may put ``await`` in front without parentheses.
        self.statement_values: Set[int] = set()
        #: The scope the traversal is in; rules read it from their own visit_* methods,
        #: which run after the analyzer's for the same node.
        self.scope: Scope = self.root
        self._blocking: Optional[List[BlockingCall]] = None

    # -- queries -----------------------------------------------------------------
    def resolve(self, expr: cst.BaseExpression, scope: Scope) -> Optional[Value]:
        return self.resolver.resolve(expr, scope)

    def callee(self, site: CallSite) -> Optional[Value]:
        return self.resolver.resolve(site.node.func, site.scope)

    @property
    def framework(self) -> str:
        """The async library this module uses, for advice: asyncio when it imports asyncio
        (or nothing), else trio or anyio."""
        imported = {name.split(".", 1)[0] for name in self.imported_modules}
        for name in FRAMEWORKS:
            if name in imported:
                return name
        return "asyncio"

    def blocking_category(self, site: CallSite) -> Optional[Tuple[str, str]]:
        value = self.callee(site)
        if value is None or value.instance:
            return None
        if value.bound:
            category = self.catalogue.category_of_method(value.owner, value.attr)
        else:
            # ``Path.read_text(p)`` calls the method through its class.
            category = self.catalogue.category_of_call(value.qualname) or self.catalogue.category_of_method(
                value.owner, value.attr
            )
        if category is None or _non_blocking_form(site.node, value.attr):
            return None
        if value.bound and value.attr == "put" and value.owner in BOUNDED_QUEUES:
            if not self._bounded(site):
                return None
        return value.qualname, category

    def _bounded(self, site: CallSite) -> bool:
        """``q.put()`` waits only on a queue made with a ``maxsize``; find the constructor."""
        func = site.node.func
        receiver = func.value if isinstance(func, cst.Attribute) else None
        constructor = self.resolver.constructor_call(receiver, site.scope) if receiver is not None else None
        if constructor is None:
            return False
        for index, arg in enumerate(constructor.args):
            named = arg.keyword.value if arg.keyword is not None else None
            if named == "maxsize" or (named is None and index == 0):
                return not (isinstance(arg.value, cst.Integer) and int(arg.value.value.replace("_", ""), 0) <= 0)
        return False

    def is_executor_call(self, call: cst.Call, scope: Scope) -> bool:
        """``asyncio.to_thread(...)``, ``loop.run_in_executor(...)`` and the like: the
        callables and generator expressions passed to them run on another thread."""
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value == "run_in_executor":
            return True
        value = self.resolve(func, scope)
        return value is not None and not value.instance and value.qualname in self.executors

    def runs_on_loop(self, site: CallSite) -> bool:
        """Whether a call runs on the event loop: in an ``async def`` body, and not inside a
        generator expression handed to an executor (which consumes it on its thread)."""
        return site.in_async and self.runs_in_caller(site)

    @property
    def blocking_calls_in_async(self) -> List[BlockingCall]:
        """Calls in ``async def`` bodies that the catalogue says block, in source order."""
        if self._blocking is None:
            found = []
            for site in self.calls:
                if self.runs_on_loop(site):
                    hit = self.blocking_category(site)
                    if hit is not None:
                        found.append(BlockingCall(site, hit[0], hit[1]))
            self._blocking = found
        return self._blocking

    def runs_in_caller(self, site: CallSite) -> bool:
        """False for a call inside a generator expression handed to an executor."""
        scope: Optional[Scope] = site.scope
        while scope is not None and scope.kind == "comprehension":
            handed = self.executor_genexps.get(id(scope.node))
            if handed is not None and self.is_executor_call(handed[0], handed[1]):
                return False
            scope = scope.parent
        return True

    def summary(self) -> ModuleSummary:
        # CCL2xx (threads and processes): CPU-heavy loops, calls of unknown cost and hand-offs.
        from conclint.analysis.threads import summary_fields

        thread_fields, import_time_handoffs = summary_fields(self)
        by_function: Dict[int, List[int]] = {}
        for index, site in enumerate(self.calls):
            function = site.scope.function_scope
            if function is not None and function.kind == "function":
                by_function.setdefault(id(function), []).append(index)
        functions = []
        for scope in self.functions:
            effects: List[Effect] = []
            calls: List[SummaryCall] = []
            indexes = by_function.get(id(scope), [])
            for index in indexes:
                site = self.calls[index]
                if not self.runs_in_caller(site):
                    continue
                hit = self.blocking_category(site)
                if hit is not None:
                    effects.append(Effect(hit[1], hit[0], index))
                    continue
                value = self.callee(site)
                if value is None or value.instance or _outside_project(value.qualname, self.module_name):
                    continue
                calls.append(SummaryCall(value.qualname, value.bound, index, id(site.node) in self.discarded))
            functions.append(
                FunctionSummary(
                    qualname=scope.qualname,
                    is_async=scope.is_async,
                    transparent=self._transparent(scope),
                    effects=tuple(effects),
                    calls=tuple(calls),
                    line_hint=indexes[0] if indexes else -1,
                    **thread_fields.get(id(scope), {}),  # type: ignore[arg-type]
                )
            )
        if import_time_handoffs:
            # Import-time code that hands callables to threads or processes is summarised as
            # a pseudo-function "<module>": not transparent, so no call ever resolves to it.
            functions.append(
                FunctionSummary(f"{self.module_name}.<module>", False, False, (), (), handoffs=import_time_handoffs)
            )
        aliases = []
        for name, bindings in self.root.bindings.items():
            if any(b.kind in (IMPORT, ASSIGN) for b in bindings):
                value = self.resolver.resolve_name(name, self.root, 0)
                if value is not None and not value.instance and not value.bound:
                    aliases.append((name, value.qualname))
        classes = []
        for qualname, cls in self.resolver.local_classes.items():
            node = cls.node
            bases: List[str] = []
            if isinstance(node, cst.ClassDef):
                for arg in node.bases:
                    value = self.resolve(arg.value, cls.parent or self.root)
                    bases.append(value.qualname if value is not None and not value.instance else "?")
            classes.append((qualname, tuple(bases)))
        return ModuleSummary(
            self.module_name,
            self.path,
            tuple(functions),
            tuple(sorted(self.imported_modules)),
            tuple(sorted(aliases)),
            tuple(classes),
            len(self.calls),
            self.framework,
        )

    def _transparent(self, scope: Scope) -> bool:
        node = scope.node
        if not isinstance(node, cst.FunctionDef) or not node.decorators:
            return True
        for decorator in node.decorators:
            expr = decorator.decorator
            if isinstance(expr, cst.Call):
                expr = expr.func
            value = self.resolve(expr, scope.parent or self.root)
            if value is None or value.qualname not in TRANSPARENT_DECORATORS:
                return False
        return True


class ModuleAnalyzer(cst.BatchableCSTVisitor):
    """Builds :class:`ModuleFacts` during the shared traversal. Must run first in the batch."""

    def __init__(self, facts: ModuleFacts) -> None:
        super().__init__()
        self.facts = facts
        self.scope = facts.root
        self._awaited: Set[int] = set()
        self._stack: List[Scope] = []
        self._pending: Dict[int, Scope] = {}
        self._iter_scopes: List[bool] = []

    def get_visitors(self):
        return visitor_methods(self)

    # -- helpers -----------------------------------------------------------------
    def _push(self, scope: Scope) -> None:
        self._stack.append(self.scope)
        self.scope = self.facts.scope = scope

    def _pop(self) -> None:
        self.scope = self.facts.scope = self._stack.pop()

    def _qualname(self, name: str) -> str:
        scope = self.scope
        while scope.kind == "comprehension" and scope.parent is not None:
            scope = scope.parent
        return f"{scope.qualname}.{name}" if scope.qualname else name

    def _package(self) -> str:
        name = self.facts.module_name
        if self.facts.path.endswith("__init__.py"):
            return name
        return name.rsplit(".", 1)[0] if "." in name else ""

    def _bind_target(self, target: cst.BaseExpression, binding: Binding) -> None:
        """Bind the names of an assignment target; unpacking gives values we cannot follow."""
        if isinstance(target, cst.Name):
            self.scope.add(target.value, binding)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._bind_target(element.value, Binding(OTHER))
        elif isinstance(target, cst.StarredElement):
            self._bind_target(target.value, Binding(OTHER))
        elif isinstance(target, cst.Attribute):
            self._record_instance_attr(target, binding)

    def _record_instance_attr(self, target: cst.Attribute, binding: Binding) -> None:
        func = self.scope.function_scope
        if func is None or not isinstance(target.value, cst.Name):
            return
        # ``self`` may be a free variable of a closure or lambda inside the method.
        while func is not None and func.method_class() is None and target.value.value not in func.bindings:
            parent = func.parent
            func = parent.function_scope if parent is not None else None
        if func is None:
            return
        cls = func.method_class()
        node = func.node
        if cls is None or not isinstance(node, cst.FunctionDef) or not node.params.params:
            return
        if node.params.params[0].name.value != target.value.value or "staticmethod" in func.decorators:
            return
        value = binding.value if binding.kind == ASSIGN else None
        cls.instance_attrs.setdefault(target.attr.value, []).append((value, self.scope))

    # -- imports -----------------------------------------------------------------
    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            full = dotted_name(alias.name)
            if full is None:
                continue
            self.facts.imported_modules.add(full)
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self.scope.add(alias.asname.name.value, Binding(IMPORT, full))
            else:
                top = full.split(".", 1)[0]
                self.scope.add(top, Binding(IMPORT, top))

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        module = dotted_name(node.module) if node.module is not None else ""
        if module is None:
            return
        if node.relative:
            package = self._package()
            for _ in range(len(node.relative) - 1):
                package = package.rsplit(".", 1)[0] if "." in package else ""
            module = ".".join(part for part in (package, module) if part)
        if module:
            self.facts.imported_modules.add(module)
        if isinstance(node.names, cst.ImportStar):
            self.scope.star_import = True
            return
        for alias in node.names:
            if not isinstance(alias.name, cst.Name):
                continue
            name = alias.name.value
            local = name
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
            qualname = f"{module}.{name}" if module else name
            self.scope.add(local, Binding(IMPORT, qualname))

    # -- definitions and scopes ----------------------------------------------------
    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        qualname = self._qualname(node.name.value)
        self.scope.add(node.name.value, Binding(DEF, qualname))
        scope = Scope(
            "function",
            self.scope,
            name=node.name.value,
            qualname=qualname,
            is_async=node.asynchronous is not None,
            node=node,
        )
        scope.decorators = tuple(
            name for name in (dotted_name(d.decorator) for d in node.decorators) if name
        )
        self.facts.functions.append(scope)
        self._pending[id(node)] = scope

    def visit_FunctionDef_body(self, node: cst.FunctionDef) -> None:
        scope = self._pending.pop(id(node))
        self._push(scope)
        params = node.params
        ordered = list(params.posonly_params) + list(params.params)
        index = 0
        for param in ordered:
            scope.add(param.name.value, Binding(PARAM, value=_annotation(param), scope=scope, index=index))
            index += 1
        for param in list(params.kwonly_params):
            scope.add(param.name.value, Binding(PARAM, value=_annotation(param), scope=scope))
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                scope.add(star.name.value, Binding(OTHER))

    def leave_FunctionDef_body(self, node: cst.FunctionDef) -> None:
        self._pop()

    def visit_Lambda_body(self, node: cst.Lambda) -> None:
        scope = Scope("lambda", self.scope, qualname=self._qualname("<lambda>"), node=node)
        self._push(scope)
        params = node.params
        for param in (
            list(params.posonly_params) + list(params.params) + list(params.kwonly_params)
        ):
            scope.add(param.name.value, Binding(OTHER))
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                scope.add(star.name.value, Binding(OTHER))

    def leave_Lambda_body(self, node: cst.Lambda) -> None:
        self._pop()

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        qualname = self._qualname(node.name.value)
        self.scope.add(node.name.value, Binding(CLASS, qualname))
        scope = Scope("class", self.scope, name=node.name.value, qualname=qualname, node=node)
        self._pending[id(node)] = scope
        self.facts.resolver.local_classes[qualname] = scope

    def visit_ClassDef_body(self, node: cst.ClassDef) -> None:
        self._push(self._pending.pop(id(node)))

    def leave_ClassDef_body(self, node: cst.ClassDef) -> None:
        self._pop()

    def _visit_comprehension(self, node: cst.CSTNode) -> None:
        self._push(Scope("comprehension", self.scope, qualname=self.scope.qualname, node=node))

    def _leave_comprehension(self, node: cst.CSTNode) -> None:
        self._pop()

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _visit_comprehension
    leave_ListComp = leave_SetComp = leave_DictComp = leave_GeneratorExp = _leave_comprehension

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._bind_target(node.target, Binding(OTHER))

    def visit_CompFor_iter(self, node: cst.CompFor) -> None:
        # The first iterable of a comprehension is evaluated where the comprehension is.
        outermost = self.scope.kind == "comprehension" and getattr(self.scope.node, "for_in", None) is node
        self._iter_scopes.append(outermost)
        if outermost:
            self._push(self.scope.parent)

    def leave_CompFor_iter(self, node: cst.CompFor) -> None:
        if self._iter_scopes.pop():
            self._pop()

    def visit_Global(self, node: cst.Global) -> None:
        self.scope.global_names.update(item.name.value for item in node.names)

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        self.scope.nonlocal_names.update(item.name.value for item in node.names)

    # -- assignments ------------------------------------------------------------------
    def _visit_assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            if (
                isinstance(target.target, (cst.Tuple, cst.List))
                and isinstance(node.value, (cst.Tuple, cst.List))
                and len(target.target.elements) == len(node.value.elements)
                and not any(isinstance(e, cst.StarredElement) for e in (*target.target.elements, *node.value.elements))
            ):
                # ``a, b = A(), B()`` binds pairwise.
                for left, right in zip(target.target.elements, node.value.elements):
                    self._bind_target(left.value, Binding(ASSIGN, value=right.value, scope=self.scope))
                continue
            self._bind_target(target.target, Binding(ASSIGN, value=node.value, scope=self.scope))

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        annotated = _annotated_type(node.annotation.annotation)
        if annotated is not None and (node.value is None or self.scope.kind != "class"):
            # ``client: httpx.Client = ...``: the annotation says what the name holds.
            if node.value is not None or self.scope.kind == "function":
                self._bind_target(node.target, Binding(ANNOTATED, value=annotated, scope=self.scope))
        elif node.value is not None:
            self._bind_target(node.target, Binding(ASSIGN, value=node.value, scope=self.scope))
        elif isinstance(node.target, cst.Name) and self.scope.kind == "function":
            self.scope.add(node.target.value, Binding(OTHER))

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if isinstance(node.target, cst.Attribute):
            self._bind_target(node.target, Binding(OTHER))

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        # The walrus binds in the enclosing function, even inside a comprehension.
        scope = self.scope
        while scope.kind == "comprehension" and scope.parent is not None:
            scope = scope.parent
        if isinstance(node.target, cst.Name):
            scope.add(node.target.value, Binding(ASSIGN, value=node.value, scope=self.scope))

    def visit_For(self, node: cst.For) -> None:
        self._bind_target(node.target, Binding(OTHER))

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._bind_target(node.asname.name, Binding(WITH, value=node.item, scope=self.scope))

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if node.name is not None:
            self._bind_target(node.name.name, Binding(OTHER))

    def visit_ExceptStarHandler(self, node: cst.ExceptStarHandler) -> None:
        if node.name is not None:
            self._bind_target(node.name.name, Binding(OTHER))

    def visit_MatchAs(self, node: cst.MatchAs) -> None:
        if node.name is not None:
            self.scope.add(node.name.value, Binding(OTHER))

    def visit_MatchStar(self, node: cst.MatchStar) -> None:
        if node.name is not None:
            self.scope.add(node.name.value, Binding(OTHER))

    def visit_MatchMapping(self, node: cst.MatchMapping) -> None:
        if node.rest is not None:
            self.scope.add(node.rest.value, Binding(OTHER))

    def visit_Del(self, node: cst.Del) -> None:
        if isinstance(node.target, cst.Name):
            self.scope.add(node.target.value, Binding(OTHER))

    # -- calls ------------------------------------------------------------------------
    # -- statement contexts ----------------------------------------------------------------
    def visit_Expr(self, node: cst.Expr) -> None:
        self.facts.discarded.add(id(node.value))
        self.facts.statement_values.add(id(node.value))

    def visit_Assign(self, node: cst.Assign) -> None:
        self.facts.statement_values.add(id(node.value))
        self._visit_assign(node)

    def visit_Return(self, node: cst.Return) -> None:
        if node.value is not None:
            self.facts.statement_values.add(id(node.value))

    def visit_Await(self, node: cst.Await) -> None:
        self._awaited.add(id(node.expression))

    def visit_Call(self, node: cst.Call) -> None:
        self.facts.calls.append(CallSite(node, self.scope, awaited=id(node) in self._awaited))
        for arg in node.args:
            if isinstance(arg.value, cst.GeneratorExp):
                self.facts.executor_genexps[id(arg.value)] = (node, self.scope)


def _annotation(param: cst.Param) -> Optional[cst.BaseExpression]:
    if param.annotation is None:
        return None
    return _annotated_type(param.annotation.annotation)


def _annotated_type(annotation: cst.BaseExpression) -> Optional[cst.BaseExpression]:
    """The class an annotation names: ``X``, ``mod.X``, ``Optional[X]``, ``X | None``."""
    if isinstance(annotation, (cst.Name, cst.Attribute)):
        return annotation
    if isinstance(annotation, cst.BinaryOperation) and isinstance(annotation.operator, cst.BitOr):
        sides = [annotation.left, annotation.right]
        others = [side for side in sides if not (isinstance(side, cst.Name) and side.value == "None")]
        return _annotated_type(others[0]) if len(others) == 1 else None
    if (
        isinstance(annotation, cst.Subscript)
        and dotted_name(annotation.value) in ("Optional", "typing.Optional", "t.Optional")
        and len(annotation.slice) == 1
        and isinstance(annotation.slice[0].slice, cst.Index)
    ):
        return _annotated_type(annotation.slice[0].slice.value)
    return None
