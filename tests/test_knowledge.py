"""Shape checks for the blocking-call catalogue (``conclint.knowledge``).

The catalogue is data; these tests keep it well formed and precise: valid categories,
dotted names, factories that lead somewhere, no constructor that does no I/O, no
non-blocking method, no async-library name, and every standard-library name real.
"""

import re
import sys

import pytest

from conclint.knowledge import alternatives, blocking
from conclint.knowledge.catalogue import CATEGORIES, Catalogue
from conftest import lookup_name

CALLS = blocking.BLOCKING_CALLS
METHODS = blocking.BLOCKING_METHODS
FACTORIES = blocking.FACTORIES
CATALOGUE = Catalogue.build()
TYPES = CATALOGUE.types

DOTTED = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$")


def owner(name: str) -> str:
    return name.rsplit(".", 1)[0]


def entries():
    return [*CALLS.items(), *METHODS.items()]


# ---- form ----------------------------------------------------------------------------------


def test_category_constants():
    assert {blocking.SLEEP, blocking.NETWORK, blocking.SUBPROCESS, blocking.FILE,
            blocking.WAIT, blocking.DATABASE} == set(CATEGORIES)


def test_every_category_is_valid():
    bad = {name: category for name, category in entries() if category not in CATEGORIES}
    assert not bad


def test_every_category_is_used():
    assert {category for _, category in entries()} == set(CATEGORIES)


def test_every_name_is_a_dotted_identifier():
    names = [*CALLS, *METHODS, *FACTORIES, *FACTORIES.values()]
    bad = [name for name in names if not isinstance(name, str) or not DOTTED.match(name)]
    assert not bad


def test_methods_name_a_type_and_a_method():
    # "module.Type.method": at least a module, a type and the method.
    bad = [name for name in METHODS if name.count(".") < 2]
    assert not bad


def test_no_name_is_both_a_call_and_a_method():
    assert not set(CALLS) & set(METHODS)


def test_the_catalogue_is_broad():
    assert len(CALLS) + len(METHODS) >= 500
    per_category = {category: 0 for category in CATEGORIES}
    for _, category in entries():
        per_category[category] += 1
    assert per_category[blocking.SLEEP] >= 1
    for category in CATEGORIES - {blocking.SLEEP}:
        assert per_category[category] >= 20, category


# ---- factories -----------------------------------------------------------------------------


def test_every_factory_result_is_useful():
    """A factory's result type has blocking methods, or methods that are factories."""
    method_owners = {owner(name) for name in METHODS}
    factory_owners = {owner(name) for name in FACTORIES}
    useless = {
        key: result for key, result in FACTORIES.items()
        if result not in method_owners and result not in factory_owners
    }
    assert not useless


def test_factory_methods_hang_off_known_types():
    """``"module.Type.method"`` factories are reachable only if ``module.Type`` is a type.

    Types are the owners of method entries plus factory results; a class-like owner
    (``module.Capitalised``) that is neither would make its factories dead data.
    """
    dead = [
        key for key in FACTORIES
        if "." in owner(key)
        and owner(key).rsplit(".", 1)[-1][:1].isupper()
        and owner(key) not in TYPES
    ]
    assert not dead


@pytest.mark.parametrize(
    "chain, category",
    [
        (("socket.create_connection", "recv"), "network"),
        (("ssl.create_default_context", "wrap_socket", "sendall"), "network"),
        (("urllib.request.build_opener", "open"), "network"),
        (("requests.session", "get"), "network"),
        (("requests.Session", "post"), "network"),
        (("httpx.Client", "get"), "network"),
        (("urllib3.PoolManager", "request"), "network"),
        (("urllib3.PoolManager", "connection_from_url", "urlopen"), "network"),
        (("http.client.HTTPSConnection", "getresponse"), "network"),
        (("smtplib.SMTP", "send_message"), "network"),
        (("ftplib.FTP_TLS", "retrbinary"), "network"),
        (("paramiko.SSHClient", "open_sftp", "get"), "network"),
        (("subprocess.Popen", "communicate"), "subprocess"),
        (("pathlib.Path", "read_text"), "file"),
        (("pathlib.Path.home", "iterdir"), "file"),
        (("pathlib.Path", "resolve", "exists"), "file"),
        (("tarfile.open", "extractall"), "file"),
        (("zipfile.ZipFile", "extractall"), "file"),
        (("threading.Lock", "acquire"), "wait"),
        (("threading.Event", "wait"), "wait"),
        (("threading.Thread", "join"), "wait"),
        (("queue.Queue", "get"), "wait"),
        (("multiprocessing.Queue", "get"), "wait"),
        (("concurrent.futures.ThreadPoolExecutor", "submit", "result"), "wait"),
        (("concurrent.futures.ProcessPoolExecutor", "shutdown"), "wait"),
        (("multiprocessing.Pool", "map"), "wait"),
        (("multiprocessing.Pool", "apply_async", "get"), "wait"),
        (("select.poll", "poll"), "wait"),
        (("selectors.DefaultSelector", "select"), "wait"),
        (("sqlite3.connect", "execute"), "database"),
        (("sqlite3.connect", "cursor", "fetchall"), "database"),
        (("sqlite3.connect", "execute", "fetchone"), "database"),
        (("psycopg2.connect", "cursor", "execute"), "database"),
        (("pymysql.connect", "cursor", "execute"), "database"),
        (("redis.Redis", "get"), "database"),
        (("redis.from_url", "pipeline", "execute"), "database"),
        (("pymongo.MongoClient", "get_database", "get_collection", "find_one"), "database"),
        (("sqlalchemy.create_engine", "connect", "execute"), "database"),
    ],
)
def test_factory_chains_reach_blocking_methods(chain, category):
    first, *middle, last = chain
    result = CATALOGUE.result_type(first)
    assert result, first
    for method in middle:
        result = CATALOGUE.result_type(f"{result}.{method}")
        assert result, method
    assert CATALOGUE.category_of_method(result, last) == category


# ---- precision -----------------------------------------------------------------------------

#: Constructors and factories that do no I/O: calling them is clean.
NO_IO_CALLS = [
    "requests.Session", "requests.sessions.Session", "requests.session", "requests.Request",
    "urllib.request.Request", "urllib.request.build_opener", "urllib.request.OpenerDirector",
    "http.client.HTTPConnection", "http.client.HTTPSConnection",
    "httpx.Client", "httpx.Request", "urllib3.PoolManager", "urllib3.HTTPConnectionPool",
    "socket.socket", "socket.socketpair", "socket.gethostname", "ssl.SSLContext",
    "sqlite3.Row", "sqlite3.Connection.cursor",
    "threading.Lock", "threading.RLock", "threading.Event", "threading.Condition",
    "threading.Semaphore", "threading.BoundedSemaphore", "threading.Barrier",
    "threading.Thread", "threading.Timer",
    "queue.Queue", "queue.LifoQueue", "queue.PriorityQueue", "queue.SimpleQueue",
    "multiprocessing.Queue", "multiprocessing.Lock", "multiprocessing.Event",
    "multiprocessing.Process", "multiprocessing.Pool",
    "concurrent.futures.ThreadPoolExecutor", "concurrent.futures.ProcessPoolExecutor",
    "subprocess.Popen", "selectors.DefaultSelector", "select.poll", "select.epoll",
    "pathlib.Path", "pathlib.PurePath", "configparser.ConfigParser",
    "redis.Redis", "redis.StrictRedis", "redis.from_url", "pymongo.MongoClient",
    "paramiko.SSHClient", "sqlalchemy.create_engine", "sqlalchemy.orm.Session",
    "psycopg_pool.ConnectionPool", "elasticsearch.Elasticsearch", "clickhouse_driver.Client",
    "boto3.client", "boto3.resource", "boto3.session.Session",
    # Wraps a descriptor that is already open.
    "os.fdopen",
]

#: Pure functions: string or arithmetic work, no I/O.
PURE_CALLS = [
    "os.path.join", "os.path.abspath", "os.path.normpath", "os.path.normcase",
    "os.path.basename", "os.path.dirname", "os.path.split", "os.path.splitext",
    "os.path.relpath", "os.path.commonpath", "os.path.expanduser", "os.path.expandvars",
    "os.path.isabs", "os.fspath", "os.getenv", "os.getpid", "os.cpu_count",
    "fnmatch.fnmatch", "shlex.split", "shlex.quote", "json.loads", "json.dumps",
    "time.time", "time.monotonic", "time.perf_counter",
    # Operate on an already-open file: the open is the finding.
    "json.load", "json.dump", "pickle.load", "pickle.dump", "shutil.copyfileobj",
    # Spawn without waiting.
    "os.posix_spawn", "os.posix_spawnp", "os.fork",
]

#: Methods that never wait.
NON_BLOCKING_METHODS = [
    "queue.Queue.get_nowait", "queue.Queue.put_nowait", "queue.Queue.qsize",
    "queue.Queue.task_done", "queue.SimpleQueue.put", "queue.SimpleQueue.put_nowait",
    "multiprocessing.Queue.get_nowait", "multiprocessing.Queue.put_nowait",
    "threading.Lock.release", "threading.Lock.locked", "threading.RLock.release",
    "threading.Event.set", "threading.Event.clear", "threading.Event.is_set",
    "threading.Condition.notify", "threading.Condition.notify_all",
    "threading.Condition.release", "threading.Semaphore.release", "threading.Thread.start",
    "threading.Thread.is_alive",
    "socket.socket.setblocking", "socket.socket.settimeout", "socket.socket.fileno",
    "socket.socket.close", "socket.socket.setsockopt", "socket.socket.getsockname",
    "socket.socket.makefile", "socket.socket.listen", "socket.socket.bind",
    "subprocess.Popen.poll", "subprocess.Popen.kill", "subprocess.Popen.terminate",
    "subprocess.Popen.send_signal",
    "concurrent.futures.Future.done", "concurrent.futures.Future.cancel",
    "concurrent.futures.Future.add_done_callback",
    "concurrent.futures.ThreadPoolExecutor.submit", "concurrent.futures.ThreadPoolExecutor.map",
    "multiprocessing.pool.Pool.apply_async", "multiprocessing.pool.Pool.map_async",
    "multiprocessing.pool.Pool.close", "multiprocessing.pool.AsyncResult.ready",
    "multiprocessing.Process.start", "multiprocessing.Process.is_alive",
    "pathlib.Path.with_suffix", "pathlib.Path.with_name", "pathlib.Path.joinpath",
    "pathlib.Path.absolute", "pathlib.Path.expanduser", "pathlib.Path.as_posix",
    "pathlib.Path.is_absolute", "pathlib.Path.match", "pathlib.Path.relative_to",
    "requests.Session.mount", "requests.Session.close", "requests.Session.prepare_request",
    "httpx.Client.build_request", "httpx.Client.close",
    "http.client.HTTPConnection.putheader", "http.client.HTTPConnection.set_tunnel",
    "sqlite3.Connection.cursor", "sqlite3.Connection.close",
    "redis.Redis.pipeline", "redis.Redis.pubsub", "redis.Redis.lock", "redis.Redis.close",
    "redis.client.Pipeline.get", "redis.client.Pipeline.set", "redis.client.Pipeline.multi",
    "pymongo.MongoClient.get_database", "pymongo.database.Database.get_collection",
    "pymongo.collection.Collection.find",
    "psycopg2.extensions.connection.cursor", "psycopg2.extensions.cursor.mogrify",
    "psycopg2.extensions.cursor.fetchall", "pymysql.cursors.Cursor.fetchall",
    "zipfile.ZipFile.namelist", "zipfile.ZipFile.infolist", "zipfile.ZipFile.getinfo",
    "ssl.SSLContext.set_ciphers", "configparser.ConfigParser.get",
]


@pytest.mark.parametrize("name", NO_IO_CALLS + PURE_CALLS)
def test_no_io_call_is_listed_as_blocking(name):
    assert name not in CALLS
    assert name not in METHODS


@pytest.mark.parametrize("name", NON_BLOCKING_METHODS)
def test_non_blocking_method_is_not_listed(name):
    assert name not in METHODS
    assert name not in CALLS


ASYNC_PREFIXES = (
    "asyncio.", "aiohttp.", "aiofiles.", "aiosqlite.", "aiomysql.", "aioredis.", "asyncpg.",
    "trio.", "anyio.", "motor.", "redis.asyncio.", "pymongo.asynchronous.",
    "sqlalchemy.ext.asyncio.", "websockets.", "aio_pika.", "asyncssh.", "aiosmtplib.",
    "httpcore.AsyncConnectionPool", "dns.asyncresolver.",
)
#: Names that contain "Async" but are synchronous waits.
ASYNC_LOOKALIKES = {"multiprocessing.pool.AsyncResult"}


def test_no_async_library_name():
    names = [*CALLS, *METHODS, *FACTORIES.values()]
    bad = [name for name in names if name.startswith(ASYNC_PREFIXES)]
    bad += [
        name for name in names
        if name not in ASYNC_LOOKALIKES and owner(name) not in ASYNC_LOOKALIKES
        and any(part.lower().startswith("async") for part in name.split("."))
    ]
    assert not bad


def test_only_io_free_spellings_of_pure_path():
    assert not [name for name in METHODS if name.startswith("pathlib.Pure")]


def test_boto3_is_not_guessed():
    # boto3 clients are generated at run time: no method of theirs can be resolved.
    assert not [name for name in [*CALLS, *METHODS, *FACTORIES] if name.startswith(("boto3.", "botocore."))]


# ---- openers over memory -------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(blocking.FILE_OBJECT_ARGUMENTS))
def test_file_object_argument_is_where_the_signature_has_it(name):
    """The (keyword, position) pair must name the same parameter of the real opener, or an
    in-memory buffer passed by position would be missed (or a path taken for one)."""
    import inspect

    assert CALLS.get(name) == blocking.FILE, name
    keyword, position = blocking.FILE_OBJECT_ARGUMENTS[name]
    parameters = list(inspect.signature(lookup_name(name)).parameters.values())
    assert parameters[position].name == keyword, name
    assert parameters[position].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD, name


def test_archive_data_methods_are_listed_file_methods():
    for type_name, methods in blocking.ARCHIVE_DATA_METHODS.items():
        assert any(blocking.FACTORIES.get(opener, opener) == type_name for opener in blocking.FILE_OBJECT_ARGUMENTS)
        for method in methods:
            assert METHODS.get(f"{type_name}.{method}") == blocking.FILE, (type_name, method)


# ---- advice --------------------------------------------------------------------------------


def test_specific_advice_names_catalogue_entries():
    stray = set(alternatives.SPECIFIC) - set(CALLS) - set(METHODS)
    assert not stray


def test_specific_advice_covers_every_framework():
    bad = {
        name: advice for name, advice in alternatives.SPECIFIC.items()
        if set(advice) != {"asyncio", "trio", "anyio"} or not all(advice.values())
    }
    assert not bad


def test_advice_never_recommends_another_blocking_call():
    for name, advice in alternatives.SPECIFIC.items():
        for text in advice.values():
            assert "time.sleep" not in text, name
            assert "{" not in text and "}" not in text, (name, text)


def test_every_category_has_fallback_advice():
    for category in CATEGORIES:
        for framework in ("asyncio", "trio", "anyio"):
            assert alternatives.suggest("no.such.name", category, framework)


# ---- standard-library names exist ----------------------------------------------------------

#: Standard-library names that exist only on some platforms or Python versions.
NOT_EVERYWHERE = {
    # removed in 3.12 / 3.13
    "ssl.wrap_socket", "telnetlib", "pathlib.Path.link_to", "pathlib.PosixPath.link_to",
    "pathlib.WindowsPath.link_to",
    # added in 3.12+
    "os.path.isjunction", "concurrent.futures.InterpreterPoolExecutor",
    *(f"pathlib.{cls}.{method}" for cls in ("Path", "PosixPath", "WindowsPath")
      for method in ("walk", "is_junction", "copy", "copy_into", "move", "move_into")),
    # platform-specific
    "os.lchmod", "os.chflags", "os.lchflags", "os.getxattr", "os.setxattr", "os.listxattr",
    "os.removexattr", "os.copy_file_range", "os.fwalk", "os.fdatasync", "os.sync",
    "os.wait3", "os.wait4", "os.waitid", "os.mkfifo", "os.mknod", "os.lockf", "os.pread",
    "os.pwrite", "os.readv", "os.writev", "os.sendfile", "os.statvfs", "os.lchown",
    "os.fchown", "os.chown", "os.fchmod", "os.spawnlp", "os.spawnlpe", "os.spawnvp",
    "os.spawnvpe", "os.wait",
    "select.poll", "select.epoll", "select.devpoll", "select.kqueue",
    "selectors.PollSelector", "selectors.EpollSelector", "selectors.DevpollSelector",
    "selectors.KqueueSelector",
    "signal.pause", "signal.sigwait", "signal.sigwaitinfo", "signal.sigtimedwait",
    "fcntl", "pty", "socket.fromfd",
}


#: Factory functions that stand for a type, with arguments for an I/O-free call.
FACTORY_FUNCTION_ARGS = {
    "threading.Lock": (), "threading.RLock": (), "select.poll": (),
    "multiprocessing.Lock": (), "multiprocessing.RLock": (), "multiprocessing.Event": (),
    "multiprocessing.Semaphore": (), "multiprocessing.BoundedSemaphore": (),
    "multiprocessing.Condition": (), "multiprocessing.Barrier": (2,),
    "multiprocessing.Queue": (), "multiprocessing.JoinableQueue": (),
    "multiprocessing.SimpleQueue": (),
}

#: Methods set on the instance in ``__init__`` (checked on a fresh, I/O-free instance).
INSTANCE_METHODS = {"threading.Condition.acquire"}


def _not_everywhere(name: str) -> bool:
    parts = name.split(".")
    return any(".".join(parts[:i]) in NOT_EVERYWHERE for i in range(1, len(parts) + 1))




def _stdlib_names():
    stdlib = getattr(sys, "stdlib_module_names", None)
    if stdlib is None:  # Python < 3.10
        return []
    names = set(CALLS) | set(FACTORIES) | set(FACTORIES.values()) | {owner(m) for m in METHODS}
    return sorted(
        name for name in names
        if name.split(".")[0] in stdlib and not name.startswith("sys.stdin")
    )


@pytest.mark.parametrize("name", _stdlib_names())
def test_stdlib_name_exists(name):
    try:
        obj = lookup_name(name)
    except (ImportError, AttributeError):
        if _not_everywhere(name):
            pytest.skip(f"{name} is not on this platform or Python version")
        raise
    assert callable(obj), name


def _stdlib_methods():
    stdlib = getattr(sys, "stdlib_module_names", ())
    return sorted(name for name in METHODS if name.split(".")[0] in stdlib)


@pytest.mark.parametrize("name", _stdlib_methods())
def test_stdlib_method_exists(name):
    try:
        cls = lookup_name(owner(name))
    except (ImportError, AttributeError):
        if _not_everywhere(name):
            pytest.skip(f"{owner(name)} is not on this platform or Python version")
        raise
    if not isinstance(cls, type):
        # A factory function standing for its type (threading.Lock, multiprocessing.Queue,
        # select.poll): the method lives on the object it returns.
        if owner(name) not in FACTORY_FUNCTION_ARGS:
            pytest.skip(f"{owner(name)} is a factory function")
        instance = cls(*FACTORY_FUNCTION_ARGS[owner(name)])
        assert hasattr(instance, name.rsplit(".", 1)[1]), name
        return
    method = name.rsplit(".", 1)[1]
    if not hasattr(cls, method) and _not_everywhere(name):
        pytest.skip(f"{name} is not on this platform or Python version")
    if name in INSTANCE_METHODS:
        assert hasattr(cls(), method), name
    else:
        assert hasattr(cls, method), name


# ---- coroutine functions of the standard library (CCL501, CCL504) -----------------------------

from conclint.knowledge import asyncio_api  # noqa: E402


@pytest.mark.parametrize("name", sorted(asyncio_api.COROUTINE_FUNCTIONS))
def test_stdlib_coroutine_function_is_one(name):
    import inspect

    assert inspect.iscoroutinefunction(lookup_name(name)), name
    assert asyncio_api.is_coroutine_function(name, bound=False)


@pytest.mark.parametrize(
    "name", sorted(f"{owner}.{method}" for owner, methods in asyncio_api.COROUTINE_METHODS.items() for method in methods)
)
def test_stdlib_coroutine_method_is_one(name):
    import inspect

    cls = lookup_name(owner(name))
    assert isinstance(cls, type), name
    assert inspect.iscoroutinefunction(getattr(cls, name.rsplit(".", 1)[1])), name
    assert asyncio_api.is_coroutine_function(name, bound=True)
    assert asyncio_api.is_coroutine_function(f"{owner(name)}().{name.rsplit('.', 1)[1]}", bound=True)


@pytest.mark.parametrize(
    "name, bound",
    [("asyncio.gather", False), ("asyncio.ensure_future", False), ("asyncio.shield", False),
     ("asyncio.run_coroutine_threadsafe", False), ("asyncio.AbstractEventLoop.run_in_executor", True),
     ("asyncio.AbstractEventLoop.create_task", True), ("asyncio.Event.set", True), ("asyncio.Queue.put_nowait", True)],
)
def test_future_returning_calls_are_not_coroutine_functions(name, bound):
    import inspect

    assert not inspect.iscoroutinefunction(lookup_name(name))
    assert not asyncio_api.is_coroutine_function(name, bound)
