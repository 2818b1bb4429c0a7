"""Facts about threads and processes, shared by the CCL2xx, CCL3xx and CCL4xx rules.

* **Hand-offs**: the calls that run a callable on another thread or in another process
  (``threading.Thread(target=...)``, ``threading.Timer``, executor ``submit``/``map``,
  ``asyncio.to_thread``, ``loop.run_in_executor``, anyio/trio ``to_thread.run_sync``,
  configured executor wrappers, ``multiprocessing.Process``, ``Pool`` methods,
  ``get_context(...)`` variants, and the construction of ``Thread``/``Process``
  subclasses), with the callable resolved through ``functools.partial``, methods and
  imports. An executor whose kind (threads or processes) cannot be told is no hand-off.
* **CPU-heavy loops** of sync functions (the definition of CCL120), for the summaries.
* **Shared state**: what code running on several threads at once changes without a lock
  (CCL301-CCL304), decided once per module so that each site gets the most specific code.

Everything is computed after the traversal, from :class:`ModuleFacts`, and only walks the
few function bodies that matter (the CPU scan looks at statements first and walks only
loops). Names are resolved through :mod:`conclint.analysis.scopes` only.
"""

from __future__ import annotations

import dataclasses
import sys
import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Dict, Iterator, List, Optional, Sequence, Set, Tuple

import libcst as cst

from conclint.analysis.scopes import ASSIGN, PARAM, WITH, Scope, Value
from conclint.analysis.traversal import walk
from conclint.knowledge import cpu as K
from conclint.knowledge.threads import THREAD_LOCK_TYPES

if TYPE_CHECKING:  # pragma: no cover
    from conclint.analysis.module import CallSite, ModuleFacts

THREAD = "thread"
PROCESS = "process"
PROCESS_POOL = "process_pool"

# Target kinds.
FUNCTION = "function"
LAMBDA = "lambda"
CLASS = "class"
EXTERNAL = "external"
UNKNOWN = "unknown"

_LOOPS = (cst.For, cst.While)
_COMPREHENSIONS = (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)
_SCOPE_NODES = (cst.FunctionDef, cst.ClassDef, cst.Lambda)
_COMPREHENSION_TYPES = frozenset(_COMPREHENSIONS)
_SUITES = frozenset({cst.IndentedBlock, cst.SimpleStatementSuite})

_ARITHMETIC = (
    cst.Add, cst.Subtract, cst.Multiply, cst.Divide, cst.FloorDivide, cst.Modulo, cst.Power,
    cst.LeftShift, cst.RightShift, cst.BitAnd, cst.BitOr, cst.BitXor, cst.MatrixMultiply,
)
_AUG_ARITHMETIC = (
    cst.AddAssign, cst.SubtractAssign, cst.MultiplyAssign, cst.DivideAssign, cst.FloorDivideAssign,
    cst.ModuloAssign, cst.PowerAssign, cst.LeftShiftAssign, cst.RightShiftAssign, cst.BitAndAssign,
    cst.BitOrAssign, cst.BitXorAssign, cst.MatrixMultiplyAssign,
)

#: Last names of the calls that can be hand-offs (a cheap filter before resolving).
_HANDOFF_TAILS = frozenset(
    {"Thread", "Timer", "start_new_thread", "start_new", "Process", "to_thread", "run_sync", "run_in_executor"}
    | K.EXECUTOR_METHODS
    | set(K.POOL_METHODS)
)

#: Decorators that keep a function as it is (mirrors ``module.TRANSPARENT_DECORATORS``).
_TRANSPARENT = frozenset(
    {
        "builtins.staticmethod", "builtins.classmethod", "functools.lru_cache", "functools.cache",
        "functools.wraps", "typing.overload", "typing.final", "typing_extensions.final",
        "typing_extensions.override", "typing.override", "abc.abstractmethod",
    }
)

_EMPTY = cst.Module(body=[])
_STDLIB = frozenset(getattr(sys, "stdlib_module_names", ())) | {"builtins"}


def code_of(node: cst.CSTNode, limit: int = 60) -> str:
    """Source text of a small node, on one line, shortened for messages."""
    text = " ".join(_EMPTY.code_for_node(node).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


# -- walking ------------------------------------------------------------------------------
_FIELDS: Dict[type, Tuple[str, ...]] = {}
_SKIP_FIELDS = frozenset(
    {"lpar", "rpar", "lbracket", "rbracket", "lbrace", "rbrace", "leading_lines", "header", "footer",
     "comma", "semicolon", "equal", "colon", "dot", "star_tok", "trailing_whitespace", "newline",
     "first_line", "empty_lines", "lines_after_decorators", "operator", "asynchronous", "relative"}
)


def child_nodes(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """The child nodes that carry code (no whitespace or punctuation), in field order."""
    names = _FIELDS.get(type(node))
    if names is None:
        names = _FIELDS[type(node)] = tuple(
            f.name for f in dataclasses.fields(node) if f.name not in _SKIP_FIELDS and not f.name.startswith("whitespace")
        )
    for name in names:
        value = getattr(node, name)
        if isinstance(value, cst.CSTNode):
            yield value
        elif isinstance(value, (tuple, list)):
            for item in value:
                if isinstance(item, cst.CSTNode):
                    yield item


def block_statements(body: cst.BaseSuite) -> Sequence[cst.CSTNode]:
    return body.body if isinstance(body, (cst.IndentedBlock, cst.SimpleStatementSuite)) else ()


# -- data ---------------------------------------------------------------------------------
@dataclass
class Target:
    """The callable of a hand-off, as far as it can be known."""

    kind: str
    node: Optional[cst.CSTNode] = None  # FunctionDef, Lambda or ClassDef
    scope: Optional[Scope] = None  # the function's (or class's) scope; for a lambda, its own
    qualname: str = ""
    #: A method looked up on an instance (``self.work``): that instance is shared by every
    #: call; ``receiver`` is the expression it was looked up on.
    bound: bool = False
    receiver: Optional[cst.BaseExpression] = None
    #: Arguments bound by ``functools.partial``: every call receives these same objects.
    partial_args: Tuple[cst.Arg, ...] = ()
    #: ``run`` of a Thread/Process subclass: ``self`` is the thread object itself.
    own_instance: bool = False

    @property
    def key(self) -> Tuple[str, int]:
        return (self.kind, id(self.node) if self.node is not None else hash(self.qualname))

    @property
    def display(self) -> str:
        if self.kind == LAMBDA:
            return "a lambda"
        name = self.qualname.rsplit(".", 1)[-1] if self.qualname else "?"
        if self.scope is not None and self.scope.method_class() is not None:
            name = f"{self.scope.method_class().name}.{name}"
        return f"{name}()"


@dataclass
class Handoff:
    site: "CallSite"
    index: int
    kind: str  # THREAD, PROCESS or PROCESS_POOL
    via: str  # how, for messages: "ThreadPoolExecutor.map()"
    callable: Optional[cst.BaseExpression]
    target: Target
    #: The arguments each call gets after the partial ones (``None``: not known). For a
    #: map-like hand-off they are the iterables.
    args: Optional[Tuple[cst.Arg, ...]] = ()
    per_item: bool = False  # map-like: called once per element
    start_method: str = ""  # "fork", "spawn", ... when a context says so

    @property
    def scope(self) -> Scope:
        return self.site.scope


@dataclass(frozen=True)
class CpuLoop:
    reason: str
    call: int  # index of a call inside the loop, to point at it (-1: none)


@dataclass(frozen=True)
class Subject:
    """A piece of state code can touch: ``("global", name)``, ``("self", class, attr)``,
    ``("param", root, name)``, ``("closure", scope, name)``."""

    key: Tuple
    text: str  # how the code spells it: "results", "self.count"
    category: str  # global, self, param, closure
    type: str = ""  # a container type (knowledge.cpu.MUTATING_METHODS), "number", or ""


@dataclass
class SharedFinding:
    code: str
    node: cst.CSTNode
    message: str


# -- per-module facts -----------------------------------------------------------------------
_CACHE: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def thread_facts(facts: "ModuleFacts") -> "ThreadFacts":
    found = _CACHE.get(facts)
    if found is None:
        found = _CACHE[facts] = ThreadFacts(facts)
    return found


class ThreadFacts:
    def __init__(self, facts: "ModuleFacts") -> None:
        # A proxy: the cache entry must not keep the module (and its tree) alive.
        self.facts: "ModuleFacts" = weakref.proxy(facts)
        self._handoffs: Optional[List[Handoff]] = None
        self._functions: Optional[Dict[str, List[Scope]]] = None
        self._sites: Optional[Dict[int, Tuple[int, "CallSite"]]] = None
        self._parents: Dict[int, Dict[int, cst.CSTNode]] = {}
        self._shared: Optional[List[SharedFinding]] = None
        self.wrapper_tails = frozenset(name.rsplit(".", 1)[-1] for name in facts.executors)

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

    def site(self, node: cst.CSTNode) -> Optional[Tuple[int, "CallSite"]]:
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

    def resolve(self, expr: cst.BaseExpression, scope: Scope) -> Optional[Value]:
        return self.facts.resolve(expr, scope)

    # -- types ------------------------------------------------------------------------------
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

    def start_method(self, context: cst.BaseExpression, scope: Scope) -> str:
        """``"fork"`` for ``multiprocessing.get_context("fork")`` (or a name bound to it)."""
        made = self.constructor(context, scope)
        if made is None:
            return ""
        call, call_scope = made
        callee = self.resolve(call.func, call_scope)
        if callee is None or callee.qualname != "multiprocessing.get_context" or not call.args:
            return ""
        value = call.args[0].value
        return value.evaluated_value if isinstance(value, cst.SimpleString) else ""

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
        node = scope.node
        if not isinstance(node, cst.FunctionDef):
            return True
        for decorator in node.decorators:
            expr = decorator.decorator.func if isinstance(decorator.decorator, cst.Call) else decorator.decorator
            value = self.resolve(expr, scope.parent or self.facts.root)
            if value is None or value.qualname not in _TRANSPARENT:
                return False
        return True

    # -- hand-offs ---------------------------------------------------------------------------
    def handoffs(self) -> List[Handoff]:
        if self._handoffs is None:
            found = []
            for index, site in enumerate(self.facts.calls):
                handoff = self._classify(index, site)
                if handoff is not None:
                    found.append(handoff)
            self._handoffs = found
        return self._handoffs

    def _classify(self, index: int, site: "CallSite") -> Optional[Handoff]:
        func = site.node.func
        tail = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else None
        if tail is None or not (tail in _HANDOFF_TAILS or tail in self.wrapper_tails or tail[:1].isupper()):
            return None
        if tail == "run_in_executor" and isinstance(func, cst.Attribute):
            return self._run_in_executor(index, site, func)
        value = self.facts.callee(site)
        if value is None and isinstance(func, cst.Attribute):
            # ``ctx.Pool()`` objects: the receiver's type is found from its constructor.
            value = Value(f"?.{tail}", bound=True)
        if value is None or value.instance:
            return None
        name = value.qualname
        if not value.bound:
            if name in K.THREAD_STARTERS:
                return self._starter(index, site, THREAD, name.rsplit(".", 1)[-1], K.THREAD_STARTERS[name])
            if name in K.PROCESS_TYPES:
                return self._starter(index, site, PROCESS, "Process", ("target", 1, 3, 4))
            if name in self.facts.executors:
                return self._wrapper(index, site, name)
            cls = self.facts.resolver.local_classes.get(name)
            if cls is not None:
                return self._subclass(index, site, cls)
            return None
        if value.owner == "multiprocessing.get_context()" and value.attr == "Process" and isinstance(func, cst.Attribute):
            method = self.start_method(func.value, site.scope) if not isinstance(func.value, cst.Call) else self._inline_method(func.value)
            return self._starter(index, site, PROCESS, "Process", ("target", 1, 3, 4), method)
        if name in self.facts.executors:
            return self._wrapper(index, site, name)
        if not isinstance(func, cst.Attribute):
            return None
        pool = self.instance_type(func.value, site.scope)
        if pool in K.THREAD_POOLS:
            kind = THREAD
        elif pool in K.PROCESS_POOLS:
            kind = PROCESS_POOL
        else:
            return None
        short = pool.rsplit(".", 1)[-1] if pool != "multiprocessing.pool.Pool" else "Pool"
        if pool.startswith("concurrent.futures"):
            if tail not in K.EXECUTOR_METHODS:
                return None
            return self._executor_method(index, site, kind, f"{short}.{tail}()", tail == "map")
        style = K.POOL_METHODS.get(tail)
        if style is None:
            return None
        return self._pool_method(index, site, kind, f"{short}.{tail}()", style)

    def _inline_method(self, call: cst.Call) -> str:
        if call.args and isinstance(call.args[0].value, cst.SimpleString):
            value = call.args[0].value.evaluated_value
            return value if isinstance(value, str) else ""
        return ""

    @staticmethod
    def _positional(call: cst.Call) -> Tuple[List[cst.Arg], bool]:
        """Positional arguments up to the first ``*args``, and whether there was one."""
        found = []
        for arg in call.args:
            if arg.star:
                return found, True
            if arg.keyword is None:
                found.append(arg)
        return found, False

    def _argument(self, call: cst.Call, keyword: Optional[str], position: int) -> Optional[cst.BaseExpression]:
        if keyword is not None:
            for arg in call.args:
                if arg.keyword is not None and arg.keyword.value == keyword:
                    return arg.value
        positional, _ = self._positional(call)
        return positional[position].value if 0 <= position < len(positional) else None

    @staticmethod
    def _packed(args: Optional[cst.BaseExpression], kwargs: Optional[cst.BaseExpression]) -> Optional[Tuple[cst.Arg, ...]]:
        """``args=(a, b), kwargs={"k": v}`` as call arguments; ``None`` when not literal."""
        found: List[cst.Arg] = []
        if args is not None:
            if not isinstance(args, (cst.Tuple, cst.List)):
                return None
            for element in args.elements:
                if isinstance(element, cst.StarredElement):
                    return None
                found.append(cst.Arg(value=element.value))
        if kwargs is not None:
            if not isinstance(kwargs, cst.Dict):
                return None
            for element in kwargs.elements:
                if not isinstance(element, cst.DictElement) or not isinstance(element.key, cst.SimpleString):
                    return None
                key = element.key.evaluated_value
                if not isinstance(key, str) or not key.isidentifier():
                    return None
                found.append(cst.Arg(value=element.value, keyword=cst.Name(key)))
        return tuple(found)

    def _starter(self, index, site, kind, short, spec, start_method: str = "") -> Optional[Handoff]:
        keyword, position, args_position, kwargs_position = spec
        call = site.node
        target_expr = self._argument(call, keyword, position)
        if target_expr is None:
            return None
        args = self._packed(self._argument(call, "args", args_position), self._argument(call, "kwargs", kwargs_position))
        via = f"{short}(target=...)" if keyword == "target" else f"{short}()"
        return Handoff(site, index, kind, via, target_expr, self.target(target_expr, site.scope), args, start_method=start_method)

    def _wrapper(self, index, site, name) -> Optional[Handoff]:
        positional, star = self._positional(site.node)
        if not positional:
            return None
        short = ".".join(name.split(".")[-2:]) if name.startswith(("asyncio.", "anyio.", "trio.")) else name.rsplit(".", 1)[-1]
        if name == "asyncio.to_thread":
            short = "asyncio.to_thread"
        rest = None if star else tuple(a for a in site.node.args[1:] if not (name != "asyncio.to_thread" and a.keyword is not None))
        expr = positional[0].value
        return Handoff(site, index, THREAD, f"{short}()", expr, self.target(expr, site.scope), rest)

    def _run_in_executor(self, index, site, func: cst.Attribute) -> Optional[Handoff]:
        receiver = self.resolve(func.value, site.scope)
        if receiver is not None:
            if not receiver.instance and not receiver.bound:
                return None  # a module or a class
            if receiver.instance and receiver.qualname in self.facts.catalogue.types and receiver.qualname != "asyncio.AbstractEventLoop":
                return None  # a known object that is not an event loop
        positional, star = self._positional(site.node)
        if len(positional) < 2:
            return None
        executor = positional[0].value
        if isinstance(executor, cst.Name) and executor.value == "None":
            kind, via = THREAD, "loop.run_in_executor(None, ...)"
        else:
            pool = self.instance_type(executor, site.scope)
            if pool in K.THREAD_POOLS:
                kind = THREAD
            elif pool in K.PROCESS_POOLS:
                kind = PROCESS_POOL
            else:
                return None
            via = f"loop.run_in_executor({pool.rsplit('.', 1)[-1]}, ...)"
        expr = positional[1].value
        rest = None if star else tuple(positional[2:])
        return Handoff(site, index, kind, via, expr, self.target(expr, site.scope), rest)

    def _executor_method(self, index, site, kind, via, per_item) -> Optional[Handoff]:
        positional, star = self._positional(site.node)
        if not positional:
            return None
        expr = positional[0].value
        rest = None if star else tuple(a for a in site.node.args[1:] if not (per_item and a.keyword is not None))
        return Handoff(site, index, kind, via, expr, self.target(expr, site.scope), rest, per_item=per_item)

    def _pool_method(self, index, site, kind, via, style) -> Optional[Handoff]:
        call = site.node
        expr = self._argument(call, "func", 0)
        if expr is None:
            return None
        if style == "args":
            args = self._packed(self._argument(call, "args", 1), self._argument(call, "kwds", 2))
            return Handoff(site, index, kind, via, expr, self.target(expr, site.scope), args)
        iterable = self._argument(call, "iterable", 1)
        args = (cst.Arg(value=iterable),) if iterable is not None and style == "iterable" else None
        return Handoff(site, index, kind, via, expr, self.target(expr, site.scope), args, per_item=True)

    def _subclass(self, index, site, cls: Scope) -> Optional[Handoff]:
        ancestry = self.local_class_ancestry(cls)
        if K.THREAD_CLASS in ancestry:
            kind, base = THREAD, "Thread"
        elif ancestry & K.PROCESS_CLASSES:
            kind, base = PROCESS, "Process"
        else:
            return None
        run = self.method(cls, "run")
        if run is None or not isinstance(run.node, cst.FunctionDef):
            return None
        target = Target(FUNCTION, run.node, run, run.qualname, own_instance=True)
        return Handoff(site, index, kind, f"{cls.name}(), a {base} subclass", None, target, None)

    def target(self, expr: cst.BaseExpression, scope: Scope, depth: int = 0) -> Target:
        """What a callable expression runs: a function or method of this module, a lambda,
        a class, something imported (``EXTERNAL``), or ``UNKNOWN``."""
        if isinstance(expr, cst.Lambda):
            lambda_scope = None
            return Target(LAMBDA, expr, lambda_scope, "<lambda>")
        if isinstance(expr, cst.Call):
            callee = self.resolve(expr.func, scope)
            positional, star = self._positional(expr)
            if (
                depth < 4
                and callee is not None
                and callee.qualname == "functools.partial"
                and not callee.instance
                and positional
                and positional[0] is expr.args[0]
                and not star
                and not any(a.star for a in expr.args)
            ):
                inner = self.target(expr.args[0].value, scope, depth + 1)
                inner.partial_args = inner.partial_args + tuple(expr.args[1:])
                return inner
            return Target(UNKNOWN)
        value = self.resolve(expr, scope)
        if value is None or value.instance:
            return Target(UNKNOWN)
        receiver = expr.value if isinstance(expr, cst.Attribute) else None
        if value.bound:
            cls = self.facts.resolver.local_classes.get(value.owner)
            method = self.method(cls, value.attr) if cls is not None else None
            if method is not None and isinstance(method.node, cst.FunctionDef):
                if "staticmethod" in method.decorators or "classmethod" in method.decorators:
                    return Target(FUNCTION, method.node, method, method.qualname)
                return Target(FUNCTION, method.node, method, method.qualname, bound=True, receiver=receiver)
            return Target(EXTERNAL, qualname=value.qualname, bound=True, receiver=receiver)
        function = self.function(value.qualname)
        if function is not None and isinstance(function.node, cst.FunctionDef):
            return Target(FUNCTION, function.node, function, function.qualname)
        cls = self.facts.resolver.local_classes.get(value.qualname)
        if cls is not None:
            return Target(CLASS, cls.node, cls, cls.qualname)
        if value.qualname.startswith("builtins.") or value.qualname in self.functions:
            return Target(UNKNOWN)
        return Target(EXTERNAL, qualname=value.qualname)

    # -- where a hand-off is ------------------------------------------------------------------
    def container_node(self, scope: Scope) -> cst.CSTNode:
        function = scope.function_scope
        return function.node if function is not None and function.node is not None else self.facts.module

    def enclosing_loop(self, node: cst.CSTNode, scope: Scope) -> Optional[cst.CSTNode]:
        """The innermost loop or comprehension around ``node`` in its own function, whose
        body (not its one-time header) holds it."""
        root = self.container_node(scope)
        parents = self.parents(root)
        child = node
        parent = parents.get(id(child))
        while parent is not None and parent is not root:
            if isinstance(parent, _SCOPE_NODES):
                return None
            if isinstance(parent, cst.For) and child is not parent.iter:
                return parent
            if isinstance(parent, cst.While) and child is not parent.test:
                return parent
            if isinstance(parent, _COMPREHENSIONS):
                outer = parent.for_in
                if child is not outer:
                    return parent
            if isinstance(parent, cst.CompFor) and child is not parent.iter:
                return parent
            child, parent = parent, parents.get(id(parent))
        return None

    _WAITS = frozenset({"join", "result", "wait", "get"})

    def waited_in_loop(self, handoff: Handoff, loop: Optional[cst.CSTNode]) -> bool:
        """Whether each hand-off of a loop is waited for before the next one starts:
        ``await asyncio.to_thread(...)``, ``pool.submit(...).result()``, or
        ``t = Thread(...)`` ... ``t.join()`` in the same loop body. Outside a loop
        (``loop`` is ``None``) only the first two count."""
        if handoff.site.awaited:
            return True
        node = handoff.site.node
        parents = self.parents(self.container_node(handoff.scope))
        parent = parents.get(id(node))
        if isinstance(parent, cst.Attribute) and parent.attr.value in self._WAITS:
            return isinstance(parents.get(id(parent)), cst.Call)
        if loop is None:
            return False
        if not (isinstance(parent, cst.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0].target, cst.Name)):
            return False
        name = parent.targets[0].target.value
        stack: List[cst.CSTNode] = [loop]
        while stack:
            current = stack.pop()
            if (
                isinstance(current, cst.Call)
                and isinstance(current.func, cst.Attribute)
                and current.func.attr.value in self._WAITS
                and isinstance(current.func.value, cst.Name)
                and current.func.value.value == name
            ):
                return True
            stack.extend(c for c in child_nodes(current) if not isinstance(c, _SCOPE_NODES))
        return False

    def names_bound_in(self, node: cst.CSTNode) -> Set[str]:
        names: Set[str] = set()

        def targets(expr: cst.CSTNode) -> None:
            if isinstance(expr, cst.Name):
                names.add(expr.value)
            elif isinstance(expr, (cst.Tuple, cst.List)):
                for element in expr.elements:
                    targets(element.value)
            elif isinstance(expr, cst.StarredElement):
                targets(expr.value)

        stack = [node]
        while stack:
            current = stack.pop()
            if isinstance(current, (cst.For, cst.CompFor)):
                targets(current.target)
            elif isinstance(current, cst.AssignTarget):
                targets(current.target)
            elif isinstance(current, (cst.AugAssign, cst.AnnAssign)):
                targets(current.target)
            elif isinstance(current, cst.AsName):
                targets(current.name)
            elif isinstance(current, cst.NamedExpr):
                targets(current.target)
            stack.extend(child_nodes(current))
        return names

    def site_concurrency(self, handoff: Handoff, same_function: Sequence[Handoff]) -> str:
        """Why the threads this one hand-off starts run several at once (``""``: nothing
        says so); ``same_function``: the hand-offs of the same callable in its function."""
        if handoff.per_item:
            return f"{handoff.via} calls it once per item"
        loop = self.enclosing_loop(handoff.site.node, handoff.scope)
        if self.waited_in_loop(handoff, loop):
            return ""
        if loop is not None:
            return f"it is handed to {handoff.via} in a loop"
        return self.concurrency(same_function) if len(same_function) > 1 else ""

    def concurrency(self, handoffs: Sequence[Handoff]) -> str:
        """Why the callable of these hand-offs (all of one target) runs on several threads
        or processes at once; ``""`` when nothing says so. The first hand-off's own reason
        comes first."""
        for handoff in handoffs:
            if handoff.per_item:
                return f"{handoff.via} calls it once per item"
            loop = self.enclosing_loop(handoff.site.node, handoff.scope)
            if loop is not None and not self.waited_in_loop(handoff, loop):
                return f"it is handed to {handoff.via} in a loop"
        by_function: Dict[int, int] = {}
        for handoff in handoffs:
            loop = self.enclosing_loop(handoff.site.node, handoff.scope)
            if self.waited_in_loop(handoff, loop if loop is not None else None):
                continue  # waited for before the code goes on
            key = id(handoff.scope.function_scope)
            by_function[key] = by_function.get(key, 0) + 1
            if by_function[key] > 1:
                # Two hand-offs in one function run together; in two functions, maybe not.
                return f"it is handed over at {by_function[key]} places in one function"
        return ""

    # -- CPU-heavy loops --------------------------------------------------------------------------
    def cpu_loops(self) -> Dict[int, CpuLoop]:
        """Sync function scope id -> its first CPU-heavy loop (see CCL120 for the definition)."""
        found: Dict[int, CpuLoop] = {}
        for scope in self.facts.functions:
            node = scope.node
            if scope.is_async or not isinstance(node, cst.FunctionDef):
                continue
            candidates: List[cst.CSTNode] = []
            generator = [False]
            self._scan_block(block_statements(node.body), candidates, generator)
            if generator[0]:
                continue
            for candidate in candidates:
                loop = self._heavy(candidate, scope)
                if loop is not None:
                    found[id(scope)] = loop
                    break
        return found

    def _scan_block(self, statements: Sequence[cst.CSTNode], found: List[cst.CSTNode], generator: List[bool]) -> None:
        """Loops and comprehensions of a function, found from its statements without a full
        walk: loop statements, and comprehensions near the top of each statement's
        expressions. (Exact ``type()`` tests: ``isinstance`` on LibCST's abstract classes
        is several times slower, and this runs on every function.)"""
        for statement in statements:
            kind = type(statement)
            if kind is cst.SimpleStatementLine:
                for small in statement.body:
                    value = getattr(small, "value", None)
                    if value is not None:
                        self._scan_expression(value, found, generator, 0)
            elif kind is cst.For or kind is cst.While:
                found.append(statement)
            elif kind is cst.FunctionDef or kind is cst.ClassDef:
                continue
            elif kind is cst.If:
                self._scan_expression(statement.test, found, generator, 0)
                orelse: Optional[cst.CSTNode] = statement
                while type(orelse) is cst.If:
                    self._scan_block(block_statements(orelse.body), found, generator)
                    orelse = orelse.orelse
                if orelse is not None:
                    self._scan_block(block_statements(orelse.body), found, generator)
            else:
                for attr in ("body", "orelse", "finalbody"):
                    part = getattr(statement, attr, None)
                    if part is None:
                        continue
                    if type(part) in _SUITES:
                        self._scan_block(part.body, found, generator)
                    elif type(part) is cst.Else or type(part) is cst.Finally:
                        self._scan_block(block_statements(part.body), found, generator)
                for handler in getattr(statement, "handlers", ()) or ():
                    self._scan_block(block_statements(handler.body), found, generator)
                for case in getattr(statement, "cases", ()) or ():
                    self._scan_block(block_statements(case.body), found, generator)

    def _scan_expression(self, expr: cst.BaseExpression, found: List[cst.CSTNode], generator: List[bool], depth: int) -> None:
        kind = type(expr)
        if kind in _COMPREHENSION_TYPES:
            found.append(expr)
        elif depth > 4:
            return
        elif kind is cst.Call:
            for arg in expr.args:
                self._scan_expression(arg.value, found, generator, depth + 1)
        elif kind is cst.Yield:
            generator[0] = True
        elif kind is cst.BinaryOperation:
            self._scan_expression(expr.left, found, generator, depth + 1)
            self._scan_expression(expr.right, found, generator, depth + 1)
        elif kind is cst.UnaryOperation or kind is cst.Await:
            self._scan_expression(expr.expression, found, generator, depth + 1)
        elif kind is cst.Tuple or kind is cst.List or kind is cst.Set:
            for element in expr.elements:
                self._scan_expression(element.value, found, generator, depth + 1)

    def _heavy(self, loop: cst.CSTNode, scope: Scope) -> Optional[CpuLoop]:
        probe = _LoopProbe(self, scope)
        walk(loop, [probe])
        if probe.stops or not probe.arithmetic or not (probe.max_depth >= 2 or probe.big_range):
            return None
        if not all(self._pure(call, scope) for call in probe.calls):
            return None
        if probe.big_range and probe.max_depth < 2:
            reason = f"a loop over range(>= {K.BIG_RANGE:,}) doing arithmetic"
        else:
            reason = f"{probe.max_depth} nested loops doing arithmetic"
        header = _loop_header(loop)
        index = -1
        for call in probe.calls:
            located = self.site(call)
            if located is not None:
                index = located[0]
                break
        return CpuLoop(f"{reason}: {header}", index)

    def _pure(self, call: cst.Call, scope: Scope) -> bool:
        """A call inside a loop that is computation we know, not a call of unknown cost."""
        located = self.site(call)
        call_scope = located[1].scope if located is not None else scope
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value in K.BUILDING_METHODS:
            if self.container_type(func.value, call_scope):
                return True
        value = self.resolve(func, call_scope)
        if value is None or value.instance or value.bound:
            return False
        name = value.qualname
        top = name.split(".", 1)[0]
        if top in K.GIL_RELEASING_MODULES:
            return False  # runs in parallel on threads: not CPU-bound for them
        if name.startswith("builtins."):
            return name[9:] in K.PURE_BUILTINS
        return top in K.PURE_MODULES

    def _is_range(self, iterable: cst.BaseExpression, scope: Scope) -> bool:
        if not isinstance(iterable, cst.Call) or not iterable.args:
            return False
        callee = self.resolve(iterable.func, scope)
        if callee is None or callee.qualname != "builtins.range":
            return False
        bound = _int_value(iterable.args[-1 if len(iterable.args) < 3 else 1].value)
        return bound is not None and bound >= K.BIG_RANGE

    # -- unknown calls (CCL202) -------------------------------------------------------------------
    def opaque_functions(self) -> Set[int]:
        """Function scope ids that make a call of unknown cost: not a blocking call, not a
        cheap builtin, and not a call the project pass may follow."""
        found: Set[int] = set()
        for site in self.facts.calls:
            function = site.scope.function_scope
            if function is None or function.kind != "function" or id(function) in found:
                continue
            if not self.facts.runs_in_caller(site) or self.facts.blocking_category(site) is not None:
                continue
            value = self.facts.callee(site)
            if value is None or value.instance:
                found.add(id(function))
                continue
            name = value.qualname
            if name.startswith("builtins."):
                if name[9:] not in K.CHEAP_BUILTINS:
                    found.add(id(function))
            elif name.split(".", 1)[0] in _STDLIB and not self.cheap_call(value):
                # Standard-library calls are left out of the summaries' calls: decide here.
                found.add(id(function))
        return found

    def cheap_call(self, value: Value) -> bool:
        return cheap_call(self.facts.catalogue, value.qualname, value.bound)

    # -- summaries --------------------------------------------------------------------------------
    def summary_fields(self) -> Tuple[Dict[int, Dict[str, object]], Tuple[Tuple[str, str, str, bool, int, str], ...]]:
        """Per function scope id, the extra :class:`FunctionSummary` fields; and the
        hand-offs made by import-time code."""
        fields: Dict[int, Dict[str, object]] = {}
        for scope_id, loop in self.cpu_loops().items():
            fields.setdefault(scope_id, {}).update(cpu=loop.reason, cpu_call=loop.call)
        for scope_id in self.opaque_functions():
            fields.setdefault(scope_id, {})["opaque"] = True
        by_function: Dict[int, List[Tuple[str, str, str, bool, int, str]]] = {}
        module_level: List[Tuple[str, str, str, bool, int, str]] = []
        groups: Dict[Tuple, List[Handoff]] = {}
        entries = []
        for handoff in self.handoffs():
            entry = self.summary_entry(handoff)
            if entry is not None:
                entries.append((handoff, entry))
                groups.setdefault((handoff.kind,) + entry[2:4], []).append(handoff)
        for handoff, entry in entries:
            if handoff.kind == THREAD:
                # This site's own threads: the same callable mapped elsewhere is another matter.
                same_function = [
                    h for h in groups[(handoff.kind,) + entry[2:4]]
                    if h.scope.function_scope is handoff.scope.function_scope
                ]
                entry = entry + (self.site_concurrency(handoff, same_function),)
            else:
                entry = entry + ("",)
            function = handoff.scope.function_scope
            if function is None:
                module_level.append(entry)
            elif function.kind == "function":
                by_function.setdefault(id(function), []).append(entry)
        for scope_id, entries in by_function.items():
            fields.setdefault(scope_id, {})["handoffs"] = tuple(entries)
        return fields, tuple(module_level)

    def summary_entry(self, handoff: Handoff) -> Optional[Tuple[str, str, str, bool, int]]:
        """(kind, how, callee, bound, call index) of a hand-off whose callable has a name."""
        target = handoff.target
        if target.kind == LAMBDA and isinstance(target.node, cst.Lambda) and isinstance(target.node.body, cst.Call):
            # ``lambda: crunch(data)`` runs crunch() where the lambda runs.
            body = target.node.body
            located = self.site(body)
            value = self.facts.callee(located[1]) if located is not None else None
            if value is None or value.instance or value.qualname.startswith("builtins."):
                return None
            return (handoff.kind, handoff.via, value.qualname, value.bound, handoff.index)
        if target.kind == FUNCTION and target.own_instance:
            return (handoff.kind, handoff.via, target.qualname, True, handoff.index)
        if target.kind in (FUNCTION, CLASS, EXTERNAL) and target.qualname:
            return (handoff.kind, handoff.via, target.qualname, target.bound, handoff.index)
        return None

    # -- shared state (CCL301-CCL304) ---------------------------------------------------------------
    def shared_state(self) -> List[SharedFinding]:
        if self._shared is None:
            self._shared = _SharedState(self).findings()
        return self._shared


def _loop_header(loop: cst.CSTNode) -> str:
    if isinstance(loop, cst.For):
        return f"for {code_of(loop.target, 20)} in {code_of(loop.iter, 30)}"
    if isinstance(loop, cst.While):
        return f"while {code_of(loop.test, 40)}"
    return code_of(loop, 50)


def _int_value(expr: cst.BaseExpression, depth: int = 0) -> Optional[int]:
    if isinstance(expr, cst.Integer):
        try:
            return int(expr.value.replace("_", ""), 0)
        except ValueError:
            return None
    if depth < 8 and isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, (cst.Power, cst.Multiply)):
        left, right = _int_value(expr.left, depth + 1), _int_value(expr.right, depth + 1)
        if left is not None and right is not None and abs(right) < 64:
            return left**right if isinstance(expr.operator, cst.Power) else left * right
    return None


class _LoopProbe(cst.BatchableCSTVisitor):
    """What a loop nest does: its depth, arithmetic, calls, and anything that hands control
    back (``yield``, ``await``) or belongs to a nested function."""

    def __init__(self, facts: ThreadFacts, scope: Scope) -> None:
        super().__init__()
        self.facts = facts
        self.scope = scope
        self.depth = 0
        self.max_depth = 0
        self.nested = 0
        self.arithmetic = False
        self.big_range = False
        self.stops = False
        self.calls: List[cst.Call] = []

    def get_visitors(self):
        from conclint.analysis.traversal import visitor_methods

        return visitor_methods(self)

    def _enter(self, levels: int) -> None:
        if not self.nested:
            self.depth += levels
            self.max_depth = max(self.max_depth, self.depth)

    def _exit(self, levels: int) -> None:
        if not self.nested:
            self.depth -= levels

    def visit_FunctionDef(self, node) -> None:
        self.nested += 1

    def leave_FunctionDef(self, node) -> None:
        self.nested -= 1

    visit_ClassDef = visit_FunctionDef
    leave_ClassDef = leave_FunctionDef

    def visit_For(self, node: cst.For) -> None:
        self._enter(1)
        if not self.nested:
            if node.asynchronous is not None:
                self.stops = True
            self.big_range |= self.facts._is_range(node.iter, self.scope)

    def leave_For(self, node) -> None:
        self._exit(1)

    def visit_While(self, node) -> None:
        self._enter(1)

    def leave_While(self, node) -> None:
        self._exit(1)

    def _visit_comprehension(self, node) -> None:
        levels = 0
        clause = node.for_in
        while clause is not None:
            levels += 1
            clause = clause.inner_for_in
        self._enter(levels)

    def _leave_comprehension(self, node) -> None:
        levels = 0
        clause = node.for_in
        while clause is not None:
            levels += 1
            clause = clause.inner_for_in
        self._exit(levels)

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _visit_comprehension
    leave_ListComp = leave_SetComp = leave_DictComp = leave_GeneratorExp = _leave_comprehension

    def visit_CompFor(self, node: cst.CompFor) -> None:
        if not self.nested:
            if node.asynchronous is not None:
                self.stops = True
            self.big_range |= self.facts._is_range(node.iter, self.scope)

    def visit_Await(self, node) -> None:
        if not self.nested:
            self.stops = True

    visit_Yield = visit_Await

    def visit_With(self, node: cst.With) -> None:
        if not self.nested and node.asynchronous is not None:
            self.stops = True

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        if self.nested or not isinstance(node.operator, _ARITHMETIC):
            return
        # ``+`` and ``-`` also join strings and lists; count them only with a number.
        if isinstance(node.operator, (cst.Add, cst.Subtract)) and not (
            isinstance(node.left, (cst.Integer, cst.Float)) or isinstance(node.right, (cst.Integer, cst.Float))
        ):
            return
        self.arithmetic = True

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if not self.nested and isinstance(node.operator, _AUG_ARITHMETIC):
            self.arithmetic = True

    def visit_Call(self, node: cst.Call) -> None:
        if not self.nested:
            self.calls.append(node)


# -- shared state ------------------------------------------------------------------------------
@dataclass
class _Root:
    """A function that runs on threads, and what it shares."""

    target: Target
    handoffs: List[Handoff]
    how: str  # why it runs on several threads at once ("" when nothing says so)
    name: str
    scope: Optional[Scope] = None  # the function's (or lambda's) own scope
    self_shared: bool = False
    shared_params: Dict[str, Tuple[str, str]] = field(default_factory=dict)  # param -> (type, argument text)


@dataclass
class _Access:
    node: cst.CSTNode
    subject: Subject
    kind: str  # "mutate", "update" (read-modify-write), "rebind", "check"
    detail: str
    root: _Root
    covered: bool = False


class _FunctionBody:
    """One function body (or lambda), walked once: its statements of interest, their
    parents, and which of them run with a lock held."""

    def __init__(self, facts: ThreadFacts, node: cst.CSTNode) -> None:
        self.facts = facts
        self.node = node
        self.parents: Dict[int, cst.CSTNode] = {}
        self.nodes: List[cst.CSTNode] = []
        start: cst.CSTNode = node.body if isinstance(node, (cst.FunctionDef, cst.Lambda)) else node
        stack = [start]
        while stack:
            current = stack.pop()
            for child in child_nodes(current):
                self.parents[id(child)] = current
                if isinstance(child, _SCOPE_NODES):
                    continue  # runs only when called
                if isinstance(child, (cst.AugAssign, cst.Assign, cst.Del, cst.If, cst.Call, cst.AnnAssign)):
                    self.nodes.append(child)
                stack.append(child)
        # Source order (the stack pops in reverse).
        order = {id(n): i for i, n in enumerate(self._preorder(start))}
        self.nodes.sort(key=lambda n: order.get(id(n), 0))

    def _preorder(self, start: cst.CSTNode) -> Iterator[cst.CSTNode]:
        stack = [start]
        while stack:
            current = stack.pop()
            yield current
            children = [c for c in child_nodes(current) if not isinstance(c, _SCOPE_NODES)]
            stack.extend(reversed(children))

    def ancestors(self, node: cst.CSTNode) -> Iterator[Tuple[cst.CSTNode, cst.CSTNode]]:
        """(child, parent) pairs from ``node`` up to the body."""
        child = node
        parent = self.parents.get(id(child))
        while parent is not None:
            yield child, parent
            child, parent = parent, self.parents.get(id(parent))

    def within(self, node: cst.CSTNode, ancestor: cst.CSTNode) -> bool:
        return any(parent is ancestor for _, parent in self.ancestors(node))

    def guarded(self, node: cst.CSTNode, scope: Scope) -> bool:
        """Whether ``node`` runs inside ``with lock:`` or between ``lock.acquire()`` and
        ``lock.release()``. A ``with`` on anything conclint cannot tell is not a lock
        counts as a lock (precision first)."""
        for child, parent in self.ancestors(node):
            if isinstance(parent, cst.With) and child is parent.body:
                if any(self._may_be_lock(item.item, scope) for item in parent.items):
                    return True
            if isinstance(parent, cst.If) and child is parent.body and _acquire_receiver(parent.test) is not None:
                return True
            if isinstance(parent, cst.IndentedBlock) and isinstance(child, cst.BaseStatement):
                if self._held_before(parent.body, child):
                    return True
        return False

    @staticmethod
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

    def _may_be_lock(self, item: cst.BaseExpression, scope: Scope) -> bool:
        """False only for a ``with`` item known not to be a lock: a file, a client or a
        response the catalogue knows, what a blocking call returned, or another
        standard-library context manager."""
        value = self.facts.resolve(item, scope)
        if value is None or not value.instance:
            return True
        name = value.qualname
        catalogue = self.facts.facts.catalogue
        if name in THREAD_LOCK_TYPES:
            return True
        if name in catalogue.types:
            return False
        if name.endswith("()"):
            made_by = name[:-2]
            if made_by.rsplit(".", 1)[-1] in _LOCK_NAMES:
                return True
            if catalogue.category_of_call(made_by) is not None or made_by.split(".", 1)[0] in _STDLIB:
                return False
        return True


FunctionBody = _FunctionBody

_LOCK_NAMES = frozenset({"Lock", "RLock", "Semaphore", "BoundedSemaphore", "Condition"})


def cheap_call(catalogue, qualname: str, bound: bool) -> bool:
    """A call that costs little whatever it is given, or is part of the I/O around it:
    bookkeeping (logging, paths, clocks), a constructor or method of a type the catalogue
    knows (clients, files, responses), or a method of what a blocking call returned
    (``urlopen(url).read()``)."""
    if qualname.startswith(K.CHEAP_STDLIB_PREFIXES):
        return True
    if not bound:
        return qualname in catalogue.types
    owner = qualname.rsplit(".", 1)[0]
    if owner.endswith("()"):
        owner = owner[:-2]
        return owner in catalogue.types or catalogue.category_of_call(owner) is not None
    return owner in catalogue.types


def _method_receiver(expr: cst.BaseExpression, method: str) -> Optional[str]:
    if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and expr.func.attr.value == method:
        return code_of(expr.func.value, 200)
    return None


def _acquire_receiver(expr: cst.BaseExpression) -> Optional[str]:
    return _method_receiver(expr, "acquire")


class _SharedState:
    """Decides, once per module, the CCL301-CCL304 findings (one per site, most specific)."""

    MAX_HELPER_DEPTH = 4

    def __init__(self, facts: ThreadFacts) -> None:
        self.facts = facts
        self.accesses: List[_Access] = []
        self._bodies: Dict[int, _FunctionBody] = {}

    def body(self, node: cst.CSTNode) -> _FunctionBody:
        found = self._bodies.get(id(node))
        if found is None:
            found = self._bodies[id(node)] = _FunctionBody(self.facts, node)
        return found

    # -- roots ----------------------------------------------------------------------------------
    def roots(self) -> List[_Root]:
        groups: Dict[Tuple, List[Handoff]] = {}
        for handoff in self.facts.handoffs():
            target = handoff.target
            if handoff.kind != THREAD or target.kind not in (FUNCTION, LAMBDA):
                continue
            if target.kind == FUNCTION and (target.scope is None or target.scope.is_async or not self.facts.transparent(target.scope)):
                continue
            receiver = code_of(target.receiver, 200) if target.bound and target.receiver is not None else ""
            key = (target.key, receiver)
            groups.setdefault(key, []).append(handoff)
        roots = []
        for handoffs in groups.values():
            target = handoffs[0].target
            how = self.facts.concurrency(handoffs)
            name = target.display
            root = _Root(target, handoffs, how, name)
            if how and target.bound and not target.own_instance:
                root.self_shared = self._receiver_shared(target, handoffs)
            if how:
                root.shared_params = self._shared_params(target, handoffs)
            roots.append(root)
        return roots

    def _receiver_shared(self, target: Target, handoffs: List[Handoff]) -> bool:
        """Whether the threads of a bound method share its object: not when each one gets
        an object made in the loop that starts it."""
        if len(handoffs) > 1:
            return True
        handoff = handoffs[0]
        if handoff.per_item:
            return True
        base = target.receiver
        while isinstance(base, cst.Attribute):
            base = base.value
        loop = self.facts.enclosing_loop(handoff.site.node, handoff.scope)
        if loop is None or not isinstance(base, cst.Name):
            return loop is not None
        return base.value not in self.facts.names_bound_in(loop)

    def _shared_params(self, target: Target, handoffs: List[Handoff]) -> Dict[str, Tuple[str, str]]:
        """Parameters that receive the same mutable object on every call."""
        node = target.node
        if not isinstance(node, (cst.FunctionDef, cst.Lambda)):
            return {}
        params = list(node.params.posonly_params) + list(node.params.params)
        if target.bound and isinstance(node, cst.FunctionDef):
            params = params[1:]
        by_name = {p.name.value: p for p in params + list(node.params.kwonly_params)}
        shared: Dict[str, Tuple[str, str]] = {}
        sites_by_name: Dict[Tuple[int, str], int] = {}
        for handoff in handoffs:
            loop = self.facts.enclosing_loop(handoff.site.node, handoff.scope)
            fresh = self.facts.names_bound_in(loop) if loop is not None else set()
            fixed = list(target.partial_args)
            per_call = [] if handoff.per_item or handoff.args is None else list(handoff.args)
            position = 0
            for index, arg in enumerate(fixed + per_call):
                if arg.star:
                    break
                if arg.keyword is not None:
                    param = by_name.get(arg.keyword.value)
                else:
                    param = params[position] if position < len(params) else None
                    position += 1
                if param is None:
                    continue
                value = arg.value
                base = value
                while isinstance(base, cst.Attribute):
                    base = base.value
                if not isinstance(base, cst.Name):
                    continue
                kind = self.facts.container_type(value, handoff.scope) or self._class_instance(value, handoff.scope)
                if not kind:
                    continue
                is_partial = index < len(fixed)
                repeated = loop is not None and base.value not in fresh
                if is_partial or repeated:
                    shared[param.name.value] = (kind, code_of(value))
                else:
                    key = (id(handoff.scope), code_of(value, 200))
                    sites_by_name[key] = sites_by_name.get(key, 0) + 1
                    if sites_by_name[key] > 1:
                        shared[param.name.value] = (kind, code_of(value))
        return shared

    def _class_instance(self, expr: cst.BaseExpression, scope: Scope) -> str:
        value = self.facts.resolve(expr, scope)
        if value is not None and value.instance and value.qualname in self.facts.facts.resolver.local_classes:
            made = self.facts.constructor(expr, scope)
            return f"class:{value.qualname}" if made is not None else ""
        return ""

    # -- walking thread code ------------------------------------------------------------------------
    def findings(self) -> List[SharedFinding]:
        roots = self.roots()
        if not roots:
            return []
        for root in roots:
            target = root.target
            if target.kind == LAMBDA:
                root.scope = self._lambda_scope(target.node)
                if root.scope is not None:
                    self._visit_function(root, target.node, root.scope, None, set(), 0)
            elif target.scope is not None:
                root.scope = target.scope
                self_name = self._self_name(target) if root.self_shared else None
                self._visit_function(root, target.node, target.scope, self_name, set(), 0)
        return self._decide(roots)

    def _lambda_scope(self, node: cst.CSTNode) -> Optional[Scope]:
        """A lambda's scope, found through the calls it makes (one without calls cannot
        change anything)."""
        for site in self.facts.facts.calls:
            scope = site.scope.function_scope
            if scope is not None and scope.kind == "lambda" and scope.node is node:
                return scope
        return None

    @staticmethod
    def _self_name(target: Target) -> Optional[str]:
        node = target.node
        if isinstance(node, cst.FunctionDef) and node.params.params:
            return node.params.params[0].name.value
        return None

    def _visit_function(self, root: _Root, node: cst.CSTNode, scope: Scope, self_name: Optional[str], seen: Set[int], depth: int) -> None:
        if id(node) in seen or depth > self.MAX_HELPER_DEPTH:
            return
        seen.add(id(node))
        body = self.body(node)
        start = len(self.accesses)
        for item in body.nodes:
            if body.guarded(item, scope):
                continue
            if isinstance(item, cst.Call):
                self._call(root, body, item, scope, self_name, seen, depth)
            elif isinstance(item, cst.AugAssign):
                self._augassign(root, item, scope, self_name, depth)
            elif isinstance(item, (cst.Assign, cst.AnnAssign)):
                self._assign(root, item, scope, self_name, depth)
            elif isinstance(item, cst.Del):
                self._del(root, item, scope, self_name, depth)
        for item in body.nodes:
            if isinstance(item, cst.If) and not body.guarded(item, scope):
                self._check_then_act(root, body, item, scope, self_name, depth, start)

    # -- subjects ---------------------------------------------------------------------------------------
    def subject(self, root: _Root, expr: cst.BaseExpression, scope: Scope, self_name: Optional[str], depth: int) -> Optional[Subject]:
        """The shared state an expression names, if any (with its container type)."""
        if isinstance(expr, cst.Name):
            name = expr.value
            defining = _defining_scope(scope, name)
            home = scope.function_scope
            if defining is None or home is None:
                return None
            if defining.kind == "module":
                kind = self.facts.container_type(expr, scope)
                return Subject(("global", name), name, "global", kind)
            if defining is home:
                if depth == 0 and name in root.shared_params:
                    bindings = home.bindings.get(name, [])
                    if len(bindings) == 1 and bindings[0].kind == PARAM:
                        kind, text = root.shared_params[name]
                        return Subject(("param", id(root), name), name, "param", kind)
                return None
            if defining.kind in ("function", "lambda") and root.scope is not None and _outside(defining, root.scope):
                # A variable of a function that encloses the thread's function: every
                # thread running it sees the same object.
                kind = self.facts.container_type(expr, scope)
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
            kind = self.facts.container_type(expr, scope)
            return Subject(("self", cls.qualname, expr.attr.value), code_of(expr), "self", kind)
        return None

    def _record(self, root: _Root, node: cst.CSTNode, subject: Subject, kind: str, detail: str) -> None:
        self.accesses.append(_Access(node, subject, kind, detail, root))

    def _call(self, root, body, call: cst.Call, scope, self_name, seen, depth) -> None:
        located = self.facts.site(call)
        if located is None:
            return
        site = located[1]
        if site.scope.function_scope is not scope.function_scope:
            return  # inside a nested lambda
        func = call.func
        if isinstance(func, cst.Attribute):
            subject = self.subject(root, func.value, site.scope, self_name, depth)
            method = func.attr.value
            if subject is not None and subject.type in K.MUTATING_METHODS:
                if method in K.MUTATING_METHODS[subject.type] and method not in K.THREAD_SAFE_METHODS.get(subject.type, ()):
                    self._record(root, call, subject, "mutate", f"{subject.text}.{method}()")
                    return
        # Follow calls to this module's functions: they run on the same thread.
        value = self.facts.facts.callee(site)
        if value is None or value.instance:
            return
        helper: Optional[Scope] = None
        helper_self: Optional[str] = None
        if value.bound:
            cls = self.facts.facts.resolver.local_classes.get(value.owner)
            if (
                cls is not None
                and self_name is not None
                and isinstance(func, cst.Attribute)
                and isinstance(func.value, cst.Name)
                and func.value.value == self_name
            ):
                helper = self.facts.method(cls, value.attr)
                if helper is not None and isinstance(helper.node, cst.FunctionDef) and helper.node.params.params:
                    helper_self = helper.node.params.params[0].name.value
        else:
            helper = self.facts.function(value.qualname)
            if helper is not None and helper.method_class() is not None:
                helper = None
        if helper is None or helper.is_async or not isinstance(helper.node, cst.FunctionDef) or not self.facts.transparent(helper):
            return
        self._visit_function(root, helper.node, helper, helper_self, seen, depth + 1)

    def _update_subject(self, root, target: cst.BaseExpression, scope, self_name, depth) -> Optional[Tuple[Subject, bool]]:
        """The shared subject a read-modify-write target touches, and whether its value is
        known to be a number."""
        if isinstance(target, cst.Name):
            name = target.value
            if name in scope.global_names:
                return Subject(("global", name), name, "global", "number"), self.facts.initial_is_numeric(target, scope.module_scope())
            if name in scope.nonlocal_names:
                defining = _defining_scope(scope, name)
                if defining is not None and root.scope is not None and _outside(defining, root.scope):
                    return Subject(("closure", id(defining), name), name, "closure", "number"), self.facts.initial_is_numeric(target, scope)
            return None
        if isinstance(target, cst.Subscript):
            subject = self.subject(root, target.value, scope, self_name, depth)
            if subject is None or subject.type not in K.MUTATING_METHODS:
                return None
            return subject, subject.type in K.NUMERIC_CONTAINERS or self._numeric_defaultdict(target.value, scope)
        if isinstance(target, cst.Attribute):
            subject = self.subject(root, target, scope, self_name, depth)
            if subject is not None:
                return subject, self.facts.initial_is_numeric(target, scope)
            if isinstance(target.value, cst.Name):
                holder = self.subject(root, target.value, scope, self_name, depth)
                if holder is not None and holder.type.startswith("class:"):
                    text = code_of(target)
                    return Subject(holder.key + (target.attr.value,), text, holder.category, ""), False
        return None

    def _numeric_defaultdict(self, expr: cst.BaseExpression, scope: Scope) -> bool:
        made = self.facts.constructor(expr, scope)
        if made is None:
            return False
        call, call_scope = made
        callee = self.facts.resolve(call.func, call_scope)
        if callee is None or callee.qualname != "collections.defaultdict" or not call.args:
            return False
        factory = self.facts.resolve(call.args[0].value, call_scope)
        return factory is not None and factory.qualname in ("builtins.int", "builtins.float")

    def _augassign(self, root, node: cst.AugAssign, scope, self_name, depth) -> None:
        found = self._update_subject(root, node.target, scope, self_name, depth)
        if found is None:
            return
        subject, numeric = found
        if numeric or self.facts.is_numeric(node.value, scope):
            self._record(root, node, subject, "update", code_of(node, 40))
        elif isinstance(node.target, cst.Subscript):
            self._record(root, node, subject, "mutate", code_of(node, 40))

    def _assign(self, root, node, scope, self_name, depth) -> None:
        targets = [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]
        value = node.value
        if value is None:
            return
        for target in targets:
            if isinstance(target, cst.Subscript):
                subject = self.subject(root, target.value, scope, self_name, depth)
                if subject is not None and subject.type in K.MUTATING_METHODS:
                    if self._reads_target(value, target):
                        self._record(root, node, subject, "update", code_of(node, 40))
                    elif subject.type not in K.SLOT_SEQUENCES:
                        # Storing into a slot of a list changes no structure: threads that
                        # each fill their own slot are a correct, common pattern.
                        self._record(root, node, subject, "mutate", f"{code_of(target, 40)} = ...")
                continue
            found = self._update_subject(root, target, scope, self_name, depth)
            if found is None:
                continue
            subject = found[0]
            if self._reads_target(value, target):
                self._record(root, node, subject, "update", code_of(node, 40))
            else:
                self._record(root, node, subject, "rebind", code_of(node, 40))

    @staticmethod
    def _reads_target(value: cst.BaseExpression, target: cst.BaseExpression) -> bool:
        """``x = x + 1``, ``d[k] = d[k] * 2``: the new value is computed from the old one."""
        return (
            isinstance(value, cst.BinaryOperation)
            and isinstance(value.operator, _ARITHMETIC)
            and (value.left.deep_equals(target) or value.right.deep_equals(target))
        )

    def _del(self, root, node: cst.Del, scope, self_name, depth) -> None:
        targets = [e.value for e in node.target.elements] if isinstance(node.target, (cst.Tuple, cst.List)) else [node.target]
        for target in targets:
            if isinstance(target, cst.Subscript):
                subject = self.subject(root, target.value, scope, self_name, depth)
                if subject is not None and subject.type in K.MUTATING_METHODS:
                    self._record(root, node, subject, "mutate", f"del {code_of(target, 40)}")

    # -- check-then-act ----------------------------------------------------------------------------------
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
                    subject = self.subject(root, comparison.comparator, scope, self_name, depth)
                    if subject is not None and subject.type in K.MUTATING_METHODS:
                        found.append((subject, "key"))
                elif isinstance(operator, (cst.Is, cst.IsNot, cst.Equal, cst.NotEqual)) and _is_none(comparison.comparator):
                    found.extend(self._none_checked(root, test.left, scope, self_name, depth))
            return found
        return self._none_checked(root, test, scope, self_name, depth)

    def _none_checked(self, root, expr, scope, self_name, depth) -> List[Tuple[Subject, str]]:
        if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and expr.func.attr.value == "get":
            subject = self.subject(root, expr.func.value, scope, self_name, depth)
            if subject is not None and subject.type in K.MUTATING_METHODS:
                return [(subject, "key")]
            return []
        if isinstance(expr, cst.Call):
            callee = self.facts.resolve(expr.func, scope)
            if callee is not None and callee.qualname == "builtins.len" and expr.args:
                subject = self.subject(root, expr.args[0].value, scope, self_name, depth)
                if subject is not None and subject.type in K.MUTATING_METHODS:
                    return [(subject, "empty")]
            return []
        if not isinstance(expr, (cst.Name, cst.Attribute)):
            return []
        subject = self.subject(root, expr, scope, self_name, depth)
        if subject is not None and subject.type in K.MUTATING_METHODS:
            return [(subject, "empty")]
        found = self._update_subject(root, expr, scope, self_name, depth)
        return [(found[0], "none")] if found is not None else []

    def _check_then_act(self, root, body: _FunctionBody, node: cst.If, scope, self_name, depth, start) -> None:
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
            if how in ("key", "empty") and access.kind not in ("mutate", "update"):
                continue
            acts.append(access)
        if not acts:
            return
        for access in acts:
            access.covered = True
        subject = acts[0].subject
        self.accesses.append(_Access(node.test, subject, "check", acts[0].detail, root))

    # -- decisions ---------------------------------------------------------------------------------------
    def _decide(self, roots: List[_Root]) -> List[SharedFinding]:
        """Only code that runs on several threads at once is reported: two different thread
        functions touching the same state may well run one after the other (a pool's
        ``with`` block waits for its tasks), which conclint cannot tell."""
        findings: List[SharedFinding] = []
        seen: Set[int] = set()
        for access in self.accesses:
            if access.covered or access.kind == "rebind" or id(access.node) in seen or not access.root.how:
                continue
            why = f"{access.root.name} runs on several threads at once ({access.root.how})"
            seen.add(id(access.node))
            code, message = self._message(access, why)
            if code:
                findings.append(SharedFinding(code, access.node, message))
        return findings

    @staticmethod
    def _message(access: _Access, why: str) -> Tuple[str, str]:
        subject = access.subject
        text = subject.text
        if access.kind == "check":
            atomic = " (or use dict.setdefault, which checks and sets in one step)" if subject.type in (
                "builtins.dict", "collections.OrderedDict", "collections.defaultdict"
            ) and access.detail.endswith("= ...") else ""
            return "CCL304", (
                f"check-then-act on shared {text}: {why}, and another thread can change {text} between this "
                f"check and {access.detail}; hold one threading.Lock around both{atomic}"
            )
        if access.kind == "update":
            return "CCL303", (
                f"{access.detail} is a read-modify-write of shared {text}: {why}, so updates can be lost; "
                "do it while holding a threading.Lock"
            )
        if subject.category == "global":
            return "CCL301", (
                f"{access.detail} mutates the module-level {text} without a lock: {why}; "
                "guard it with a threading.Lock, or hand results back through return values or a queue.Queue"
            )
        owner = {
            "param": "the same object passed to every thread",
            "closure": "captured from the enclosing function and shared by every thread",
            "self": "an attribute of the object whose method runs on the threads",
        }[subject.category]
        return "CCL302", (
            f"{access.detail} mutates {text}, {owner}, without a lock: {why}; "
            "guard it with a threading.Lock, or give each thread its own object and combine the results"
        )


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


def _is_none(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "None"


# -- locks made per call (CCL305) -----------------------------------------------------------------------
@dataclass
class PerCallLock:
    call: cst.Call
    function: Scope
    kind: str  # "Lock", "RLock", ...
    name: str  # the local name, or "" for ``with threading.Lock():``


def per_call_locks(facts: "ModuleFacts") -> List[PerCallLock]:
    """Locks created inside a function and used only there, as locks: every call gets its
    own, so none of them can ever make another thread wait."""
    tf = thread_facts(facts)
    found: List[PerCallLock] = []
    candidates: Dict[int, List[Tuple[int, "CallSite", str]]] = {}
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
        parents = tf.parents(node)
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
                uses = _name_uses(node)
            if _only_used_as_lock(uses.get(name, []), parents, parent):
                found.append(PerCallLock(site.node, function, kind, name))
    return found


def _name_uses(node: cst.FunctionDef) -> Dict[str, List[Tuple[cst.Name, bool]]]:
    """Every ``Name`` in the function (and nested scopes), with whether it is nested."""
    uses: Dict[str, List[Tuple[cst.Name, bool]]] = {}
    stack: List[Tuple[cst.CSTNode, bool]] = [(node.body, False)]
    while stack:
        current, nested = stack.pop()
        if isinstance(current, cst.Name):
            uses.setdefault(current.value, []).append((current, nested))
        inner = nested or isinstance(current, _SCOPE_NODES)
        if isinstance(current, (cst.Attribute, cst.Arg)):
            stack.append((current.value, inner))  # not ``x.lock`` or ``f(lock=...)``'s name
            continue
        for child in child_nodes(current):
            stack.append((child, inner))
    return uses


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


def summary_fields(facts: "ModuleFacts"):
    """Entry point for :meth:`ModuleFacts.summary`."""
    return thread_facts(facts).summary_fields()


# -- the project pass (CCL201, CCL202) ----------------------------------------------------------------
class ProjectWork:
    """What the functions of a project do, across modules, from their summaries: whether a
    callable handed to a thread is CPU-bound, and whether one handed to a process pool only
    does I/O."""

    MAX_DEPTH = 16

    def __init__(self, project, catalogue) -> None:
        from conclint.analysis.summary import Call

        self._Call = Call
        self.project = project
        self.catalogue = catalogue
        self._cpu: Dict[Tuple[str, str], Optional[list]] = {}
        self._io: Dict[Tuple[str, str], Optional[str]] = {}

    def handed(self, entry: Tuple[str, str, str, bool, int, str], module):
        """The project function a hand-off entry of a summary runs, if it can be known."""
        callee, bound, call = entry[2], entry[3], entry[4]
        target = self.project.callee(self._Call(callee, bound, call), module)
        if target is None or target.function.is_async:
            return None
        return target

    def cpu_chain(self, start) -> Optional[list]:
        """The shortest chain of sync calls from ``start`` to a CPU-heavy function, as
        ``[(function ref, call towards the next or None)]``; ``None`` when there is none."""
        from collections import deque

        key = start.key
        if key in self._cpu:
            return self._cpu[key]
        previous: Dict[Tuple[str, str], tuple] = {}
        seen = {key}
        queue = deque([(start, 0)])
        while queue:
            current, depth = queue.popleft()
            if current.function.cpu:
                chain = [(current, None)]
                node = current
                while node.key != key:
                    parent, call = previous[node.key]
                    chain.append((parent, call))
                    node = parent
                chain.reverse()
                self._cpu[key] = chain
                return chain
            if depth >= self.MAX_DEPTH:
                continue
            for call in current.function.calls:
                target = self.project.callee(call, current.module)
                if target is None or target.function.is_async or target.key in seen:
                    continue
                seen.add(target.key)
                previous[target.key] = (current, call)
                queue.append((target, depth + 1))
        self._cpu[key] = None
        return None

    def io_only(self, ref, stack: Tuple[Tuple[str, str], ...] = ()) -> Optional[str]:
        """The first network, file or database call a function makes (through its callees)
        when that, waiting and cheap bookkeeping is all it does; ``""`` when it does no
        I/O and nothing of unknown cost; ``None`` when it may compute."""
        key = ref.key
        if key in self._io:
            return self._io[key]
        function = ref.function
        result: Optional[str] = None
        if not (function.is_async or function.cpu or function.opaque) and len(stack) < self.MAX_DEPTH:
            found = next((e.callee for e in function.effects if e.category in K.IO_CATEGORIES), "")
            result = found
            for call in function.calls:
                target = self.project.callee(call, ref.module)
                if target is None:
                    if self._cheap(call):
                        continue
                    result = None
                    break
                if target.key == key or target.key in stack:
                    continue
                inner = self.io_only(target, stack + (key,))
                if inner is None:
                    result = None
                    break
                result = result or inner
        self._io[key] = result
        return result

    def _cheap(self, call) -> bool:
        return cheap_call(self.catalogue, call.callee, call.bound)
