"""The facts of one module that every rule shares: bindings, call sites, imports, and the
questions asked of them (what a call resolves to, whether it blocks, whether it runs on
the event loop). :class:`conclint.analysis.analyzer.ModuleAnalyzer` fills them in during
the traversal; names are resolved after it, when every binding of the module is known.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, FrozenSet, List, Optional, Sequence, Set, Tuple

import libcst as cst

from conclint.analysis.scopes import ASSIGN, WITH, Resolver, Scope, Value
from conclint.knowledge.blocking import CONNECT_WHEN_GIVEN_A_HOST, FILE
from conclint.knowledge.catalogue import Catalogue

FRAMEWORKS = ("asyncio", "trio", "anyio")

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

#: Sockets whose calls raise ``BlockingIOError`` instead of waiting once
#: ``setblocking(False)`` or ``settimeout(0)`` made them non-blocking.
SOCKETS = frozenset({"socket.socket"})

_NON_BLOCKING_KEYWORDS = {"get": "block", "put": "block", "acquire": "blocking"}


def _makes_non_blocking(call: cst.Call, method: str) -> bool:
    """``sock.setblocking(False)``, ``sock.setblocking(0)``, ``sock.settimeout(0)``."""
    if len(call.args) != 1 or call.args[0].keyword is not None or call.args[0].star:
        return False
    arg = call.args[0].value
    if method == "setblocking" and isinstance(arg, cst.Name):
        return arg.value == "False"
    if method in ("setblocking", "settimeout") and isinstance(arg, cst.Integer):
        return int(arg.value.replace("_", ""), 0) == 0
    if method == "settimeout" and isinstance(arg, cst.Float):
        return float(arg.value.replace("_", "")) == 0
    return False


#: Calls that return at once when a flag is set in one argument: method -> (position,
#: keyword, flag). ``getaddrinfo(..., flags=AI_NUMERICHOST)`` only parses a numeric
#: address and never asks a resolver; ``os.waitpid(pid, os.WNOHANG)`` and its kin only
#: collect a child that has already exited.
_NON_BLOCKING_FLAGS = {
    "getaddrinfo": (5, "flags", "AI_NUMERICHOST"),
    "waitpid": (1, "options", "WNOHANG"),
    "wait3": (0, "options", "WNOHANG"),
    "wait4": (1, "options", "WNOHANG"),
    "waitid": (2, "options", "WNOHANG"),
}


def _non_blocking_form(call: cst.Call, method: str) -> bool:
    """``q.get(block=False)``, ``q.get(False)``, ``lock.acquire(blocking=False)``, and the
    flags of :data:`_NON_BLOCKING_FLAGS`: they return at once instead of waiting."""
    flag = _NON_BLOCKING_FLAGS.get(method)
    if flag is not None:
        position, keyword, name = flag
        for index, arg in enumerate(call.args):
            named = arg.keyword.value if arg.keyword is not None else None
            if arg.star:
                return False
            if named == keyword or (named is None and index == position):
                return name in cst.Module([]).code_for_node(arg.value)
        return False
    keyword = _NON_BLOCKING_KEYWORDS.get(method)
    if keyword is None:
        return False
    for index, arg in enumerate(call.args):
        named = arg.keyword.value if arg.keyword is not None else None
        if (named == keyword or (named is None and index == 0 and method != "put") or (named is None and index == 1 and method == "put")):
            return isinstance(arg.value, cst.Name) and arg.value.value == "False"
    return False


def _given_a_host(call: cst.Call) -> bool:
    """``SMTP(host)``, ``Telnet(host="h")``, or arguments it cannot see (``*args`` and
    ``**kwargs`` have no keyword either)."""
    return any(arg.keyword is None or arg.keyword.value == "host" for arg in call.args)


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
        thread_callbacks: Sequence[str] = (),
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
        #: Configured library calls that call their first argument on a thread of their own.
        self.thread_callbacks: FrozenSet[str] = frozenset(thread_callbacks)
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
        self._non_blocking: Optional[Set[Tuple[str, ...]]] = None

    # -- queries -----------------------------------------------------------------
    def resolve(self, expr: cst.BaseExpression, scope: Scope) -> Optional[Value]:
        return self.resolver.resolve(expr, scope)

    def callee(self, site: CallSite) -> Optional[Value]:
        """What the call calls. Unknown (``None``) when the code refutes the receiver's
        type: ``await client.time()`` on a client annotated ``redis.Redis`` awaits what a
        synchronous method cannot return, so the object is not what the annotation says
        (the asyncio client, a mock, a wrapper). A type seen constructed is not doubted:
        there the ``await`` fails at run time, after the call has blocked."""
        value = self.resolver.resolve(site.node.func, site.scope)
        if (
            value is not None
            and site.awaited
            and value.bound
            and value.annotated
            and self.catalogue.category_of_method(value.owner, value.attr) is not None
        ):
            return None
        return value

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
        if not value.bound and value.qualname in CONNECT_WHEN_GIVEN_A_HOST and not _given_a_host(site.node):
            return None
        if value.attr == "wrap_socket" and self._wraps_a_new_socket(site):
            return None
        if category == FILE and self._on_memory(site, value):
            return None
        if value.bound and value.attr == "put" and value.owner in BOUNDED_QUEUES:
            if not self._bounded(site):
                return None
        if value.bound and value.owner in SOCKETS and self._non_blocking_socket(site):
            return None
        return value.qualname, category

    def _wraps_a_new_socket(self, site: CallSite) -> bool:
        """``context.wrap_socket(socket.socket())``: a socket made right there is not
        connected yet, so there is no handshake to wait for (it happens on ``connect``)."""
        for arg in site.node.args:
            if arg.keyword is None or arg.keyword.value == "sock":
                made = arg.value
                if not isinstance(made, cst.Call):
                    return False
                maker = self.resolve(made.func, site.scope)
                return maker is not None and not maker.instance and maker.qualname in SOCKETS
        return False

    def _non_blocking_socket(self, site: CallSite) -> bool:
        """The receiver is made non-blocking somewhere in the module (``self.socket.
        setblocking(False)`` in ``__init__``): its calls return at once."""
        func = site.node.func
        key = self._receiver_key(func.value, site.scope) if isinstance(func, cst.Attribute) else None
        if key is None:
            return False
        if self._non_blocking is None:
            found: Set[Tuple[str, ...]] = set()
            for other in self.calls:
                method = other.node.func
                if isinstance(method, cst.Attribute) and _makes_non_blocking(other.node, method.attr.value):
                    made = self._receiver_key(method.value, other.scope)
                    if made is not None:
                        found.add(made)
            self._non_blocking = found
        return key in self._non_blocking

    def _receiver_key(self, expr: cst.BaseExpression, scope: Scope) -> Optional[Tuple[str, ...]]:
        """What names one object wherever it is used: a variable (its list of bindings),
        or an attribute of the instances of a class of this module."""
        if isinstance(expr, cst.Name):
            bindings = scope.lookup(expr.value)
            return ("name", str(id(bindings))) if bindings else None
        if isinstance(expr, cst.Attribute):
            base = self.resolve(expr.value, scope)
            if base is not None and base.instance and base.qualname in self.resolver.local_classes:
                return ("attribute", base.qualname, expr.attr.value)
        return None

    def _on_memory(self, site: CallSite, value: Value) -> bool:
        """An opener given an in-memory file (``zipfile.ZipFile(io.BytesIO(data))``), or a
        method that reads or writes only the archive such an opener made
        (``zf.writestr(...)``): no I/O."""
        if not value.bound:
            return self._opened_on_memory(site.node, site.scope, value.qualname)
        func = site.node.func
        if not isinstance(func, cst.Attribute) or not self.catalogue.touches_archive_only(value.owner, value.attr):
            return False
        makers = self._made_by(func.value, site.scope)
        for call, scope in makers:
            opener = self.resolve(call.func, scope)
            if opener is None or opener.instance or not self._opened_on_memory(call, scope, opener.qualname):
                return False
        return bool(makers)

    def _opened_on_memory(self, call: cst.Call, scope: Scope, opener: str) -> bool:
        where = self.catalogue.file_object_argument(opener)
        if where is None:
            return False
        keyword, position = where
        for index, arg in enumerate(call.args):
            if arg.star:
                return False  # ``*args`` or ``**kwargs``: the argument is out of sight
            named = arg.keyword.value if arg.keyword is not None else None
            if named == keyword or (named is None and index == position):
                files = [self.resolve(maker.func, made_in) for maker, made_in in self._made_by(arg.value, scope)]
                return bool(files) and all(
                    file is not None and not file.instance and self.catalogue.is_in_memory_file(file.qualname)
                    for file in files
                )
        return False

    def _made_by(self, expr: cst.BaseExpression, scope: Scope) -> List[Tuple[cst.Call, Scope]]:
        """The calls that may have made the object ``expr`` names, with the scopes they ran
        in: ``expr`` itself, or every call a name is bound to. Empty when any binding is
        something else (a parameter, a loop variable, another name)."""
        if isinstance(expr, cst.Call):
            return [(expr, scope)]
        if not isinstance(expr, cst.Name):
            return []
        makers = []
        for binding in scope.lookup(expr.value) or []:
            if binding.kind not in (ASSIGN, WITH) or not isinstance(binding.value, cst.Call) or binding.scope is None:
                return []
            makers.append((binding.value, binding.scope))
        return makers

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
