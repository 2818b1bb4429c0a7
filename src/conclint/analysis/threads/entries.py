"""What runs on another thread, also without a hand-off in sight: the functions of a
module that a thread other than the one that set them up runs (:class:`ThreadEntry`),
what they call in the module (:func:`thread_code`), and which attributes of ``self`` they
share with the object's other methods (:func:`cross_thread_attributes`).

Entries are:

* a sync callable handed to a thread (:mod:`.handoffs`): ``Thread(target=...)``,
  ``Timer``, thread pools, ``asyncio.to_thread``, ``run_in_executor``, joblib's threads,
  executor wrappers, and configured thread callbacks (for an object given to one, its
  public methods that the module does not call itself: those are the library's to call);
* ``run`` of every ``Thread`` subclass of the module, constructed here or not;
* every method of a request handler class given to a threading server
  (``ThreadingHTTPServer(address, Handler)``, ``socketserver.ThreadingTCPServer``, a
  server class of the module that mixes in ``ThreadingMixIn``): one thread per request,
  each with a handler object of its own.

Only functions conclint can see are entries: a callable behind a decorator it does not
know, or a class whose bases it cannot follow, is not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Set, Tuple

import libcst as cst

from conclint.analysis.module import CallSite
from conclint.analysis.scopes import DEF, Scope
from conclint.analysis.threads.concurrency import Concurrency
from conclint.analysis.threads.handoffs import (
    CLASS,
    FUNCTION,
    INSTANCE,
    LAMBDA,
    THREAD,
    HandoffSite,
    argument,
    target_of,
)
from conclint.analysis.threads.lookup import ModuleLookup
from conclint.analysis.threads.syntax import SCOPE_NODES, child_nodes, code_of
from conclint.knowledge import cpu as K
from conclint.knowledge import threads as T

#: Methods that run before the object is shared with a thread (``start()`` comes after).
_CONSTRUCTION = frozenset({"__init__", "__new__", "__post_init__", "__init_subclass__", "__set_name__"})

_SERVER_TAILS = frozenset(name.rsplit(".", 1)[-1] for name in T.THREADING_SERVERS)


@dataclass
class ThreadEntry:
    """A function of the module that runs on a thread other than the one that set it up."""

    scope: Scope  # the function's (or lambda's) own scope
    node: cst.CSTNode  # its FunctionDef or Lambda
    #: Why it runs on a thread, read after its name: "is handed to Thread(target=...)",
    #: "is the run() of the Thread subclass Worker".
    how: str
    name: str  # "Worker.run()", "a lambda"
    handoffs: Tuple[HandoffSite, ...] = ()  # the hand-offs that start it (none for a subclass's run, a handler)
    several: str = ""  # why several of these threads run at once ("" when nothing says so)
    #: The class whose object ``self`` is, when other threads use that same object (call
    #: its other methods): the creator of a ``Thread`` subclass, the code that handed a
    #: bound method over, the code that gave an object to a thread callback. ``None`` for
    #: plain functions, lambdas and request handlers (one handler object per request).
    self_class: Optional[Scope] = None


@dataclass
class ThreadFunction:
    """A function that runs on an entry's thread: the entry itself, or a sync function or
    method of the module it calls (through ``self`` for methods), at any depth."""

    scope: Scope
    entry: ThreadEntry
    chain: Tuple[str, ...]  # names from the entry down to this function: ("run()", "_notify()")
    self_name: Optional[str] = None  # the name of ``self`` when it is the entry's object
    calls: List[Tuple[int, CallSite]] = field(default_factory=list)  # the calls its own body makes


def thread_entries(lookup: ModuleLookup, handoffs: Sequence[HandoffSite], concurrency: Concurrency) -> List[ThreadEntry]:
    """The thread entries of a module: hand-off targets first (in the order of their first
    hand-off), then ``Thread`` subclasses' ``run``, then request handlers' methods."""
    found: Dict[int, ThreadEntry] = {}
    lambdas: Optional[Dict[int, Scope]] = None
    imported = {name.split(".", 1)[0] for name in lookup.facts.imported_modules}
    groups: Dict[Tuple, List[HandoffSite]] = {}
    for handoff in handoffs:
        target = handoff.target
        if handoff.kind != THREAD or target.kind not in (FUNCTION, LAMBDA, INSTANCE):
            continue
        receiver = code_of(target.receiver, 200) if target.bound and target.receiver is not None else ""
        groups.setdefault((target.key, receiver), []).append(handoff)
    for group in groups.values():
        first = group[0]
        target = first.target
        several = concurrency.concurrency(group)
        how = f"is called by {first.via} on a thread of its own" if first.callback else f"is handed to {first.via}"
        if target.own_instance and target.scope is not None and target.scope.method_class() is not None:
            how = f"is the run() of the Thread subclass {target.scope.method_class().name}"
        if target.kind == INSTANCE:
            cls = target.scope
            called = _called_methods(lookup)
            for method in _methods(lookup, cls, public=True):
                if method.name in called:
                    continue  # the module calls it itself, maybe only on its own thread
                _add(found, ThreadEntry(method, method.node, how, f"{cls.name}.{method.name}()", tuple(group), several, cls))
        elif target.kind == LAMBDA:
            lambdas = _lambda_scopes(lookup) if lambdas is None else lambdas
            scope = lambdas.get(id(target.node))
            if scope is not None:
                _add(found, ThreadEntry(scope, target.node, how, "a lambda", tuple(group), several))
        elif _runnable(lookup, target.scope):
            scope = target.scope
            cls = scope.method_class() if target.bound or target.own_instance else None
            _add(found, ThreadEntry(scope, scope.node, how, target.display, tuple(group), several, cls))
    # A Thread subclass, or a threading server, needs its module imported here.
    classes = lookup.facts.resolver.local_classes.values() if "threading" in imported else ()
    for cls in classes:
        if K.THREAD_CLASS not in lookup.local_class_ancestry(cls):
            continue
        run = lookup.method(cls, "run")
        if run is not None and _runnable(lookup, run) and id(run.node) not in found:
            owner = run.method_class() or cls
            how = f"is the run() of the Thread subclass {owner.name}"
            _add(found, ThreadEntry(run, run.node, how, f"{owner.name}.run()", (), "", owner))
    for cls, server in _request_handlers(lookup) if imported & {"socketserver", "http"} else ():
        how = f"is a request handler method, which {server} calls on a thread per request"
        several = f"{server} handles each request on a thread of its own"
        for method in _methods(lookup, cls, public=False):
            _add(found, ThreadEntry(method, method.node, how, f"{cls.name}.{method.name}()", (), several))
    return list(found.values())


def _add(found: Dict[int, ThreadEntry], entry: ThreadEntry) -> None:
    found.setdefault(id(entry.node), entry)


def _runnable(lookup: ModuleLookup, scope: Optional[Scope]) -> bool:
    """A sync function whose decorators conclint knows to keep it as it is."""
    return (
        scope is not None
        and isinstance(scope.node, cst.FunctionDef)
        and not scope.is_async
        and lookup.transparent(scope)
    )


def _called_methods(lookup: ModuleLookup) -> Set[str]:
    """Names of the methods the module calls on some object (``x.name(...)``)."""
    return {site.node.func.attr.value for site in lookup.facts.calls if isinstance(site.node.func, cst.Attribute)}


def _lambda_scopes(lookup: ModuleLookup) -> Dict[int, Scope]:
    """Lambda node id -> its scope, for the lambdas that make calls (one that makes none
    can neither touch asyncio nor change shared state through a method)."""
    found: Dict[int, Scope] = {}
    for site in lookup.facts.calls:
        scope = site.scope.function_scope
        if scope is not None and scope.kind == "lambda" and scope.node is not None:
            found.setdefault(id(scope.node), scope)
    return found


def _methods(lookup: ModuleLookup, cls: Scope, public: bool, depth: int = 0) -> List[Scope]:
    """The sync instance methods of a class of the module and its local bases (the
    class's own first); with ``public``, only those without a leading underscore."""
    found: List[Scope] = []
    seen: Set[str] = set()
    classes = [cls]
    while classes and depth < 8:
        current = classes.pop(0)
        depth += 1
        for name, bindings in current.bindings.items():
            if name in seen or (public and name.startswith("_")):
                continue
            seen.add(name)
            method = lookup.method(current, name) if len(bindings) == 1 else None
            if (
                method is None
                or not _runnable(lookup, method)
                or "staticmethod" in method.decorators
                or "classmethod" in method.decorators
                or name in _CONSTRUCTION
            ):
                continue
            found.append(method)
        node = current.node
        if isinstance(node, cst.ClassDef):
            for base in node.bases:
                value = lookup.resolve(base.value, current.parent or lookup.facts.root)
                local = lookup.facts.resolver.local_classes.get(value.qualname) if value is not None else None
                if local is not None:
                    classes.append(local)
    return found


def _request_handlers(lookup: ModuleLookup) -> List[Tuple[Scope, str]]:
    """(handler class, server name) for each handler class of the module given to a
    server that runs a thread per request."""
    servers = {
        qualname
        for qualname, cls in lookup.facts.resolver.local_classes.items()
        if lookup.local_class_ancestry(cls) & (T.THREADING_SERVERS | {T.THREADING_MIXIN})
    }
    tails = _SERVER_TAILS | {name.rsplit(".", 1)[-1] for name in servers}
    found: List[Tuple[Scope, str]] = []
    for site in lookup.facts.calls:
        func = site.node.func
        tail = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else None
        if tail not in tails:
            continue
        callee = lookup.facts.callee(site)
        if callee is None or callee.instance or callee.bound or callee.qualname not in T.THREADING_SERVERS | servers:
            continue
        handler = argument(site.node, "RequestHandlerClass", 1)
        if handler is None:
            continue
        target = target_of(lookup, handler, site.scope)
        if target.kind == CLASS and target.scope is not None:
            found.append((target.scope, f"{tail}()"))
    return found


class ThreadCode:
    """The functions each entry's thread runs, found on first use."""

    MAX_DEPTH = 6

    def __init__(self, lookup: ModuleLookup, entries: Sequence[ThreadEntry]) -> None:
        self.lookup = lookup
        self.entries = entries
        self._calls: Optional[Dict[int, List[Tuple[int, CallSite]]]] = None
        self._functions: Optional[List[ThreadFunction]] = None

    def calls_in(self, scope: Scope) -> List[Tuple[int, CallSite]]:
        """The calls a function's own body makes (comprehensions included; nested
        functions and lambdas, which run when called, not)."""
        if self._calls is None:
            table: Dict[int, List[Tuple[int, CallSite]]] = {}
            for index, site in enumerate(self.lookup.facts.calls):
                home = site.scope.function_scope
                if home is not None:
                    table.setdefault(id(home), []).append((index, site))
            self._calls = table
        return self._calls.get(id(scope), [])

    def functions(self) -> List[ThreadFunction]:
        """Every function some entry's thread runs, once per entry, entries first."""
        if self._functions is None:
            found: List[ThreadFunction] = []
            for entry in self.entries:
                found.extend(self._reach(entry))
            self._functions = found
        return self._functions

    def _reach(self, entry: ThreadEntry) -> List[ThreadFunction]:
        self_name = _first_param(entry.scope) if entry.scope.method_class() is not None else None
        start = ThreadFunction(entry.scope, entry, (entry.name,), self_name, self.calls_in(entry.scope))
        reached = [start]
        seen = {id(entry.scope)}
        queue = [start]
        while queue:
            current = queue.pop(0)
            if len(current.chain) > self.MAX_DEPTH:
                continue
            for _, site in current.calls:
                callee = self.callee(site, current.self_name)
                if callee is None or id(callee) in seen:
                    continue
                seen.add(id(callee))
                inner_self = _first_param(callee) if callee.method_class() is not None else None
                cls = callee.method_class()
                name = f"{cls.name}.{callee.name}()" if cls is not None else f"{callee.name}()"
                function = ThreadFunction(callee, entry, current.chain + (name,), inner_self, self.calls_in(callee))
                reached.append(function)
                queue.append(function)
        return reached

    def callee(self, site: CallSite, self_name: Optional[str]) -> Optional[Scope]:
        """The sync function of the module a call runs on the same thread: a function, or
        a method called on ``self``."""
        value = self.lookup.facts.callee(site)
        if value is None or value.instance:
            return None
        func = site.node.func
        if value.bound:
            cls = self.lookup.facts.resolver.local_classes.get(value.owner)
            if (
                cls is None
                or self_name is None
                or not isinstance(func, cst.Attribute)
                or not isinstance(func.value, cst.Name)
                or func.value.value != self_name
            ):
                return None
            method = self.lookup.method(cls, value.attr)
        else:
            method = self.lookup.function(value.qualname)
            if method is not None and method.method_class() is not None and "staticmethod" not in method.decorators:
                return None  # ``Cls.method(obj)``: whose object, conclint does not follow
        return method if _runnable(self.lookup, method) else None


def _first_param(scope: Scope) -> Optional[str]:
    node = scope.node
    if isinstance(node, cst.FunctionDef) and node.params.params and "staticmethod" not in scope.decorators:
        return node.params.params[0].name.value
    return None


def cross_thread_attributes(lookup: ModuleLookup, code: ThreadCode, entry: ThreadEntry) -> Dict[str, List[cst.Attribute]]:
    """Attributes of ``self`` that the entry's thread touches (read or written, in the
    entry and the methods it calls through ``self``) and that the object's other methods
    touch too, on the threads that call them: attribute name -> the thread side's uses,
    in source order. Construction (``__init__``) runs before the thread starts and does
    not count; methods are not attributes. Empty unless ``entry.self_class`` is set."""
    cls = entry.self_class
    if cls is None:
        return {}
    thread_side = [f for f in code.functions() if f.entry is entry and f.self_name is not None]
    inside = {id(f.scope) for f in thread_side}
    others: List[Scope] = []
    for method in _methods(lookup, cls, public=False):
        if id(method) not in inside:
            others.append(method)
    # Helpers the other methods call through ``self`` run on their threads as well.
    other_side: Dict[int, Scope] = {id(m): m for m in others}
    queue = list(others)
    while queue:
        method = queue.pop(0)
        self_name = _first_param(method)
        for _, site in code.calls_in(method):
            callee = code.callee(site, self_name)
            if callee is not None and callee.method_class() is not None and id(callee) not in other_side:
                other_side[id(callee)] = callee
                queue.append(callee)
    touched_elsewhere: Set[str] = set()
    for method in other_side.values():
        if method.name in _CONSTRUCTION:
            continue
        touched_elsewhere.update(a.attr.value for a in _self_attributes(method))
    methods = _method_names(lookup, cls)  # ``self.helper`` passed as a callback is no state
    found: Dict[str, List[cst.Attribute]] = {}
    for function in thread_side:
        for attr in _self_attributes(function.scope):
            name = attr.attr.value
            if name in touched_elsewhere and name not in methods:
                found.setdefault(name, []).append(attr)
    return found


def _self_attributes(method: Scope) -> List[cst.Attribute]:
    """``self.x`` in a method's own body (not in nested functions or lambdas)."""
    self_name = _first_param(method)
    node = method.node
    if self_name is None or not isinstance(node, cst.FunctionDef):
        return []
    found: List[cst.Attribute] = []
    stack: List[cst.CSTNode] = [node.body]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Attribute) and isinstance(current.value, cst.Name) and current.value.value == self_name:
            found.append(current)
        stack.extend(reversed([c for c in child_nodes(current) if not isinstance(c, SCOPE_NODES)]))
    return found


def _method_names(lookup: ModuleLookup, cls: Scope, depth: int = 0) -> Set[str]:
    """The methods the class and its local bases define."""
    names = {name for name, bindings in cls.bindings.items() if all(b.kind == DEF for b in bindings)}
    node = cls.node
    if depth < 8 and isinstance(node, cst.ClassDef):
        for base in node.bases:
            value = lookup.resolve(base.value, cls.parent or lookup.facts.root)
            local = lookup.facts.resolver.local_classes.get(value.qualname) if value is not None else None
            if local is not None:
                names |= _method_names(lookup, local, depth + 1)
    return names
