"""Thread and process primitives (data only)."""

from typing import Dict, FrozenSet, Tuple

#: Locks that block the calling thread when taken with ``with``; in ``async def`` they
#: block the event loop, and deadlock it when the holder awaits inside.
THREAD_LOCK_TYPES: FrozenSet[str] = frozenset(
    {
        "threading.Lock",
        "threading.RLock",
        "threading.Semaphore",
        "threading.BoundedSemaphore",
        "threading.Condition",
        "multiprocessing.Lock",
        "multiprocessing.RLock",
        "multiprocessing.Semaphore",
        "multiprocessing.BoundedSemaphore",
        "multiprocessing.Condition",
        "multiprocessing.synchronize.Lock",
        "multiprocessing.synchronize.RLock",
        "multiprocessing.synchronize.Semaphore",
        "multiprocessing.synchronize.BoundedSemaphore",
        "multiprocessing.synchronize.Condition",
    }
)

# --------------------------------------------------------------------------------------
# Code that runs on threads without a Thread(target=...) in sight (CCL2xx, CCL3xx, CCL306)
# --------------------------------------------------------------------------------------

#: joblib's ``Parallel`` and ``delayed`` (and scikit-learn's wrappers, which pass the
#: configuration on to the workers): ``Parallel(n_jobs=4)(delayed(f)(x) for x in xs)``
#: calls ``f`` once per element, on threads or in processes depending on the backend.
JOBLIB_PARALLEL: FrozenSet[str] = frozenset(
    {"joblib.Parallel", "joblib.parallel.Parallel", "sklearn.utils.parallel.Parallel"}
)
JOBLIB_DELAYED: FrozenSet[str] = frozenset(
    {"joblib.delayed", "joblib.parallel.delayed", "sklearn.utils.parallel.delayed", "sklearn.utils.fixes.delayed"}
)
#: Backends by name: ``"threading"`` runs tasks on a thread pool; ``"loky"`` (the default)
#: and ``"multiprocessing"`` in worker processes. Others (``"dask"``, ``"ray"``, a
#: registered custom one) run wherever they were set up: no hand-off conclint can tell.
JOBLIB_THREAD_BACKENDS: FrozenSet[str] = frozenset({"threading"})
JOBLIB_PROCESS_BACKENDS: FrozenSet[str] = frozenset({"loky", "multiprocessing"})
#: Context managers that change the backend (and ``n_jobs``) of every ``Parallel`` made
#: inside them: within one, the backend is whatever they say.
JOBLIB_BACKEND_CONTEXTS: FrozenSet[str] = frozenset(
    {"joblib.parallel_backend", "joblib.parallel_config", "joblib.parallel.parallel_backend", "joblib.parallel.parallel_config"}
)
#: Calls whose result is the number of CPUs: ``n_jobs=os.cpu_count()`` runs in parallel.
CPU_COUNTS: FrozenSet[str] = frozenset({"os.cpu_count", "multiprocessing.cpu_count", "joblib.cpu_count"})

#: Servers that handle each request on a thread of its own (``socketserver.ThreadingMixIn``):
#: the request handler class is their second argument, ``RequestHandlerClass``.
THREADING_SERVERS: FrozenSet[str] = frozenset(
    {
        "socketserver.ThreadingTCPServer",
        "socketserver.ThreadingUDPServer",
        "socketserver.ThreadingUnixStreamServer",
        "socketserver.ThreadingUnixDatagramServer",
        "http.server.ThreadingHTTPServer",
    }
)
#: The mix-in a server class of the module derives from to handle requests on threads.
THREADING_MIXIN = "socketserver.ThreadingMixIn"

# --------------------------------------------------------------------------------------
# Start methods (CCL401-CCL403)
# --------------------------------------------------------------------------------------

#: The start methods ``multiprocessing.get_start_method()`` can return.
START_METHODS: FrozenSet[str] = frozenset({"fork", "spawn", "forkserver"})

#: Start methods whose child is a copy of the parent: a ``Process`` target is not pickled,
#: and the main module is not imported again. (Pool and executor tasks are pickled under
#: every method: they travel to the workers through a pipe.)
FORK_METHODS: FrozenSet[str] = frozenset({"fork"})

#: Constructors that take the context their processes come from: qualified name ->
#: (keyword, position).
CONTEXT_ARGUMENTS: Dict[str, Tuple[str, int]] = {
    "concurrent.futures.ProcessPoolExecutor": ("mp_context", 1),
    "concurrent.futures.process.ProcessPoolExecutor": ("mp_context", 1),
    "multiprocessing.pool.Pool": ("context", 4),
}
