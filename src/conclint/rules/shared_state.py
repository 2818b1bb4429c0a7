"""CCL301-CCL305: threads share memory, so shared mutable state needs a lock.

They look at one module, after the traversal. The accesses to shared state come from
:mod:`conclint.analysis.threads`; here each site gets its one, most specific code (CCL304
over CCL303 over CCL301/CCL302) and its message.
"""

from __future__ import annotations

from typing import Iterator, Set, Tuple

import libcst as cst

from conclint.analysis.module import ModuleFacts
from conclint.analysis.threads import CHECK, REBIND, UPDATE, SharedAccess, per_call_locks, thread_facts
from conclint.knowledge.cpu import HANDOFF_WORDS
from conclint.rules.base import Rule

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
