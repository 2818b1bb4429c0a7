"""A threading.Lock guarding state shared by coroutines (CCL107).

Mistake: `with threading.Lock()` blocks the event loop's thread while it waits, and if
the holder awaits inside, a second task that wants the lock blocks the loop for good: the
holder can never be resumed to release it.
Fix: `asyncio.Lock` with `async with`, which suspends only the waiting task.
"""

import asyncio
import threading

_cache_lock = threading.Lock()
_cache = {}


async def get_user(client, user_id):
    with _cache_lock:  # deadlocks the loop when two tasks miss the cache at once
        if user_id not in _cache:
            _cache[user_id] = await client.fetch_user(user_id)
        return _cache[user_id]


_async_lock = asyncio.Lock()


async def get_user_fixed(client, user_id):
    async with _async_lock:
        if user_id not in _cache:
            _cache[user_id] = await client.fetch_user(user_id)
        return _cache[user_id]
