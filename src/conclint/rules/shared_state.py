"""CCL301-CCL305 and CCL307: threads share memory, so shared mutable state needs a lock.

They look at one module, after the traversal. The accesses to shared state come from
:mod:`conclint.analysis.threads`; :mod:`conclint.rules.shared_findings` gives each site
its one, most specific code (CCL304 over CCL303 over CCL301/CCL302) and its message.
Here are the rule classes and their documentation.
"""

from __future__ import annotations

from conclint.analysis.threads import per_call_locks
from conclint.knowledge.cpu import HANDOFF_WORDS
from conclint.rules.base import Rule
from conclint.rules.shared_findings import shared_state_findings

SHARED_ADVICE = """Threads share memory, so shared mutable state needs a lock (or a
thread-safe queue, or no sharing at all: return values)."""

_THREAD_SAFE_NOTE = """Objects made for sharing are never reported: `queue.Queue` (and
`LifoQueue`, `PriorityQueue`, `SimpleQueue`), `threading.Event` and the locks, conditions,
semaphores and barriers themselves. The `append`/`appendleft`/`pop`/`popleft` of a
`collections.deque`, which the library reference documents as thread-safe, are not reported
either, though a loop over a deque they change at the same time is (CCL307)."""

_FAQ_NOTE = """The Python FAQ ("What kinds of global value mutation are thread-safe?") lists
as atomic `L.append(x)`, `L1.extend(L2)`, `x = L[i]`, `x = L.pop()`, `L1[i:j] = L2`,
`L.sort()`, `x = y`, `x.field = y`, `D[x] = y`, `D1.update(D2)` and `D.keys()`, and as not
atomic `i = i+1`, `L.append(L[-1])`, `L[i] = L[j]` and `D[x] = D[x] + 1`. So one change to
a shared `list`, `dict` or `set` is never reported by itself: threads that each `append` a
result, read after `join()`, lose nothing; `d.setdefault(k, []).append(v)` is one step
too. What is reported is a second step another thread can run in between: a
read-modify-write (CCL303), a check and then an act (CCL304), a loop over the container
while another thread adds or removes items (CCL307), and the changes such a loop or check
races with (CCL301, CCL302)."""

_REGION_NOTE = """A lock is held inside `with lock:` and between `lock.acquire()` and
`lock.release()` (also when the release is in a `finally:`); a `with` on an object conclint
cannot tell is not a lock counts as a lock. A site under a lock is never reported, but it
still races with a site of the same state that holds none: a lock taken on one side only
protects nothing. Code runs on a thread when its function is handed to one
(`Thread(target=...)`, `Timer`, an executor's `submit` or `map`, `asyncio.to_thread`, a
`Thread` subclass's `run`, ...), together with the functions and `self` methods of the
module it calls. It runs "on several threads at once" when it is handed to a pool's `map`,
handed over or started in a loop, or handed over at more than one place in one function.
Other code runs alongside a thread: the rest of the function that started it, until that
function waits (`join()`, `result()`, `wait()`, the end of the executor's `with` block);
and, while a thread *lives on* (nothing waits for it after it was handed over: a daemon
thread, a `Timer`, a callback), the module's public functions and the public methods of
the object whose state it touches. Methods with a leading underscore, `__init__` and the
code the thread runs itself are not counted as running alongside: conclint cannot tell
who calls them. Two different thread functions race only when one of them lives on (a
pool's `with` block may well run them one after the other). A thread function with a
decorator conclint does not know (it might take a lock) is not checked."""


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
    summary = "A thread changes a module-level container without a lock while another thread loops over it or checks it."
    what = f"""Finds a change to a module-level `list`, `dict`, `set`, `bytearray`, `deque`,
    `defaultdict`, `OrderedDict` or `Counter` (known from its literal or constructor) — a
    mutating method (`append`, `update`, `pop`, ...), `d[k] = v`, `del d[k]`, `L[i:j] = ...`,
    or reading a missing key of a `defaultdict`, which inserts it — made without a lock
    while another thread, at the same time, loops over that container, copies it item by
    item (`copy.deepcopy`), hands out a live view of it, or checks it and then acts on it
    (that other side is CCL307 or CCL304, at its own line). Against a loop over a list only
    changes that move its items count: `append` and `extend` grow it at the end. Storing
    into a slot of a list (`results[i] = value`) is never reported: threads that each fill
    their own slot of a list made beforehand are a correct pattern. A read-modify-write
    (`counts[k] += 1`) is CCL303 instead. {_FAQ_NOTE} {_REGION_NOTE}"""
    why = """Each change is one atomic step, but the loop or the check on the other thread
    is not: a dict or a set that changes size during a loop raises `RuntimeError: dictionary
    changed size during iteration`, a list that loses items under a loop skips some, and
    between a check (`if key in sessions:`) and the act that relies on it
    (`sessions[key]`) the key can vanish (`KeyError`). Both sides must hold the same lock,
    or the reader must work on a copy made in one step under it."""
    example = """
    import threading

    sessions = {}

    def serve(listener):
        while True:
            conn, addr = listener.accept()
            sessions[addr] = conn

    def broadcast(message):
        for conn in sessions.values():
            conn.sendall(message)

    def start(listener):
        threading.Thread(target=serve, args=(listener,), daemon=True).start()
    """
    instead = """
    import threading

    sessions = {}
    sessions_lock = threading.Lock()

    def serve(listener):
        while True:
            conn, addr = listener.accept()
            with sessions_lock:
                sessions[addr] = conn

    def broadcast(message):
        with sessions_lock:
            conns = list(sessions.values())
        for conn in conns:
            conn.sendall(message)
    """
    VALID = (
        "import threading\nresults = []\ndef work(x):\n    results.append(x)\n"
        "def main():\n    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]\n"
        "    for t in threads:\n        t.start()\n    for t in threads:\n        t.join()\n"
        "    for r in results:\n        print(r)\n",
        "import threading\nLOCK = threading.Lock()\nseen = {}\ndef work(x):\n    with LOCK:\n"
        "        seen[x] = 1\ndef report():\n    with LOCK:\n        return [k for k in seen]\n"
        "def start():\n    threading.Thread(target=work, args=(1,), daemon=True).start()\n",
        "import queue, threading\nresults = queue.Queue()\ndef work(x):\n    results.put(x)\n"
        "for i in range(4):\n    threading.Thread(target=work, args=(i,)).start()\n",
    )
    INVALID = (
        "import threading\nseen = {}\ndef work(x):\n    seen[x] = 1\ndef report():\n    for k in seen:\n"
        "        print(k)\ndef start():\n    threading.Thread(target=work, args=(1,), daemon=True).start()\n",
    )


class SharedArgumentMutation(_SharedStateRule):
    code = "CCL302"
    triggers = HANDOFF_WORDS
    name = "shared-argument-mutation"
    summary = "A thread changes an object other threads use, without a lock, while one of them loops over it or checks it."
    what = f"""Finds a change (a mutating method, `d[k] = v`, `del d[k]`, ... as in CCL301)
    made without a lock to a `list`, `dict`, `set` or other known container shared with
    other threads — an argument that receives the same object on every call (passed in
    `args=` of threads started in a loop, bound with `functools.partial`, passed to
    `submit` in a loop), a variable of the enclosing function that a nested thread function
    captures, or an attribute of `self` when a method runs on a thread — while another
    thread, at the same time, loops over it, copies it item by item, hands out a live view
    of it, or checks it and then acts on it (CCL307 or CCL304 at that other line). An
    argument that is new for each thread (the loop variable, an element of `map`) is not
    shared. `self` is shared by the threads of a bound method handed over several times,
    and with the object's other methods while its thread lives on (each thread of a
    `Thread` subclass has its own `self`, but shares it with the code that uses the thread
    object). {_FAQ_NOTE} {_REGION_NOTE}"""
    why = """Passing an object to a thread does not copy it: every thread works on the one
    object, with the same hazards as a global (see CCL301): a loop over a dict or set that
    another thread changes raises `RuntimeError`, a check can be stale by the time its act
    runs."""
    example = """
    import threading

    def fetch_size(url, sizes):
        sizes[url] = len(download(url))

    def download_all(urls):
        sizes = {}
        threads = [threading.Thread(target=fetch_size, args=(url, sizes)) for url in urls]
        for thread in threads:
            thread.start()
        while any(thread.is_alive() for thread in threads):
            print(", ".join(url for url in sizes))
        return sizes
    """
    instead = """
    from concurrent.futures import ThreadPoolExecutor, as_completed

    def fetch_size(url):
        return url, len(download(url))

    def download_all(urls):
        sizes = {}
        with ThreadPoolExecutor() as pool:
            for future in as_completed([pool.submit(fetch_size, url) for url in urls]):
                url, size = future.result()
                sizes[url] = size
                print(", ".join(sizes))
        return sizes
    """
    VALID = (
        "import threading\ndef work(x, out):\n    out.append(x)\ndef main():\n    out = []\n    for i in range(4):\n"
        "        threading.Thread(target=work, args=(i, out)).start()\n",
        "import threading\ndef work(x, out, lock):\n    with lock:\n        out[x] = 1\ndef main():\n    out = {}\n"
        "    lock = threading.Lock()\n    for i in range(4):\n        threading.Thread(target=work, args=(i, out, lock)).start()\n"
        "    with lock:\n        return [k for k in out]\n",
    )
    INVALID = (
        "import threading\ndef work(x, out):\n    out[x] = 1\ndef main():\n    out = {}\n    for i in range(4):\n"
        "        threading.Thread(target=work, args=(i, out)).start()\n    return [k for k in out]\n",
    )


class NonAtomicUpdate(_SharedStateRule):
    code = "CCL303"
    triggers = HANDOFF_WORDS
    name = "non-atomic-update"
    summary = "A read-modify-write of shared state (`x += 1`) that another thread runs at the same time loses updates."
    what = f"""Finds, outside any lock, a read-modify-write of shared state in code that runs
    on several threads at once: `x += 1` on a `global` (or `nonlocal`) name, `counts[k] += 1`
    on a shared container, `self.n += 1` when the method runs on several threads with the
    same object, the `x = x + 1` and `d[k] = d.get(k, 0) + 1` forms of each, and the
    methods that are Python code reading and then writing every value, `Counter.update`
    and `Counter.subtract`. The update must be arithmetic on a number (a numeric operand,
    a numeric start value, a `Counter` or a `defaultdict(int)`), or the explicit
    `x = x + ...` form. It is also reported when the code runs on one thread only, if other
    code does a read-modify-write of the same state at the same time (a thread that lives
    on and a public method both doing `self.sent += n`). Reported instead of CCL301/CCL302
    for the same site. {_REGION_NOTE}"""
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
    summary = "An `if` checks shared state and then acts on it, without a lock, while another thread can change it."
    what = f"""Finds, outside any lock, an `if` whose test checks shared state and whose code
    then changes that same state, in code that runs on several threads at once: `if k not
    in cache: cache[k] = ...` (also `in`, `cache.get(k) is None`), `if items: items.pop()`
    (also `len(items)`), the lazy initialisation `if _client is None: _client = ...` of a
    `global` or of `self._client`, and the guard-clause forms (`if k in cache: return
    cache[k]`, then `cache[k] = compute(k)` after it). It is also reported when the code
    runs on one thread only and another thread, at the same time, removes what the test
    checked (`del d[k]`, `d.pop(k)`, `items.pop()`, `clear()`) while the guarded code reads
    it (`if k in self.channels: return self.channels[k]`: a `KeyError`), or changes what the
    test checked while the guarded code changes it too (`i = next(ids)`, `if i in
    self.channels: ...`, then `self.channels[i] = channel`). Reported at the `if`, once;
    the changes it guards are not reported again (by CCL301-CCL303). {_REGION_NOTE}"""
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


class IterationWhileMutated(_SharedStateRule):
    code = "CCL307"
    triggers = HANDOFF_WORDS
    name = "iteration-while-mutated"
    summary = "A loop over a shared dict, set or list runs while another thread adds or removes its items."
    what = f"""Finds, outside any lock, a loop over a shared container — a `for` statement, a
    comprehension or generator expression, `yield from`, also through `.keys()`, `.values()`,
    `.items()`, `enumerate`, `zip`, `reversed`, `iter`, `map` and `filter` — a
    `copy.deepcopy` of one, or a `return` of a live `.keys()`/`.values()`/`.items()` view of
    one (its caller loops over it later), when another thread can change that container at
    the same time: add or remove keys of a `dict`, items of a `set`, anything of a `deque`,
    and, for a `list`, anything but growing it at its end (`append`, `extend`, `+=`) or
    storing into a slot. The shared containers are those of CCL301 and CCL302: module-level
    ones, arguments every thread gets, variables captured by a thread function, attributes
    of `self`. Copies made in one step of C code — `list(d)`, `tuple(d)`, `sorted(d)`,
    `dict(d)`, `d.copy()`, `set(s)` — are the fix and are never reported. The changes the
    loop races with are reported at their own lines (CCL301, CCL302) when they hold no lock.
    {_REGION_NOTE}"""
    why = """CPython checks that a dict, a set or a deque does not change while a loop walks
    it, and raises `RuntimeError: dictionary changed size during iteration` (or set, or
    deque) in the looping thread: rarely, under load, far from the code that changed it. A
    list does not complain: items removed or inserted under a running loop are skipped or
    seen twice, and during `sort()` the list looks empty to other threads. A live view
    handed out carries the same problem to every caller. One `append` or `d[k] = v` is
    atomic (the Python FAQ lists them), but a loop is many steps."""
    example = """
    import threading

    class Hub:
        def __init__(self, listener):
            self.listener = listener
            self.clients = {}

        def start(self):
            threading.Thread(target=self._accept, daemon=True).start()

        def _accept(self):
            while True:
                conn, addr = self.listener.accept()
                self.clients[addr] = conn

        def broadcast(self, message):
            for conn in self.clients.values():
                conn.sendall(message)

        def connections(self):
            return self.clients.values()
    """
    instead = """
    import threading

    class Hub:
        def __init__(self, listener):
            self.listener = listener
            self.clients = {}
            self.lock = threading.Lock()

        def start(self):
            threading.Thread(target=self._accept, daemon=True).start()

        def _accept(self):
            while True:
                conn, addr = self.listener.accept()
                with self.lock:
                    self.clients[addr] = conn

        def broadcast(self, message):
            for conn in self.connections():
                conn.sendall(message)

        def connections(self):
            with self.lock:
                return list(self.clients.values())
    """
    VALID = (
        "import threading\nclients = {}\ndef accept(conn):\n    clients[conn] = 1\ndef broadcast():\n"
        "    for conn in list(clients):\n        print(conn)\n"
        "def start():\n    threading.Thread(target=accept, args=(1,), daemon=True).start()\n",
        "import threading\nlines = []\ndef read(n):\n    lines.append(n)\ndef show():\n    for line in lines:\n"
        "        print(line)\ndef start():\n    threading.Thread(target=read, args=(1,), daemon=True).start()\n",
        "import threading\nseen = {}\ndef work(x):\n    seen[x] = 1\ndef main():\n    t = threading.Thread(target=work, args=(1,))\n"
        "    t.start()\n    t.join()\n    for k in seen:\n        print(k)\n",
    )
    INVALID = (
        "import threading\nclients = {}\ndef accept(conn):\n    clients[conn] = 1\ndef broadcast():\n"
        "    for conn in clients:\n        print(conn)\n"
        "def start():\n    threading.Thread(target=accept, args=(1,), daemon=True).start()\n",
        "import threading\nclass Hub:\n    def __init__(self):\n        self.clients = {}\n"
        "    def start(self):\n        threading.Thread(target=self._accept, daemon=True).start()\n"
        "    def _accept(self):\n        while True:\n            self.clients[len(self.clients)] = 1\n"
        "    def connections(self):\n        return self.clients.values()\n",
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
