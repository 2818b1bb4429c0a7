"""CCL107 and CCL120: event-loop stalls that are not a single blocking call."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional

import libcst as cst

from conclint.analysis.lock_uses import LockUses
from conclint.analysis.scopes import Scope
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


@dataclass
class _Loop:
    node: cst.CSTNode
    scope: Scope
    parent: Optional["_Loop"]
    awaits: bool = False
    arithmetic: bool = False
    calls: List[cst.Call] = field(default_factory=list)
    depth: int = 1
    big_range: bool = False


_ARITHMETIC = (
    cst.Add, cst.Subtract, cst.Multiply, cst.Divide, cst.FloorDivide, cst.Modulo, cst.Power,
    cst.LeftShift, cst.RightShift, cst.BitAnd, cst.BitOr, cst.BitXor, cst.MatrixMultiply,
)
_AUG_ARITHMETIC = (
    cst.AddAssign, cst.SubtractAssign, cst.MultiplyAssign, cst.DivideAssign, cst.FloorDivideAssign,
    cst.ModuloAssign, cst.PowerAssign, cst.LeftShiftAssign, cst.RightShiftAssign, cst.BitAndAssign,
    cst.BitOrAssign, cst.BitXorAssign, cst.MatrixMultiplyAssign,
)
BIG_RANGE = 100_000


class CpuBoundInAsync(Rule):
    code = "CCL120"
    name = "cpu-bound-in-async"
    triggers = (b"async",)
    summary = "A CPU-heavy loop inside `async def` holds the event loop until it finishes."
    advice = """async is for waiting on I/O; processes are for CPU-bound work. A loop that
    computes without awaiting keeps every other task waiting."""
    what = """Finds loops (and comprehensions) in the body of an `async def` that compute
    without ever awaiting: nested loops doing arithmetic, or a loop doing arithmetic over a
    `range` of at least 100,000 steps. Reported once, at the outermost such loop. Loops
    that await, or that call blocking APIs (reported by CCL101-CCL106), are not reported
    here."""
    why = """The event loop can only switch tasks at an `await`. A loop that crunches
    numbers for a second stalls every connection, timer and heartbeat for that second; and
    since the work is CPU-bound, a thread would not help either (the GIL serialises it)."""
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
        "async def f(items):\n    total = 0\n    for item in items:\n        total += item\n    return total\n",
        "async def f(rows, q):\n    for row in rows:\n        for v in row:\n            await q.put(v * 2)\n",
        "def f(rows):\n    return sum(v * v for row in rows for v in row)\n",
        "async def f():\n    for i in range(10):\n        print(i * 2)\n",
    )
    INVALID = (
        "async def f(rows):\n    t = 0\n    for row in rows:\n        for v in row:\n            t += v * v\n    return t\n",
        "async def f():\n    return sum([i * i for i in range(1_000_000)])\n",
    )

    def __init__(self, facts) -> None:
        super().__init__(facts)
        self._stack: List[_Loop] = []
        self._outermost: List[_Loop] = []

    def _enter(self, node: cst.CSTNode) -> None:
        scope = self.facts.scope
        parent = self._stack[-1] if self._stack else None
        if parent is not None and parent.scope.function_scope is not scope.function_scope:
            parent = None  # a loop in a nested def is not part of the outer loop
        self._stack.append(_Loop(node, scope, parent))

    def _leave(self, node: cst.CSTNode) -> None:
        loop = self._stack.pop()
        if loop.parent is not None:
            parent = loop.parent
            parent.awaits |= loop.awaits
            parent.arithmetic |= loop.arithmetic
            parent.big_range |= loop.big_range
            parent.calls.extend(loop.calls)
            parent.depth = max(parent.depth, loop.depth + 1)
        elif loop.scope.in_async:
            self._outermost.append(loop)

    def _current(self) -> Optional[_Loop]:
        if not self._stack:
            return None
        loop = self._stack[-1]
        return loop if loop.scope.function_scope is self.facts.scope.function_scope else None

    def visit_For(self, node: cst.For) -> None:
        self._enter(node)
        if node.asynchronous is not None:
            self._stack[-1].awaits = True
        self._check_range(node.iter)

    def leave_For(self, node: cst.For) -> None:
        self._leave(node)

    def visit_While(self, node: cst.While) -> None:
        self._enter(node)

    def leave_While(self, node: cst.While) -> None:
        self._leave(node)

    def _visit_comprehension(self, node) -> None:
        # The element is visited before the ``for`` clauses, so the whole comprehension is
        # the loop; each further ``for`` clause is one more level of nesting.
        self._enter(node)
        loop = self._stack[-1]
        clause = node.for_in
        depth = 0
        while clause is not None:
            depth += 1
            if clause.asynchronous is not None:
                loop.awaits = True
            clause = clause.inner_for_in
        loop.depth = max(loop.depth, depth)

    def _leave_comprehension(self, node) -> None:
        self._leave(node)

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _visit_comprehension
    leave_ListComp = leave_SetComp = leave_DictComp = leave_GeneratorExp = _leave_comprehension

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._check_range(node.iter)

    def _check_range(self, iterable: cst.BaseExpression) -> None:
        if (
            isinstance(iterable, cst.Call)
            and isinstance(iterable.func, cst.Name)
            and iterable.func.value == "range"
            and iterable.args
        ):
            bound = _int_value(iterable.args[-1 if len(iterable.args) < 3 else 1].value)
            if bound is not None and bound >= BIG_RANGE:
                self._stack[-1].big_range = True
                self._stack[-1].calls.append(iterable)

    def visit_Await(self, node: cst.Await) -> None:
        loop = self._current()
        if loop is not None:
            loop.awaits = True

    def visit_Yield(self, node: cst.Yield) -> None:
        self.visit_Await(node)  # an async generator hands control back at each yield

    def visit_With(self, node: cst.With) -> None:
        if node.asynchronous is not None:
            self.visit_Await(node)

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        loop = self._current()
        if loop is None or not isinstance(node.operator, _ARITHMETIC):
            return
        # ``+`` and ``-`` also join strings and lists; count them only with a number.
        if isinstance(node.operator, (cst.Add, cst.Subtract)) and not (
            isinstance(node.left, (cst.Integer, cst.Float)) or isinstance(node.right, (cst.Integer, cst.Float))
        ):
            return
        loop.arithmetic = True

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        loop = self._current()
        if loop is not None and isinstance(node.operator, _AUG_ARITHMETIC):
            loop.arithmetic = True

    def visit_Call(self, node: cst.Call) -> None:
        loop = self._current()
        if loop is not None:
            loop.calls.append(node)

    def _pure(self, call: cst.Call, scope: Scope) -> bool:
        """Whether a call inside the loop is computation we know, not a call of unknown cost
        (which might do I/O, or be what actually takes the time)."""
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value in _BUILDING_METHODS:
            return True
        value = self.facts.resolve(func, scope)
        if value is None or value.instance or value.bound:
            return False
        name = value.qualname
        return (name.startswith("builtins.") and name[9:] in _PURE_BUILTINS) or name.startswith("math.")

    def finish(self) -> None:
        blocking = {id(call.site.node) for call in self.facts.blocking_calls_in_async}
        for loop in self._outermost:
            if loop.awaits or not loop.arithmetic:
                continue
            if not (loop.depth >= 2 or loop.big_range):
                continue
            if any(id(call) in blocking or not self._pure(call, loop.scope) for call in loop.calls):
                continue
            if loop.big_range and loop.depth < 2:
                reason = f"a loop over range(>= {BIG_RANGE:,})"
            else:
                reason = f"{loop.depth} nested loops"
            self.report(
                loop.node,
                f"CPU-heavy loop inside async def ({reason} doing arithmetic, no await) blocks the event loop; "
                "run it in a process pool with loop.run_in_executor(...)",
            )


_PURE_BUILTINS = frozenset(
    "abs all any bool bin chr complex dict divmod enumerate filter float frozenset hash hex int "
    "isinstance len list map max min oct ord pow range repr reversed round set slice sorted str "
    "sum tuple zip".split()
)
_BUILDING_METHODS = frozenset({"append", "appendleft", "add", "extend", "update", "insert"})


def _int_value(expr: cst.BaseExpression) -> Optional[int]:
    if isinstance(expr, cst.Integer):
        try:
            return int(expr.value.replace("_", ""), 0)
        except ValueError:
            return None
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, (cst.Power, cst.Multiply)):
        left, right = _int_value(expr.left), _int_value(expr.right)
        if left is not None and right is not None and abs(right) < 64:
            return left**right if isinstance(expr.operator, cst.Power) else left * right
    return None
