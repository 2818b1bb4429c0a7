"""Running a build step with subprocess.run inside a coroutine (CCL103).

Mistake: `subprocess.run()` waits for the child process to exit, and the event loop
waits with it: no other task runs until the build is done.
Fix: `asyncio.create_subprocess_exec()` and `await proc.communicate()`.
"""

import asyncio
import subprocess


async def render_thumbnail(src: str, dst: str) -> None:
    subprocess.run(["convert", src, "-resize", "128x128", dst], check=True)


async def render_thumbnail_fixed(src: str, dst: str) -> None:
    proc = await asyncio.create_subprocess_exec("convert", src, "-resize", "128x128", dst)
    if await proc.wait() != 0:
        raise RuntimeError(f"convert failed for {src}")
