"""Reading files synchronously inside a coroutine (CCL104).

Mistake: `open()` and `Path.read_text()` wait for the disk on the event loop's thread.
Fix: do the file work in a thread with `asyncio.to_thread()` (or aiofiles, `anyio.Path`).
"""

import asyncio
import json
from pathlib import Path


async def load_settings(path: str) -> dict:
    with open(path) as fh:
        return json.load(fh)


async def load_template(name: str) -> str:
    return Path("templates", name).read_text()


def _read_settings(path: str) -> dict:
    with open(path) as fh:
        return json.load(fh)


async def load_settings_fixed(path: str) -> dict:
    return await asyncio.to_thread(_read_settings, path)


async def load_template_fixed(name: str) -> str:
    return await asyncio.to_thread(Path("templates", name).read_text)
