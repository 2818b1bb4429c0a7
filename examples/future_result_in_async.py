"""Waiting for a thread-pool future with .result() inside a coroutine (CCL105).

Mistake: `Future.result()` blocks until the worker thread finishes, so the event loop
stops while the pool works: the thread pool buys nothing.
Fix: `await asyncio.wrap_future(future)`, or `await loop.run_in_executor(pool, ...)`.
"""

import asyncio
import hashlib
from concurrent.futures import ThreadPoolExecutor


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


async def checksum(pool: ThreadPoolExecutor, data: bytes) -> str:
    future = pool.submit(_digest, data)
    return future.result()


async def checksum_fixed(pool: ThreadPoolExecutor, data: bytes) -> str:
    return await asyncio.wrap_future(pool.submit(_digest, data))
