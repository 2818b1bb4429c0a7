"""CCL1xx: do not block the event loop (async is for waiting on I/O).

Each rule here is declarative: a category of the knowledge catalogue. The shared
analysis finds the calls inside ``async def`` bodies whose resolved qualified name the
catalogue lists; a rule keeps those of its category and says what to use instead.
"""

from __future__ import annotations

from typing import ClassVar

from typing import Optional

import libcst as cst

from conclint.analysis.module import BlockingCall, ModuleFacts
from conclint.analysis.scopes import IMPORT, Scope, Value
from conclint.rules.base import NodeFix, Rule

ASYNC_ADVICE = """async is for waiting on I/O: a blocking call inside `async def` stops the
event loop, and every other task waits with it."""


#: How the rules that report methods know the receiver's type (appended to their docs).
RECEIVER_TYPES = """ A method is reported where conclint sees the receiver's type: from its
constructor or a known factory, or from an annotation (`client: redis.Redis`, also in a
class body, where it types that attribute of every instance: `self.client`). An
annotation is a claim the code can refute: a call whose result is awaited (`await
client.get(key)`) is made on an async object, whatever the annotation says, and is not
reported. A name bound more than once keeps its type where every binding agrees (a
`None` aside: `f = open(p) if p else None` is a file wherever it is not `None`), or where
a single binding reaches the call straight before it; otherwise conclint stays silent."""


#: What ``open()`` and its kin return is known to be a file, not which kind: the mode
#: decides (text, buffered binary, raw). Messages say "file" rather than a wrong class.
_OPENED_FILE = "io.TextIOWrapper."


def display_name(qualname: str) -> str:
    if qualname.startswith(_OPENED_FILE):
        return "file." + qualname[len(_OPENED_FILE):]
    return qualname[len("builtins."):] if qualname.startswith("builtins.") else qualname


def _contains_call(expr: cst.BaseExpression) -> bool:
    """``open(p).read``: the receiver is computed by a call, which would stay on the loop."""
    while isinstance(expr, (cst.Attribute, cst.Subscript)):
        expr = expr.value
    return isinstance(expr, cst.Call)


def _imported_at_top(facts: ModuleFacts, module: str) -> bool:
    return any(
        b.kind == IMPORT and b.qualname == module for b in facts.root.bindings.get(module, ())
    )


def module_name_in_scope(facts: ModuleFacts, module: str, scope: Scope) -> Optional[str]:
    """The name under which a fix can reach ``module`` from ``scope``: an existing
    module-level ``import module [as name]``, else ``module`` itself (the fix adds the
    import) when that name is free there. ``None`` when the fix cannot be sure."""
    for name, bindings in facts.root.bindings.items():
        if len(bindings) == 1 and bindings[0].kind == IMPORT and bindings[0].qualname == module:
            if facts.resolver.resolve_name(name, scope, 0) == Value(module):
                return name
    if scope.lookup(module) is None and not facts.root.star_import:
        return module  # not bound anywhere: the added import will bind it
    if facts.resolver.resolve_name(module, scope, 0) == Value(module):
        return module
    return None


class BlockingCallRule(Rule):
    """A blocking call of one catalogue category inside ``async def``."""

    category: ClassVar[str]
    verb: ClassVar[str] = "blocks the event loop"
    triggers = (b"async",)
    advice = ASYNC_ADVICE
    options = """`[tool.conclint.blocking]` adds qualified names to the catalogue, e.g.
    `"mylib.client.fetch" = "network"`."""

    #: Offer ``await asyncio.to_thread(f, *args)`` as an unsafe fix.
    offload_fix: ClassVar[bool] = False

    def finish(self) -> None:
        for call in self.facts.blocking_calls_in_async:
            if call.category == self.category:
                self.report(call.site.node, self.message(call), fix=self.fix(call))

    def fix(self, call: BlockingCall) -> Optional[NodeFix]:
        if not self.offload_fix or self.facts.framework != "asyncio":
            return None
        node = call.site.node
        if id(node) not in self.facts.statement_values or node.lpar or _contains_call(node.func):
            return None
        name = module_name_in_scope(self.facts, "asyncio", call.site.scope)
        if name is None:
            return None
        code = self.facts.module.code_for_node
        arguments = ", ".join([code(node.func).strip(), *(code(arg).strip().rstrip(",").strip() for arg in node.args)])
        return NodeFix(
            f"Run {display_name(call.qualname)}() in a thread with asyncio.to_thread",
            ((node, f"await {name}.to_thread({arguments})"),),
            applicability="unsafe",
            imports=("asyncio",) if name == "asyncio" and not _imported_at_top(self.facts, "asyncio") else (),
        )

    def message(self, call: BlockingCall) -> str:
        alternative = self.facts.catalogue.alternative(call.qualname, call.category, self.facts.framework)
        return f"{display_name(call.qualname)}() inside async def {self.verb}; use {alternative}"


class BlockingSleep(BlockingCallRule):
    code = "CCL101"
    name = "blocking-sleep"
    category = "sleep"
    summary = "`time.sleep()` inside `async def` freezes every task on the event loop."
    fix_safety = """Safe: `time.sleep(x)` becomes `await asyncio.sleep(x)` (or `trio.sleep` /
    `anyio.sleep`, as the module uses), and the import is added when missing. Offered only
    where the call is a whole statement, an assignment's value or a return value."""

    def fix(self, call: BlockingCall) -> Optional[NodeFix]:
        node = call.site.node
        if call.qualname != "time.sleep" or id(node) not in self.facts.statement_values or node.lpar:
            return None
        framework = self.facts.framework
        name = module_name_in_scope(self.facts, framework, call.site.scope)
        if name is None:
            return None
        if len(node.args) != 1 or node.args[0].keyword is not None or node.args[0].star:
            return None
        new = node.with_changes(func=cst.Attribute(cst.Name(name), cst.Name("sleep")))
        code = self.facts.module.code_for_node(new)
        return NodeFix(
            f"Replace with await {framework}.sleep(...)",
            ((node, f"await {code}"),),
            imports=(framework,) if name == framework and not _imported_at_top(self.facts, framework) else (),
        )
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
    offload_fix = True
    fix_safety = """Unsafe (applied with `--unsafe-fixes`): the call becomes
    `await asyncio.to_thread(f, *args, **kwargs)`, which moves it to a worker thread;
    the callee then runs concurrently with the event loop, so anything it shares with
    other tasks must be thread-safe. Offered in asyncio modules, where the call is a whole
    statement, an assignment's value or a return value."""
    code = "CCL102"
    name = "blocking-network-call"
    category = "network"
    summary = "A synchronous network call inside `async def` blocks the event loop."
    what = """Finds calls of synchronous HTTP, socket, mail and FTP clients (`requests`,
    `urllib.request`, `http.client`, `urllib3`, sync `httpx`, `socket`, `smtplib`,
    `ftplib`, ...) in the body of an `async def`, including methods of client objects
    whose constructor conclint can see (`s = requests.Session(); s.get(url)`). A socket
    made non-blocking (`setblocking(False)`, `settimeout(0)`) raises instead of waiting:
    its calls are not reported. `smtplib.SMTP()`, `ftplib.FTP()` and `telnetlib.Telnet()`
    connect only when given a host (its `connect()`/`open()` is reported instead), and
    `context.wrap_socket(socket.socket(...))` wraps a socket not yet connected, so it
    does no handshake.""" + RECEIVER_TYPES
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
    `os.popen`, `os.wait*`, and `Popen.wait/communicate` in the body of an `async def`.
    `os.waitpid`, `os.wait3`, `os.wait4` and `os.waitid` given `os.WNOHANG` in their
    options return at once and are not reported.""" + RECEIVER_TYPES
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
    offload_fix = True
    fix_safety = """Unsafe (applied with `--unsafe-fixes`): the call becomes
    `await asyncio.to_thread(f, *args, **kwargs)`, which moves it to a worker thread;
    the callee then runs concurrently with the event loop, so anything it shares with
    other tasks must be thread-safe. Offered in asyncio modules, where the call is a whole
    statement, an assignment's value or a return value."""
    code = "CCL104"
    name = "blocking-file-io"
    category = "file"
    summary = "Synchronous file-system I/O inside `async def` blocks the event loop."
    what = """Finds `open()`/`io.open()`, `pathlib.Path` I/O methods (`read_text`,
    `write_bytes`, `exists`, `iterdir`, `glob`, `stat`, `mkdir`, `unlink`, ...) and
    `os`, `os.path`, `shutil` and `glob` file-system calls in the body of an
    `async def`, and archives opened on a path (`zipfile.ZipFile(path)`, `tarfile.open`,
    `gzip.open`). Path objects are recognised from their constructor
    (`Path(p).read_text()`). Calls that touch no disk are not reported: `os.fdopen`
    wraps a descriptor that is already open (what you read or write through it still
    is), and an archive opened on an in-memory buffer (`zipfile.ZipFile(io.BytesIO(data))`,
    `tarfile.open(fileobj=buf)` with `buf = io.BytesIO()`) reads and writes memory, as do
    its `read`/`writestr`/`getmembers`-style methods; extracting it, or adding files from
    disk, is still reported.""" + RECEIVER_TYPES
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
        "import io, zipfile\nasync def f(data):\n    return zipfile.ZipFile(io.BytesIO(data)).read('x')\n",
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
    in the body of an `async def`.""" + RECEIVER_TYPES
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
    offload_fix = True
    fix_safety = """Unsafe (applied with `--unsafe-fixes`): the call becomes
    `await asyncio.to_thread(f, *args, **kwargs)`, which moves it to a worker thread;
    the callee then runs concurrently with the event loop, so anything it shares with
    other tasks must be thread-safe. Offered in asyncio modules, where the call is a whole
    statement, an assignment's value or a return value."""
    code = "CCL106"
    name = "blocking-database-call"
    category = "database"
    summary = "A synchronous database driver call inside `async def` blocks the event loop."
    what = """Finds calls of synchronous database drivers (`sqlite3`, `psycopg2`,
    `pymysql`, sync `redis`, `pymongo`) in the body of an `async def`, including methods
    of connections and cursors whose constructor conclint can see.""" + RECEIVER_TYPES
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
