"""Starting an event loop from inside a coroutine (CCL503).

Mistake: `asyncio.run()` inside `async def` raises "cannot be called from a running
event loop". Fix: await the coroutine; only the program's entry point calls asyncio.run.
"""

import asyncio


async def fetch_user(user_id):
    await asyncio.sleep(0)
    return {"id": user_id}


async def profile(user_id):
    return asyncio.run(fetch_user(user_id))


async def profile_fixed(user_id):
    return await fetch_user(user_id)


def main():
    return asyncio.run(profile_fixed(1))
