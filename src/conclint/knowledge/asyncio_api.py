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

#: Calls that ask whether an event loop is running, or fork: a sync helper that makes one
#: serves callers inside a loop another way (a thread, a future, a child process) and is
#: not followed by CCL503.
#: (``get_event_loop`` is not one: it hands back the running loop, whose
#: ``run_until_complete`` then fails.)
LOOP_CHECKS: FrozenSet[str] = frozenset(
    {
        "asyncio.get_running_loop",
        "asyncio.events.get_running_loop",
        "asyncio._get_running_loop",
        "asyncio.events._get_running_loop",
        f"{LOOP_TYPE}.is_running",
        "sniffio.current_async_library",
        "trio.lowlevel.current_trio_token",
        # A function that forks may run the rest in the child, where asyncio knows no
        # running loop (it records the pid that runs one): a new loop there is fine.
        "os.fork",
        "os.forkpty",
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

# --------------------------------------------------------------------------------------
# Coroutine functions of the standard library (CCL501 unawaited-coroutine, CCL504
# coroutine-in-executor)
# --------------------------------------------------------------------------------------
# Calling one only creates a coroutine object; nothing runs until it is awaited. Every
# entry is checked with ``inspect.iscoroutinefunction`` on the running Python
# (tests/test_knowledge.py). Not here, because they return a future or a task that runs
# anyway: ``asyncio.gather``, ``asyncio.shield``, ``asyncio.ensure_future``,
# ``asyncio.as_completed``, ``asyncio.run_coroutine_threadsafe``, ``loop.run_in_executor``.

#: Functions, by qualified name (also under the submodule that defines them).
COROUTINE_FUNCTIONS: FrozenSet[str] = frozenset(
    {
        *(f"{module}.{name}" for module in ("asyncio", "asyncio.tasks") for name in ("sleep", "wait", "wait_for")),
        *(
            f"{module}.{name}"
            for module in ("asyncio", "asyncio.streams")
            for name in ("open_connection", "start_server", "open_unix_connection", "start_unix_server")
        ),
        *(
            f"{module}.{name}"
            for module in ("asyncio", "asyncio.subprocess")
            for name in ("create_subprocess_exec", "create_subprocess_shell")
        ),
        "asyncio.to_thread",
        "asyncio.threads.to_thread",
    }
)

_LOOP_COROUTINES = frozenset(
    {
        "sock_recv", "sock_recv_into", "sock_recvfrom", "sock_recvfrom_into", "sock_sendall", "sock_sendto",
        "sock_connect", "sock_accept", "sock_sendfile", "getaddrinfo", "getnameinfo", "create_connection",
        "create_server", "create_unix_connection", "create_unix_server", "create_datagram_endpoint",
        "connect_accepted_socket", "connect_read_pipe", "connect_write_pipe", "subprocess_exec",
        "subprocess_shell", "sendfile", "start_tls", "shutdown_asyncgens", "shutdown_default_executor",
    }
)


def _types(names, methods) -> Dict[str, FrozenSet[str]]:
    return {name: frozenset(methods) for name in names}


#: Methods, by the type of the object they are looked up on (its qualified names): the
#: receiver's type must be known (constructed, annotated, or from a loop factory).
COROUTINE_METHODS: Dict[str, FrozenSet[str]] = {
    **_types(
        (LOOP_TYPE, "asyncio.BaseEventLoop", "asyncio.events.AbstractEventLoop", "asyncio.base_events.BaseEventLoop",
         "asyncio.SelectorEventLoop"),
        _LOOP_COROUTINES,
    ),
    **_types(("asyncio.Lock", "asyncio.locks.Lock"), ("acquire",)),
    **_types(("asyncio.Semaphore", "asyncio.locks.Semaphore", "asyncio.BoundedSemaphore",
              "asyncio.locks.BoundedSemaphore"), ("acquire",)),
    **_types(("asyncio.Event", "asyncio.locks.Event"), ("wait",)),
    **_types(("asyncio.Condition", "asyncio.locks.Condition"), ("wait", "wait_for")),
    **_types(("asyncio.Barrier", "asyncio.locks.Barrier"), ("wait", "reset", "abort")),
    **_types(
        ("asyncio.Queue", "asyncio.LifoQueue", "asyncio.PriorityQueue",
         "asyncio.queues.Queue", "asyncio.queues.LifoQueue", "asyncio.queues.PriorityQueue"),
        ("get", "put", "join"),
    ),
    **_types(("asyncio.StreamWriter", "asyncio.streams.StreamWriter"), ("drain", "wait_closed", "start_tls")),
    **_types(("asyncio.StreamReader", "asyncio.streams.StreamReader"), ("read", "readline", "readexactly", "readuntil")),
    **_types(("asyncio.subprocess.Process",), ("wait", "communicate")),
    **_types(("asyncio.Server", "asyncio.base_events.Server"), ("serve_forever", "start_serving", "wait_closed")),
}


def is_coroutine_function(qualname: str, bound: bool) -> bool:
    """Whether calling ``qualname`` (a function, or with ``bound`` a method looked up on an
    object of the type before the last dot) makes a coroutine of the standard library.
    ``asyncio.Lock()`` names the object that calling ``asyncio.Lock`` made."""
    if not bound:
        return qualname in COROUTINE_FUNCTIONS
    owner, _, method = qualname.rpartition(".")
    if owner.endswith("()"):
        owner = owner[:-2]
    return method in COROUTINE_METHODS.get(owner, ())
