"""Waking a coroutine from a worker thread (CCL306).

Mistake: `asyncio.Event.set()` called on a worker thread marks the waiter ready from the
wrong thread and does not wake the event loop: `await done.wait()` may sleep until some
unrelated I/O happens, or forever, and the loop's internals race with the thread.
Fix: ask the loop to do it, with `loop.call_soon_threadsafe(done.set)`; to run a coroutine
from a thread, `asyncio.run_coroutine_threadsafe(coro, loop)`.
"""

import asyncio
import threading
import urllib.request


class Download:
    def __init__(self, url):
        self.url = url
        self.done = asyncio.Event()
        self.body = b""

    def _fetch(self):
        with urllib.request.urlopen(self.url) as response:
            self.body = response.read()
        self.done.set()  # from the worker thread: the loop is never told

    def _fetch_fixed(self, loop):
        with urllib.request.urlopen(self.url) as response:
            self.body = response.read()
        loop.call_soon_threadsafe(self.done.set)

    async def run(self):
        threading.Thread(target=self._fetch, daemon=True).start()
        await self.done.wait()
        return self.body

    async def run_fixed(self):
        loop = asyncio.get_running_loop()
        threading.Thread(target=self._fetch_fixed, args=(loop,), daemon=True).start()
        await self.done.wait()
        return self.body
