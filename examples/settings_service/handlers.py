"""Reading state through a sync helper inside a request handler (CCL110).

Mistake: `load_state()` looks harmless, but two calls down it opens and reads a file on
the event loop's thread. Fix: run the helper in a thread.
"""

import asyncio

from .storage import load_state


async def refresh(path):
    return load_state(path)  # blocks: load_state() -> read_config() -> open()


async def refresh_fixed(path):
    return await asyncio.to_thread(load_state, path)
