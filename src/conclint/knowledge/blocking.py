"""The blocking-call catalogue: data only.

Format (every name is a fully qualified name after import resolution):

``BLOCKING_CALLS``
    ``"module.function"`` -> category. A call of that name inside ``async def`` blocks.
``BLOCKING_METHODS``
    ``"module.Type.method"`` -> category. A call of ``method`` on an object whose type
    conclint can see (constructed from ``module.Type``, or returned by a factory below).
``FACTORIES``
    ``"module.function"`` (or ``"module.Type.method"``) -> ``"module.Type"``: the type of
    the object the call returns, so that methods called on it can be resolved.
    Calling a type itself (``requests.Session()``) always gives an instance of that type;
    constructors are listed here only when they are aliases (``requests.session``).
``FILE_OBJECT_ARGUMENTS``, ``ARCHIVE_DATA_METHODS``
    Openers that accept an open file object instead of a path, and the methods of the
    archives they make that touch only the archive: over an in-memory file
    (``IN_MEMORY_FILES``) neither does any I/O.

Categories: ``sleep``, ``network``, ``subprocess``, ``file``, ``wait``, ``database``.

Precision rules the entries follow (``tests/test_knowledge.py`` checks them):

* A constructor that does no I/O (``requests.Session()``, ``socket.socket()``,
  ``threading.Lock()``, ``httpx.Client()``, ``redis.Redis()``) is never a blocking call;
  it only makes its type known. Constructors that do I/O (``smtplib.SMTP(host)``,
  ``zipfile.ZipFile(path)``, ``sqlite3.connect``) are; so is an opener given a path, not
  one given an in-memory buffer (``zipfile.ZipFile(io.BytesIO(data))``).
* Only methods that wait are listed (``socket.recv`` yes, ``socket.setblocking`` no;
  ``Queue.get`` yes, ``Queue.get_nowait`` no; ``Lock.acquire`` yes, ``Lock.release`` no).
* Nothing from an async library ever appears (``httpx.AsyncClient``, ``aiohttp``,
  ``redis.asyncio``, ``asyncio.*``).
* A type people spell several ways is listed under each spelling they write
  (``redis.Redis``, ``redis.StrictRedis``, ``redis.client.Redis``).
* A file object is typed only where conclint sees it opened (``open``, ``io.open``,
  ``os.fdopen``, ``Path.open``) or annotated with a concrete ``io`` class; its reads and
  writes are then findings too. Functions that take an already-open file object
  (``json.load(f)``, ``pickle.dump(x, f)``, ``shutil.copyfileobj``) are not listed: the
  ``open`` that made it is the finding. Likewise ``os.fdopen`` only wraps an open
  descriptor: the ``os.open`` that made it is the finding.

Learned from: ruff's flake8_async rules (ASYNC210-251), python-trio/flake8-async
``visitor2xx.py``, cbornet/blockbuster ``blockbuster.py`` and Home Assistant's
``homeassistant/block_async_io.py``.
"""

from typing import Dict, Iterable, Tuple

SLEEP = "sleep"
NETWORK = "network"
SUBPROCESS = "subprocess"
FILE = "file"
WAIT = "wait"
DATABASE = "database"


def _names(prefixes: Iterable[str], names: Iterable[str], category: str) -> Dict[str, str]:
    """``{prefix.name: category}`` for every prefix (a module or a type) and name."""
    names = tuple(names)
    return {f"{prefix}.{name}": category for prefix in prefixes for name in names}


def _returning(prefixes: Iterable[str], names: Iterable[str], result: str) -> Dict[str, str]:
    """``{prefix.name: result}``: factory entries for every prefix and name."""
    names = tuple(names)
    return {f"{prefix}.{name}": result for prefix in prefixes for name in names}


# --------------------------------------------------------------------------------------
# Type spellings
# --------------------------------------------------------------------------------------

_PATHS = ("pathlib.Path", "pathlib.PosixPath", "pathlib.WindowsPath")
#: ``open()`` returns a TextIOWrapper, BufferedReader/Writer/Random or FileIO depending on
#: the mode, which is not visible here: every opener gives ``io.TextIOWrapper``, and the
#: other classes are listed for annotations (``def f(fh: io.BufferedReader)``).
_FILES = ("io.TextIOWrapper", "io.BufferedReader", "io.BufferedWriter", "io.BufferedRandom", "io.FileIO")
_SOCKETS = ("socket.socket",)
_SSL_SOCKETS = ("ssl.SSLSocket",)
_HTTP_CONNECTIONS = ("http.client.HTTPConnection", "http.client.HTTPSConnection")
_REQUESTS_SESSIONS = ("requests.Session", "requests.sessions.Session")
_URLLIB3_POOL_MANAGERS = (
    "urllib3.PoolManager", "urllib3.poolmanager.PoolManager",
    "urllib3.ProxyManager", "urllib3.poolmanager.ProxyManager",
)
_URLLIB3_POOLS = (
    "urllib3.HTTPConnectionPool", "urllib3.connectionpool.HTTPConnectionPool",
    "urllib3.HTTPSConnectionPool", "urllib3.connectionpool.HTTPSConnectionPool",
)
_SMTP = ("smtplib.SMTP", "smtplib.SMTP_SSL", "smtplib.LMTP")
_FTP = ("ftplib.FTP", "ftplib.FTP_TLS")
#: Constructors that connect only when given a host (first argument or ``host=``):
#: ``Telnet()`` and ``SMTP()`` make an unconnected object, for ``open()``/``connect()``
#: later.
CONNECT_WHEN_GIVEN_A_HOST = frozenset(_SMTP + _FTP + ("telnetlib.Telnet",))
_POP = ("poplib.POP3", "poplib.POP3_SSL")
_IMAP = ("imaplib.IMAP4", "imaplib.IMAP4_SSL")
_SSH_CLIENTS = ("paramiko.SSHClient", "paramiko.client.SSHClient")
_SFTP_CLIENTS = ("paramiko.SFTPClient", "paramiko.sftp_client.SFTPClient")
_PIKA_CONNECTIONS = ("pika.BlockingConnection", "pika.adapters.blocking_connection.BlockingConnection")
_SERVERS = (
    "socketserver.BaseServer", "socketserver.TCPServer", "socketserver.UDPServer",
    "socketserver.ThreadingTCPServer", "socketserver.ThreadingUDPServer",
    "socketserver.ForkingTCPServer", "socketserver.ForkingUDPServer",
    "http.server.HTTPServer", "http.server.ThreadingHTTPServer",
    "wsgiref.simple_server.WSGIServer",
    "xmlrpc.server.SimpleXMLRPCServer",
)
_THREAD_LOCKS = ("threading.Lock", "threading.RLock", "multiprocessing.Lock", "multiprocessing.RLock")
_SEMAPHORES = (
    "threading.Semaphore", "threading.BoundedSemaphore",
    "multiprocessing.Semaphore", "multiprocessing.BoundedSemaphore",
)
_CONDITIONS = ("threading.Condition", "multiprocessing.Condition")
_EVENTS = ("threading.Event", "multiprocessing.Event")
_BARRIERS = ("threading.Barrier", "multiprocessing.Barrier")
_THREADS = ("threading.Thread", "threading.Timer", "multiprocessing.Process")
_QUEUES = ("queue.Queue", "queue.LifoQueue", "queue.PriorityQueue", "multiprocessing.Queue")
_JOINABLE_QUEUES = ("queue.Queue", "queue.LifoQueue", "queue.PriorityQueue", "multiprocessing.JoinableQueue")
_POOLS = ("multiprocessing.pool.Pool", "multiprocessing.pool.ThreadPool")
_EXECUTORS = (
    "concurrent.futures.Executor",
    "concurrent.futures.ThreadPoolExecutor", "concurrent.futures.thread.ThreadPoolExecutor",
    "concurrent.futures.ProcessPoolExecutor", "concurrent.futures.process.ProcessPoolExecutor",
    "concurrent.futures.InterpreterPoolExecutor",
)
_SELECTORS = (
    "selectors.BaseSelector", "selectors.DefaultSelector", "selectors.SelectSelector",
    "selectors.PollSelector", "selectors.EpollSelector", "selectors.DevpollSelector",
    "selectors.KqueueSelector",
)
_REDIS = (
    "redis.Redis", "redis.StrictRedis", "redis.client.Redis", "redis.client.StrictRedis",
    "redis.RedisCluster", "redis.cluster.RedisCluster",
)
_MONGO_CLIENTS = ("pymongo.MongoClient", "pymongo.mongo_client.MongoClient")
_SQLA_ENGINES = ("sqlalchemy.engine.Engine", "sqlalchemy.Engine")
_SQLA_CONNECTIONS = ("sqlalchemy.engine.Connection", "sqlalchemy.Connection")
_SQLA_SESSIONS = ("sqlalchemy.orm.Session", "sqlalchemy.orm.session.Session")
_PSYCOPG2_POOLS = ("psycopg2.pool.SimpleConnectionPool", "psycopg2.pool.ThreadedConnectionPool")


# --------------------------------------------------------------------------------------
# Calls of module-level functions (and of constructors that do I/O)
# --------------------------------------------------------------------------------------

BLOCKING_CALLS: Dict[str, str] = {
    # ---- sleep ------------------------------------------------------------------------
    "time.sleep": SLEEP,

    # ---- network: sockets, DNS, TLS ---------------------------------------------------
    "socket.create_connection": NETWORK,
    "socket.getaddrinfo": NETWORK,
    "socket.gethostbyname": NETWORK,
    "socket.gethostbyname_ex": NETWORK,
    "socket.gethostbyaddr": NETWORK,
    "socket.getnameinfo": NETWORK,
    "socket.getfqdn": NETWORK,
    "ssl.get_server_certificate": NETWORK,
    # Wraps a socket and, on a connected one, runs the TLS handshake. Removed in 3.12.
    "ssl.wrap_socket": NETWORK,
    "dns.resolver.resolve": NETWORK,
    "dns.resolver.resolve_address": NETWORK,
    "dns.resolver.query": NETWORK,

    # ---- network: HTTP ----------------------------------------------------------------
    "urllib.request.urlopen": NETWORK,
    "urllib.request.urlretrieve": NETWORK,
    "urllib3.request": NETWORK,
    **_names(("requests", "requests.api"),
             ("get", "post", "put", "patch", "delete", "head", "options", "request"), NETWORK),
    **_names(("httpx",),
             ("get", "post", "put", "patch", "delete", "head", "options", "request", "stream"),
             NETWORK),
    # zeep downloads and parses the WSDL in its constructor.
    "zeep.Client": NETWORK,
    "websocket.create_connection": NETWORK,

    # ---- network: mail, FTP, telnet, message brokers -------------------------------------
    # These constructors connect when given a host (``smtplib.SMTP("mail.example.com")``),
    # and only then (CONNECT_WHEN_GIVEN_A_HOST); POP3 and IMAP4 always connect.
    **{name: NETWORK for name in _SMTP + _FTP + _POP + _IMAP},
    "telnetlib.Telnet": NETWORK,
    "pika.BlockingConnection": NETWORK,
    "pika.adapters.blocking_connection.BlockingConnection": NETWORK,
    "paramiko.SFTPClient.from_transport": NETWORK,
    "paramiko.sftp_client.SFTPClient.from_transport": NETWORK,
    "django.core.mail.send_mail": NETWORK,
    "django.core.mail.send_mass_mail": NETWORK,
    "django.core.mail.mail_admins": NETWORK,
    "django.core.mail.mail_managers": NETWORK,
    "multiprocessing.connection.Client": NETWORK,

    # ---- subprocess -------------------------------------------------------------------
    **_names(("subprocess",),
             ("run", "call", "check_call", "check_output", "getoutput", "getstatusoutput"),
             SUBPROCESS),
    "os.system": SUBPROCESS,
    # ``os.popen(cmd)`` is nearly always read at once (``os.popen(cmd).read()``), and
    # the wrapper it returns is not a type conclint tracks: the call is the finding.
    "os.popen": SUBPROCESS,
    # Blocks until the child exits with ``os.P_WAIT`` (the usual mode).
    **_names(("os",),
             ("spawnl", "spawnle", "spawnlp", "spawnlpe", "spawnv", "spawnve", "spawnvp", "spawnvpe"),
             SUBPROCESS),
    **_names(("os",), ("wait", "waitpid", "wait3", "wait4", "waitid"), SUBPROCESS),
    "pty.spawn": SUBPROCESS,
    "pexpect.run": SUBPROCESS,
    # Starts a manager server process and waits for it to report its address.
    "multiprocessing.Manager": SUBPROCESS,

    # ---- file: opening ----------------------------------------------------------------
    "builtins.open": FILE,
    "io.open": FILE,
    "io.open_code": FILE,
    "io.FileIO": FILE,
    "codecs.open": FILE,
    "os.open": FILE,
    # Not ``os.fdopen``: it wraps a descriptor already open (see the precision rules).
    "gzip.open": FILE,
    "bz2.open": FILE,
    "lzma.open": FILE,
    "zipfile.ZipFile": FILE,
    "zipfile.is_zipfile": FILE,
    "tarfile.open": FILE,
    "tarfile.TarFile": FILE,
    "tarfile.TarFile.open": FILE,
    "tarfile.is_tarfile": FILE,
    "shelve.open": FILE,
    "dbm.open": FILE,
    "tempfile.mkstemp": FILE,
    "tempfile.mkdtemp": FILE,
    "tempfile.TemporaryFile": FILE,
    "tempfile.NamedTemporaryFile": FILE,
    "tempfile.TemporaryDirectory": FILE,

    # ---- file: os ---------------------------------------------------------------------
    **_names(("os",), (
        "read", "write", "pread", "pwrite", "readv", "writev", "sendfile", "copy_file_range",
        "fsync", "fdatasync", "sync", "truncate", "ftruncate",
        "listdir", "scandir", "walk", "fwalk", "stat", "lstat", "statvfs", "access", "chdir",
        "chmod", "lchmod", "fchmod", "chown", "lchown", "fchown", "chflags", "lchflags",
        "link", "symlink", "readlink", "mkdir", "makedirs", "mkfifo", "mknod",
        "remove", "unlink", "removedirs", "rmdir", "rename", "renames", "replace", "utime",
        "getxattr", "setxattr", "listxattr", "removexattr",
    ), FILE),
    # Only the os.path functions that touch the file system; ``join``, ``abspath``,
    # ``normpath``, ``relpath``, ``expanduser``... are string operations.
    **_names(("os.path",), (
        "exists", "lexists", "isfile", "isdir", "islink", "ismount", "isjunction",
        "getsize", "getmtime", "getatime", "getctime", "samefile", "sameopenfile", "realpath",
    ), FILE),

    # ---- file: shutil, glob, filecmp, configuration -------------------------------------
    **_names(("shutil",), (
        "copy", "copy2", "copyfile", "copymode", "copystat", "copytree", "rmtree", "move",
        "make_archive", "unpack_archive", "disk_usage", "chown", "which",
    ), FILE),
    "glob.glob": FILE,
    "glob.iglob": FILE,
    "filecmp.cmp": FILE,
    "filecmp.cmpfiles": FILE,
    # Loads the system CA bundle from disk (Home Assistant's detector flags it).
    "ssl.create_default_context": FILE,

    # ---- wait -------------------------------------------------------------------------
    "builtins.input": WAIT,
    "getpass.getpass": WAIT,
    "sys.stdin.read": WAIT,
    "sys.stdin.readline": WAIT,
    "sys.stdin.readlines": WAIT,
    "sys.stdin.buffer.read": WAIT,
    "sys.stdin.buffer.readline": WAIT,
    "signal.pause": WAIT,
    "signal.sigwait": WAIT,
    "signal.sigwaitinfo": WAIT,
    "signal.sigtimedwait": WAIT,
    "select.select": WAIT,
    "concurrent.futures.wait": WAIT,
    # A blocking iterator: the loop over it runs right where it is called.
    "concurrent.futures.as_completed": WAIT,
    "multiprocessing.connection.wait": WAIT,
    "fcntl.flock": WAIT,
    "fcntl.lockf": WAIT,
    "os.lockf": WAIT,

    # ---- database: connecting (all of these open a connection at once) ------------------
    "sqlite3.connect": DATABASE,
    "psycopg2.connect": DATABASE,
    "psycopg2.extras.execute_values": DATABASE,
    "psycopg2.extras.execute_batch": DATABASE,
    # The pools open ``minconn`` connections in the constructor.
    **{name: DATABASE for name in _PSYCOPG2_POOLS},
    "psycopg.connect": DATABASE,
    "psycopg.Connection.connect": DATABASE,
    "pymysql.connect": DATABASE,
    "pymysql.Connect": DATABASE,
    "pymysql.Connection": DATABASE,
    "pymysql.connections.Connection": DATABASE,
    "MySQLdb.connect": DATABASE,
    "MySQLdb.Connect": DATABASE,
    "MySQLdb.Connection": DATABASE,
    "MySQLdb.connections.Connection": DATABASE,
    "mysql.connector.connect": DATABASE,
    "mysql.connector.Connect": DATABASE,
    "pymssql.connect": DATABASE,
    "pyodbc.connect": DATABASE,
    "oracledb.connect": DATABASE,
    "cx_Oracle.connect": DATABASE,
    "duckdb.connect": DATABASE,
    "snowflake.connector.connect": DATABASE,
    "elasticsearch.helpers.bulk": DATABASE,
    "elasticsearch.helpers.reindex": DATABASE,
    # Makes sure the connection is open (connecting if needed) and returns a cursor.
    "django.db.connection.cursor": DATABASE,
}


# --------------------------------------------------------------------------------------
# Methods of objects whose type conclint can see
# --------------------------------------------------------------------------------------

_PATH_IO_METHODS = (
    "read_text", "read_bytes", "write_text", "write_bytes", "open", "exists",
    "is_file", "is_dir", "is_symlink", "is_mount", "is_junction", "is_block_device",
    "is_char_device", "is_fifo", "is_socket", "iterdir", "glob", "rglob", "walk",
    "stat", "lstat", "mkdir", "touch", "unlink", "rename", "replace", "rmdir", "chmod",
    "lchmod", "samefile", "owner", "group", "readlink", "symlink_to", "hardlink_to",
    "link_to", "resolve", "copy", "copy_into", "move", "move_into",
)

_SOCKET_IO_METHODS = (
    "accept", "connect", "connect_ex", "recv", "recv_into", "recvfrom", "recvfrom_into",
    "send", "sendall", "sendto", "sendfile",
)

_HTTP_VERBS = ("get", "post", "put", "patch", "delete", "head", "options", "request")

_SMTP_METHODS = (
    "connect", "helo", "ehlo", "ehlo_or_helo_if_needed", "starttls", "login", "auth",
    "sendmail", "send_message", "mail", "rcpt", "data", "rset", "noop", "quit", "verify",
    "expn", "docmd", "putcmd", "getreply", "send",
)

_FTP_METHODS = (
    "connect", "login", "sendcmd", "voidcmd", "transfercmd", "ntransfercmd", "retrbinary",
    "retrlines", "storbinary", "storlines", "nlst", "dir", "mlsd", "rename", "delete", "cwd",
    "size", "mkd", "rmd", "pwd", "quit", "abort", "acct", "sendport", "sendeprt",
    "makeport", "makepasv",
)

_POP_METHODS = (
    "user", "pass_", "stat", "list", "retr", "dele", "noop", "rset", "quit", "top", "uidl",
    "apop", "rpop", "capa", "stls", "utf8",
)

_IMAP_METHODS = (
    "append", "authenticate", "capability", "check", "close", "copy", "create", "delete",
    "deleteacl", "enable", "expunge", "fetch", "getacl", "getannotation", "getquota",
    "getquotaroot", "list", "login", "login_cram_md5", "logout", "lsub", "myrights",
    "namespace", "noop", "partial", "proxyauth", "rename", "search", "select", "setacl",
    "setannotation", "setquota", "sort", "starttls", "status", "store", "subscribe",
    "thread", "uid", "unselect", "unsubscribe", "xatom",
)

_SFTP_METHODS = (
    "listdir", "listdir_attr", "listdir_iter", "open", "file", "remove", "unlink", "rename",
    "posix_rename", "mkdir", "rmdir", "stat", "lstat", "symlink", "chmod", "chown", "utime",
    "truncate", "readlink", "normalize", "chdir", "get", "put", "getfo", "putfo",
)

# Redis commands that send a request and wait for the reply. ``pipeline``, ``pubsub``
# and ``lock`` only build objects (see FACTORIES).
_REDIS_COMMANDS = (
    "execute_command", "ping", "echo", "info", "time", "dbsize", "flushdb", "flushall",
    "save", "bgsave", "lastsave", "config_get", "config_set", "client_list", "randomkey",
    "keys", "scan", "scan_iter", "exists", "type", "delete", "unlink", "rename", "renamenx",
    "move", "dump", "restore", "sort", "expire", "expireat", "pexpire", "pexpireat", "ttl",
    "pttl", "persist", "object", "memory_usage", "wait",
    "get", "set", "getset", "getdel", "getex", "mget", "mset", "msetnx", "setex", "setnx",
    "psetex", "append", "strlen", "getrange", "setrange", "incr", "incrby", "incrbyfloat",
    "decr", "decrby", "setbit", "getbit", "bitcount", "bitop", "bitpos",
    "hget", "hset", "hsetnx", "hmget", "hmset", "hgetall", "hdel", "hexists", "hincrby",
    "hincrbyfloat", "hkeys", "hvals", "hlen", "hstrlen", "hscan", "hscan_iter",
    "lpush", "rpush", "lpushx", "rpushx", "lpop", "rpop", "blpop", "brpop", "rpoplpush",
    "brpoplpush", "lmove", "blmove", "llen", "lrange", "lindex", "linsert", "lrem", "lset",
    "ltrim", "lpos",
    "sadd", "srem", "smembers", "sismember", "smismember", "scard", "spop", "srandmember",
    "smove", "sinter", "sinterstore", "sunion", "sunionstore", "sdiff", "sdiffstore",
    "sscan", "sscan_iter",
    "zadd", "zrem", "zrange", "zrevrange", "zrangebyscore", "zrevrangebyscore",
    "zrangebylex", "zscore", "zmscore", "zincrby", "zcard", "zcount", "zrank", "zrevrank",
    "zpopmin", "zpopmax", "bzpopmin", "bzpopmax", "zremrangebyscore", "zremrangebyrank",
    "zunionstore", "zinterstore", "zscan", "zscan_iter",
    "pfadd", "pfcount", "pfmerge",
    "geoadd", "geodist", "geopos", "georadius", "geosearch",
    "xadd", "xread", "xreadgroup", "xrange", "xrevrange", "xlen", "xack", "xdel", "xtrim",
    "xgroup_create", "xpending", "xclaim", "xautoclaim", "xinfo_stream",
    "publish", "eval", "evalsha", "script_load", "transaction",
)

_MONGO_COLLECTION_METHODS = (
    "find_one", "insert_one", "insert_many", "update_one", "update_many", "replace_one",
    "delete_one", "delete_many", "count_documents", "estimated_document_count",
    "aggregate", "distinct", "find_one_and_update", "find_one_and_replace",
    "find_one_and_delete", "bulk_write", "create_index", "create_indexes", "drop_index",
    "drop_indexes", "drop", "list_indexes", "index_information", "options", "rename",
    "watch",
)

BLOCKING_METHODS: Dict[str, str] = {
    # ---- file: pathlib ------------------------------------------------------------------
    # ``absolute`` and ``expanduser`` read only the working directory and the environment.
    **_names(_PATHS, _PATH_IO_METHODS, FILE),

    # ---- file: file objects (``seek``, ``tell``, ``fileno``, ``close`` do not wait) ------------
    **_names(_FILES,
             ("read", "readline", "readlines", "write", "writelines", "flush", "truncate"), FILE),
    **_names(("io.BufferedReader", "io.BufferedWriter", "io.BufferedRandom"),
             ("read1", "readinto", "readinto1"), FILE),
    **_names(("io.FileIO",), ("readall", "readinto"), FILE),

    # ---- file: archives, temporary directories, configuration, TLS material ---------------
    **_names(("zipfile.ZipFile",),
             ("extract", "extractall", "read", "write", "writestr", "testzip"), FILE),
    **_names(("tarfile.TarFile",),
             ("extract", "extractall", "add", "addfile", "getmembers", "getnames",
              "getmember", "list"), FILE),
    "tempfile.TemporaryDirectory.cleanup": FILE,
    **_names(("configparser.ConfigParser", "configparser.RawConfigParser"), ("read",), FILE),
    **_names(("ssl.SSLContext",),
             ("load_default_certs", "load_verify_locations", "load_cert_chain",
              "set_default_verify_paths", "load_dh_params"), FILE),
    **_names(_SSH_CLIENTS, ("load_system_host_keys", "load_host_keys", "save_host_keys"), FILE),

    # ---- network: sockets and TLS ---------------------------------------------------------
    **_names(_SOCKETS, _SOCKET_IO_METHODS + ("recvmsg", "recvmsg_into", "sendmsg"), NETWORK),
    **_names(_SSL_SOCKETS, _SOCKET_IO_METHODS + ("do_handshake", "read", "write", "unwrap"), NETWORK),
    # Runs the TLS handshake on a connected socket (``do_handshake_on_connect=True``).
    "ssl.SSLContext.wrap_socket": NETWORK,

    # ---- network: HTTP clients --------------------------------------------------------------
    **_names(_HTTP_CONNECTIONS, ("connect", "request", "getresponse", "endheaders", "send"), NETWORK),
    "urllib.request.OpenerDirector.open": NETWORK,
    "urllib.robotparser.RobotFileParser.read": NETWORK,
    **_names(_URLLIB3_POOL_MANAGERS + _URLLIB3_POOLS,
             ("request", "urlopen", "request_encode_url", "request_encode_body"), NETWORK),
    **_names(_REQUESTS_SESSIONS, _HTTP_VERBS + ("send",), NETWORK),
    **_names(("httpx.Client",), _HTTP_VERBS + ("send", "stream"), NETWORK),
    "httplib2.Http.request": NETWORK,
    **_names(("pycurl.Curl",), ("perform", "perform_rb", "perform_rs"), NETWORK),
    **_names(("websocket.WebSocket",),
             ("connect", "send", "send_binary", "recv", "recv_data", "recv_frame", "ping"),
             NETWORK),
    **_names(("dns.resolver.Resolver",), ("resolve", "resolve_address", "query"), NETWORK),

    # ---- network: mail, FTP, telnet, SSH ----------------------------------------------------
    **_names(_SMTP, _SMTP_METHODS, NETWORK),
    **_names(_FTP, _FTP_METHODS, NETWORK),
    **_names(("ftplib.FTP_TLS",), ("auth", "prot_p", "prot_c", "ccc"), NETWORK),
    **_names(_POP, _POP_METHODS, NETWORK),
    **_names(_IMAP, _IMAP_METHODS, NETWORK),
    **_names(("telnetlib.Telnet",),
             ("open", "read_until", "read_all", "read_some", "expect", "write", "interact"),
             NETWORK),
    **_names(_SSH_CLIENTS, ("connect", "exec_command", "invoke_shell", "open_sftp"), NETWORK),
    **_names(_SFTP_CLIENTS, _SFTP_METHODS, NETWORK),

    # ---- network: message brokers and servers ------------------------------------------------
    **_names(_PIKA_CONNECTIONS, ("channel", "process_data_events"), NETWORK),
    **_names(("pika.adapters.blocking_connection.BlockingChannel",),
             ("basic_publish", "basic_get", "basic_consume", "basic_qos", "start_consuming",
              "consume", "queue_declare", "queue_bind", "queue_purge", "queue_delete",
              "exchange_declare", "confirm_delivery"), NETWORK),
    # Serving never returns: the event loop stops for good.
    **_names(_SERVERS, ("serve_forever", "handle_request"), NETWORK),

    # ---- subprocess ------------------------------------------------------------------------
    "subprocess.Popen.wait": SUBPROCESS,
    "subprocess.Popen.communicate": SUBPROCESS,
    **_names(("pexpect.spawn",),
             ("expect", "expect_exact", "expect_list", "read", "readline", "wait"), SUBPROCESS),

    # ---- wait: thread and process synchronisation -----------------------------------------------
    **_names(_THREAD_LOCKS + _SEMAPHORES, ("acquire",), WAIT),
    **_names(_CONDITIONS, ("acquire", "wait", "wait_for"), WAIT),
    **_names(_EVENTS + _BARRIERS, ("wait",), WAIT),
    **_names(_THREADS, ("join",), WAIT),
    # ``put`` waits only on a bounded queue, but the bound is not visible here.
    **_names(_QUEUES, ("get", "put"), WAIT),
    **_names(_JOINABLE_QUEUES, ("join",), WAIT),
    "queue.SimpleQueue.get": WAIT,  # SimpleQueue.put never blocks
    **_names(("multiprocessing.JoinableQueue", "multiprocessing.SimpleQueue"), ("get", "put"), WAIT),
    **_names(_POOLS, ("apply", "map", "starmap", "join"), WAIT),
    **_names(("multiprocessing.pool.AsyncResult",), ("get", "wait"), WAIT),
    **_names(("multiprocessing.connection.Connection",),
             ("recv", "recv_bytes", "recv_bytes_into"), WAIT),
    "multiprocessing.connection.Listener.accept": WAIT,
    **_names(("concurrent.futures.Future",), ("result", "exception"), WAIT),
    **_names(_EXECUTORS, ("shutdown",), WAIT),
    **_names(("select.poll", "select.epoll", "select.devpoll"), ("poll",), WAIT),
    "select.kqueue.control": WAIT,
    **_names(_SELECTORS, ("select",), WAIT),
    "sched.scheduler.run": WAIT,
    **_names(("filelock.FileLock", "filelock.SoftFileLock"), ("acquire",), WAIT),

    # ---- database: sqlite3 ---------------------------------------------------------------------
    **_names(("sqlite3.Connection",),
             ("execute", "executemany", "executescript", "commit", "rollback", "backup"),
             DATABASE),
    **_names(("sqlite3.Cursor",),
             ("execute", "executemany", "executescript", "fetchone", "fetchmany", "fetchall"),
             DATABASE),

    # ---- database: PostgreSQL ------------------------------------------------------------------
    # psycopg2 and psycopg 3 client-side cursors hold the whole result after ``execute``:
    # their ``fetch*`` methods do no I/O and are not listed.
    **_names(("psycopg2.extensions.connection",),
             ("commit", "rollback", "reset", "tpc_begin", "tpc_prepare", "tpc_commit",
              "tpc_rollback", "tpc_recover"), DATABASE),
    **_names(("psycopg2.extensions.cursor",),
             ("execute", "executemany", "callproc", "copy_from", "copy_to", "copy_expert"),
             DATABASE),
    **_names(_PSYCOPG2_POOLS, ("getconn",), DATABASE),
    **_names(("psycopg.Connection",), ("execute", "commit", "rollback"), DATABASE),
    **_names(("psycopg.Cursor",), ("execute", "executemany"), DATABASE),
    **_names(("psycopg_pool.ConnectionPool",), ("connection", "getconn", "wait"), DATABASE),

    # ---- database: MySQL -----------------------------------------------------------------------
    # PyMySQL's and mysqlclient's default cursors buffer the result: ``fetch*`` is in memory.
    **_names(("pymysql.connections.Connection",),
             ("commit", "rollback", "begin", "ping", "select_db", "query", "autocommit",
              "connect", "show_warnings", "kill"), DATABASE),
    **_names(("pymysql.cursors.Cursor",), ("execute", "executemany", "callproc"), DATABASE),
    **_names(("MySQLdb.connections.Connection",),
             ("commit", "rollback", "ping", "query", "select_db", "autocommit"), DATABASE),
    **_names(("MySQLdb.cursors.Cursor",), ("execute", "executemany", "callproc"), DATABASE),
    # mysql-connector's default cursor is unbuffered: fetching reads from the server.
    **_names(("mysql.connector.connection.MySQLConnection",),
             ("commit", "rollback", "start_transaction", "ping", "reconnect", "cmd_query"),
             DATABASE),
    **_names(("mysql.connector.cursor.MySQLCursor",),
             ("execute", "executemany", "callproc", "fetchone", "fetchmany", "fetchall"),
             DATABASE),

    # ---- database: other DB-API drivers ----------------------------------------------------------
    **_names(("pyodbc.Connection",), ("execute", "commit", "rollback"), DATABASE),
    **_names(("pyodbc.Cursor",),
             ("execute", "executemany", "fetchone", "fetchmany", "fetchall", "fetchval",
              "commit", "rollback"), DATABASE),
    **_names(("oracledb.Connection", "cx_Oracle.Connection"), ("commit", "rollback", "ping"), DATABASE),
    **_names(("oracledb.Cursor", "cx_Oracle.Cursor"),
             ("execute", "executemany", "callproc", "callfunc", "fetchone", "fetchmany",
              "fetchall"), DATABASE),
    **_names(("duckdb.DuckDBPyConnection",),
             ("execute", "executemany", "fetchone", "fetchmany", "fetchall", "fetchdf",
              "commit", "rollback"), DATABASE),
    **_names(("snowflake.connector.connection.SnowflakeConnection",),
             ("execute_string", "commit", "rollback"), DATABASE),
    **_names(("snowflake.connector.cursor.SnowflakeCursor",),
             ("execute", "executemany", "fetchone", "fetchmany", "fetchall",
              "fetch_pandas_all"), DATABASE),
    **_names(("clickhouse_driver.Client",),
             ("execute", "execute_iter", "execute_with_progress", "query_dataframe",
              "insert_dataframe"), DATABASE),
    **_names(("cassandra.cluster.Cluster",), ("connect",), DATABASE),
    **_names(("cassandra.cluster.Session",), ("execute", "prepare", "set_keyspace"), DATABASE),
    **_names(("django.db.backends.utils.CursorWrapper",), ("execute", "executemany", "callproc"), DATABASE),

    # ---- database: SQLAlchemy (sync API only; never sqlalchemy.ext.asyncio) -------------------------
    **_names(_SQLA_ENGINES, ("connect", "begin", "raw_connection", "execute"), DATABASE),
    **_names(_SQLA_CONNECTIONS,
             ("execute", "exec_driver_sql", "scalar", "scalars", "commit", "rollback"), DATABASE),
    **_names(_SQLA_SESSIONS,
             ("execute", "scalar", "scalars", "get", "commit", "flush", "refresh", "merge",
              "rollback", "connection"), DATABASE),

    # ---- database: Redis (sync client only; never redis.asyncio) ------------------------------------
    **_names(_REDIS, _REDIS_COMMANDS, DATABASE),
    **_names(("redis.client.Pipeline",), ("execute", "watch", "unwatch"), DATABASE),
    **_names(("redis.client.PubSub",),
             ("subscribe", "psubscribe", "unsubscribe", "punsubscribe", "get_message",
              "listen", "ping"), DATABASE),
    **_names(("redis.lock.Lock",),
             ("acquire", "release", "extend", "reacquire", "locked", "owned"), DATABASE),
    **_names(("redis.sentinel.Sentinel",), ("discover_master", "discover_slaves"), DATABASE),

    # ---- database: MongoDB (sync pymongo only; never motor or pymongo's async API) -----------------
    **_names(_MONGO_CLIENTS,
             ("list_database_names", "list_databases", "server_info", "drop_database",
              "watch"), DATABASE),
    **_names(("pymongo.database.Database",),
             ("list_collection_names", "list_collections", "command", "create_collection",
              "drop_collection", "validate_collection", "dereference", "aggregate", "watch"),
             DATABASE),
    **_names(("pymongo.collection.Collection",), _MONGO_COLLECTION_METHODS, DATABASE),

    # ---- database: Elasticsearch (sync client only) ---------------------------------------------------
    **_names(("elasticsearch.Elasticsearch",),
             ("search", "index", "get", "delete", "update", "count", "bulk", "info", "ping",
              "exists", "mget", "msearch", "delete_by_query", "update_by_query", "scroll",
              "clear_scroll", "create"), DATABASE),
}


# --------------------------------------------------------------------------------------
# Openers over memory
# --------------------------------------------------------------------------------------

#: In-memory files: what an opener reads from or writes to one of them is memory.
IN_MEMORY_FILES: Tuple[str, ...] = ("io.BytesIO", "io.StringIO")

#: Openers that take either a path or an open file object: ``(keyword, position)`` of the
#: argument that says where the data lives. Given an in-memory file there
#: (``zipfile.ZipFile(io.BytesIO(data))``, ``tarfile.open(fileobj=buf)``), they do no I/O.
FILE_OBJECT_ARGUMENTS: Dict[str, Tuple[str, int]] = {
    "zipfile.ZipFile": ("file", 0),
    "zipfile.is_zipfile": ("filename", 0),
    "tarfile.open": ("fileobj", 2),
    "tarfile.TarFile": ("fileobj", 2),
    "tarfile.TarFile.open": ("fileobj", 2),
    "tarfile.is_tarfile": ("name", 0),
    "gzip.open": ("filename", 0),
    "bz2.open": ("filename", 0),
    "lzma.open": ("filename", 0),
}

#: Methods that only read or write the archive's own data: on an archive opened over an
#: in-memory file they do no I/O. ``extract``, ``extractall``, ``ZipFile.write`` and
#: ``TarFile.add`` still touch the file system, wherever the archive lives.
ARCHIVE_DATA_METHODS: Dict[str, Tuple[str, ...]] = {
    "zipfile.ZipFile": ("read", "writestr", "testzip"),
    "tarfile.TarFile": ("addfile", "getmembers", "getnames", "getmember", "list"),
}


# --------------------------------------------------------------------------------------
# What calls return, so that methods on the result resolve
# --------------------------------------------------------------------------------------

FACTORIES: Dict[str, str] = {
    # ---- pathlib: class methods and methods that return another path ----------------------
    **{
        f"{cls}.{name}": cls
        for cls in _PATHS
        for name in (
            "cwd", "home", "resolve", "absolute", "expanduser", "readlink", "with_name",
            "with_suffix", "with_stem", "joinpath", "relative_to", "rename", "replace",
        )
    },

    # ---- file objects ---------------------------------------------------------------------------
    **_returning(("builtins", "io"), ("open",), "io.TextIOWrapper"),
    "io.open_code": "io.BufferedReader",
    "os.fdopen": "io.TextIOWrapper",
    **_returning(_PATHS, ("open",), "io.TextIOWrapper"),

    # ---- archives -----------------------------------------------------------------------------
    "tarfile.open": "tarfile.TarFile",
    "tarfile.TarFile.open": "tarfile.TarFile",

    # ---- sockets and TLS ----------------------------------------------------------------------
    "socket.create_connection": "socket.socket",
    "socket.create_server": "socket.socket",
    "socket.fromfd": "socket.socket",
    "socket.socket.dup": "socket.socket",
    "ssl.create_default_context": "ssl.SSLContext",
    "ssl.SSLContext.wrap_socket": "ssl.SSLSocket",
    "ssl.wrap_socket": "ssl.SSLSocket",

    # ---- HTTP -----------------------------------------------------------------------------------
    "urllib.request.build_opener": "urllib.request.OpenerDirector",
    "requests.session": "requests.Session",
    "requests.sessions.session": "requests.Session",
    "urllib3.connection_from_url": "urllib3.HTTPConnectionPool",
    "urllib3.connectionpool.connection_from_url": "urllib3.HTTPConnectionPool",
    "urllib3.proxy_from_url": "urllib3.ProxyManager",
    "urllib3.poolmanager.proxy_from_url": "urllib3.ProxyManager",
    **_returning(_URLLIB3_POOL_MANAGERS,
                 ("connection_from_url", "connection_from_host", "connection_from_context"),
                 "urllib3.HTTPConnectionPool"),
    "websocket.create_connection": "websocket.WebSocket",

    # ---- SSH, brokers, servers ----------------------------------------------------------------
    **_returning(_SSH_CLIENTS, ("open_sftp",), "paramiko.SFTPClient"),
    **_returning(_SFTP_CLIENTS, ("from_transport",), "paramiko.SFTPClient"),
    **_returning(_PIKA_CONNECTIONS, ("channel",), "pika.adapters.blocking_connection.BlockingChannel"),
    "wsgiref.simple_server.make_server": "wsgiref.simple_server.WSGIServer",

    # ---- threads and processes ----------------------------------------------------------------
    **_returning(_EXECUTORS, ("submit",), "concurrent.futures.Future"),
    "multiprocessing.Pool": "multiprocessing.pool.Pool",
    "multiprocessing.dummy.Pool": "multiprocessing.pool.ThreadPool",
    **_returning(_POOLS, ("apply_async", "map_async", "starmap_async"), "multiprocessing.pool.AsyncResult"),
    "multiprocessing.connection.Client": "multiprocessing.connection.Connection",
    "multiprocessing.connection.Listener.accept": "multiprocessing.connection.Connection",

    # ---- sqlite3 --------------------------------------------------------------------------------
    "sqlite3.connect": "sqlite3.Connection",
    **_returning(("sqlite3.Connection",), ("cursor", "execute", "executemany", "executescript"), "sqlite3.Cursor"),
    **_returning(("sqlite3.Cursor",), ("execute", "executemany", "executescript"), "sqlite3.Cursor"),

    # ---- PostgreSQL -----------------------------------------------------------------------------
    "psycopg2.connect": "psycopg2.extensions.connection",
    "psycopg2.extensions.connection.cursor": "psycopg2.extensions.cursor",
    **_returning(_PSYCOPG2_POOLS, ("getconn",), "psycopg2.extensions.connection"),
    "psycopg.connect": "psycopg.Connection",
    "psycopg.Connection.connect": "psycopg.Connection",
    **_returning(("psycopg.Connection",), ("cursor", "execute"), "psycopg.Cursor"),
    "psycopg.Cursor.execute": "psycopg.Cursor",
    **_returning(("psycopg_pool.ConnectionPool",), ("connection", "getconn"), "psycopg.Connection"),

    # ---- MySQL ----------------------------------------------------------------------------------
    **_returning(("pymysql",), ("connect", "Connect", "Connection"), "pymysql.connections.Connection"),
    "pymysql.connections.Connection.cursor": "pymysql.cursors.Cursor",
    **_returning(("MySQLdb",), ("connect", "Connect", "Connection"), "MySQLdb.connections.Connection"),
    "MySQLdb.connections.Connection.cursor": "MySQLdb.cursors.Cursor",
    **_returning(("mysql.connector",), ("connect", "Connect", "MySQLConnection"),
                 "mysql.connector.connection.MySQLConnection"),
    "mysql.connector.connection.MySQLConnection.cursor": "mysql.connector.cursor.MySQLCursor",

    # ---- other DB-API drivers ---------------------------------------------------------------------
    "pyodbc.connect": "pyodbc.Connection",
    **_returning(("pyodbc.Connection",), ("cursor", "execute"), "pyodbc.Cursor"),
    "pyodbc.Cursor.execute": "pyodbc.Cursor",
    "oracledb.connect": "oracledb.Connection",
    "oracledb.Connection.cursor": "oracledb.Cursor",
    "cx_Oracle.connect": "cx_Oracle.Connection",
    "cx_Oracle.Connection.cursor": "cx_Oracle.Cursor",
    "duckdb.connect": "duckdb.DuckDBPyConnection",
    "duckdb.DuckDBPyConnection.execute": "duckdb.DuckDBPyConnection",
    "snowflake.connector.connect": "snowflake.connector.connection.SnowflakeConnection",
    "snowflake.connector.connection.SnowflakeConnection.cursor": "snowflake.connector.cursor.SnowflakeCursor",
    "snowflake.connector.cursor.SnowflakeCursor.execute": "snowflake.connector.cursor.SnowflakeCursor",
    "cassandra.cluster.Cluster.connect": "cassandra.cluster.Session",
    "django.db.connection.cursor": "django.db.backends.utils.CursorWrapper",

    # ---- SQLAlchemy --------------------------------------------------------------------------------
    **_returning(("sqlalchemy", "sqlalchemy.engine"), ("create_engine",), "sqlalchemy.engine.Engine"),
    **_returning(_SQLA_ENGINES, ("connect", "begin"), "sqlalchemy.engine.Connection"),
    **_returning(_SQLA_SESSIONS, ("connection",), "sqlalchemy.engine.Connection"),

    # ---- Redis ---------------------------------------------------------------------------------------
    "redis.from_url": "redis.Redis",
    **_returning(("redis.Redis", "redis.StrictRedis", "redis.client.Redis", "redis.client.StrictRedis"),
                 ("from_url",), "redis.Redis"),
    **_returning(("redis.RedisCluster", "redis.cluster.RedisCluster"), ("from_url",), "redis.RedisCluster"),
    **_returning(_REDIS, ("pipeline",), "redis.client.Pipeline"),
    **_returning(_REDIS, ("pubsub",), "redis.client.PubSub"),
    **_returning(_REDIS, ("lock",), "redis.lock.Lock"),
    **_returning(("redis.sentinel.Sentinel",), ("master_for", "slave_for"), "redis.Redis"),

    # ---- MongoDB -------------------------------------------------------------------------------------
    **_returning(_MONGO_CLIENTS, ("get_database", "get_default_database"), "pymongo.database.Database"),
    **_returning(("pymongo.database.Database",),
                 ("get_collection", "create_collection"), "pymongo.collection.Collection"),
    "pymongo.database.Database.with_options": "pymongo.database.Database",
    "pymongo.collection.Collection.with_options": "pymongo.collection.Collection",
}
