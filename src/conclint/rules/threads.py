"""CCL2xx and CCL3xx: threads are for I/O, and threads share memory.

CCL201 and CCL202 run in the project pass (the callable handed over may live in another
module); CCL301-CCL305 look at one module, after the traversal. The facts they share are in
:mod:`conclint.analysis.threads`; here each shared-state site gets its one, most specific
code (CCL304 over CCL303 over CCL301/CCL302) and its message.
"""

from __future__ import annotations

from typing import ClassVar, Iterator, List, Sequence, Set, Tuple

import libcst as cst

from conclint.analysis.module import ModuleFacts
from conclint.analysis.project import Project
from conclint.analysis.summary import Handoff, ModuleSummary
from conclint.analysis.threads import (
    CHECK,
    PROCESS_POOL,
    REBIND,
    THREAD,
    UPDATE,
    ProjectWork,
    SharedAccess,
    per_call_locks,
    thread_facts,
)
from conclint.knowledge.catalogue import default_catalogue
from conclint.knowledge.cpu import HANDOFF_WORDS
from conclint.rules.base import Rule
from conclint.rules.blocking import display_name
from conclint.rules.interprocedural import ProjectFinding, short_name

THREAD_ADVICE = """Threads are for I/O-bound work: the GIL lets one thread run Python code at
a time, so CPU-bound work on threads is serialised; processes are for CPU-bound work."""


SHARED_ADVICE = """Threads share memory, so shared mutable state needs a lock (or a
thread-safe queue, or no sharing at all: return values)."""

_THREAD_SAFE_NOTE = """Objects made for sharing are never reported: `queue.Queue` (and
`LifoQueue`, `PriorityQueue`, `SimpleQueue`), `threading.Event` and the locks, conditions,
semaphores and barriers themselves, and the `append`/`appendleft`/`pop`/`popleft` of a
`collections.deque`, which the library reference documents as thread-safe. No such promise
exists for `list`, `dict` or `set`: CPython happens to make one `append` atomic, which the
free-threading HOWTO calls "a description of the current implementation, not a guarantee"."""

_REGION_NOTE = """A lock is held inside `with lock:` and between `lock.acquire()` and
`lock.release()` (also when the release is in a `finally:`); a `with` on an object conclint
cannot tell is not a lock counts as a lock. Code runs "on several threads at once" when its
function is handed to `ThreadPoolExecutor.map` (or a thread pool's `map`), handed over or
started in a loop, or handed over at more than one place in one function (two different thread functions
that touch the same state may run one after the other, which conclint cannot tell, so that
alone is not reported). Functions of the module that the thread function calls run
on the same thread and are checked too; a thread function with a decorator conclint does not
know (it might take a lock) is not."""


class _ProjectRule(Rule):
    project_rule: ClassVar[bool] = True
    kind: ClassVar[str] = THREAD

    @classmethod
    def _handoffs(cls, project: Project, checked: Sequence[ModuleSummary], work: ProjectWork):
        """(module, hand-off, function ref) for every hand-off of this kind, once per call."""
        seen = set()
        for module in checked:
            for function in module.functions:
                for handoff in function.handoffs:
                    if handoff.kind != cls.kind or (module.path, handoff.call) in seen:
                        continue
                    target = work.handed(handoff, module)
                    if target is not None:
                        seen.add((module.path, handoff.call))
                        yield module, handoff, target


class CpuBoundInThread(_ProjectRule):
    code = "CCL201"
    triggers = HANDOFF_WORDS
    name = "cpu-bound-in-thread"
    summary = "A CPU-bound function runs on several threads at once: the GIL lets one compute at a time."
    advice = THREAD_ADVICE
    what = """Finds a CPU-bound function handed to threads so that several of them run at
    once: to `ThreadPoolExecutor.map` (or a thread pool's `map`, `imap`, `starmap`), or
    handed over in a loop or comprehension, or at more than one place in one function. The
    hand-offs are `threading.Thread(target=...)`, `threading.Timer`, the construction of a
    `Thread` subclass of the module whose `run` is CPU-bound, `ThreadPoolExecutor.submit`/
    `map` (however the executor is bound: `with ... as ex`, a variable, an attribute),
    `multiprocessing.pool.ThreadPool` methods, `asyncio.to_thread`,
    `loop.run_in_executor(None or a thread pool, ...)`, anyio's and trio's
    `to_thread.run_sync`, and the configured `executor-wrappers`. The callable may be a
    function, a method, a `functools.partial` or a lambda calling one, defined in this
    module or imported from another module of the project. CPU-bound means: the function
    (or a sync function of the project it calls, at any depth) has a CPU-heavy loop (the
    definition of CCL120: nested loops, or a loop over a `range` of at least 100,000 steps,
    doing arithmetic, whose only calls are pure builtins, `math`, or building a list, dict
    or set made in the function), and nothing it reaches does blocking I/O. Loops that call
    NumPy, SciPy, `hashlib`, `zlib`, `bz2` or `lzma` are not CPU-bound for threads: those
    release the GIL. One CPU-bound task on one thread (a GUI's background worker,
    `await asyncio.to_thread(crunch)` to keep an event loop responsive) is not reported:
    it loses no parallelism. When the executor's kind or the callable cannot be known,
    nothing is reported. The message names the loop."""
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
        # One background thread keeps the event loop responsive and loses no parallelism.
        "import asyncio\ndef squares():\n    return sum([i * i for i in range(10**6)])\n"
        "async def main():\n    return await asyncio.to_thread(squares)\n",
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
    )

    @classmethod
    def check_project(cls, project: Project, checked: Sequence[ModuleSummary]) -> Iterator[ProjectFinding]:
        work = ProjectWork(project, default_catalogue())
        for module, handoff, target in cls._handoffs(project, checked, work):
            if not handoff.many:
                continue  # one CPU-bound thread loses no parallelism
            chain = work.cpu_chain(target)
            if not chain or project.blocking_chain(target):
                continue
            yield cls._finding(module, handoff, chain)

    @classmethod
    def _finding(cls, module: ModuleSummary, handoff: Handoff, chain) -> ProjectFinding:
        names = [f"{short_name(ref.function, ref.module)}()" for ref, _ in chain]
        heavy = chain[-1][0]
        reason = heavy.function.cpu
        if len(chain) == 1:
            what = f"{names[0]} is CPU-bound ({reason})"
        else:
            what = f"{names[0]} is CPU-bound ({' -> '.join(names)}: {reason})"
        message = (
            f"{what} but runs on several threads at once ({handoff.many}): the GIL lets only one of them "
            "compute at a time; run it in a ProcessPoolExecutor or multiprocessing.Pool instead"
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
    `get_context(...)` too, or `loop.run_in_executor(process_pool, ...)`) that only does
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
        for module, handoff, target in cls._handoffs(project, checked, work):
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


def shared_state_findings(facts: ModuleFacts) -> Iterator[Tuple[str, cst.CSTNode, str]]:
    """(code, node, message) for the accesses to shared state that are findings.

    Only code that runs on several threads at once is reported: two different thread
    functions touching the same state may well run one after the other (a pool's
    ``with`` block waits for its tasks), which conclint cannot tell."""
    seen: Set[int] = set()
    for access in thread_facts(facts).shared_accesses():
        if access.covered or access.kind == REBIND or id(access.node) in seen or not access.root.how:
            continue
        why = f"{access.root.name} runs on several threads at once ({access.root.how})"
        seen.add(id(access.node))
        code, message = _message(access, why)
        yield code, access.node, message


def _message(access: SharedAccess, why: str) -> Tuple[str, str]:
    subject = access.subject
    text = subject.text
    if access.kind == CHECK:
        atomic = " (or use dict.setdefault, which checks and sets in one step)" if subject.type in (
            "builtins.dict", "collections.OrderedDict", "collections.defaultdict"
        ) and access.detail.endswith("= ...") else ""
        return "CCL304", (
            f"check-then-act on shared {text}: {why}, and another thread can change {text} between this "
            f"check and {access.detail}; hold one threading.Lock around both{atomic}"
        )
    if access.kind == UPDATE:
        return "CCL303", (
            f"{access.detail} is a read-modify-write of shared {text}: {why}, so updates can be lost; "
            "do it while holding a threading.Lock"
        )
    if subject.category == "global":
        return "CCL301", (
            f"{access.detail} mutates the module-level {text} without a lock: {why}; "
            "guard it with a threading.Lock, or hand results back through return values or a queue.Queue"
        )
    owner = {
        "param": "the same object passed to every thread",
        "closure": "captured from the enclosing function and shared by every thread",
        "self": "an attribute of the object whose method runs on the threads",
    }[subject.category]
    return "CCL302", (
        f"{access.detail} mutates {text}, {owner}, without a lock: {why}; "
        "guard it with a threading.Lock, or give each thread its own object and combine the results"
    )


class _SharedStateRule(Rule):
    advice = SHARED_ADVICE
    options = "None. " + " ".join(_THREAD_SAFE_NOTE.split())

    def finish(self) -> None:
        for code, node, message in shared_state_findings(self.facts):
            if code == self.code:
                self.report(node, message)


class UnsynchronizedGlobalMutation(_SharedStateRule):
    code = "CCL301"
    triggers = HANDOFF_WORDS
    name = "unsynchronized-global-mutation"
    summary = "Code running on several threads at once changes a module-level container without a lock."
    what = f"""Finds, in code that runs on several threads at once, a change to a module-level
    `list`, `dict`, `set`, `bytearray`, `deque`, `defaultdict`, `OrderedDict` or `Counter`
    (known from its literal or constructor): a mutating method (`append`, `update`,
    `pop`, ...), `d[k] = v` or `del x[k]`, outside any lock. Storing into a slot of a list
    (`results[i] = value`) changes no structure and is not reported: threads that each fill
    their own slot of a list made beforehand are a correct pattern. A read-modify-write
    (`counts[k] += 1`) is CCL303 and a check-then-act is CCL304 instead. {_REGION_NOTE}"""
    why = """Every thread sees the same module-level object. Without a lock, what a thread
    reads may be half of another thread's change, a sequence of changes can interleave with
    another's, and the order of results depends on scheduling. Python promises nothing
    about concurrent changes to a `list` or `dict`; code that is correct only because one
    operation happens to be atomic in CPython breaks as soon as it grows a second step."""
    example = """
    from concurrent.futures import ThreadPoolExecutor
    import urllib.request

    pages = {}

    def fetch(url):
        with urllib.request.urlopen(url) as response:
            pages[url] = response.read()

    def crawl(urls):
        with ThreadPoolExecutor() as pool:
            pool.map(fetch, urls)
    """
    instead = """
    from concurrent.futures import ThreadPoolExecutor
    import urllib.request

    def fetch(url):
        with urllib.request.urlopen(url) as response:
            return url, response.read()

    def crawl(urls):
        with ThreadPoolExecutor() as pool:
            return dict(pool.map(fetch, urls))
    """
    VALID = (
        "import threading\nLOCK = threading.Lock()\nresults = []\ndef work(x):\n    with LOCK:\n"
        "        results.append(x)\nfor i in range(4):\n    threading.Thread(target=work, args=(i,)).start()\n",
        "import queue, threading\nresults = queue.Queue()\ndef work(x):\n    results.put(x)\n"
        "for i in range(4):\n    threading.Thread(target=work, args=(i,)).start()\n",
        "import threading\nresults = []\ndef work(x):\n    return len(results) + x\n"
        "for i in range(4):\n    threading.Thread(target=work, args=(i,)).start()\n",
    )
    INVALID = (
        "import threading\nresults = []\ndef work(x):\n    results.append(x)\n"
        "for i in range(4):\n    threading.Thread(target=work, args=(i,)).start()\n",
    )


class SharedArgumentMutation(_SharedStateRule):
    code = "CCL302"
    triggers = HANDOFF_WORDS
    name = "shared-argument-mutation"
    summary = "Code running on several threads at once changes an object they all share, without a lock."
    what = f"""Finds, in code that runs on several threads at once, a change (a mutating
    method, `d[k] = v`, `del x[k]`) outside any lock to a `list`, `dict`, `set` or other
    known container (list item stores excepted, as in CCL301) that every one of those
    threads shares: an argument that receives the
    same object on every call (passed in `args=` of threads started in a loop, bound with
    `functools.partial`, passed to `submit` in a loop), a variable of the enclosing function
    that a nested thread function captures, or an attribute of `self` when a bound method
    runs on several threads. An argument that is new for each thread (the loop variable, an
    element of `map`) is not shared. {_REGION_NOTE}"""
    why = """Passing an object to a thread does not copy it: every thread works on the one
    object, with the same hazards as a global (see CCL301)."""
    example = """
    import threading

    def worker(numbers, squares):
        for n in numbers:
            squares.append(n * n)

    def main(chunks):
        squares = []
        threads = [threading.Thread(target=worker, args=(chunk, squares)) for chunk in chunks]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return squares
    """
    instead = """
    from concurrent.futures import ThreadPoolExecutor

    def worker(numbers):
        return [n * n for n in numbers]

    def main(chunks):
        with ThreadPoolExecutor() as pool:
            return [square for part in pool.map(worker, chunks) for square in part]
    """
    VALID = (
        "import threading\ndef work(x, out):\n    out.append(x)\ndef main():\n    for i in range(4):\n"
        "        out = []\n        threading.Thread(target=work, args=(i, out)).start()\n",
        "import threading\ndef work(x, out, lock):\n    with lock:\n        out.append(x)\ndef main():\n    out = []\n"
        "    lock = threading.Lock()\n    for i in range(4):\n        threading.Thread(target=work, args=(i, out, lock)).start()\n",
    )
    INVALID = (
        "import threading\ndef work(x, out):\n    out.append(x)\ndef main():\n    out = []\n    for i in range(4):\n"
        "        threading.Thread(target=work, args=(i, out)).start()\n",
    )


class NonAtomicUpdate(_SharedStateRule):
    code = "CCL303"
    triggers = HANDOFF_WORDS
    name = "non-atomic-update"
    summary = "A read-modify-write of shared state (`x += 1`) on several threads at once loses updates."
    what = f"""Finds, in code that runs on several threads at once, outside any lock, a
    read-modify-write of shared state: `x += 1` on a `global` (or `nonlocal`) name,
    `counts[k] += 1` on a shared container, `self.n += 1` when the method runs on several
    threads with the same object, and `x = x + 1` forms of each. The update must be
    arithmetic on a number (a numeric operand, a numeric start value, a `Counter` or a
    `defaultdict(int)`), or the explicit `x = x + ...` form. Reported instead of
    CCL301/CCL302 for the same site. {_REGION_NOTE}"""
    why = """`x += 1` is three steps: read `x`, add, store. Two threads that read the same
    value both store value + 1, and one increment is gone. The GIL does not prevent it (a
    thread can be switched out between the steps) and free-threaded builds make it common."""
    example = """
    import threading

    hits = 0

    def count(lines):
        global hits
        for line in lines:
            if "GET" in line:
                hits += 1

    def main(chunks):
        threads = [threading.Thread(target=count, args=(chunk,)) for chunk in chunks]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    """
    instead = """
    import threading

    hits = 0
    hits_lock = threading.Lock()

    def count(lines):
        global hits
        found = sum(1 for line in lines if "GET" in line)
        with hits_lock:
            hits += found
    """
    VALID = (
        "import threading\nn = 0\nlock = threading.Lock()\ndef work():\n    global n\n    with lock:\n        n += 1\n"
        "for _ in range(4):\n    threading.Thread(target=work).start()\n",
        "import threading\nn = 0\nlock = threading.Lock()\ndef work():\n    global n\n    lock.acquire()\n"
        "    try:\n        n += 1\n    finally:\n        lock.release()\n"
        "for _ in range(4):\n    threading.Thread(target=work).start()\n",
    )
    INVALID = (
        "import threading\nn = 0\ndef work():\n    global n\n    n += 1\n"
        "for _ in range(4):\n    threading.Thread(target=work).start()\n",
    )


class CheckThenAct(_SharedStateRule):
    code = "CCL304"
    triggers = HANDOFF_WORDS
    name = "check-then-act"
    summary = "An `if` checks shared state and then changes it, on several threads at once, without a lock."
    what = f"""Finds, in code that runs on several threads at once and outside any lock, an
    `if` whose test checks shared state and whose body changes that same state: `if k not
    in cache: cache[k] = ...` (also `in`, `cache.get(k) is None`), `if items: items.pop()`
    (also `len(items)`), and the lazy initialisation `if _client is None: _client = ...` of
    a `global` or of `self._client`. Reported at the `if`, once; the changes it guards are
    not reported again (by CCL301-CCL303). {_REGION_NOTE}"""
    why = """Between the check and the act another thread can act on the same state: two
    threads both see the key missing and both compute and store it (double work, or two
    different clients where one was meant), or both see one item left and one of them
    pops from an empty list."""
    example = """
    from concurrent.futures import ThreadPoolExecutor

    cache = {}

    def thumbnail(path):
        if path not in cache:
            cache[path] = render(path)
        return cache[path]

    def thumbnails(paths):
        with ThreadPoolExecutor() as pool:
            return list(pool.map(thumbnail, paths))
    """
    instead = """
    import threading
    from concurrent.futures import ThreadPoolExecutor

    cache = {}
    cache_lock = threading.Lock()

    def thumbnail(path):
        with cache_lock:
            if path not in cache:
                cache[path] = render(path)
            return cache[path]
    """
    VALID = (
        "import threading\ncache = {}\nlock = threading.Lock()\ndef work(k):\n    with lock:\n"
        "        if k not in cache:\n            cache[k] = 1\nfor i in range(4):\n"
        "    threading.Thread(target=work, args=(i,)).start()\n",
        "import threading\ncache = {}\ndef work(k):\n    if k in cache:\n        return cache[k]\n"
        "for i in range(4):\n    threading.Thread(target=work, args=(i,)).start()\n",
    )
    INVALID = (
        "import threading\ncache = {}\ndef work(k):\n    if k not in cache:\n        cache[k] = 1\n"
        "for i in range(4):\n    threading.Thread(target=work, args=(i,)).start()\n",
    )


class LockPerCall(Rule):
    code = "CCL305"
    triggers = HANDOFF_WORDS
    name = "lock-per-call"
    summary = "A lock created inside the function that uses it is new on every call and guards nothing."
    advice = SHARED_ADVICE
    what = """Finds a `threading` (or `multiprocessing`) `Lock`, `RLock`, `Semaphore` or
    `BoundedSemaphore` created inside a function and only used there as a lock: `with
    threading.Lock():`, or `lock = threading.Lock()` followed only by `with lock:`,
    `lock.acquire()` and `lock.release()`. A lock that leaves the function (returned,
    stored on `self` or in a global, passed to a thread or another call, or captured by a
    nested function) is shared and not reported. `Condition` is left out (a per-call
    condition is sometimes used only to wait with a timeout)."""
    why = """A lock only makes a thread wait when another thread holds the same lock. A lock
    created on each call is a different object for every caller, so no caller ever waits:
    the code it was meant to protect runs unprotected, and the `with lock:` reads as if it
    were safe."""
    example = """
    import threading

    totals = {}

    def add(key, amount):
        lock = threading.Lock()
        with lock:
            totals[key] = totals.get(key, 0) + amount
    """
    instead = """
    import threading

    totals = {}
    totals_lock = threading.Lock()

    def add(key, amount):
        with totals_lock:
            totals[key] = totals.get(key, 0) + amount
    """
    VALID = (
        "import threading\nLOCK = threading.Lock()\ndef f():\n    with LOCK:\n        pass\n",
        "import threading\nclass C:\n    def __init__(self):\n        self.lock = threading.Lock()\n",
        "import threading\ndef main(work):\n    lock = threading.Lock()\n    t = threading.Thread(target=work, args=(lock,))\n"
        "    t.start()\n    with lock:\n        pass\n",
        "import threading\ndef make():\n    lock = threading.Lock()\n    def inner():\n        with lock:\n"
        "            pass\n    return inner\n",
    )
    INVALID = (
        "import threading\ndef f():\n    lock = threading.Lock()\n    with lock:\n        pass\n",
        "import threading\ndef f():\n    with threading.RLock():\n        pass\n",
    )

    def finish(self) -> None:
        for found in per_call_locks(self.facts):
            where = found.function.name
            self.report(
                found.call,
                f"{found.kind}() is created on every call of {where}(), so each call locks its own "
                f"{found.kind} and no other thread ever waits on it: it guards nothing; create it once "
                "(at module level, or in __init__) and share it",
            )
