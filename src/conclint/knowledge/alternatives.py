"""What to use instead of a blocking call, per async framework (data only)."""

from typing import Dict

#: Specific replacements: qualified name -> framework -> advice.
SPECIFIC: Dict[str, Dict[str, str]] = {
    "time.sleep": {
        "asyncio": "await asyncio.sleep(...)",
        "trio": "await trio.sleep(...)",
        "anyio": "await anyio.sleep(...)",
    },
}

#: Fallback advice per category and framework.
BY_CATEGORY: Dict[str, Dict[str, str]] = {
    "sleep": {
        "asyncio": "await asyncio.sleep(...)",
        "trio": "await trio.sleep(...)",
        "anyio": "await anyio.sleep(...)",
    },
    "network": {
        "asyncio": "an async client (aiohttp, httpx.AsyncClient) or await asyncio.to_thread(...)",
        "trio": "an async client (httpx.AsyncClient) or await trio.to_thread.run_sync(...)",
        "anyio": "an async client (httpx.AsyncClient) or await anyio.to_thread.run_sync(...)",
    },
    "subprocess": {
        "asyncio": "await asyncio.create_subprocess_exec(...)",
        "trio": "await trio.run_process(...)",
        "anyio": "await anyio.run_process(...)",
    },
    "file": {
        "asyncio": "await asyncio.to_thread(...) or aiofiles",
        "trio": "trio.Path / trio.open_file or await trio.to_thread.run_sync(...)",
        "anyio": "anyio.Path / anyio.open_file or await anyio.to_thread.run_sync(...)",
    },
    "wait": {
        "asyncio": "asyncio primitives (asyncio.Lock, asyncio.Event, asyncio.Queue, asyncio.wrap_future)",
        "trio": "trio primitives (trio.Lock, trio.Event, memory channels)",
        "anyio": "anyio primitives (anyio.Lock, anyio.Event, memory object streams)",
    },
    "database": {
        "asyncio": "an async driver (aiosqlite, asyncpg, redis.asyncio, motor) or await asyncio.to_thread(...)",
        "trio": "an async driver or await trio.to_thread.run_sync(...)",
        "anyio": "an async driver or await anyio.to_thread.run_sync(...)",
    },
}


def suggest(qualname: str, category: str, framework: str) -> str:
    specific = SPECIFIC.get(qualname)
    if specific and framework in specific:
        return specific[framework]
    return BY_CATEGORY.get(category, {}).get(framework, "await asyncio.to_thread(...)")
