"""CPU work, where work runs, and which shared objects are safe: data for CCL2xx-CCL4xx.

Every entry is a fully qualified name after import resolution. The rules read these
tables through :mod:`conclint.analysis.threads`; nothing here is logic.

Sources: the Python library reference (``queue``, ``threading``, ``collections.deque``,
``multiprocessing``, ``concurrent.futures``), the free-threading HOWTO ("Python has not
historically guaranteed specific behavior for concurrent modifications to these built-in
types"), and the projects' own statements about releasing the GIL (NumPy, SciPy,
``hashlib``, ``zlib``, ``bz2``, ``lzma``).
"""

from typing import Dict, FrozenSet

# --------------------------------------------------------------------------------------
# What counts as computation (CCL201 cpu-bound-in-thread, CCL120 cpu-bound-in-async, and
# CCL202, which never calls a function that computes I/O-bound)
# --------------------------------------------------------------------------------------

#: A loop over a ``range`` at least this long counts as heavy whatever else it does.
BIG_RANGE = 100_000

#: Builtins whose cost is the work they are given: inside a loop they are part of the
#: computation, not a call of unknown cost (which might do I/O, or be the real cost).
PURE_BUILTINS: FrozenSet[str] = frozenset(
    "abs all any bool bin chr complex dict divmod enumerate filter float frozenset hash hex int "
    "isinstance len list map max min oct ord pow range repr reversed round set slice sorted str "
    "sum tuple zip".split()
)

#: Standard-library modules whose functions, and the methods of what they make, only
#: compute on Python objects: no I/O, no waiting, the GIL held. A call to one is part of
#: the computation around it, not a call of unknown cost.
PURE_MODULES: FrozenSet[str] = frozenset(
    {
        "math", "cmath", "operator", "itertools", "collections", "heapq", "bisect", "random",
        "string", "struct", "decimal", "fractions", "statistics", "unicodedata", "colorsys",
        "array", "copy", "keyword", "numbers", "binascii", "base64", "difflib", "textwrap",
    }
)

#: Calls that are real computation by themselves, with the GIL held all along: C code that
#: never releases it (``json``'s and ``pickle``'s codecs, the ``re`` engine, ElementTree's
#: parser) or pure Python (``difflib``, ``statistics``). Given the function's data, one of
#: them is enough for CCL201 and CCL120 to call the function's work computation. A key
#: ending in ``.`` takes every name under it; any other key also the methods of what the
#: call returns (``re.compile().sub``, ``ElementTree.fromstring().findall``). Left out
#: because they read a file or a stream: ``json.load``, ``pickle.load``,
#: ``xml.etree.ElementTree.parse`` and ``iterparse``.
GIL_HOLDING_CALLS: Dict[str, str] = {
    "json.loads": "decodes JSON",
    "json.dumps": "encodes JSON",
    "json.JSONDecoder": "decodes JSON",
    "json.JSONEncoder": "encodes JSON",
    "pickle.loads": "unpickles",
    "pickle.dumps": "pickles",
    "marshal.loads": "unmarshals",
    "marshal.dumps": "marshals",
    "re.": "runs a regular expression",
    "xml.etree.ElementTree.fromstring": "parses XML",
    "xml.etree.ElementTree.fromstringlist": "parses XML",
    "xml.etree.ElementTree.XML": "parses XML",
    "xml.etree.ElementTree.tostring": "serialises XML",
    "xml.etree.ElementTree.tostringlist": "serialises XML",
    "xml.dom.minidom.parseString": "parses XML",
    "difflib.": "compares sequences in pure Python",
    "statistics.": "computes statistics in pure Python",
    "builtins.sorted": "sorts",
    "copy.deepcopy": "copies deeply",
    "heapq.nlargest": "selects the largest items",
    "heapq.nsmallest": "selects the smallest items",
    "textwrap.": "wraps text",
    "unicodedata.normalize": "normalises Unicode",
    "ast.parse": "parses Python source",
    "ast.literal_eval": "parses a Python literal",
    "tomllib.loads": "parses TOML",
    "csv.DictReader": "parses CSV",
    "yaml.safe_load": "parses YAML",
    "yaml.load": "parses YAML",
    "yaml.safe_dump": "encodes YAML",
    "yaml.dump": "encodes YAML",
    "orjson.loads": "decodes JSON",
    "orjson.dumps": "encodes JSON",
    "ujson.loads": "decodes JSON",
    "ujson.dumps": "encodes JSON",
    "simplejson.loads": "decodes JSON",
    "simplejson.dumps": "encodes JSON",
    "msgpack.packb": "encodes MessagePack",
    "msgpack.unpackb": "decodes MessagePack",
    "msgpack.dumps": "encodes MessagePack",  # msgpack's aliases of packb and unpackb
    "msgpack.loads": "decodes MessagePack",
    "regex.": "runs a regular expression",
}

#: Methods of ``str`` and ``bytes`` (and of regular-expression matches) that only compute,
#: under names no I/O or waiting API uses: computation whatever object they are called on.
STR_METHODS: FrozenSet[str] = frozenset(
    "capitalize casefold center decode encode endswith expandtabs format format_map isalnum "
    "isalpha isascii isdecimal isdigit isidentifier islower isnumeric isprintable isspace "
    "istitle isupper ljust lower lstrip partition removeprefix removesuffix rfind rindex rjust "
    "rpartition rsplit rstrip split splitlines startswith strip swapcase title translate upper "
    "zfill group groups groupdict span".split()
)

#: Methods of lists, dicts, sets and deques that only look up or build data, under names no
#: I/O or waiting API uses either.
CONTAINER_METHODS: FrozenSet[str] = frozenset(
    "append appendleft extend items keys values setdefault add discard union intersection "
    "difference symmetric_difference issubset issuperset isdisjoint most_common popleft".split()
)

#: Methods of strings and containers whose names other objects use for I/O or for waiting
#: (``join`` a thread, ``get`` a URL or a queue item, ``find``/``insert``/``update``/
#: ``count`` in a database, ``replace`` a file, ``index`` a document): computation only on
#: an object known to be a string, list, dict or set.
AMBIGUOUS_DATA_METHODS: FrozenSet[str] = frozenset(
    "get join pop popitem count index find insert remove update sort reverse replace copy clear".split()
)

#: Methods whose awaited result is a body or a result set, whose size the other side
#: decides: request and response bodies (aiohttp, Starlette, Quart, httpx), file and stream
#: contents (aiofiles, asyncio streams), query results (asyncpg, aiosqlite, databases,
#: Motor). A loop over one of them that computes on each item is CCL120's.
BULK_AWAITABLES: FrozenSet[str] = frozenset(
    {"json", "text", "read", "readexactly", "body", "form", "post", "get_json", "get_data",
     "fetch", "fetchall", "fetchmany", "fetch_all", "to_list"}
)

#: Methods of built-in data types (``builtins.str().split``) that only compute.
DATA_TYPES: FrozenSet[str] = frozenset({"str", "bytes", "bytearray", "list", "dict", "set", "frozenset", "tuple"})

#: Methods of a queue that never wait (``put`` only waits on a bounded queue, which the
#: blocking catalogue tells): handing a result over this way is no I/O.
NON_WAITING_QUEUE_METHODS: FrozenSet[str] = frozenset({"put", "put_nowait", "get_nowait", "qsize", "empty"})

#: Top-level packages whose heavy work runs in C with the GIL released, so threads do run
#: it in parallel: a loop that calls them is *not* CPU-bound for threads (CCL201 stays
#: silent), and a call to them is not a CPU-heavy call.
GIL_RELEASING_MODULES: Dict[str, str] = {
    "numpy": "NumPy releases the GIL in most array kernels (ufuncs, dot, sorting, copying).",
    "scipy": "SciPy's compiled routines (BLAS/LAPACK, FFT, most of scipy.ndimage) release the GIL.",
    "hashlib": "hashlib releases the GIL while hashing data larger than 2047 bytes.",
    "zlib": "zlib releases the GIL while compressing and decompressing.",
    "bz2": "bz2 releases the GIL while compressing and decompressing.",
    "lzma": "lzma releases the GIL while compressing and decompressing.",
}

#: Builtins that are cheap whatever they are given: a function that only does I/O may call
#: them and still "only do I/O" (CCL202). ``sorted``, ``sum`` and friends are not here.
CHEAP_BUILTINS: FrozenSet[str] = frozenset(
    "bool bytes callable dict float format getattr hasattr id int isinstance issubclass iter len "
    "list next object print repr set setattr str super tuple type vars".split()
)

#: Standard-library calls that are cheap whatever they are given (bookkeeping, paths,
#: clocks, logging): prefixes of qualified names.
CHEAP_STDLIB_PREFIXES = (
    "logging.", "os.path.", "posixpath.", "ntpath.", "urllib.parse.", "time.time", "time.monotonic",
    "time.perf_counter", "os.environ", "os.getenv", "os.getpid", "datetime.", "uuid.uuid4",
    "threading.current_thread", "threading.get_ident", "warnings.warn", "typing.cast",
)

#: Blocking categories (see :mod:`conclint.knowledge.blocking`) that are the I/O a thread
#: would wait on as well as a process does: a process pool buys nothing for them (CCL202).
IO_CATEGORIES: FrozenSet[str] = frozenset({"network", "file", "database"})

#: Blocking categories a function handed to a process pool may also have while still only
#: waiting (they neither count as I/O for CCL202 nor stop it).
WAIT_CATEGORIES: FrozenSet[str] = frozenset({"sleep", "wait", "subprocess"})

# --------------------------------------------------------------------------------------
# Where work runs
# --------------------------------------------------------------------------------------

#: Executors whose tasks run on threads of this process.
THREAD_POOLS: FrozenSet[str] = frozenset(
    {
        "concurrent.futures.ThreadPoolExecutor",
        "concurrent.futures.thread.ThreadPoolExecutor",
        "multiprocessing.pool.ThreadPool",
        "multiprocessing.dummy.Pool",
    }
)

#: Executors whose tasks run in other processes (tasks and results are pickled).
PROCESS_POOLS: FrozenSet[str] = frozenset(
    {
        "concurrent.futures.ProcessPoolExecutor",
        "concurrent.futures.process.ProcessPoolExecutor",
        "multiprocessing.pool.Pool",
        "multiprocessing.Pool",
    }
)

#: ``concurrent.futures`` executor methods: ``submit(fn, *args)``, ``map(fn, *iterables)``.
EXECUTOR_METHODS: FrozenSet[str] = frozenset({"submit", "map"})

#: ``multiprocessing`` pool methods and how they pass arguments: ``args`` (a tuple, like
#: ``apply``), ``iterable`` (one element per call), ``star`` (one tuple per call).
POOL_METHODS: Dict[str, str] = {
    "apply": "args",
    "apply_async": "args",
    "map": "iterable",
    "map_async": "iterable",
    "imap": "iterable",
    "imap_unordered": "iterable",
    "starmap": "star",
    "starmap_async": "star",
}

#: Constructors that start a thread: qualified name -> (the callable's keyword, its
#: position, the ``args`` position, the ``kwargs`` position).
THREAD_STARTERS: Dict[str, tuple] = {
    "threading.Thread": ("target", 1, 3, 4),
    "threading.Timer": ("function", 1, 2, 3),
    "_thread.start_new_thread": (None, 0, 1, 2),
    "_thread.start_new": (None, 0, 1, 2),
    # ``multiprocessing.dummy`` has the multiprocessing API over threads.
    "multiprocessing.dummy.Process": ("target", 1, 3, 4),
    "multiprocessing.dummy.DummyProcess": ("target", 1, 3, 4),
}

#: Process classes (``multiprocessing.Process(target=...)``) and the context methods that
#: make them.
PROCESS_TYPES: FrozenSet[str] = frozenset(
    {"multiprocessing.Process", "multiprocessing.process.BaseProcess", "multiprocessing.context.Process"}
)

#: What ``multiprocessing.get_context(...).<attr>`` makes, by attribute.
CONTEXT_MEMBERS: Dict[str, str] = {
    "Process": "multiprocessing.Process",
    "Pool": "multiprocessing.pool.Pool",
    "Manager": "multiprocessing.Manager",
}

#: The class whose subclasses' ``run`` runs on a thread, and in a process.
THREAD_CLASS = "threading.Thread"
PROCESS_CLASSES: FrozenSet[str] = frozenset({"multiprocessing.Process", "multiprocessing.context.Process"})

#: Calls that start child processes as soon as they are made (CCL401). Constructing a
#: ``ProcessPoolExecutor`` does not: it starts its workers on the first ``submit``/``map``.
PROCESS_STARTING_CALLS: FrozenSet[str] = frozenset(
    {"multiprocessing.Pool", "multiprocessing.pool.Pool", "multiprocessing.Manager"}
)

# --------------------------------------------------------------------------------------
# Shared state (CCL3xx, CCL403)
# --------------------------------------------------------------------------------------

_LIST = ("append", "extend", "insert", "remove", "pop", "clear", "sort", "reverse")
_DICT = ("update", "setdefault", "pop", "popitem", "clear")
_SET = (
    "add", "discard", "remove", "pop", "clear", "update", "difference_update",
    "intersection_update", "symmetric_difference_update",
)

#: Mutable containers conclint can recognise from their literal or constructor, and the
#: methods that change them in place.
MUTATING_METHODS: Dict[str, FrozenSet[str]] = {
    "builtins.list": frozenset(_LIST),
    "builtins.dict": frozenset(_DICT),
    "builtins.set": frozenset(_SET),
    "builtins.bytearray": frozenset(_LIST),
    "collections.defaultdict": frozenset(_DICT),
    "collections.OrderedDict": frozenset(_DICT + ("move_to_end",)),
    "collections.Counter": frozenset(_DICT + ("subtract",)),
    "collections.deque": frozenset(
        ("append", "appendleft", "pop", "popleft", "extend", "extendleft", "insert", "remove", "clear", "rotate", "reverse")
    ),
}

#: Sequences whose item stores (``results[i] = value``) change no structure: threads that
#: each fill their own slot of a list made beforehand need no lock, so CCL301/CCL302 leave
#: such stores alone (a read-modify-write of an item is still CCL303).
SLOT_SEQUENCES: FrozenSet[str] = frozenset({"builtins.list", "builtins.bytearray"})

#: Containers whose values are numbers (``counts[k] += 1`` is arithmetic on them).
NUMERIC_CONTAINERS: FrozenSet[str] = frozenset({"collections.Counter"})

#: Methods that are documented as thread-safe on an otherwise unsynchronised container:
#: "Deques support thread-safe, memory efficient appends and pops from either side of the
#: deque" (library reference, ``collections.deque``). Nothing similar is promised for
#: ``list``, ``dict`` or ``set``: CPython happens to make single operations on them atomic,
#: which the free-threading HOWTO calls "a description of the current implementation, not
#: a guarantee".
THREAD_SAFE_METHODS: Dict[str, FrozenSet[str]] = {
    "collections.deque": frozenset({"append", "appendleft", "pop", "popleft"}),
}

#: Types made for sharing between threads: their methods lock internally, so using them
#: from several threads is never a CCL3xx finding. Queues: "The queue module implements
#: multi-producer, multi-consumer queues. It is especially useful in threaded programming
#: when information must be exchanged safely between multiple threads." Events, locks,
#: conditions, semaphores and barriers are the synchronisation primitives themselves.
THREAD_SAFE_TYPES: FrozenSet[str] = frozenset(
    {
        "queue.Queue", "queue.LifoQueue", "queue.PriorityQueue", "queue.SimpleQueue",
        "asyncio.Queue",
        "threading.Event", "threading.Lock", "threading.RLock", "threading.Condition",
        "threading.Semaphore", "threading.BoundedSemaphore", "threading.Barrier",
        "multiprocessing.Queue", "multiprocessing.JoinableQueue", "multiprocessing.SimpleQueue",
        "multiprocessing.Event", "multiprocessing.Lock", "multiprocessing.RLock",
    }
)

#: Locks a function can create: a new one on every call guards nothing (CCL305).
#: ``Condition`` is left out: a per-call condition is sometimes used only to wait.
LOCK_CONSTRUCTORS: FrozenSet[str] = frozenset(
    {
        "threading.Lock", "threading.RLock", "threading.Semaphore", "threading.BoundedSemaphore",
        "multiprocessing.Lock", "multiprocessing.RLock", "multiprocessing.Semaphore",
        "multiprocessing.BoundedSemaphore",
    }
)

#: Lock methods that do not let the lock escape the function (CCL305).
LOCK_METHODS: FrozenSet[str] = frozenset({"acquire", "release", "locked", "__enter__", "__exit__"})

#: Objects made to be shared with child processes: changes a child makes to them are seen
#: by the parent, so CCL403 never reports them.
PROCESS_SHARED_TYPES: FrozenSet[str] = frozenset(
    {
        "multiprocessing.Value", "multiprocessing.Array", "multiprocessing.RawValue",
        "multiprocessing.RawArray", "multiprocessing.Queue", "multiprocessing.JoinableQueue",
        "multiprocessing.SimpleQueue", "multiprocessing.Pipe", "multiprocessing.Manager",
        "multiprocessing.managers.SyncManager", "multiprocessing.shared_memory.SharedMemory",
        "multiprocessing.shared_memory.ShareableList",
    }
)


#: Words one of which a file must contain to hand work to a thread or a process, or to
#: create a lock (the trigger words of the CCL2xx-CCL4xx rules; see Rule.triggers).
HANDOFF_WORDS = (
    b"Thread", b"Timer", b"start_new", b"Process", b"to_thread", b"run_sync", b"run_in_executor",
    b"Executor", b"Pool", b"multiprocessing", b"concurrent", b"Lock", b"Semaphore", b"Condition",
)
