"""CCL107 and CCL120: event-loop stalls that are not a single blocking call."""

from __future__ import annotations

from dataclasses import dataclass
from typing import List

import libcst as cst

from conclint.analysis.lock_uses import LockUses
from conclint.analysis.scopes import Scope
from conclint.analysis.threads import async_cpu_loops, module_lookup
from conclint.knowledge.threads import THREAD_LOCK_TYPES
from conclint.rules.base import Rule
from conclint.rules.blocking import ASYNC_ADVICE


def _async_primitive(framework: str, kind: str) -> str:
    """The primitive of the async library that does the thread ``kind``'s job by awaiting."""
    if kind == "BoundedSemaphore" and framework != "asyncio":
        kind = "Semaphore"  # trio and anyio have no bounded one
    elif kind not in ("Semaphore", "BoundedSemaphore", "Condition"):
        kind = "Lock"
    return f"{framework}.{kind}"


@dataclass
class _OpenWith:
    node: cst.With
    scope: Scope
    #: How the body suspends with the lock held, first seen: "an await", "a yield", ...
    suspends: str = ""


class ThreadLockInAsync(Rule):
    code = "CCL107"
    name = "thread-lock-in-async"
    triggers = (b"async",)
    summary = "A `threading` lock held across an `await`, or one only async code uses: it can deadlock the event loop."
    advice = ASYNC_ADVICE
    what = """Finds `with lock:` in the body of an `async def` where `lock` is a `threading`
    (or `multiprocessing`) `Lock`, `RLock`, `Semaphore`, `BoundedSemaphore` or `Condition`
    whose constructor conclint can see, in two cases: the lock is held across a suspension
    (an `await`, `async for` or `async with` in the body, or a `yield` of an async
    generator; not in a nested `def` or lambda), or no thread ever uses it (every use of it
    in the module is in `async def` code and takes the lock or calls its methods, and no
    other module can reach it: it is made in the `with` itself, is local to a function, or
    has a name that starts with an underscore). Not reported: a short critical section,
    with no `await` inside, on a lock that a thread may also take (a sync method or
    function uses it, it is handed to a call or a lambda, or conclint cannot see all its
    uses: a parameter, a public module-level name or attribute). That code guards state
    shared with a thread, and is correct. The `with` statement is never a CCL105 finding;
    `lock.acquire()` in `async def` is."""
    why = """Taking a thread lock blocks the thread until the lock is free, and the event
    loop runs on that thread. If a task awaits while holding it, another task of the same
    loop that wants it blocks the loop for good: the holder can never be resumed to release
    it (an `RLock` is owned by the thread, so instead every task walks in and it excludes
    nothing between them). A lock only tasks use should be an `asyncio.Lock`, which waits
    by awaiting. Holding a thread lock briefly, without awaiting, to guard state a thread
    shares is right: replacing it with an `asyncio.Lock` would leave that thread
    unguarded."""
    example = """
    import threading

    _lock = threading.Lock()

    async def update(cache, key, fetch):
        with _lock:
            cache[key] = await fetch(key)
    """
    instead = """
    import asyncio

    _lock = asyncio.Lock()

    async def update(cache, key, fetch):
        async with _lock:
            cache[key] = await fetch(key)
    """
    VALID = (
        "import asyncio\nlock = asyncio.Lock()\nasync def f():\n    async with lock:\n        pass\n",
        "import threading\nlock = threading.Lock()\ndef f():\n    with lock:\n        pass\n",
        "async def f(lock):\n    with lock:\n        pass\n",
        "import threading\n_lock = threading.Lock()\nitems = []\nasync def f():\n    with _lock:\n"
        "        return list(items)\ndef g(x):\n    with _lock:\n        items.append(x)\n",
    )
    INVALID = (
        "import threading\n_lock = threading.Lock()\nasync def f():\n    with _lock:\n        pass\n",
        "from threading import RLock\nasync def f():\n    guard = RLock()\n    with guard:\n        await g()\n",
        "import threading\nlock = threading.Lock()\nasync def f(g):\n    with lock:\n        await g()\n"
        "def h():\n    with lock:\n        pass\n",
    )

    def __init__(self, facts) -> None:
        super().__init__(facts)
        self._open: List[_OpenWith] = []
        self._found: List[_OpenWith] = []

    def visit_With(self, node: cst.With) -> None:
        if node.asynchronous is not None:
            self._suspends("an async with")

    def visit_With_body(self, node: cst.With) -> None:
        entry = _OpenWith(node, self.facts.scope)
        self._open.append(entry)
        if node.asynchronous is None and self.facts.scope.in_async:
            self._found.append(entry)

    def leave_With_body(self, node: cst.With) -> None:
        self._open.pop()

    def _suspends(self, how: str) -> None:
        """The task may be suspended here: every ``with`` open in this function is held
        across it."""
        function = self.facts.scope.function_scope
        for entry in self._open:
            if entry.scope.function_scope is function and not entry.suspends:
                entry.suspends = how

    def visit_Await(self, node: cst.Await) -> None:
        self._suspends("an await")

    def visit_For(self, node: cst.For) -> None:
        if node.asynchronous is not None:
            self._suspends("an async for")

    def visit_Yield(self, node: cst.Yield) -> None:
        if self.facts.scope.in_async:
            self._suspends("a yield")  # an async generator hands control back at each yield

    def finish(self) -> None:
        candidates = []
        for entry in self._found:
            for item in entry.node.items:
                value = self.facts.resolve(item.item, entry.scope)
                if value is not None and value.instance and value.qualname in THREAD_LOCK_TYPES:
                    candidates.append((entry, item.item, value.qualname.rsplit(".", 1)[-1]))
        uses = LockUses(self.facts, [item for entry, item, _ in candidates if not entry.suspends])
        for entry, item, kind in candidates:
            if entry.suspends and kind == "RLock":
                detail = (
                    f"held across {entry.suspends} inside async def: every task of the loop runs on the thread "
                    "that owns it and walks in, so it excludes nothing between them"
                )
            elif entry.suspends:
                detail = (
                    f"held across {entry.suspends} inside async def can deadlock the event loop: a task that "
                    "takes it meanwhile blocks the loop, which then never resumes this one to release it"
                )
            elif uses.loop_only(item, entry.scope):
                detail = (
                    "taken inside async def, and no thread uses it (every use is in async code): between "
                    "tasks it blocks the event loop instead of awaiting"
                )
            else:
                continue
            primitive = _async_primitive(self.facts.framework, kind)
            self.report(entry.node, f"thread {kind} {detail}; use async with {primitive}")


class CpuBoundInAsync(Rule):
    code = "CCL120"
    name = "cpu-bound-in-async"
    triggers = (b"async",)
    summary = "A CPU-heavy loop inside `async def` holds the event loop until it finishes."
    advice = """async is for waiting on I/O; processes are for CPU-bound work. A loop that
    computes without awaiting keeps every other task waiting."""
    what = """Finds a loop (or comprehension) in the body of an `async def` that never
    awaits, only computes (every call in it is known computation: builtins, `math`,
    `random`, `str` and container methods, `re`, `json`, `sorted`, `statistics`, ...; or
    bookkeeping such as logging), and runs long by its shape:

    - a loop over a `range` of at least 100,000 steps doing arithmetic;
    - a loop whose count the coroutine was given, doing arithmetic: `for i in range(n)`,
      `while i < n`, where `n` comes from a parameter or from what it awaited (not
      `range(len(items))`, which is one pass over `items`; not a comparison of parameters
      annotated as dates or other non-numbers);
    - nested loops, each over data the coroutine received (a parameter other than
      `self`/`cls`, what it awaited, or what it derived from those: `rows = body["rows"]`,
      `for row in rows: for value in row`), computing on numbers (`*`, `/`, `**`, `%`,
      summing values) or calling heavy library code (`re`, `json`, `sorted`, ...);
    - a loop over a body or a result set the coroutine awaited, whose size the other side
      decides (`await request.json()`, `.text()`, `.read()`, `await cursor.fetchall()`,
      `await conn.fetch(...)`, and what it derived from them: its lines, rows, items),
      doing arithmetic, string processing or a heavy call for each item.

    Reported once, at the outermost loop of the nest. Not reported: a loop whose body
    awaits (`await`, `async for`, `async with`), does I/O (CCL101-CCL106 report that) or
    calls code conclint cannot weigh (a function of the project, a method of an object of
    unknown type, a library call not known to only compute); a loop over a literal
    collection or a module constant (`for name in ("a", "b")`, `range(8)`, `for field in
    FIELDS`); a loop that only copies, looks up, counts or compares items
    (`out.append(x)`, `d[k] = v`, `n += 1`, `if x.id == key`); and one pass over a
    parameter or over what some API call returned (`for x in rgb`, `for device in await
    hub.devices()`): its size is not in the code, and in handlers it is most often small
    (options, a colour, a header, the devices of a hub), so reporting it would be noise."""
    why = """The event loop can only switch tasks at an `await`. A loop that computes over a
    request body or a query result runs as long as that data is big: for that time it
    stalls every connection, timer and heartbeat the loop serves. Since the work is
    CPU-bound, a thread would not help either (the GIL serialises it, and the loop's own
    thread competes with the worker for it): a process pool runs it in parallel."""
    example = """
    async def handle(request):
        matrix = await request.json()
        total = 0
        for row in matrix:
            for value in row:
                total += value * value
        return total
    """
    instead = """
    import asyncio
    from concurrent.futures import ProcessPoolExecutor

    POOL = ProcessPoolExecutor()

    def sum_of_squares(matrix):
        return sum(value * value for row in matrix for value in row)

    async def handle(request):
        matrix = await request.json()
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(POOL, sum_of_squares, matrix)
    """
    VALID = (
        "async def f(rows, q):\n    for row in rows:\n        for v in row:\n            await q.put(v * 2)\n",
        "def f(rows):\n    return sum(v * v for row in rows for v in row)\n",
        "async def f():\n    for i in range(10):\n        print(i * 2)\n",
        "async def f(items, client):\n    for item in items:\n        client.send(item + 1)\n",
        "async def f(items):\n    return [item for item in items if item]\n",
        # One pass over a parameter: its size is not in the code, and it is most often small.
        "async def f(items):\n    total = 0\n    for item in items:\n        total += item\n    return total\n",
    )
    INVALID = (
        "async def f(rows):\n    t = 0\n    for row in rows:\n        for v in row:\n            t += v * v\n    return t\n",
        "async def f():\n    return sum([i * i for i in range(1_000_000)])\n",
        "async def f(n):\n    a, b = 0, 1\n    for _ in range(n):\n        a, b = b, a + b\n    return a\n",
        "async def f(request):\n    text = await request.text()\n    return [line.strip().lower() for line in text.splitlines()]\n",
    )

    def finish(self) -> None:
        for loop, reason in async_cpu_loops(module_lookup(self.facts)):
            self.report(
                loop,
                f"CPU-heavy loop inside async def ({reason}) blocks the event loop; "
                "run it in a process pool with loop.run_in_executor(...)",
            )
