"""What to use instead of a blocking call, per async framework (data only)."""

from typing import Dict, Iterable, List

from conclint.knowledge import blocking

#: Specific replacements: qualified name -> framework -> advice.
SPECIFIC: Dict[str, Dict[str, str]] = {
    "time.sleep": {
        "asyncio": "await asyncio.sleep(...)",
        "trio": "await trio.sleep(...)",
        "anyio": "await anyio.sleep(...)",
    },
}


def _each(names: Iterable[str], asyncio: str, trio: str, anyio: str) -> None:
    """Record advice for every name; ``{name}``, ``{short}`` and ``{attr}`` are filled in.

    ``short`` is the name as users write it (``open`` for ``builtins.open``), ``attr`` its
    last component (the function or method name). The first advice recorded for a name
    wins, so specific groups come before general ones.
    """
    for name in names:
        fields = {"name": name, "attr": name.rsplit(".", 1)[-1],
                  "short": name.removeprefix("builtins.")}
        SPECIFIC.setdefault(name, {
            "asyncio": asyncio.format(**fields),
            "trio": trio.format(**fields),
            "anyio": anyio.format(**fields),
        })


def _in_thread(names: Iterable[str], what: str = "{short}") -> None:
    """The generic advice, but naming the function to hand to the worker thread."""
    _each(
        names,
        f"await asyncio.to_thread({what}, ...)",
        f"await trio.to_thread.run_sync({what}, ...)",
        f"await anyio.to_thread.run_sync({what}, ...)",
    )


def _types(*owners: str, methods: Iterable[str]) -> List[str]:
    methods = tuple(methods)
    return [f"{owner}.{method}" for owner in owners for method in methods]


_HTTP_VERBS = ("get", "post", "put", "patch", "delete", "head", "options", "request")
_PATHS = ("pathlib.Path", "pathlib.PosixPath", "pathlib.WindowsPath")

# ---- subprocesses ------------------------------------------------------------------------
_each(
    ["subprocess.run", "subprocess.call", "subprocess.check_call", "subprocess.check_output",
     "os.spawnl", "os.spawnle", "os.spawnlp", "os.spawnlpe", "os.spawnv", "os.spawnve",
     "os.spawnvp", "os.spawnvpe"],
    "proc = await asyncio.create_subprocess_exec(...); await proc.communicate()",
    "await trio.run_process(...)",
    "await anyio.run_process(...)",
)
_each(
    ["subprocess.getoutput", "subprocess.getstatusoutput", "os.system", "os.popen"],
    "proc = await asyncio.create_subprocess_shell(...); await proc.communicate()",
    "await trio.run_process(..., shell=True)",
    "await anyio.run_process(...) with a command string",
)
_each(
    ["subprocess.Popen.wait"],
    "an asyncio.subprocess.Process from asyncio.create_subprocess_exec(...): await proc.wait()",
    "a trio.Process from trio.lowlevel.open_process(...): await process.wait()",
    "an anyio Process from anyio.open_process(...): await process.wait()",
)
_each(
    ["subprocess.Popen.communicate"],
    "await proc.communicate() on asyncio.create_subprocess_exec(...)",
    "await trio.run_process(..., capture_stdout=True)",
    "await anyio.run_process(...)",
)
_in_thread(["os.wait", "os.waitpid", "os.wait3", "os.wait4", "os.waitid", "pty.spawn",
            "pexpect.run"])

# ---- files -----------------------------------------------------------------------------------
_each(
    ["builtins.open", "io.open", "io.open_code", "codecs.open"],
    "aiofiles.open(...) or await asyncio.to_thread({short}, ...)",
    "await trio.open_file(...)",
    "await anyio.open_file(...)",
)
# aiofiles.os (and aiofiles.os.path) mirror these os functions.
_AIOFILES_OS = {
    "os.stat", "os.rename", "os.replace", "os.remove", "os.unlink", "os.mkdir", "os.makedirs",
    "os.rmdir", "os.link", "os.symlink", "os.readlink", "os.listdir", "os.scandir",
    "os.path.exists", "os.path.isfile", "os.path.isdir", "os.path.islink", "os.path.ismount",
    "os.path.getsize", "os.path.getmtime", "os.path.getatime", "os.path.getctime",
    "os.path.samefile",
}
# os.path checks and os calls that have a trio.Path / anyio.Path method.
for _os_name, _path_method in {
    "os.path.exists": "exists()", "os.path.isfile": "is_file()", "os.path.isdir": "is_dir()",
    "os.path.islink": "is_symlink()", "os.path.ismount": "is_mount()",
    "os.path.getsize": "stat()).st_size", "os.path.getmtime": "stat()).st_mtime",
    "os.path.getatime": "stat()).st_atime", "os.path.getctime": "stat()).st_ctime",
    "os.path.samefile": "samefile(other)", "os.path.realpath": "resolve()",
    "os.stat": "stat()", "os.lstat": "lstat()", "os.listdir": "iterdir()",
    "os.scandir": "iterdir()", "os.mkdir": "mkdir()", "os.makedirs": "mkdir(parents=True)",
    "os.remove": "unlink()", "os.unlink": "unlink()", "os.rmdir": "rmdir()",
    "os.rename": "rename(target)", "os.replace": "replace(target)",
    "os.readlink": "readlink()", "os.symlink": "symlink_to(target)",
    "os.link": "hardlink_to(target)", "os.chmod": "chmod(mode)",
}.items():
    _opening = "(" if _path_method.startswith("stat()).") else ""
    _aio = _os_name.replace("os.", "aiofiles.os.", 1)
    _each(
        [_os_name],
        f"await {_aio}(...) or await asyncio.to_thread({_os_name}, ...)"
        if _os_name in _AIOFILES_OS else f"await asyncio.to_thread({_os_name}, ...)",
        f"{_opening}await trio.Path(p).{_path_method}",
        "async for entry in anyio.Path(p).iterdir()" if _path_method == "iterdir()"
        else f"{_opening}await anyio.Path(p).{_path_method}",
    )
# pathlib methods: the same method on trio.Path / anyio.Path is awaitable
# (anyio.Path's iterdir/glob/rglob are async iterators).
_each(
    _types(*_PATHS, methods=("iterdir", "glob", "rglob")),
    "await asyncio.to_thread(lambda: list(path.{attr}(...))) (or anyio.Path)",
    "await trio.Path(path).{attr}(...)",
    "async for entry in anyio.Path(path).{attr}(...)",
)
_each(
    _types(*_PATHS, methods=(
        "read_text", "read_bytes", "write_text", "write_bytes", "open", "exists", "is_file",
        "is_dir", "is_symlink", "is_mount", "is_block_device", "is_char_device", "is_fifo",
        "is_socket", "stat", "lstat", "mkdir", "touch", "unlink",
        "rename", "replace", "rmdir", "chmod", "lchmod", "samefile", "owner", "group",
        "readlink", "symlink_to", "hardlink_to", "resolve")),
    "await asyncio.to_thread(path.{attr}, ...) (or anyio.Path)",
    "await trio.Path(path).{attr}(...)",
    "await anyio.Path(path).{attr}(...)",
)
_each(
    ["tempfile.TemporaryFile", "tempfile.NamedTemporaryFile"],
    "aiofiles.tempfile.{attr}(...) or await asyncio.to_thread(tempfile.{attr}, ...)",
    "await trio.to_thread.run_sync(tempfile.{attr}, ...) wrapped with trio.wrap_file",
    "anyio.{attr}(...) as an async context manager (recent anyio), "
    "or await anyio.to_thread.run_sync(...)",
)
_each(
    ["ssl.create_default_context"],
    "an SSLContext made once at start-up (outside the event loop), "
    "or await asyncio.to_thread(ssl.create_default_context, ...)",
    "an SSLContext made once at start-up, or await trio.to_thread.run_sync(...)",
    "an SSLContext made once at start-up, or await anyio.to_thread.run_sync(...)",
)

# ---- network -------------------------------------------------------------------------------
_each(
    [f"{module}.{verb}" for module in ("requests", "requests.api", "httpx") for verb in _HTTP_VERBS]
    + _types("requests.Session", "requests.sessions.Session", "httpx.Client", methods=_HTTP_VERBS),
    "await client.{attr}(...) with httpx.AsyncClient (or aiohttp.ClientSession)",
    "await client.{attr}(...) with httpx.AsyncClient",
    "await client.{attr}(...) with httpx.AsyncClient",
)
_each(
    ["httpx.stream", "httpx.Client.stream", "httpx.Client.send", "requests.Session.send",
     "requests.sessions.Session.send"],
    "the same call on httpx.AsyncClient (async with client.stream(...) / await client.send(...))",
    "the same call on httpx.AsyncClient (async with client.stream(...) / await client.send(...))",
    "the same call on httpx.AsyncClient (async with client.stream(...) / await client.send(...))",
)
_each(
    ["urllib.request.urlopen", "urllib.request.urlretrieve", "urllib.request.OpenerDirector.open",
     "urllib3.request"]
    + _types("urllib3.PoolManager", "urllib3.poolmanager.PoolManager", "urllib3.ProxyManager",
             "urllib3.poolmanager.ProxyManager", "urllib3.HTTPConnectionPool",
             "urllib3.connectionpool.HTTPConnectionPool", "urllib3.HTTPSConnectionPool",
             "urllib3.connectionpool.HTTPSConnectionPool",
             methods=("request", "urlopen", "request_encode_url", "request_encode_body"))
    + _types("http.client.HTTPConnection", "http.client.HTTPSConnection",
             methods=("connect", "request", "getresponse", "endheaders", "send")),
    "an async HTTP client: await httpx.AsyncClient().request(...) (or aiohttp)",
    "an async HTTP client: await httpx.AsyncClient().request(...)",
    "an async HTTP client: await httpx.AsyncClient().request(...)",
)
_each(
    ["socket.create_connection"],
    "reader, writer = await asyncio.open_connection(host, port)",
    "await trio.open_tcp_stream(host, port)",
    "await anyio.connect_tcp(host, port)",
)
_each(
    ["socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyname_ex"],
    "await asyncio.get_running_loop().getaddrinfo(...)",
    "await trio.socket.getaddrinfo(...)",
    "await anyio.getaddrinfo(...)",
)
_each(
    ["socket.getnameinfo", "socket.gethostbyaddr"],
    "await asyncio.get_running_loop().getnameinfo(...)",
    "await trio.socket.getnameinfo(...)",
    "await anyio.getnameinfo(...)",
)
for _method, _loop_method in {
    "recv": "sock_recv", "recv_into": "sock_recv_into", "recvfrom": "sock_recvfrom",
    "recvfrom_into": "sock_recvfrom_into", "send": "sock_sendall", "sendall": "sock_sendall",
    "sendto": "sock_sendto", "connect": "sock_connect", "connect_ex": "sock_connect",
    "accept": "sock_accept", "sendfile": "sock_sendfile",
}.items():
    _each(
        [f"socket.socket.{_method}"],
        f"await asyncio.get_running_loop().{_loop_method}(sock, ...) on a non-blocking "
        "socket, or asyncio streams",
        "trio.socket.socket (await sock.{attr}(...)) or a trio.SocketStream",
        "an anyio socket stream (anyio.connect_tcp / anyio.create_tcp_listener)",
    )
_each(
    ["ssl.SSLContext.wrap_socket", "ssl.wrap_socket"]
    + _types("ssl.SSLSocket", methods=("do_handshake", "recv", "send", "sendall", "read", "write")),
    "asyncio streams with TLS: await asyncio.open_connection(host, port, ssl=context)",
    "await trio.open_ssl_over_tcp_stream(host, port, ssl_context=context)",
    "await anyio.connect_tcp(host, port, ssl_context=context)",
)
_each(
    ["dns.resolver.resolve", "dns.resolver.resolve_address", "dns.resolver.query",
     "dns.resolver.Resolver.resolve", "dns.resolver.Resolver.resolve_address",
     "dns.resolver.Resolver.query"],
    "await dns.asyncresolver.resolve(...) (or resolve_address)",
    "await dns.asyncresolver.resolve(...) (dnspython supports trio)",
    "await dns.asyncresolver.resolve(...) (or resolve_address)",
)
_each(
    ["smtplib.SMTP", "smtplib.SMTP_SSL", "smtplib.LMTP"]
    + _types("smtplib.SMTP", "smtplib.SMTP_SSL", "smtplib.LMTP",
             methods=("connect", "login", "starttls", "sendmail", "send_message", "quit")),
    "aiosmtplib (await aiosmtplib.send(...)) or await asyncio.to_thread(...)",
    "await trio.to_thread.run_sync(...) around the whole SMTP exchange",
    "await anyio.to_thread.run_sync(...) around the whole SMTP exchange",
)
_each(
    ["ftplib.FTP", "ftplib.FTP_TLS"],
    "aioftp.Client or await asyncio.to_thread(...)",
    "await trio.to_thread.run_sync(...) around the whole FTP session",
    "await anyio.to_thread.run_sync(...) around the whole FTP session",
)
_each(
    ["imaplib.IMAP4", "imaplib.IMAP4_SSL"],
    "aioimaplib or await asyncio.to_thread(...)",
    "await trio.to_thread.run_sync(...) around the whole IMAP session",
    "await anyio.to_thread.run_sync(...) around the whole IMAP session",
)
_each(
    _types("paramiko.SSHClient", "paramiko.client.SSHClient", methods=("connect", "exec_command", "open_sftp")),
    "asyncssh (await asyncssh.connect(...)) or await asyncio.to_thread(...)",
    "await trio.to_thread.run_sync(...) around the SSH session",
    "await anyio.to_thread.run_sync(...) around the SSH session",
)
_each(
    ["websocket.create_connection"],
    "await websockets.connect(...)",
    "trio-websocket: async with trio_websocket.open_websocket_url(...)",
    "await anyio.to_thread.run_sync(...), or an async websocket client",
)
_each(
    ["pika.BlockingConnection", "pika.adapters.blocking_connection.BlockingConnection"],
    "aio-pika (await aio_pika.connect_robust(...))",
    "await trio.to_thread.run_sync(...), or an async AMQP client",
    "await anyio.to_thread.run_sync(...), or an async AMQP client",
)
_each(
    ["django.core.mail.send_mail", "django.core.mail.send_mass_mail",
     "django.core.mail.mail_admins", "django.core.mail.mail_managers"],
    "await asgiref.sync.sync_to_async({name})(...)",
    "await trio.to_thread.run_sync({name}, ...)",
    "await anyio.to_thread.run_sync({name}, ...)",
)

# ---- waits -------------------------------------------------------------------------------------
_each(
    ["builtins.input", "getpass.getpass", "sys.stdin.read", "sys.stdin.readline",
     "sys.stdin.readlines"],
    "await asyncio.to_thread({short}, ...)",
    "await trio.to_thread.run_sync({short}, ...)",
    "await anyio.to_thread.run_sync({short}, ...)",
)
_each(
    _types("threading.Lock", "threading.RLock", methods=("acquire",)),
    "asyncio.Lock (async with lock: / await lock.acquire())",
    "trio.Lock (async with lock:)",
    "anyio.Lock (async with lock:)",
)
_each(
    _types("threading.Semaphore", "threading.BoundedSemaphore", methods=("acquire",)),
    "asyncio.Semaphore (async with sem:)",
    "trio.Semaphore (async with sem:)",
    "anyio.Semaphore (async with sem:)",
)
_each(
    _types("threading.Condition", methods=("acquire", "wait", "wait_for")),
    "asyncio.Condition (await cond.{attr}(...))",
    "trio.Condition (await cond.wait())",
    "anyio.Condition (await cond.wait())",
)
_each(
    ["threading.Event.wait"],
    "asyncio.Event (await event.wait())",
    "trio.Event (await event.wait())",
    "anyio.Event (await event.wait())",
)
_each(
    ["threading.Barrier.wait"],
    "asyncio.Barrier (await barrier.wait())",
    "await trio.to_thread.run_sync(barrier.wait)",
    "await anyio.to_thread.run_sync(barrier.wait)",
)
_each(
    _types("queue.Queue", "queue.LifoQueue", "queue.PriorityQueue", methods=("get", "put"))
    + ["queue.SimpleQueue.get"],
    "asyncio.Queue (await q.{attr}(...)), or janus.Queue to share a queue with threads",
    "a trio memory channel (trio.open_memory_channel)",
    "an anyio memory object stream (anyio.create_memory_object_stream)",
)
_each(
    _types("queue.Queue", "queue.LifoQueue", "queue.PriorityQueue", methods=("join",)),
    "asyncio.Queue (await q.join())",
    "await trio.to_thread.run_sync(q.join)",
    "await anyio.to_thread.run_sync(q.join)",
)
_each(
    ["concurrent.futures.Future.result", "concurrent.futures.Future.exception"],
    "await asyncio.wrap_future(future)",
    "await trio.to_thread.run_sync(future.{attr})",
    "await anyio.to_thread.run_sync(future.{attr})",
)
_each(
    ["concurrent.futures.wait"],
    "await asyncio.wait([asyncio.wrap_future(f) for f in futures])",
    "await trio.to_thread.run_sync(concurrent.futures.wait, futures)",
    "await anyio.to_thread.run_sync(concurrent.futures.wait, futures)",
)
_each(
    ["concurrent.futures.as_completed"],
    "asyncio.as_completed([asyncio.wrap_future(f) for f in futures])",
    "await trio.to_thread.run_sync(...) for each future, in a nursery",
    "await anyio.to_thread.run_sync(...) for each future, in a task group",
)
_in_thread(["threading.Thread.join", "threading.Timer.join"], "thread.join")
_in_thread(["multiprocessing.Process.join"], "process.join")
_each(
    _types("multiprocessing.pool.Pool", methods=("apply", "map", "starmap")),
    "await loop.run_in_executor(process_pool_executor, ...)",
    "await trio.to_thread.run_sync(pool.{attr}, ...)",
    "await anyio.to_process.run_sync(...)",
)
_each(
    ["select.select"] + _types("selectors.DefaultSelector", "selectors.BaseSelector", methods=("select",)),
    "loop.add_reader(...) / asyncio streams instead of polling",
    "await trio.lowlevel.wait_readable(sock) / wait_writable(sock)",
    "await anyio.wait_readable(sock) / anyio.wait_writable(sock)",
)
_each(
    ["signal.pause", "signal.sigwait", "signal.sigwaitinfo", "signal.sigtimedwait"],
    "loop.add_signal_handler(...) and await an asyncio.Event",
    "with trio.open_signal_receiver(...) as signals: async for signum in signals",
    "with anyio.open_signal_receiver(...) as signals: async for signum in signals",
)
_each(
    ["filelock.FileLock.acquire", "filelock.SoftFileLock.acquire"],
    "filelock.AsyncFileLock (await lock.acquire()) or await asyncio.to_thread(lock.acquire)",
    "await trio.to_thread.run_sync(lock.acquire)",
    "await anyio.to_thread.run_sync(lock.acquire)",
)

# ---- databases ----------------------------------------------------------------------------------
_each(
    ["sqlite3.connect"],
    "aiosqlite.connect(...) (async with aiosqlite.connect(path) as db:)",
    "await trio.to_thread.run_sync(...) around the whole transaction",
    "await anyio.to_thread.run_sync(...) around the whole transaction",
)
_each(
    _types("sqlite3.Connection", methods=("execute", "executemany", "executescript", "commit", "rollback"))
    + _types("sqlite3.Cursor",
             methods=("execute", "executemany", "executescript", "fetchone", "fetchmany", "fetchall")),
    "aiosqlite (await db.{attr}(...)), or run the whole transaction in asyncio.to_thread",
    "await trio.to_thread.run_sync(...) around the whole transaction",
    "await anyio.to_thread.run_sync(...) around the whole transaction",
)
_each(
    ["psycopg2.connect", "psycopg.connect", "psycopg.Connection.connect"],
    "await psycopg.AsyncConnection.connect(...) or asyncpg.connect(...)",
    "await trio.to_thread.run_sync(...) around the whole transaction",
    "await psycopg.AsyncConnection.connect(...) under anyio's asyncio backend, "
    "or anyio.to_thread.run_sync(...)",
)
_each(
    ["pymysql.connect", "pymysql.Connect", "pymysql.Connection", "MySQLdb.connect",
     "mysql.connector.connect"],
    "aiomysql or asyncmy (await aiomysql.connect(...))",
    "await trio.to_thread.run_sync(...) around the whole transaction",
    "await anyio.to_thread.run_sync(...) around the whole transaction",
)
_each(
    _types("redis.Redis", "redis.StrictRedis", "redis.client.Redis", "redis.client.StrictRedis",
           methods=("get", "set", "delete", "hget", "hset", "hgetall", "incr", "expire",
                    "publish", "lpush", "rpush", "lpop", "rpop", "blpop", "brpop", "keys",
                    "exists", "mget", "mset", "execute_command", "ping")),
    "redis.asyncio.Redis (await r.{attr}(...))",
    "await trio.to_thread.run_sync(r.{attr}, ...)",
    "redis.asyncio.Redis under anyio's asyncio backend, or anyio.to_thread.run_sync(...)",
)
_each(
    _types("pymongo.collection.Collection",
           methods=("find_one", "insert_one", "insert_many", "update_one", "update_many",
                    "replace_one", "delete_one", "delete_many", "count_documents", "aggregate",
                    "distinct", "find_one_and_update", "bulk_write")),
    "pymongo.AsyncMongoClient (await collection.{attr}(...)) or motor",
    "await trio.to_thread.run_sync(collection.{attr}, ...)",
    "await anyio.to_thread.run_sync(collection.{attr}, ...)",
)
_each(
    _types("sqlalchemy.orm.Session", "sqlalchemy.orm.session.Session",
           methods=("execute", "scalar", "scalars", "get", "commit", "flush", "refresh"))
    + _types("sqlalchemy.engine.Connection", "sqlalchemy.Connection",
             methods=("execute", "scalar", "scalars", "commit"))
    + _types("sqlalchemy.engine.Engine", "sqlalchemy.Engine", methods=("connect", "begin")),
    "sqlalchemy.ext.asyncio (AsyncEngine / AsyncSession: await session.{attr}(...))",
    "await trio.to_thread.run_sync(...) around the whole unit of work",
    "await anyio.to_thread.run_sync(...) around the whole unit of work",
)
_each(
    _types("elasticsearch.Elasticsearch",
           methods=("search", "index", "get", "delete", "update", "count", "bulk")),
    "elasticsearch.AsyncElasticsearch (await es.{attr}(...))",
    "await trio.to_thread.run_sync(es.{attr}, ...)",
    "await anyio.to_thread.run_sync(es.{attr}, ...)",
)

_each(
    ["redis.client.Pipeline.execute"],
    "a redis.asyncio pipeline (await pipe.execute())",
    "await trio.to_thread.run_sync(pipe.execute)",
    "a redis.asyncio pipeline under anyio's asyncio backend, or anyio.to_thread.run_sync(...)",
)

# ---- every other entry of a library that has an async counterpart -------------------------------
_LIBRARIES = {
    ("psycopg2.", "psycopg.", "psycopg_pool."): (
        "psycopg.AsyncConnection / psycopg_pool.AsyncConnectionPool (awaited) or asyncpg",
        "await trio.to_thread.run_sync(...) around the whole transaction",
        "psycopg's async API (on anyio's asyncio backend) or await anyio.to_thread.run_sync(...)",
    ),
    ("pymysql.", "MySQLdb.", "mysql.connector."): (
        "aiomysql or asyncmy (the same call, awaited)",
        "await trio.to_thread.run_sync(...) around the whole transaction",
        "await anyio.to_thread.run_sync(...) around the whole transaction",
    ),
    ("oracledb.", "cx_Oracle."): (
        "python-oracledb's async API (await oracledb.connect_async(...))",
        "await trio.to_thread.run_sync(...) around the whole transaction",
        "await anyio.to_thread.run_sync(...) around the whole transaction",
    ),
    ("redis.",): (
        "redis.asyncio (the same command, awaited)",
        "await trio.to_thread.run_sync(...)",
        "redis.asyncio under anyio's asyncio backend, or await anyio.to_thread.run_sync(...)",
    ),
    ("pymongo.",): (
        "pymongo.AsyncMongoClient or motor (the same call, awaited)",
        "await trio.to_thread.run_sync(...)",
        "await anyio.to_thread.run_sync(...)",
    ),
    ("sqlalchemy.",): (
        "sqlalchemy.ext.asyncio (AsyncEngine / AsyncSession: the same call, awaited)",
        "await trio.to_thread.run_sync(...) around the whole unit of work",
        "await anyio.to_thread.run_sync(...) around the whole unit of work",
    ),
    ("elasticsearch.",): (
        "elasticsearch.AsyncElasticsearch (the same call, awaited)",
        "await trio.to_thread.run_sync(...)",
        "await anyio.to_thread.run_sync(...)",
    ),
    ("paramiko.",): (
        "asyncssh, or await asyncio.to_thread(...) around the SSH session",
        "await trio.to_thread.run_sync(...) around the SSH session",
        "await anyio.to_thread.run_sync(...) around the SSH session",
    ),
    ("ftplib.",): (
        "aioftp, or await asyncio.to_thread(...) around the FTP session",
        "await trio.to_thread.run_sync(...) around the FTP session",
        "await anyio.to_thread.run_sync(...) around the FTP session",
    ),
    ("smtplib.",): (
        "aiosmtplib, or await asyncio.to_thread(...) around the SMTP exchange",
        "await trio.to_thread.run_sync(...) around the SMTP exchange",
        "await anyio.to_thread.run_sync(...) around the SMTP exchange",
    ),
    ("imaplib.",): (
        "aioimaplib, or await asyncio.to_thread(...) around the IMAP session",
        "await trio.to_thread.run_sync(...) around the IMAP session",
        "await anyio.to_thread.run_sync(...) around the IMAP session",
    ),
    ("pika.",): (
        "aio-pika (the same operation, awaited)",
        "await trio.to_thread.run_sync(...)",
        "await anyio.to_thread.run_sync(...)",
    ),
    ("requests.", "httpx.", "urllib3.", "http.client.", "urllib.request.", "httplib2.", "pycurl."): (
        "an async HTTP client: httpx.AsyncClient or aiohttp",
        "an async HTTP client: httpx.AsyncClient",
        "an async HTTP client: httpx.AsyncClient",
    ),
}
for _name in sorted({**blocking.BLOCKING_CALLS, **blocking.BLOCKING_METHODS}):
    for _prefixes, (_asyncio, _trio, _anyio) in _LIBRARIES.items():
        if _name.startswith(_prefixes):
            _each([_name], _asyncio, _trio, _anyio)
            break

# ---- everything else that is a plain module function: name it in the thread hand-off ---------
_in_thread([
    "shutil.copy", "shutil.copy2", "shutil.copyfile", "shutil.copymode", "shutil.copystat",
    "shutil.copytree", "shutil.rmtree", "shutil.move", "shutil.make_archive",
    "shutil.unpack_archive", "shutil.disk_usage", "shutil.chown", "shutil.which",
    "glob.glob", "glob.iglob", "os.walk", "os.fwalk", "os.access", "os.utime", "os.truncate",
    "os.fsync", "os.fdatasync", "os.sync", "os.read", "os.write", "os.sendfile",
    "os.removedirs", "os.renames", "os.statvfs", "os.open", "os.path.lexists",
    "os.path.sameopenfile", "gzip.open", "bz2.open", "lzma.open", "zipfile.ZipFile",
    "tarfile.open", "tempfile.mkstemp", "tempfile.mkdtemp", "tempfile.TemporaryDirectory",
    "shelve.open", "dbm.open", "filecmp.cmp", "filecmp.cmpfiles", "fcntl.flock", "fcntl.lockf",
    "multiprocessing.Manager", "urllib.request.urlretrieve",
])

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
