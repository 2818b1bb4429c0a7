"""Retrying with time.sleep inside a coroutine (CCL101).

Mistake: `time.sleep()` suspends the whole thread, and the event loop runs on that
thread, so while one request backs off every other request on the server waits too.
Fix: `await asyncio.sleep()`, which suspends only the current task.
"""

import asyncio
import time


async def fetch_with_retry(client, url, attempts=3):
    for attempt in range(attempts):
        response = await client.get(url)
        if response.status_code < 500:
            return response
        time.sleep(2**attempt)  # blocks every task on the loop
    raise RuntimeError(f"{url} kept failing")


async def fetch_with_retry_fixed(client, url, attempts=3):
    for attempt in range(attempts):
        response = await client.get(url)
        if response.status_code < 500:
            return response
        await asyncio.sleep(2**attempt)
    raise RuntimeError(f"{url} kept failing")
