"""Calling a coroutine function without await (CCL501) and dropping a task (CCL502).

Mistake: `audit(event)` only creates a coroutine, which is thrown away: the audit never
happens. A task created with `asyncio.create_task` and not kept can be garbage-collected
before it runs to the end.
Fix: await the coroutine, and keep a reference to background tasks.
"""

import asyncio

background_tasks = set()


async def audit(event):
    await asyncio.sleep(0)
    return event


async def handle(event):
    audit(event)  # never runs
    asyncio.create_task(audit(event))  # may vanish


async def handle_fixed(event):
    await audit(event)
    task = asyncio.create_task(audit(event))
    background_tasks.add(task)
    task.add_done_callback(background_tasks.discard)
