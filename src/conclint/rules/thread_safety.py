"""CCL306: code running on a thread must not touch asyncio objects directly.

Which code runs on a thread comes from :mod:`conclint.analysis.threads` (hand-offs,
``Thread`` subclasses, timers, threading servers' handlers, thread callbacks, and what
they call in the module). Here each call it makes is checked against the asyncio API that
is not thread-safe (:mod:`conclint.knowledge.asyncio_api`), on receivers of a known type
that the thread did not make itself.
"""

from __future__ import annotations

from typing import ClassVar, Dict, List, Optional, Set, Tuple

import libcst as cst

from conclint.analysis.module import CallSite
from conclint.analysis.scopes import ASSIGN, PARAM, WITH, Scope
from conclint.analysis.threads import (
    EXTERNAL,
    FUNCTION,
    LAMBDA,
    THREAD,
    ThreadEntry,
    ThreadFunction,
    code_of,
    receivers,
    thread_facts,
)
from conclint.knowledge import asyncio_api as A
from conclint.knowledge.cpu import HANDOFF_WORDS
from conclint.rules.base import Rule

_SHORT = {name: name.rsplit(".", 1)[-1] for name in A.THREAD_UNSAFE_METHODS}
_SHORT.update({name: "the event loop" for name in A.LOOP_TYPES})


class AsyncioFromThread(Rule):
    code = "CCL306"
    name = "asyncio-from-thread"
    # ``ThreadingHTTPServer``, ``ThreadingMixIn``, ... contain "Thread" too.
    triggers = HANDOFF_WORDS
    #: A dropped coroutine (CCL501) or task (CCL502) made on a thread is this rule's finding,
    #: with the thread's fix: the coroutine is in the wrong thread before it is dropped.
    supersedes: ClassVar[Tuple[str, ...]] = ("CCL501", "CCL502")
    summary = "Code running on a thread calls asyncio directly: asyncio objects are not thread-safe."
    advice = """Threads and the event loop share memory but not the loop: asyncio objects
    belong to the loop's thread, and other threads reach them only through
    `loop.call_soon_threadsafe(...)` and `asyncio.run_coroutine_threadsafe(...)`."""
    what = """Finds, in code that runs on another thread, a call of the asyncio API that is
    not thread-safe: `set()`/`clear()` of an `asyncio.Event`, `put_nowait()`/`get_nowait()` of
    an `asyncio.Queue` (`LifoQueue`, `PriorityQueue`), `set_result()`/`set_exception()`/
    `cancel()` of an `asyncio.Future` or `Task`, `create_task()`, `call_soon()`, `call_later()`,
    `call_at()` and `stop()` of an event loop, `asyncio.create_task()` and
    `asyncio.ensure_future()`; a call of an `async def` of the module whose coroutine is
    dropped (reported instead of CCL501 there, as `create_task` and `ensure_future` are
    instead of CCL502); and one of those methods handed to a
    thread as its callable (`threading.Timer(5, event.set)`, `Thread(target=loop.stop)`). Code runs on a thread when it is a
    function, method or lambda handed to a thread (`threading.Thread`, `threading.Timer`,
    thread pools, `asyncio.to_thread`, `loop.run_in_executor`, joblib's threading backend,
    the configured `executor-wrappers` and `thread-callbacks`), the `run()` of a
    `threading.Thread` subclass, a method of a request handler class given to a threading
    server (`http.server.ThreadingHTTPServer`, `socketserver.ThreadingTCPServer`, a
    `ThreadingMixIn` server), or a sync function or method (through `self`) of the module
    that such code calls. The receiver must be known: an `asyncio.Event()`, `Queue()` or
    `Future` made outside the thread (a module global, an attribute of `self`, a variable
    of an enclosing function, an argument the hand-off passes), or a loop from
    `asyncio.get_running_loop()`, `get_event_loop()` or `new_event_loop()` (or annotated as
    one). Not reported: the thread-safe forms themselves (`loop.call_soon_threadsafe(event.set)`,
    `asyncio.run_coroutine_threadsafe(coro(), loop)`), a thread that runs an event loop of
    its own (it calls `asyncio.run`, `new_event_loop`, `set_event_loop`,
    `run_until_complete` or `run_forever`: there the loop is the thread's own), objects the
    thread made itself, code inside a lambda or nested function (it may be what is passed
    to `call_soon_threadsafe`), `async def` code, and `threading.Event`, `queue.Queue` or
    `concurrent.futures.Future`, which are made for threads."""
    why = """asyncio objects are not thread-safe: the asyncio documentation says so for
    almost all of them. `event.set()` from a thread marks the waiters' futures done and
    schedules their wake-up with `call_soon`, which appends to the loop's ready queue from
    the wrong thread and does not wake the loop from its `select()`: the waiting coroutine
    may sleep until some unrelated I/O or timer happens, or forever. Two threads appending
    to the loop's internal structures at once can corrupt them. `asyncio.create_task()` on
    a thread without a running loop raises `RuntimeError`, and a coroutine created on a
    thread and dropped never runs at all. The bug is timing-dependent: it passes tests and
    hangs in production."""
    example = """
    import asyncio
    import threading

    class Downloader:
        def __init__(self):
            self.done = asyncio.Event()

        def _work(self, url):
            fetch_to_disk(url)
            self.done.set()

        async def download(self, url):
            threading.Thread(target=self._work, args=(url,)).start()
            await self.done.wait()
    """
    instead = """
    import asyncio
    import threading

    class Downloader:
        def __init__(self):
            self.done = asyncio.Event()

        def _work(self, loop, url):
            fetch_to_disk(url)
            loop.call_soon_threadsafe(self.done.set)

        async def download(self, url):
            loop = asyncio.get_running_loop()
            threading.Thread(target=self._work, args=(loop, url)).start()
            await self.done.wait()

    # or simply: await asyncio.to_thread(fetch_to_disk, url)
    """
    options = """`thread-callbacks` names library calls that call what they are given on a
    thread of their own (e.g. `"watchdog.observers.Observer.schedule"`), and
    `executor-wrappers` functions that run their callable on a worker thread: code given to
    them is thread code too."""
    VALID = (
        "import asyncio, threading\nclass C:\n    def __init__(self, loop):\n        self.loop = loop\n"
        "        self.done = asyncio.Event()\n    def work(self):\n        self.loop.call_soon_threadsafe(self.done.set)\n"
        "    def start(self):\n        threading.Thread(target=self.work).start()\n",
        "import asyncio, threading\nasync def job():\n    pass\ndef work(loop):\n"
        "    asyncio.run_coroutine_threadsafe(job(), loop)\nasync def main():\n"
        "    threading.Thread(target=work, args=(asyncio.get_running_loop(),)).start()\n",
        "import asyncio, threading\nasync def job():\n    pass\ndef work():\n    asyncio.run(job())\n"
        "threading.Thread(target=work).start()\n",
        "import threading\ndone = threading.Event()\ndef work():\n    done.set()\nthreading.Thread(target=work).start()\n",
    )
    INVALID = (
        "import asyncio, threading\ndone = asyncio.Event()\ndef work():\n    done.set()\n"
        "threading.Thread(target=work).start()\n",
        "import asyncio\nasync def main(q):\n    loop = asyncio.get_running_loop()\n    def put():\n"
        "        loop.call_soon(q.put_nowait, 1)\n    await asyncio.to_thread(put)\n",
        "import asyncio, threading\nclass Worker(threading.Thread):\n    async def notify(self):\n        pass\n"
        "    def run(self):\n        self.notify()\n",
    )

    def finish(self) -> None:
        tf = thread_facts(self.facts)
        entries = tf.thread_entries()
        if not entries:
            return
        self._lookup = tf.lookup
        code = tf.thread_code()
        functions = code.functions()
        by_entry: Dict[int, List[ThreadFunction]] = {}
        for function in functions:
            by_entry.setdefault(id(function.entry), []).append(function)
        seen: Set[int] = set()
        for entry in entries:
            reached = by_entry.get(id(entry), [])
            if any(self._runs_own_loop(site) for function in reached for _, site in function.calls):
                continue
            inside = {id(function.scope) for function in reached}
            for function in reached:
                for _, site in function.calls:
                    if id(site.node) in seen:
                        continue
                    message = self._check(function, site, inside)
                    if message is not None:
                        seen.add(id(site.node))
                        self.report(site.node, message)
        self._handed_over(tf)

    # -- what the thread calls -------------------------------------------------------------
    def _runs_own_loop(self, site: CallSite) -> bool:
        value = self.facts.callee(site)
        return value is not None and not value.instance and value.qualname in A.OWN_LOOP_CALLS

    def _check(self, function: ThreadFunction, site: CallSite, inside: Set[int]) -> Optional[str]:
        value = self.facts.callee(site)
        call = site.node
        where = _where(function)
        if value is not None and not value.instance and not value.bound and value.qualname in A.THREAD_UNSAFE_CALLS:
            coro = code_of(call.args[0].value) if call.args else "coro"
            name = value.qualname.replace(".tasks.", ".")
            return (
                f"{name}() is called on a thread ({where}), which has no running event loop (RuntimeError), "
                f"and asyncio is not thread-safe; use asyncio.run_coroutine_threadsafe({coro}, loop) with the loop "
                "that should run it"
            )
        func = call.func
        if isinstance(func, cst.Attribute):
            kind = self._asyncio_type(func.value, site.scope, function, inside)
            method = func.attr.value
            if kind is not None and method in A.THREAD_UNSAFE_METHODS.get(kind, ()):
                return self._unsafe_method(call, func, kind, method, where)
        return self._dropped_coroutine(function, site, value, where)

    def _unsafe_method(self, call: cst.Call, func: cst.Attribute, kind: str, method: str, where: str) -> str:
        receiver = code_of(func.value)
        args = [code_of(a.value) for a in call.args if a.keyword is None and not a.star]
        what = _SHORT.get(kind, kind)
        if kind in A.LOOP_TYPES:
            if method in A.COROUTINE_SCHEDULERS:
                coro = args[0] if args else "coro"
                fix = f"asyncio.run_coroutine_threadsafe({coro}, {receiver})"
            elif method == "call_soon":
                fix = f"{receiver}.call_soon_threadsafe({', '.join(args)})"
            else:
                fix = f"{receiver}.call_soon_threadsafe({', '.join([f'{receiver}.{method}'] + args)})"
            return (
                f"{receiver}.{method}() is called on a thread ({where}), but the event loop is not thread-safe: "
                f"the loop is not woken and its internals race with its own thread; use {fix}"
            )
        fix = f"loop.call_soon_threadsafe({', '.join([f'{receiver}.{method}'] + args)})"
        return (
            f"{receiver}.{method}() is called on a thread ({where}), but asyncio.{what} is not thread-safe: "
            f"the event loop waiting on it is not woken and its internals race; use {fix} with the loop "
            f"{receiver} belongs to"
        )

    def _dropped_coroutine(self, function: ThreadFunction, site: CallSite, value, where: str) -> Optional[str]:
        if id(site.node) not in self.facts.discarded or value is None or value.instance:
            return None
        target = self._async_function(site, value, function.self_name)
        if target is None:
            return None
        call = code_of(site.node)
        return (
            f"{target.name}() is an async def: called on a thread ({where}) it only creates a coroutine, which is "
            f"dropped and never runs; use asyncio.run_coroutine_threadsafe({call}, loop) to run it on the event loop"
        )

    def _async_function(self, site: CallSite, value, self_name: Optional[str]) -> Optional[Scope]:
        """The ``async def`` of the module a call makes a coroutine of."""
        lookup = self._lookup
        if value.bound:
            func = site.node.func
            cls = self.facts.resolver.local_classes.get(value.owner)
            if cls is None or self_name is None or not (
                isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value == self_name
            ):
                return None
            target = lookup.method(cls, value.attr)
        else:
            target = lookup.function(value.qualname)
            if target is not None and target.method_class() is not None:
                return None
        if target is None or not target.is_async or not lookup.transparent(target):
            return None
        return target

    # -- what an object is, and where it was made ----------------------------------------
    def _asyncio_type(self, expr: cst.BaseExpression, scope: Scope, function: ThreadFunction, inside: Set[int]) -> Optional[str]:
        """The asyncio type of a receiver the thread did not make itself, when known."""
        if self._made_on_thread(expr, scope, function.entry, inside, 0):
            return None
        kind = self._type_of(expr, scope)
        if kind is None and function.chain[1:] == () and isinstance(expr, cst.Name):
            kind = self._handed_type(function.entry, expr.value, scope)
        return kind

    def _type_of(self, expr: cst.BaseExpression, scope: Scope) -> Optional[str]:
        value = self.facts.resolve(expr, scope)
        if value is not None and value.instance:
            name = value.qualname[:-2] if value.qualname.endswith("()") else value.qualname
            if name in A.THREAD_UNSAFE_METHODS:
                return name
        made = self._lookup.constructor(expr, scope)
        if made is not None:
            callee = self.facts.resolve(made[0].func, made[1])
            if callee is not None and not callee.instance:
                return A.OBJECT_FACTORIES.get(callee.qualname)
        return None

    def _handed_type(self, entry: ThreadEntry, name: str, scope: Scope) -> Optional[str]:
        """The type of the object each hand-off passes for a parameter of the entry."""
        bindings = scope.lookup(name) or []
        if len(bindings) != 1 or bindings[0].kind != PARAM or bindings[0].scope is not entry.scope:
            return None
        kinds = set()
        for handoff in entry.handoffs:
            target = handoff.target
            node = target.node
            if handoff.callback or handoff.per_item or handoff.args is None or target.kind not in (FUNCTION, LAMBDA):
                return None
            skip_self = target.bound and isinstance(node, cst.FunctionDef)
            passed = [arg for _, arg, param in receivers(node, skip_self, list(target.partial_args) + list(handoff.args)) if param.name.value == name]
            if not passed:
                return None
            kinds.add(self._type_of(passed[0].value, handoff.scope))
        return kinds.pop() if len(kinds) == 1 else None

    def _made_on_thread(self, expr: cst.BaseExpression, scope: Scope, entry: ThreadEntry, inside: Set[int], depth: int) -> bool:
        """Whether the thread's own code binds the object (``event = asyncio.Event()`` in
        the thread function, ``self.loop = asyncio.new_event_loop()`` in ``run``), or it
        may: a parameter of a function the thread calls, a call made right there."""
        if depth > 6 or isinstance(expr, cst.Call):
            return True
        while isinstance(expr, cst.Attribute) and not (isinstance(expr.value, cst.Name) and self._is_self(expr.value, scope)):
            expr = expr.value
        if isinstance(expr, cst.Attribute):
            cls = scope.function_scope.method_class() if scope.function_scope is not None else None
            for _, assigned_in in cls.instance_attrs.get(expr.attr.value, []) if cls is not None else []:
                if _home(assigned_in) in inside:
                    return True
            return False
        if not isinstance(expr, cst.Name):
            return True
        for binding in scope.lookup(expr.value) or []:
            home = _home(binding.scope) if binding.scope is not None else None
            if home not in inside:
                continue
            if binding.kind == PARAM:
                # The entry's own parameter holds what the hand-off passed (typed there);
                # a helper's holds what thread code gave it.
                if binding.scope is not entry.scope:
                    return True
                continue
            if binding.kind in (ASSIGN, WITH) and isinstance(binding.value, (cst.Name, cst.Attribute)):
                if self._made_on_thread(binding.value, binding.scope, entry, inside, depth + 1):
                    return True
                continue
            return True
        return False

    def _is_self(self, name: cst.Name, scope: Scope) -> bool:
        function = scope.function_scope
        node = function.node if function is not None else None
        return (
            function is not None
            and function.method_class() is not None
            and isinstance(node, cst.FunctionDef)
            and bool(node.params.params)
            and node.params.params[0].name.value == name.value
        )

    # -- what is handed to a thread as its callable ----------------------------------------
    def _handed_over(self, tf) -> None:
        """An asyncio method that is not thread-safe handed to a thread as its callable
        (``Timer(5, event.set)``)."""
        # An ``async def`` handed over is CCL504's (coroutine-in-executor).
        for handoff in tf.handoffs():
            if handoff.kind != THREAD or handoff.callback:
                continue
            if isinstance(handoff.callable, cst.Attribute) and handoff.target.kind == EXTERNAL:
                self._unsafe_method_handed_over(handoff, handoff.callable)

    def _unsafe_method_handed_over(self, handoff, method: cst.Attribute) -> None:
        kind = self._type_of(method.value, handoff.scope)
        if kind is None or method.attr.value not in A.THREAD_UNSAFE_METHODS.get(kind, ()):
            return
        text = code_of(method)
        owner = "the event loop" if kind in A.LOOP_TYPES else f"asyncio.{_SHORT.get(kind, kind)}"
        loop = code_of(method.value) if kind in A.LOOP_TYPES else "loop"
        self.report(
            method,
            f"{text} is handed to {handoff.via}, which calls it on another thread, but {owner} is not thread-safe: "
            f"the event loop is not woken and its internals race; hand over {loop}.call_soon_threadsafe with "
            f"{text} as its argument instead",
        )


def _home(scope: Optional[Scope]) -> Optional[int]:
    function = scope.function_scope if scope is not None else None
    return id(function) if function is not None else None


def _where(function: ThreadFunction) -> str:
    entry = function.entry
    if len(function.chain) > 1:
        return f"{' -> '.join(function.chain)}, and {entry.name} {entry.how}"
    return f"{entry.name} {entry.how}"
