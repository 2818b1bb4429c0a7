"""CCL5xx: async/await correctness."""

from __future__ import annotations

from typing import ClassVar, Dict, Iterator, Optional, Sequence

import libcst as cst

from conclint.analysis.module import CallSite
from conclint.analysis.project import Project
from conclint.analysis.scopes import ASSIGN, Scope
from conclint.analysis.threads.syntax import name_uses
from conclint.analysis.summary import ModuleSummary
from conclint.knowledge.asyncio_api import LOOP_RUNNERS, LOOP_TYPES, TASK_FACTORIES, is_coroutine_function
from conclint.rules.base import NodeFix, Rule
from conclint.rules.interprocedural import ProjectFinding, library_name, short_name, sync_calls_from_async

AWAIT_ADVICE = """async is for waiting on I/O, and a coroutine only runs when something
awaits it or schedules it as a task."""


class UnawaitedCoroutine(Rule):
    code = "CCL501"
    name = "unawaited-coroutine"
    # Inside async def, or a sync function calling an async def of the same module.
    triggers = (b"async",)
    project_rule: ClassVar[bool] = True
    # The standard library's coroutine functions are found per file.
    per_file_part: ClassVar[bool] = True
    #: Knows the ``async def``s of installed libraries (``follow-libraries``).
    follows_libraries: ClassVar[bool] = True
    summary = "A call to an `async def` whose coroutine is dropped: the body never runs."
    advice = AWAIT_ADVICE
    what = """Finds a call of an `async def` function or method that conclint can resolve
    (same module, another module of the project, or a method through `self`) written as a
    statement of its own, so the coroutine it returns is discarded: inside `async def`, or
    in a sync function calling an `async def` of the same module. Functions behind a
    decorator conclint does not know to be transparent are not followed.

    It knows the coroutine functions of the standard library too, written as a statement
    of their own anywhere (in async or sync code): `asyncio.sleep`, `asyncio.wait_for`,
    `asyncio.wait`, `asyncio.open_connection`, `asyncio.start_server`,
    `asyncio.create_subprocess_exec`/`_shell`, `asyncio.to_thread`; the event loop's
    `sock_recv`, `sock_sendall`, `sock_connect`, `sock_accept`, `getaddrinfo`,
    `create_connection`, `create_server`, `shutdown_asyncgens`, ...; and the methods of
    asyncio objects: `Lock.acquire`, `Semaphore.acquire`, `Event.wait`, `Condition.wait`,
    `Queue.get`/`put`/`join`, `StreamWriter.drain`/`wait_closed`,
    `StreamReader.read`/`readline`/`readexactly`/`readuntil`, `Process.wait`/`communicate`.
    A method is reported only when the type of its object is known (made by its
    constructor, annotated, or the loop from `asyncio.get_running_loop()`).
    `asyncio.gather`, `asyncio.ensure_future` and `loop.run_in_executor` return futures
    that run anyway: they are not coroutine functions.

    It knows the `async def`s of installed libraries too (`follow-libraries`, as CCL110
    finds them: the environment's `sys.path`, the `python` setting, `.venv`): a call such
    as `client.ping()` on an object of a library class whose `ping` is an `async def`,
    written as a statement of its own in async code, or in sync code of a file that
    mentions `async`. A library function that is a plain `def` returning an awaitable,
    or one behind a decorator conclint does not know, is not reported."""
    why = """Calling an `async def` does not run it: it creates a coroutine object, and
    nothing happens until that object is awaited or scheduled. Python only warns "coroutine
    ... was never awaited" at run time, when garbage collection finds it — if anyone reads
    the log."""
    example = """
    async def save(record):
        ...

    async def handle(record):
        save(record)
    """
    instead = """
    async def save(record):
        ...

    async def handle(record):
        await save(record)
    """
    fix_safety = """Unsafe: adds `await` in front of the call (only inside `async def`). Awaiting
    makes the caller wait for the callee to finish, which may not be what was meant;
    scheduling it with `asyncio.create_task` (and keeping the task) is the other choice."""
    options = """`follow-libraries = false` keeps it to the project's and the standard library's
    coroutine functions; `python` and `library-paths` say where the libraries are (as for
    CCL110)."""
    VALID = (
        "import asyncio\nasync def f():\n    await asyncio.sleep(1)\n",
        "import asyncio\nasync def f(a, b):\n    asyncio.gather(a, b)\n",
        "import asyncio\nasync def f(lock):\n    lock.acquire()\n",
    )
    INVALID = (
        "import asyncio\nasync def f():\n    asyncio.sleep(1)\n",
        "import asyncio\nasync def f(writer: asyncio.StreamWriter):\n    writer.drain()\n",
        "import asyncio\nasync def save():\n    pass\nasync def f():\n    save()\n",
    )

    def finish(self) -> None:
        facts = self.facts
        for site in facts.calls:
            if id(site.node) not in facts.discarded:
                continue
            value = facts.callee(site)
            if value is None or value.instance or not is_coroutine_function(value.qualname, value.bound):
                continue
            name = coroutine_name(value.qualname, value.bound)
            function = site.scope.function_scope
            if function is not None and function.kind == "function" and function.is_async:
                remedy = "await it"
                fix: Optional[NodeFix] = None
                if not site.node.lpar:
                    code = facts.module.code_for_node(site.node)
                    fix = NodeFix("Add await", ((site.node, f"await {code}"),), applicability="unsafe")
            else:
                remedy = "await it from async code"
                fix = None
            self.report(
                site.node,
                f"{name}() is a coroutine function: calling it only creates a coroutine, which is dropped here "
                f"and never runs; {remedy}",
                fix,
            )

    @classmethod
    def check_project(cls, project: Project, checked: Sequence[ModuleSummary]) -> Iterator[ProjectFinding]:
        project = project.with_libraries()
        for module in checked:
            for function in module.functions:
                for call in function.calls:
                    if not call.discarded:
                        continue
                    target = project.callee(call, module)
                    if target is None or not target.function.is_async:
                        continue
                    library = project.is_library(target.module)
                    if not function.is_async and target.module is not module and not library:
                        # From sync code only within a module: a sync-only file is not
                        # analysed at all (it cannot hold its own findings otherwise).
                        # A library's coroutine is reported from any file that mentions
                        # async, as the standard library's are.
                        continue
                    name = library_name(target.function) if library else short_name(target.function, target.module)
                    if function.is_async:
                        remedy = "await it, or schedule it with asyncio.create_task(...) and keep the task"
                        fix = ("Add await", "unsafe", "await ")
                    else:
                        remedy = "await it from async code, or run it with asyncio.run(...) at the top level"
                        fix = None
                    yield ProjectFinding(
                        module.path,
                        call.call,
                        cls.code,
                        f"{name}() is an async def: calling it only creates a coroutine, which is dropped here "
                        f"and never runs; {remedy}",
                        (),
                        fix,
                    )


def coroutine_name(qualname: str, bound: bool) -> str:
    """``asyncio.sleep``, ``loop.sock_recv``, ``Lock.acquire``: how messages name a
    coroutine function of the standard library."""
    owner, _, attr = qualname.rpartition(".")
    if not bound:
        return f"asyncio.{attr}"
    owner = owner[:-2] if owner.endswith("()") else owner
    return f"loop.{attr}" if owner in LOOP_TYPES else f"{owner.rsplit('.', 1)[-1]}.{attr}"


class DanglingTask(Rule):
    code = "CCL502"
    name = "dangling-task"
    triggers = (b"create_task", b"ensure_future")
    summary = "The task from `asyncio.create_task()` is not kept; it can be garbage-collected mid-flight."
    advice = AWAIT_ADVICE
    what = """Finds `asyncio.create_task(...)`, `asyncio.ensure_future(...)` and
    `loop.create_task(...)` (a loop from `asyncio.get_running_loop()`,
    `asyncio.get_event_loop()` or another known loop) whose task is not stored anywhere:
    written as a statement of their own, or bound to a local name of the function that is
    never used again. A task kept in a set or list, returned, awaited or passed on is
    clean, and so is `create_task` of a `TaskGroup`, which keeps its tasks."""
    why = """The event loop keeps only a weak reference to tasks. A task nobody references
    can be garbage-collected before it finishes, silently; and its exception is never
    retrieved. The asyncio documentation says to keep a reference."""
    example = """
    import asyncio

    async def on_message(message):
        asyncio.create_task(store(message))
    """
    instead = """
    import asyncio

    background_tasks = set()

    async def on_message(message):
        task = asyncio.create_task(store(message))
        background_tasks.add(task)
        task.add_done_callback(background_tasks.discard)

    # or, for work that must finish before going on:
    async def on_messages(messages):
        async with asyncio.TaskGroup() as group:
            for message in messages:
                group.create_task(store(message))
    """
    VALID = (
        "import asyncio\nasync def f(c):\n    t = asyncio.create_task(c)\n    await t\n",
        "import asyncio\nasync def f(g, c):\n    g.create_task(c)\n",
    )
    INVALID = (
        "import asyncio\nasync def f(c):\n    asyncio.create_task(c)\n",
        "import asyncio\nasync def f(c):\n    asyncio.get_running_loop().create_task(c)\n",
        "import asyncio\nasync def f(c):\n    task = asyncio.ensure_future(c)\n",
    )

    def finish(self) -> None:
        unused: Dict[int, Dict[int, str]] = {}
        for site in self.facts.calls:
            discarded = id(site.node) in self.facts.discarded
            if not discarded and id(site.node) not in self.facts.statement_values:
                continue
            value = self.facts.callee(site)
            if value is None or value.instance or value.qualname not in TASK_FACTORIES:
                continue
            name = value.qualname.rsplit(".", 1)[-1]
            if discarded:
                where = "is not kept"
            else:
                scope = site.scope
                if scope.kind != "function" or not isinstance(scope.node, cst.FunctionDef):
                    continue  # a module-level or class attribute keeps the task
                if id(scope) not in unused:
                    unused[id(scope)] = _unused_assignments(scope)
                variable = unused[id(scope)].get(id(site.node))
                if variable is None:
                    continue
                where = f"is bound to `{variable}`, which is never used"
            self.report(
                site.node,
                f"the task from {name}() {where}: the event loop holds only a weak reference, so it may be "
                "garbage-collected before it finishes; keep a reference (a set of tasks) or use a TaskGroup",
            )


def _unused_assignments(scope: Scope) -> Dict[int, str]:
    """The values assigned to a local name of the function that nothing in it (nor in a
    function nested in it) ever reads: id of the value -> the name."""
    node = scope.node
    assert isinstance(node, cst.FunctionDef)
    uses = None
    found: Dict[int, str] = {}
    for name, bindings in scope.bindings.items():
        if name in scope.global_names or name in scope.nonlocal_names:
            continue
        assigned = [b.value for b in bindings if b.kind == ASSIGN and isinstance(b.value, cst.Call) and b.scope is scope]
        if not assigned:
            continue
        if uses is None:
            uses = name_uses(node)
        bound_at = {id(b.node) for b in bindings if b.node is not None}
        if any(id(use) not in bound_at for use, _ in uses.get(name, ())):
            continue
        for value in assigned:
            found[id(value)] = name
    return found


class NestedEventLoop(Rule):
    code = "CCL503"
    name = "nested-event-loop"
    triggers = (b"async",)
    project_rule: ClassVar[bool] = True
    # The calls in the body of the async def itself are found per file.
    per_file_part: ClassVar[bool] = True
    summary = "`asyncio.run()` or `loop.run_until_complete()` inside `async def` fails: a loop is already running."
    advice = AWAIT_ADVICE
    what = """Finds `asyncio.run(...)`, `loop.run_until_complete(...)`, `trio.run(...)`
    and `anyio.run(...)` called in the body of an `async def`, and a call from an `async
    def` to a sync function of the project that reaches one through its calls (across
    modules, as CCL110 follows them; the message carries the chain). A helper on the way
    that asks whether a loop is running (`asyncio.get_running_loop()`,
    `loop.is_running()`) or forks (`os.fork()`: the child has no running loop) is not
    followed: it serves a caller inside a loop another way.
    Not followed either: an awaited call of a sync function or method (it returns an
    awaitable; an awaited constructor is followed, as CCL110 does), and code handed to a
    thread (a thread may run its own loop)."""
    why = """An `async def` runs inside an event loop, and a thread runs one loop at a time:
    `asyncio.run` raises `RuntimeError: asyncio.run() cannot be called from a running event
    loop`, and `run_until_complete` raises too. Code that works around it (nest_asyncio)
    blocks the outer loop until the inner one finishes."""
    example = """
    import asyncio

    async def handler(client):
        data = asyncio.run(client.fetch())
        return data
    """
    instead = """
    async def handler(client):
        data = await client.fetch()
        return data
    """
    fix_safety = """Unsafe: `asyncio.run(coro)` and `loop.run_until_complete(coro)` become
    `await coro` when the call is a statement, an assignment's value or a return value.
    Awaiting runs the coroutine in the current loop, which is what was meant, but anything
    that relied on a fresh loop (loop-bound resources) changes."""
    VALID = (
        "import asyncio\nasync def main():\n    pass\nasyncio.run(main())\n",
        "import asyncio\ndef sync(c):\n    return asyncio.run(c)\n",
    )
    INVALID = (
        "import asyncio\nasync def f(c):\n    return asyncio.run(c)\n",
        "import asyncio\nasync def f(c):\n    loop = asyncio.new_event_loop()\n    loop.run_until_complete(c)\n",
    )

    def finish(self) -> None:
        for site in self.facts.calls:
            if not self.facts.runs_on_loop(site):
                continue
            value = self.facts.callee(site)
            if value is None or value.instance or value.qualname not in LOOP_RUNNERS:
                continue
            name = value.qualname.rsplit(".", 1)[-1]
            self.report(
                site.node,
                f"{name}() inside async def starts a second event loop while one is running (it raises "
                "RuntimeError); await the coroutine instead",
                fix=self._fix(site, value.qualname),
            )

    @classmethod
    def check_project(cls, project: Project, checked: Sequence[ModuleSummary]) -> Iterator[ProjectFinding]:
        for module, function, call, target in sync_calls_from_async(project, checked):
            chain = project.loop_chain(target, call)
            if chain:
                yield cls._chain_finding(module, function, call.call, chain)

    @classmethod
    def _chain_finding(cls, module: ModuleSummary, caller, call: int, chain) -> ProjectFinding:
        names = [f"{short_name(ref.function, ref.module)}()" for ref, _ in chain]
        runner = chain[-1][1].callee
        runner_name = "asyncio.run" if runner.startswith("asyncio.run") else (
            "loop.run_until_complete" if runner.endswith(".run_until_complete") else runner
        )
        names.append(f"{runner_name}()")
        message = (
            f"{short_name(caller, module)}() calls {names[0]}, which starts a second event loop while one is running "
            f"(it raises RuntimeError): {' -> '.join(names)}; await the coroutine instead of running it in a new loop"
        )
        trace = tuple(
            (ref.module.path, step.call, f"{names[i]} calls {names[i + 1]}") for i, (ref, step) in enumerate(chain)
        )
        return ProjectFinding(module.path, call, cls.code, message, trace)

    def _fix(self, site: CallSite, qualname: str) -> Optional[NodeFix]:
        node = site.node
        if qualname in ("trio.run", "anyio.run") or id(node) not in self.facts.statement_values or node.lpar:
            return None
        if len(node.args) != 1 or node.args[0].keyword is not None or node.args[0].star:
            return None
        argument = self.facts.module.code_for_node(node.args[0].value).strip()
        if not isinstance(node.args[0].value, (cst.Call, cst.Name, cst.Attribute)):
            return None
        return NodeFix("Await the coroutine instead", ((node, f"await {argument}"),), applicability="unsafe")
