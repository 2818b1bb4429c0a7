"""Thread and process primitives (data only)."""

from typing import FrozenSet

#: Locks that block the calling thread when taken with ``with``; in ``async def`` they
#: block the event loop, and deadlock it when the holder awaits inside.
THREAD_LOCK_TYPES: FrozenSet[str] = frozenset(
    {
        "threading.Lock",
        "threading.RLock",
        "threading.Semaphore",
        "threading.BoundedSemaphore",
        "threading.Condition",
        "multiprocessing.Lock",
        "multiprocessing.RLock",
        "multiprocessing.Semaphore",
        "multiprocessing.BoundedSemaphore",
        "multiprocessing.Condition",
        "multiprocessing.synchronize.Lock",
        "multiprocessing.synchronize.RLock",
        "multiprocessing.synchronize.Semaphore",
        "multiprocessing.synchronize.BoundedSemaphore",
        "multiprocessing.synchronize.Condition",
    }
)
