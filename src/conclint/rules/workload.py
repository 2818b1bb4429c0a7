"""CCL201 and CCL202: threads are for I/O-bound work, processes for CPU-bound work.

Both run in the project pass: the callable handed over may live in another module. The
hand-offs come from the summaries (:class:`conclint.analysis.summary.Handoff`), and what
the callables do from :class:`conclint.analysis.threads.ProjectWork`.
"""

from __future__ import annotations

from typing import ClassVar, Iterator, List, Sequence, Tuple

from conclint.analysis.project import Project
from conclint.analysis.summary import Handoff, ModuleSummary
from conclint.analysis.threads import PROCESS_POOL, THREAD, ProjectWork
from conclint.knowledge.catalogue import default_catalogue
from conclint.knowledge.cpu import HANDOFF_WORDS
from conclint.rules.base import Rule
from conclint.rules.blocking import display_name
from conclint.rules.interprocedural import ProjectFinding, short_name

THREAD_ADVICE = """Threads are for I/O-bound work: the GIL lets one thread run Python code at
a time, so CPU-bound work on threads is serialised; processes are for CPU-bound work."""


class _ProjectRule(Rule):
    project_rule: ClassVar[bool] = True
    kind: ClassVar[str] = THREAD

    @classmethod
    def _handoffs(cls, project: Project, checked: Sequence[ModuleSummary], work: ProjectWork):
        """(module, handing function, hand-off, function ref) for every hand-off of this
        kind, once per call."""
        seen = set()
        for module in checked:
            for function in module.functions:
                for handoff in function.handoffs:
                    if handoff.kind != cls.kind or (module.path, handoff.call) in seen:
                        continue
                    target = work.handed(handoff, module)
                    if target is not None:
                        seen.add((module.path, handoff.call))
                        yield module, function, handoff, target


class CpuBoundInThread(_ProjectRule):
    code = "CCL201"
    triggers = HANDOFF_WORDS
    name = "cpu-bound-in-thread"
    summary = "A function that only computes runs on several threads at once: the GIL lets one compute at a time."
    advice = THREAD_ADVICE
    what = """Finds a CPU-bound function handed to threads so that several of them run at
    once: to `ThreadPoolExecutor.map` (or a thread pool's `map`, `imap`, `starmap`), handed
    over in a loop or comprehension, at more than one place in one function, or from an
    `async def` (`await asyncio.to_thread(f)`, `loop.run_in_executor(None, f)`: the
    coroutine's calls run concurrently, as a server's handlers do, and the event loop's own
    thread competes with the worker for the GIL). The hand-offs are
    `threading.Thread(target=...)`, `threading.Timer`, the construction of a `Thread`
    subclass of the module whose `run` is CPU-bound, `ThreadPoolExecutor.submit`/`map`
    (however the executor is bound: `with ... as ex`, a variable, an attribute, `self`),
    `multiprocessing.pool.ThreadPool` and `multiprocessing.dummy` (`Pool` methods,
    `Process(target=...)`: threads under a multiprocessing name), joblib's
    `Parallel(n_jobs=...)(delayed(f)(x) for x in xs)` on threads (`backend="threading"`,
    `prefer="threads"` or `require="sharedmem"`, with an `n_jobs` other than 1),
    `asyncio.to_thread`, `loop.run_in_executor(None or a thread pool, ...)`, anyio's and
    trio's `to_thread.run_sync`, and the configured `executor-wrappers`. The callable may be a
    function, a method, a `functools.partial` or a lambda calling one, defined in this
    module or imported from another module of the project.

    CPU-bound means two things. Nothing the function reaches (itself and the sync
    functions of the project it calls, at any depth, across modules) does I/O or waits,
    or makes a call conclint cannot follow: an unresolved name, a method of an object of
    unknown type, a library function not known to only compute, a function handed to
    `map`/`sorted(key=...)`. And something it reaches does real computation: a loop over
    its data (its parameters, `self`'s attributes, what it derived from them; not a
    collection written out in the code or a module constant) that does any work, a
    comprehension building a container from its data, a loop over a `range` of at least
    100,000 steps, or a call of library code that computes while holding the GIL, given
    its data: `json.loads`/`dumps`, `pickle.loads`/`dumps`, `re` and compiled patterns,
    `xml.etree.ElementTree.fromstring`/`tostring`, `difflib`, `statistics`, `sorted`,
    `copy.deepcopy`, `ast.parse`, YAML and third-party JSON codecs (the list is
    `GIL_HOLDING_CALLS` in `knowledge/cpu.py`). Known computation also includes builtins,
    `math`, `itertools`, `collections`, `random`, `str` methods and the methods of lists,
    dicts and sets; logging, clocks and `os.path` are bookkeeping; putting a result on an
    unbounded `queue.Queue` and taking a `with lock:` are no waiting. Such a function
    does no I/O at all, so it was handed to the threads for its CPU time: the message says
    so, and names the loop or call (through the chain of calls when it is in a callee).

    Not reported: a function that reaches any I/O or wait (an I/O-bound worker, one that
    takes jobs from a queue, one that sleeps), or code out of sight; a function that calls
    NumPy, SciPy, `hashlib`, `zlib`, `bz2` or `lzma` (they release the GIL, so threads do
    run them in parallel); `json.load`, `pickle.load` and `ElementTree.parse` (they read a
    file); a generator function (calling it computes nothing); a function whose only loops
    go over literals of the code. One thread started once beside a caller that goes on
    waiting (a GUI's background worker, `threading.Thread(target=f).start()` in a
    command-line tool, one `submit` outside a loop) is not reported either: it keeps the
    caller responsive and loses no parallelism, since nothing else computes beside it.
    When the executor's kind or the callable cannot be known, nothing is reported."""
    why = """Only one thread runs Python code at a time (the GIL). A CPU-bound function on a
    pool of eight threads takes as long as on one, plus the switching, and every other
    thread of the program (an event loop's too) gets the interpreter only in slices.
    Processes each have their own interpreter and run in parallel."""
    example = """
    from concurrent.futures import ThreadPoolExecutor

    def checksum(block):
        total = 0
        for row in block:
            for byte in row:
                total = (total * 31 + byte) % 1_000_003
        return total

    def checksums(blocks):
        with ThreadPoolExecutor() as pool:
            return list(pool.map(checksum, blocks))
    """
    instead = """
    from concurrent.futures import ProcessPoolExecutor

    def checksums(blocks):
        with ProcessPoolExecutor() as pool:
            return list(pool.map(checksum, blocks))
    """
    options = """`free-threaded = true` (for CPython 3.13t and later, built without the GIL)
    turns this rule off. `executor-wrappers` names more functions that run their callable
    argument on a thread."""
    VALID = (
        # I/O-bound work is what threads are for.
        "import threading, urllib.request\ndef fetch(url):\n    with urllib.request.urlopen(url) as r:\n"
        "        return r.read()\nfor u in ['http://x', 'http://y']:\n    threading.Thread(target=fetch, args=(u,)).start()\n",
        # NumPy releases the GIL.
        "import numpy as np\nfrom concurrent.futures import ThreadPoolExecutor\ndef work(a):\n"
        "    for row in a:\n        for x in row:\n            np.sqrt(x * 2)\n"
        "def main(arrays):\n    with ThreadPoolExecutor() as ex:\n        ex.map(work, arrays)\n",
        # A process pool is the right place.
        "from concurrent.futures import ProcessPoolExecutor\ndef work(rows):\n    t = 0\n    for r in rows:\n"
        "        for v in r:\n            t += v * v\n    return t\ndef main(chunks):\n"
        "    with ProcessPoolExecutor() as ex:\n        return list(ex.map(work, chunks))\n",
        # One background thread beside a caller that waits loses no parallelism.
        "import threading\ndef squares(n):\n    return sum([i * i for i in range(n)])\n"
        "def on_click(n):\n    threading.Thread(target=squares, args=(n,), daemon=True).start()\n",
        # A worker that waits on its queue.
        "import threading\ndef worker(q):\n    while True:\n        rows = q.get()\n        print(sum(r * r for r in rows))\n"
        "def main(q):\n    for _ in range(4):\n        threading.Thread(target=worker, args=(q,)).start()\n",
        # An executor whose callable is unknown.
        "from concurrent.futures import ThreadPoolExecutor\ndef main(jobs):\n    with ThreadPoolExecutor() as ex:\n"
        "        for job in jobs:\n            ex.submit(job)\n",
    )
    INVALID = (
        "from concurrent.futures import ThreadPoolExecutor\ndef work(rows):\n    t = 0\n    for r in rows:\n"
        "        for v in r:\n            t += v * v\n    return t\ndef main(chunks):\n"
        "    with ThreadPoolExecutor() as ex:\n        return list(ex.map(work, chunks))\n",
        "import threading\ndef squares():\n    return sum([i * i for i in range(10**6)])\n"
        "threads = [threading.Thread(target=squares) for _ in range(4)]\n",
        "import asyncio, json\ndef parse(body):\n    return json.loads(body)\n"
        "async def handle(body):\n    return await asyncio.to_thread(parse, body)\n",
        "from concurrent.futures import ThreadPoolExecutor\ndef words(text):\n"
        "    return {w.lower() for line in text.splitlines() for w in line.split()}\n"
        "def main(texts):\n    with ThreadPoolExecutor() as ex:\n        return list(ex.map(words, texts))\n",
    )

    @classmethod
    def check_project(cls, project: Project, checked: Sequence[ModuleSummary]) -> Iterator[ProjectFinding]:
        work = ProjectWork(project, default_catalogue())
        for module, function, handoff, target in cls._handoffs(project, checked, work):
            many = handoff.many
            if not many and function.is_async:
                many = (
                    f"it is handed over from async def {short_name(function, module)}(), whose calls run "
                    "concurrently, and the event loop's own thread competes with it for the GIL"
                )
            if not many:
                continue  # one CPU-bound thread beside a waiting caller loses no parallelism
            chain = work.cpu_chain(target)
            if chain:
                yield cls._finding(module, handoff, chain, many, function.is_async)

    @classmethod
    def _finding(cls, module: ModuleSummary, handoff: Handoff, chain, many: str, from_async: bool) -> ProjectFinding:
        names = [f"{short_name(ref.function, ref.module)}()" for ref, _ in chain]
        heavy = chain[-1][0]
        reason = heavy.function.cpu
        if len(chain) == 1:
            what = f"{names[0]} does no I/O at all, it only computes ({reason})"
        else:
            what = f"{names[0]} does no I/O at all, it only computes ({' -> '.join(names)}: {reason})"
        instead = "await loop.run_in_executor(process_pool, ...)" if from_async else "a ProcessPoolExecutor or multiprocessing.Pool"
        message = (
            f"{what}: it was handed to {handoff.how} for its CPU time, but it runs on several threads at once "
            f"({many}) and the GIL lets only one of them compute at a time; run it in a process pool instead: {instead}"
        )
        trace: List[Tuple[str, int, str]] = []
        for i, (ref, call) in enumerate(chain[:-1]):
            trace.append((ref.module.path, call.call, f"{names[i]} calls {names[i + 1]}"))
        if heavy.function.cpu_call >= 0:
            trace.append((heavy.module.path, heavy.function.cpu_call, f"{names[-1]}: {reason}"))
        return ProjectFinding(module.path, handoff.call, cls.code, message, tuple(trace))


class IoBoundInProcessPool(_ProjectRule):
    code = "CCL202"
    triggers = HANDOFF_WORDS
    name = "io-bound-in-process-pool"
    kind = PROCESS_POOL
    summary = "A function that only waits on I/O is handed to a process pool: a thread would do."
    advice = """Processes are for CPU-bound work; threads (or async) are for waiting on I/O.
    A process costs a start-up, memory, and a pickle of every argument and result."""
    what = """Finds a function handed to a process pool (`ProcessPoolExecutor.submit`/`map`,
    `multiprocessing.Pool` methods such as `map`, `imap`, `starmap`, `apply_async`, through
    `get_context(...)` too, `loop.run_in_executor(process_pool, ...)`, or joblib's
    `Parallel(n_jobs=...)(delayed(f)(x) ...)` with its default (loky) or multiprocessing
    backend) that only does
    I/O: it makes network, file or database calls (directly or through sync functions of
    the project, across modules) and otherwise only waits (`time.sleep`, subprocesses),
    calls cheap builtins, bookkeeping (`logging`, `os.path`, clocks) or methods of the
    clients, files and responses it opened. A function with a CPU-heavy loop, or a call
    whose cost conclint cannot know (parsing, a library function, a method of an object of
    unknown type) is never reported."""
    why = """While a function waits on the network or the disk it holds no CPU, so a thread
    waits just as well, and threads release the GIL while they wait. A process pool adds a
    process start (a fork or a fresh interpreter), memory for each worker, and pickling of
    the arguments and results, and closes the door to sharing a connection pool or a cache."""
    example = """
    from concurrent.futures import ProcessPoolExecutor
    import requests

    def download(url):
        return requests.get(url, timeout=10).content

    def download_all(urls):
        with ProcessPoolExecutor() as pool:
            return list(pool.map(download, urls))
    """
    instead = """
    from concurrent.futures import ThreadPoolExecutor

    def download_all(urls):
        with ThreadPoolExecutor(max_workers=16) as pool:
            return list(pool.map(download, urls))
    """
    VALID = (
        "import json\nfrom multiprocessing import Pool\ndef load(path):\n    with open(path) as f:\n"
        "        return json.load(f)\ndef main(paths):\n    with Pool() as p:\n        return p.map(load, paths)\n",
        "from concurrent.futures import ThreadPoolExecutor\nimport urllib.request\ndef get(u):\n"
        "    return urllib.request.urlopen(u).read()\ndef main(us):\n    with ThreadPoolExecutor() as ex:\n"
        "        return list(ex.map(get, us))\n",
    )
    INVALID = (
        "from concurrent.futures import ProcessPoolExecutor\nimport urllib.request\ndef get(u):\n"
        "    return urllib.request.urlopen(u).read()\ndef main(us):\n    with ProcessPoolExecutor() as ex:\n"
        "        return list(ex.map(get, us))\n",
    )

    @classmethod
    def check_project(cls, project: Project, checked: Sequence[ModuleSummary]) -> Iterator[ProjectFinding]:
        work = ProjectWork(project, default_catalogue())
        for module, _, handoff, target in cls._handoffs(project, checked, work):
            owner = target.function.qualname.rsplit(".", 1)[0]
            if owner in project.functions(target.module):
                continue  # a nested function cannot be pickled at all: CCL402 says so
            io = work.io_only(target)
            if not io:
                continue
            name = short_name(target.function, target.module)
            message = (
                f"{name}() only waits on I/O ({display_name(io)}()) but runs in a process pool via {handoff.how}: "
                "a process adds start-up, memory and pickling for work a thread waits on just as well; "
                "use a ThreadPoolExecutor (or async I/O) instead"
            )
            yield ProjectFinding(module.path, handoff.call, cls.code, message, ())
