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

# --------------------------------------------------------------------------------------
# What a thread must not call (CCL306 asyncio-from-thread)
# --------------------------------------------------------------------------------------
# "Almost all asyncio objects are not thread safe ... To schedule a callback from another
# OS thread, the loop.call_soon_threadsafe() method should be used ... To schedule a
# coroutine object from a different OS thread, the run_coroutine_threadsafe() function
# should be used" (asyncio, "Concurrency and Multithreading").

#: Event loop types (what the loop factories return, and the classes people annotate with).
LOOP_TYPES: FrozenSet[str] = frozenset(
    {
        LOOP_TYPE,
        "asyncio.BaseEventLoop",
        "asyncio.events.AbstractEventLoop",
        "asyncio.base_events.BaseEventLoop",
        "asyncio.SelectorEventLoop",
        "asyncio.ProactorEventLoop",
        "uvloop.Loop",
    }
)

#: Methods of asyncio objects that are not thread-safe, by type: called from another
#: thread they change the loop's state without waking it (a waiter may sleep until some
#: unrelated event), and race with the loop's own thread over its internals.
THREAD_UNSAFE_METHODS: Dict[str, FrozenSet[str]] = {
    **{name: frozenset({"create_task", "call_soon", "call_later", "call_at", "stop"}) for name in LOOP_TYPES},
    **{name: frozenset({"set", "clear"}) for name in ("asyncio.Event", "asyncio.locks.Event")},
    **{
        name: frozenset({"put_nowait", "get_nowait"})
        for name in (
            "asyncio.Queue", "asyncio.LifoQueue", "asyncio.PriorityQueue",
            "asyncio.queues.Queue", "asyncio.queues.LifoQueue", "asyncio.queues.PriorityQueue",
        )
    },
    **{
        name: frozenset({"set_result", "set_exception", "cancel"})
        for name in ("asyncio.Future", "asyncio.futures.Future", "asyncio.Task", "asyncio.tasks.Task")
    },
}

#: Methods among those that schedule a coroutine: from a thread the fix is
#: ``asyncio.run_coroutine_threadsafe(coro, loop)``, not ``call_soon_threadsafe``.
COROUTINE_SCHEDULERS: FrozenSet[str] = frozenset({"create_task"})

#: Functions that schedule a coroutine on the running loop of the calling thread: a
#: thread without a loop of its own has none (``RuntimeError: no running event loop``).
THREAD_UNSAFE_CALLS: FrozenSet[str] = frozenset(
    {"asyncio.create_task", "asyncio.ensure_future", "asyncio.tasks.create_task", "asyncio.tasks.ensure_future"}
)

#: What calls made on the loop, or asyncio's constructors, return, for the receivers of
#: the methods above (beyond the loop factories the catalogue knows).
OBJECT_FACTORIES: Dict[str, str] = {
    f"{LOOP_TYPE}.create_future": "asyncio.Future",
    f"{LOOP_TYPE}.create_task": "asyncio.Task",
    "asyncio.create_task": "asyncio.Task",
    "asyncio.tasks.create_task": "asyncio.Task",
    "asyncio.ensure_future": "asyncio.Future",
}

#: Calls by which a thread gets an event loop of its own: code on such a thread may use
#: that loop's API directly (it is the loop's thread).
OWN_LOOP_CALLS: FrozenSet[str] = frozenset(
    {
        "asyncio.run", "asyncio.runners.run", "asyncio.new_event_loop", "asyncio.events.new_event_loop",
        "asyncio.set_event_loop", "asyncio.events.set_event_loop", "asyncio.Runner", "asyncio.runners.Runner",
        f"{LOOP_TYPE}.run_until_complete", f"{LOOP_TYPE}.run_forever", "uvloop.run", "uvloop.new_event_loop",
        "trio.run", "anyio.run",
    }
)
