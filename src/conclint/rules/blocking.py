"""CCL1xx: do not block the event loop (async is for waiting on I/O).

Each rule here is declarative: a category of the knowledge catalogue. The shared
analysis finds the calls inside ``async def`` bodies whose resolved qualified name the
catalogue lists; a rule keeps those of its category and says what to use instead.
"""

from __future__ import annotations

from typing import ClassVar

from conclint.analysis.module import BlockingCall
from conclint.rules.base import Rule

ASYNC_ADVICE = """async is for waiting on I/O: a blocking call inside `async def` stops the
event loop, and every other task waits with it."""


def display_name(qualname: str) -> str:
    return qualname[len("builtins."):] if qualname.startswith("builtins.") else qualname


class BlockingCallRule(Rule):
    """A blocking call of one catalogue category inside ``async def``."""

    category: ClassVar[str]
    verb: ClassVar[str] = "blocks the event loop"
    advice = ASYNC_ADVICE
    options = """`[tool.conclint.blocking]` adds qualified names to the catalogue, e.g.
    `"mylib.client.fetch" = "network"`."""

    def finish(self) -> None:
        for call in self.facts.blocking_calls_in_async:
            if call.category == self.category:
                self.report(call.site.node, self.message(call))

    def message(self, call: BlockingCall) -> str:
        alternative = self.facts.catalogue.alternative(call.qualname, call.category, self.facts.framework)
        return f"{display_name(call.qualname)}() inside async def {self.verb}; use {alternative}"


class BlockingSleep(BlockingCallRule):
    code = "CCL101"
    name = "blocking-sleep"
    category = "sleep"
    summary = "`time.sleep()` inside `async def` freezes every task on the event loop."
    what = """Finds `time.sleep()` (however it is imported) called directly in the body
    of an `async def`."""
    why = """`time.sleep` suspends the thread, and the event loop runs on that thread: no
    other task makes progress until it returns. `asyncio.sleep` suspends only the
    current task."""
    example = """
    import time

    async def poll(client):
        while not await client.ready():
            time.sleep(0.5)
    """
    instead = """
    import asyncio

    async def poll(client):
        while not await client.ready():
            await asyncio.sleep(0.5)
    """
    VALID = (
        "import asyncio\nasync def f():\n    await asyncio.sleep(1)\n",
        "import time\ndef f():\n    time.sleep(1)\n",
        "import asyncio, time\nasync def f():\n    await asyncio.to_thread(time.sleep, 1)\n",
        "import time\nasync def f():\n    def g():\n        time.sleep(1)\n    return g\n",
        "async def f():\n    def sleep(x):\n        pass\n    sleep(1)\n",
    )
    INVALID = (
        "import time\nasync def f():\n    time.sleep(1)\n",
        "from time import sleep as nap\nasync def f():\n    nap(1)\n",
    )


class BlockingNetworkCall(BlockingCallRule):
    code = "CCL102"
    name = "blocking-network-call"
    category = "network"
    summary = "A synchronous network call inside `async def` blocks the event loop."
    what = """Finds calls of synchronous HTTP, socket, mail and FTP clients (`requests`,
    `urllib.request`, `http.client`, `urllib3`, sync `httpx`, `socket`, `smtplib`,
    `ftplib`, ...) in the body of an `async def`, including methods of client objects
    whose constructor conclint can see (`s = requests.Session(); s.get(url)`)."""
    why = """A synchronous client waits for the network on the event loop's thread; for
    the whole round trip no other task runs. Network waits are exactly what async is
    for, so use a client that awaits."""
    example = """
    import requests

    async def fetch(url):
        return requests.get(url).json()
    """
    instead = """
    import httpx

    async def fetch(url):
        async with httpx.AsyncClient() as client:
            return (await client.get(url)).json()
    """


class BlockingSubprocess(BlockingCallRule):
    code = "CCL103"
    name = "blocking-subprocess"
    category = "subprocess"
    summary = "Running a process synchronously inside `async def` blocks the event loop."
    what = """Finds `subprocess.run/call/check_call/check_output`, `os.system`,
    `os.popen`, `os.wait*`, and `Popen.wait/communicate` in the body of an `async def`."""
    why = """The event loop waits for the child process to finish; no other task runs
    meanwhile. asyncio, trio and anyio all run processes without blocking."""
    example = """
    import subprocess

    async def build():
        subprocess.run(["make"], check=True)
    """
    instead = """
    import asyncio

    async def build():
        proc = await asyncio.create_subprocess_exec("make")
        await proc.wait()
    """


class BlockingFileIO(BlockingCallRule):
    code = "CCL104"
    name = "blocking-file-io"
    category = "file"
    summary = "Synchronous file-system I/O inside `async def` blocks the event loop."
    what = """Finds `open()`/`io.open()`, `pathlib.Path` I/O methods (`read_text`,
    `write_bytes`, `exists`, `iterdir`, `glob`, `stat`, `mkdir`, `unlink`, ...) and
    `os`, `os.path`, `shutil` and `glob` file-system calls in the body of an
    `async def`. Path objects are recognised from their constructor
    (`Path(p).read_text()`)."""
    why = """Disks and network file systems can take milliseconds to seconds to answer,
    and a synchronous call makes the event loop wait for them. Move the work to a
    thread, or use an async file API."""
    example = """
    import json

    async def load_config(path):
        with open(path) as f:
            return json.load(f)
    """
    instead = """
    import asyncio
    import json

    def _read_config(path):
        with open(path) as f:
            return json.load(f)

    async def load_config(path):
        return await asyncio.to_thread(_read_config, path)
    """
    VALID = (
        "import aiofiles\nasync def f(p):\n    async with aiofiles.open(p) as fh:\n        return await fh.read()\n",
        "import asyncio\nasync def f(p):\n    return await asyncio.to_thread(open, p)\n",
        "from pathlib import Path\nasync def f():\n    return Path('a') / 'b'\n",
        "async def f(open):\n    return open('x')\n",
    )
    INVALID = (
        "async def f(p):\n    return open(p).read()\n",
        "from os import path\nasync def f(p):\n    return path.exists(p)\n",
        "from pathlib import Path\nasync def f(p):\n    return Path(p).read_text()\n",
    )


class BlockingWait(BlockingCallRule):
    code = "CCL105"
    name = "blocking-wait"
    category = "wait"
    summary = "Waiting on a thread primitive inside `async def` blocks the event loop."
    what = """Finds waits on `threading` locks, events and conditions, `Thread.join`,
    `queue.Queue.get/put`, `concurrent.futures` `Future.result` and `wait`, and `input()`
    in the body of an `async def`."""
    why = """These wait for another thread by blocking the current one: the event loop
    stops until the other side answers, and if the other side needs the loop, it never
    will."""
    example = """
    async def ask():
        return input("name? ")
    """
    instead = """
    import asyncio

    async def ask():
        return await asyncio.to_thread(input, "name? ")
    """


class BlockingDatabaseCall(BlockingCallRule):
    code = "CCL106"
    name = "blocking-database-call"
    category = "database"
    summary = "A synchronous database driver call inside `async def` blocks the event loop."
    what = """Finds calls of synchronous database drivers (`sqlite3`, `psycopg2`,
    `pymysql`, sync `redis`, `pymongo`) in the body of an `async def`, including methods
    of connections and cursors whose constructor conclint can see."""
    why = """Every query waits for the database server on the event loop's thread. Use a
    driver that awaits, or run the query in a thread."""
    example = """
    import sqlite3

    async def count_users(path):
        with sqlite3.connect(path) as db:
            return db.execute("select count(*) from users").fetchone()
    """
    instead = """
    import aiosqlite

    async def count_users(path):
        async with aiosqlite.connect(path) as db:
            async with db.execute("select count(*) from users") as cursor:
                return await cursor.fetchone()
    """
