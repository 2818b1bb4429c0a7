"""The asyncio API the async-correctness rules need to recognise (data only)."""

from typing import Dict, FrozenSet

LOOP_TYPE = "asyncio.AbstractEventLoop"

#: Calls that return the event loop: ``loop.run_in_executor`` is an executor boundary,
#: ``loop.run_until_complete`` a nested event loop (CCL503).
LOOP_FACTORIES: Dict[str, str] = {
    name: LOOP_TYPE
    for name in (
        "asyncio.get_event_loop",
        "asyncio.get_running_loop",
        "asyncio.new_event_loop",
        "asyncio.events.get_event_loop",
        "asyncio.events.get_running_loop",
        "asyncio.events.new_event_loop",
    )
}

#: Calls that schedule a coroutine as a task; the event loop keeps only a weak reference.
TASK_FACTORIES: FrozenSet[str] = frozenset(
    {
        "asyncio.create_task",
        "asyncio.ensure_future",
        "asyncio.tasks.create_task",
        "asyncio.tasks.ensure_future",
        f"{LOOP_TYPE}.create_task",
    }
)

#: Calls that start an event loop and run it to completion.
LOOP_RUNNERS: FrozenSet[str] = frozenset(
    {
        "asyncio.run",
        "asyncio.runners.run",
        f"{LOOP_TYPE}.run_until_complete",
        "trio.run",
        "anyio.run",
    }
)
