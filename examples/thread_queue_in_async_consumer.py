"""Consuming a queue.Queue from a coroutine (CCL105).

Mistake: `queue.Queue.get()` blocks the thread until a producer thread puts an item;
in an `async def` that freezes the event loop, and if the producer needs the loop, the
program deadlocks.
Fix: use `asyncio.Queue` between tasks, or hand the blocking `get` to a thread.
"""

import asyncio
import queue


class Dispatcher:
    def __init__(self):
        self.jobs = queue.Queue()

    async def run(self, handle):
        while True:
            job = self.jobs.get()  # waits for a producer thread on the loop's thread
            await handle(job)

    async def run_fixed(self, handle):
        while True:
            job = await asyncio.to_thread(self.jobs.get)
            await handle(job)
