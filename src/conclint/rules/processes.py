"""CCL401 and CCL402: each child process re-imports the main module, and receives its task
by pickle.

The hand-offs (what runs in a child process, through which API) come from
:mod:`conclint.analysis.threads`.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Set, Tuple

import libcst as cst

from conclint.analysis.scopes import Scope
from conclint.analysis.threads import (
    CLASS,
    FUNCTION,
    LAMBDA,
    PROCESS,
    PROCESS_POOL,
    HandoffSite,
    ModuleLookup,
    StartMethods,
    start_methods,
    thread_facts,
)
from conclint.knowledge import cpu as K
from conclint.knowledge.cpu import HANDOFF_WORDS
from conclint.rules.base import Rule

PROCESS_ADVICE = """Processes are for CPU-bound work, and each has its own memory: nothing is
shared unless passed explicitly, and under the spawn and forkserver start methods each
child starts by importing the main module again."""


def _is_main_test(test: cst.BaseExpression, operator_type) -> bool:
    """``__name__ == "__main__"`` (either way round) with the given operator."""
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return False
    comparison = test.comparisons[0]
    if not isinstance(comparison.operator, operator_type):
        return False
    sides = (test.left, comparison.comparator)
    names = [s for s in sides if isinstance(s, cst.Name) and s.value == "__name__"]
    strings = [s for s in sides if isinstance(s, cst.SimpleString) and s.evaluated_value == "__main__"]
    return len(names) == 1 and len(strings) == 1


def _made_forked(lookup: ModuleLookup, methods: StartMethods, expr: cst.BaseExpression, scope: Scope) -> bool:
    """Whether the process or executor ``expr`` names was made to fork (from the default
    when the call that made it cannot be found)."""
    made = lookup.constructor(expr, scope)
    return methods.forks(methods.of_creation(*made) if made is not None else methods.default())


class MissingMainGuard(Rule):
    code = "CCL401"
    triggers = HANDOFF_WORDS
    name = "missing-main-guard"
    summary = "Child processes are started at import time, outside `if __name__ == \"__main__\":`."
    advice = PROCESS_ADVICE
    what = """Finds code that runs when the module is imported (module level, class bodies,
    not under `if __name__ == "__main__":`) and starts child processes:
    `multiprocessing.Pool(...)` (and `get_context(...).Pool`, `multiprocessing.Manager()`),
    `.start()` of a `multiprocessing.Process` (or of a local subclass of it), `submit`/`map`
    of a `ProcessPoolExecutor` (its construction alone starts nothing), or a call of a
    function of the module that does one of these (`main()` called without the guard).
    Processes that are sure to fork are not reported: a forked child is a copy of the parent
    and does not import the module again. The start method is the one of the context the
    process, pool or executor comes from: `multiprocessing.get_context("fork")` called in
    place or held in a name, a module global or a class or instance attribute
    (`self._ctx`, `cls.ctx`), the `mp_context=` of a `ProcessPoolExecutor`, the `context=`
    of `multiprocessing.pool.Pool`. Without one (`multiprocessing.Pool()`, `get_context()`)
    it is the default: what the module's `multiprocessing.set_start_method(...)` calls
    choose, narrowed inside a branch on `multiprocessing.get_start_method()` (`if
    get_start_method() != "fork": ctx = get_context("fork") else: ctx = get_context()`
    forks either way). A module that chooses no method is reported: the default is spawn on
    macOS and Windows and forkserver on Linux from Python 3.14, and code that does not
    choose must work under them."""
    why = """Under the spawn start method (the default on Windows and macOS) and forkserver
    (the default on Linux from Python 3.14), every child process begins by importing the
    main module. Unguarded, that import starts processes again: `RuntimeError: An attempt
    has been made to start a new process before the current process has finished its
    bootstrapping phase`, or an endless fan-out of processes."""
    example = """
    from multiprocessing import Pool

    def square(n):
        return n * n

    with Pool() as pool:
        print(pool.map(square, range(10)))
    """
    instead = """
    from multiprocessing import Pool

    def square(n):
        return n * n

    if __name__ == "__main__":
        with Pool() as pool:
            print(pool.map(square, range(10)))
    """
    VALID = (
        "from multiprocessing import Pool\ndef sq(n):\n    return n * n\nif __name__ == '__main__':\n"
        "    with Pool() as p:\n        print(p.map(sq, range(4)))\n",
        "from concurrent.futures import ProcessPoolExecutor\nPOOL = ProcessPoolExecutor()\ndef run(f):\n"
        "    return POOL.submit(f)\n",
        "import multiprocessing as mp\ndef main():\n    with mp.Pool() as p:\n        p.map(abs, [1])\n"
        "if __name__ == '__main__':\n    main()\n",
    )
    INVALID = (
        "from multiprocessing import Pool\ndef sq(n):\n    return n * n\nwith Pool() as p:\n"
        "    print(p.map(sq, range(4)))\n",
        "import multiprocessing as mp\ndef main():\n    with mp.Pool() as p:\n        p.map(abs, [1])\nmain()\n",
    )

    MAX_DEPTH = 6

    def finish(self) -> None:
        tf = thread_facts(self.facts)
        lookup = tf.lookup
        methods = start_methods(self.facts)
        by_index = {h.index: h for h in tf.handoffs()}
        direct: Dict[int, str] = {}  # function scope id -> what it starts first
        import_time: List[Tuple[object, Optional[str]]] = []
        for index, site in enumerate(self.facts.calls):
            started = self._starts(lookup, methods, index, site, by_index)
            function = site.scope.function_scope
            if function is None:
                import_time.append((site, started))
            elif started and function.kind == "function" and id(function) not in direct:
                direct[id(function)] = started
        findings = []
        callees: Optional[Dict[int, List[Scope]]] = None
        for site, started in import_time:
            if started:
                findings.append((site, f"{started} starts child processes at import time"))
                continue
            if not direct:
                continue
            callee = self._local_function(lookup, site)
            if callee is None:
                continue
            if callees is None:
                callees = self._callees(lookup)
            reached = self._reaches(callee, direct, callees, set(), 0)
            if reached:
                findings.append((site, f"{callee.name}() starts child processes ({reached}) and is called at import time"))
        if not findings:
            return
        parents = lookup.parents(self.facts.module)
        for site, text in findings:
            if self._guarded(site.node, parents):
                continue
            self.report(
                site.node,
                f"{text}, outside `if __name__ == \"__main__\":`; under the spawn and forkserver start methods "
                "every child re-imports this module and starts processes again: move it under the guard",
            )

    def _callees(self, lookup: ModuleLookup) -> Dict[int, List[Scope]]:
        """Function scope id -> the functions of this module it calls."""
        callees: Dict[int, List[Scope]] = {}
        for site in self.facts.calls:
            function = site.scope.function_scope
            if function is not None and function.kind == "function":
                callee = self._local_function(lookup, site)
                if callee is not None:
                    callees.setdefault(id(function), []).append(callee)
        return callees

    @staticmethod
    def _local_function(lookup: ModuleLookup, site) -> Optional[Scope]:
        value = lookup.facts.callee(site)
        if value is None or value.instance or value.bound:
            return None
        function = lookup.function(value.qualname)
        if function is None or function.is_async or function.method_class() is not None:
            return None
        return function if lookup.transparent(function) else None

    def _reaches(self, function: Scope, direct, callees, seen: Set[int], depth: int) -> Optional[str]:
        if id(function) in seen or depth > self.MAX_DEPTH:
            return None
        seen.add(id(function))
        if id(function) in direct:
            return direct[id(function)]
        for callee in callees.get(id(function), []):
            found = self._reaches(callee, direct, callees, seen, depth + 1)
            if found:
                return found
        return None

    @staticmethod
    def _starts(lookup: ModuleLookup, methods: StartMethods, index: int, site, by_index: Dict[int, HandoffSite]) -> Optional[str]:
        """What the call starts child processes with, when they may be spawned (a forked
        child does not import the module again)."""
        func = site.node.func
        tail = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else ""
        if tail not in ("Pool", "Manager", "start", "submit", "map"):
            return None
        if tail == "start":
            # ``.start()`` of a process, found by its type (also the unnamed result of a
            # context's ``Process(...)``).
            if not isinstance(func, cst.Attribute):
                return None
            kind = lookup.instance_type(func.value, site.scope)
            cls = lookup.facts.resolver.local_classes.get(kind) if kind else None
            if kind in K.PROCESS_TYPES or (cls is not None and lookup.local_class_ancestry(cls) & K.PROCESS_CLASSES):
                return None if _made_forked(lookup, methods, func.value, site.scope) else "Process.start()"
            return None
        value = lookup.facts.callee(site)
        if value is None or value.instance:
            return None
        if (not value.bound and value.qualname in K.PROCESS_STARTING_CALLS) or (
            value.owner == "multiprocessing.get_context()" and tail in ("Pool", "Manager")
        ):
            return None if methods.forks(methods.of_creation(site.node, site.scope)) else f"{tail}()"
        handoff = by_index.get(index)
        if handoff is not None and handoff.kind == PROCESS_POOL and handoff.via.startswith("ProcessPoolExecutor."):
            # The executor starts its workers on its first task, from its ``mp_context``.
            assert isinstance(func, cst.Attribute)
            return None if _made_forked(lookup, methods, func.value, site.scope) else handoff.via
        return None

    @staticmethod
    def _guarded(node: cst.CSTNode, parents) -> bool:
        child = node
        parent = parents.get(id(child))
        while parent is not None:
            if isinstance(parent, cst.If):
                if child is parent.body and _is_main_test(parent.test, cst.Equal):
                    return True
                if child is parent.orelse and _is_main_test(parent.test, cst.NotEqual):
                    return True
            child, parent = parent, parents.get(id(parent))
        return False


class UnpicklableTask(Rule):
    code = "CCL402"
    triggers = HANDOFF_WORDS
    name = "unpicklable-task"
    summary = "A lambda, nested function or local class is sent to another process, which must pickle it."
    advice = PROCESS_ADVICE
    what = """Finds a lambda, a function defined inside another function, or a class defined
    inside a function (or a method of one, or a `functools.partial` of any of these) handed
    to a process: `ProcessPoolExecutor.submit`/`map`, `multiprocessing.Pool` methods
    (`map`, `imap`, `starmap`, `apply_async`, ...), `loop.run_in_executor(process_pool,
    ...)`, joblib's `Parallel(...)(delayed(f)(x) ...)` with the multiprocessing backend, and
    `multiprocessing.Process(target=...)`; joblib's default loky backend sends tasks with
    cloudpickle, which pickles lambdas and nested functions by value, and is not reported.
    Per API and start method: a `Process` target is pickled only under the spawn and
    forkserver start methods (a forked child is a copy of the parent and already has it),
    so a `Process` sure to fork is not reported. Pool and executor tasks (`Pool.map`,
    `apply_async`, `ProcessPoolExecutor.submit`, ...) are pickled under every start method,
    fork included: they travel to the workers through a pipe. The start method of a
    `Process` is found as for CCL401: from the context it is made from
    (`get_context("fork")` in place, in a name, a module global, a class or instance
    attribute such as `self._ctx`), or the module's `set_start_method(...)`, narrowed in a
    branch on `get_start_method()`; when nothing chooses it, the process may be spawned and
    is reported."""
    why = """A process receives its task by pickle, and pickle stores a function as "the
    attribute `name` of module `mod`", to be looked up again in the child. A lambda has no
    name, and a nested function or local class cannot be reached from its module: the call
    fails with `PicklingError` or `AttributeError: Can't pickle local object` (a pool may
    report it only when the result is fetched, or hang)."""
    example = """
    from concurrent.futures import ProcessPoolExecutor

    def scale_all(values, factor):
        with ProcessPoolExecutor() as pool:
            return list(pool.map(lambda v: v * factor, values))
    """
    instead = """
    from concurrent.futures import ProcessPoolExecutor
    from functools import partial

    def scale(v, factor):
        return v * factor

    def scale_all(values, factor):
        with ProcessPoolExecutor() as pool:
            return list(pool.map(partial(scale, factor=factor), values))
    """
    VALID = (
        "from multiprocessing import Pool\ndef sq(n):\n    return n * n\ndef main():\n    with Pool() as p:\n"
        "        return p.map(sq, range(4))\n",
        "from concurrent.futures import ThreadPoolExecutor\ndef main(xs):\n    with ThreadPoolExecutor() as ex:\n"
        "        return list(ex.map(lambda x: x + 1, xs))\n",
    )
    INVALID = (
        "from multiprocessing import Pool\ndef main():\n    with Pool() as p:\n        return p.map(lambda n: n * n, range(4))\n",
        "from concurrent.futures import ProcessPoolExecutor\ndef main():\n    def sq(n):\n        return n * n\n"
        "    with ProcessPoolExecutor() as ex:\n        return list(ex.map(sq, range(4)))\n",
    )

    def finish(self) -> None:
        tf = thread_facts(self.facts)
        methods = start_methods(self.facts)
        for handoff in tf.handoffs():
            if handoff.kind not in (PROCESS, PROCESS_POOL) or handoff.cloudpickle:
                continue  # cloudpickle (joblib) sends lambdas and nested functions by value
            # A forked child is a copy of the parent and gets its target without pickle;
            # pool tasks go through a pipe, pickled, whatever the start method.
            if handoff.kind == PROCESS and methods.forks(methods.of_creation(handoff.site.node, handoff.scope)):
                continue
            what = self._unpicklable(handoff)
            if what is None:
                continue
            pickled = "the start method pickles the target" if handoff.kind == PROCESS else "the pool pickles every task"
            self.report(
                handoff.callable if handoff.callable is not None else handoff.site.node,
                f"{what} is sent to another process by {handoff.via} and cannot be pickled ({pickled}: "
                "Can't pickle local object); define it at module level (bind arguments with functools.partial)",
            )

    @staticmethod
    def _unpicklable(handoff: HandoffSite) -> Optional[str]:
        target = handoff.target
        if target.kind == LAMBDA:
            return "a lambda"
        if target.kind not in (FUNCTION, CLASS) or target.scope is None:
            return None
        scope = target.scope
        current = scope.parent
        while current is not None:
            if current.kind in ("function", "lambda"):
                if target.kind == CLASS:
                    return f"the local class {scope.name} (defined inside {current.name or 'a lambda'}())"
                cls = scope.method_class()
                if cls is not None:
                    return f"{cls.name}.{scope.name}(), a method of a class defined inside {current.name}(),"
                return f"{scope.name}(), a function defined inside {current.name}(),"
            current = current.parent
        return None
