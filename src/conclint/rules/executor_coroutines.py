"""CCL504 coroutine-in-executor: a coroutine function handed to a thread or an executor,
whose body never runs."""

from __future__ import annotations

from typing import ClassVar, Iterator, Optional, Sequence, Tuple

import libcst as cst

from conclint.analysis.module import CallSite
from conclint.analysis.project import Project
from conclint.analysis.scopes import Scope
from conclint.analysis.summary import Call, ModuleSummary
from conclint.analysis.threads import EXTERNAL, FUNCTION, LAMBDA, PROCESS, PROCESS_POOL, Target, thread_facts
from conclint.analysis.threads.handoffs import target_of
from conclint.knowledge.asyncio_api import is_coroutine_function
from conclint.rules.async_correctness import coroutine_name
from conclint.rules.base import Rule
from conclint.rules.interprocedural import ProjectFinding, short_name


class CoroutineInExecutor(Rule):
    code = "CCL504"
    name = "coroutine-in-executor"
    triggers = (b"async",)  # an ``async def`` of the module, or asyncio's own
    project_rule: ClassVar[bool] = True
    # What the module defines is found per file; an ``async def`` imported from another
    # module of the project, by the project pass.
    per_file_part: ClassVar[bool] = True
    summary = "A coroutine function handed to a thread or executor never runs: the thread only creates the coroutine."
    advice = """async is for waiting on I/O, threads for blocking calls: a coroutine runs only
    on an event loop, and a thread without one can only create it."""
    what = """Finds a coroutine function — an `async def` of the module or of another module
    of the project, or a coroutine
    function of the standard library such as `asyncio.sleep` — handed as the callable to
    `loop.run_in_executor(executor, f, ...)`, `asyncio.to_thread(f, ...)`,
    `ThreadPoolExecutor(...).submit(f, ...)`/`.map(f, ...)`, `threading.Thread(target=f)`,
    a configured executor wrapper (`executor-wrappers`) or a process pool; also through
    `functools.partial`, a lambda that only calls one, and a coroutine object passed where
    a callable belongs (`asyncio.to_thread(fetch())`). The hand-offs are the ones CCL201
    knows. `asyncio.run_coroutine_threadsafe(coro, loop)`, a sync function, a lambda that
    runs the coroutine with `asyncio.run(...)`, and callables of unknown type are clean."""
    why = """The executor's thread calls the function as a plain callable. Calling a
    coroutine function does not run its body: it returns a coroutine object, which the
    thread hands back as the result (or drops), so the work never happens and Python at
    most warns "coroutine ... was never awaited". A coroutine object given instead of a
    callable fails with `TypeError: 'coroutine' object is not callable`, on the thread."""
    example = """
    import asyncio

    async def refresh(cache):
        ...

    async def main(cache):
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, refresh, cache)
    """
    instead = """
    import asyncio

    async def refresh(cache):
        ...

    async def main(cache):
        await refresh(cache)

    # from a thread that must start it on the loop:
    def from_worker_thread(cache, loop):
        future = asyncio.run_coroutine_threadsafe(refresh(cache), loop)
        return future.result()
    """
    VALID = (
        "import asyncio\ndef work():\n    pass\nasync def f():\n    await asyncio.to_thread(work)\n",
        "import asyncio\nasync def job():\n    pass\ndef f(loop):\n    asyncio.run_coroutine_threadsafe(job(), loop)\n",
        "import asyncio\nasync def job():\n    pass\nasync def f():\n    await asyncio.to_thread(lambda: asyncio.run(job()))\n",
    )
    INVALID = (
        "import asyncio\nasync def job():\n    pass\nasync def f():\n    await asyncio.to_thread(job)\n",
        "import asyncio\nasync def f():\n    loop = asyncio.get_running_loop()\n    await loop.run_in_executor(None, asyncio.sleep, 1)\n",
        "import asyncio\nfrom concurrent.futures import ThreadPoolExecutor\nasync def job():\n    pass\n"
        "def f():\n    with ThreadPoolExecutor() as pool:\n        pool.submit(job)\n",
    )

    def finish(self) -> None:
        tf = thread_facts(self.facts)
        for handoff in tf.handoffs():
            if handoff.callback or handoff.callable is None:
                continue
            where = "process" if handoff.kind in (PROCESS, PROCESS_POOL) else "thread"
            made = self._coroutine_call(handoff.callable, handoff.scope)
            if made is not None:
                self.report(
                    handoff.callable,
                    f"{handoff.via} is given the coroutine object {made}(...) makes, not a function: the {where} "
                    f"fails calling it ('coroutine' object is not callable) and the coroutine never runs; "
                    f"{_remedy(handoff.site, made)}",
                )
                continue
            found = self._coroutine_function(handoff.target, tf)
            if found is None:
                continue
            shown, name = found
            self.report(
                handoff.callable,
                f"{shown}: {handoff.via} only calls it on its {where}, which creates a "
                f"coroutine and drops it, so its body never runs; {_remedy(handoff.site, name)}",
            )

    def _coroutine_function(self, target: Target, tf) -> Optional[Tuple[str, str]]:
        """(the words that open the message, the function's name) when ``target`` is a
        coroutine function, or a lambda that only calls one; else ``None``."""
        if target.kind == LAMBDA and isinstance(target.node, cst.Lambda):
            body = target.node.body
            lam_scope = self._lambda_scope(target.node) if isinstance(body, cst.Call) else None
            made = self._coroutine_call(body, lam_scope) if lam_scope is not None else None
            return (f"the lambda only calls {made}(), a coroutine function", made) if made is not None else None
        if target.kind == FUNCTION and target.scope is not None:
            if target.scope.is_async and tf.lookup.transparent(target.scope):
                name = target.display[:-2]
                return f"{name}() is an async def", name
            return None
        if target.kind == EXTERNAL and is_coroutine_function(target.qualname, target.bound):
            name = coroutine_name(target.qualname, target.bound)
            return f"{name}() is a coroutine function", name
        return None

    def _lambda_scope(self, node: cst.Lambda) -> Optional[Scope]:
        for site in self.facts.calls:
            if site.node is node.body:
                return site.scope
        return None

    def _coroutine_call(self, expr: cst.BaseExpression, scope: Scope) -> Optional[str]:
        """The name of the coroutine function ``expr`` calls, when it is a call of one."""
        if not isinstance(expr, cst.Call):
            return None
        value = self.facts.resolve(expr.func, scope)
        if value is None or value.instance:
            return None
        if is_coroutine_function(value.qualname, value.bound):
            return coroutine_name(value.qualname, value.bound)
        tf = thread_facts(self.facts)
        target = target_of(tf.lookup, expr.func, scope)
        if target.kind == FUNCTION and target.scope is not None and target.scope.is_async and tf.lookup.transparent(target.scope):
            return target.display[:-2]
        return None

    @classmethod
    def check_project(cls, project: Project, checked: Sequence[ModuleSummary]) -> Iterator[ProjectFinding]:
        for module in checked:
            for function in module.functions:
                for handoff in function.handoffs:
                    if handoff.callback:
                        continue  # the library calls it, and may well await what it returns
                    target = project.callee(Call(handoff.callee, handoff.bound, handoff.call), module)
                    if target is None or not target.function.is_async or target.module is module:
                        continue  # one of the module's own is the per-file part's
                    name = short_name(target.function, target.module)
                    where = "process" if handoff.kind in (PROCESS, PROCESS_POOL) else "thread"
                    remedy = (
                        f"await {name}(...), or schedule it with asyncio.create_task({name}(...)) and keep the task"
                        if function.is_async
                        else f"from a thread, run it on the event loop with asyncio.run_coroutine_threadsafe({name}(...), loop), "
                        f"or in the thread with asyncio.run({name}(...))"
                    )
                    yield ProjectFinding(
                        module.path,
                        handoff.call,
                        cls.code,
                        f"{name}() is an async def: {handoff.how} only calls it on its {where}, which creates a "
                        f"coroutine and drops it, so its body never runs; {remedy}",
                        (),
                    )


def _remedy(site: CallSite, name: str) -> str:
    """What to do instead of handing the coroutine function ``name`` over at ``site``."""
    if site.awaited:
        return f"await {name}(...) directly instead"
    if site.in_async:
        return f"await {name}(...), or schedule it with asyncio.create_task({name}(...)) and keep the task"
    return (
        f"from a thread, run it on the event loop with asyncio.run_coroutine_threadsafe({name}(...), loop), "
        f"or in the thread with asyncio.run({name}(...))"
    )
