"""A coroutine function handed to a thread (CCL504).

Mistake: `loop.run_in_executor(None, refresh_prices, db)` runs `refresh_prices` on a
worker thread, but `refresh_prices` is an `async def`: the thread only calls it, gets a
coroutine object back, and nothing ever awaits it. The prices are never refreshed, and
Python at most warns "coroutine ... was never awaited".
Fix: await the coroutine on the event loop; from a thread that must start it, use
`asyncio.run_coroutine_threadsafe(refresh_prices(db), loop)`.
"""

import asyncio


async def refresh_prices(db):
    await asyncio.sleep(0.1)  # stands for an async query
    db["prices"] = {"apple": 1.0}


async def on_tick(db):
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, refresh_prices, db)  # never runs


async def on_tick_fixed(db):
    await refresh_prices(db)


def from_worker_thread(db, loop):
    future = asyncio.run_coroutine_threadsafe(refresh_prices(db), loop)
    return future.result(timeout=5)
