"""CCL4xx: processes do not share memory, and each one re-imports the main module.

The hand-offs (what runs in a child process, through which API) come from
:mod:`conclint.analysis.threads`.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Set, Tuple

import libcst as cst

from conclint.analysis.module import ModuleFacts
from conclint.analysis.scopes import ASSIGN, Scope
from conclint.analysis.threads import (
    CLASS,
    FUNCTION,
    LAMBDA,
    PROCESS,
    PROCESS_POOL,
    SCOPE_NODES,
    FunctionBody,
    HandoffSite,
    ModuleLookup,
    child_nodes,
    code_of,
    parameters,
    receivers,
    thread_facts,
)
from conclint.knowledge import cpu as K
from conclint.knowledge.cpu import HANDOFF_WORDS
from conclint.rules.base import Rule

PROCESS_ADVICE = """Processes are for CPU-bound work, and each has its own memory: nothing is
shared unless passed explicitly, and under the spawn and forkserver start methods each
child starts by importing the main module again."""


def forces_fork(facts: ModuleFacts) -> bool:
    """``multiprocessing.set_start_method("fork")`` somewhere in the module."""
    for site in facts.calls:
        args = site.node.args
        if not args or not isinstance(args[0].value, cst.SimpleString):
            continue
        func = site.node.func
        tail = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else ""
        if tail != "set_start_method":
            continue
        value = facts.callee(site)
        if value is not None and value.qualname == "multiprocessing.set_start_method":
            if args[0].value.evaluated_value in K.FORK_METHODS:
                return True
    return False


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
    function of the module that does one of these (`main()` called without the guard). A
    module that forces the fork start method with `multiprocessing.set_start_method("fork")`,
    and processes made from `get_context("fork")`, are not reported."""
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
        if forces_fork(self.facts):
            return
        tf = thread_facts(self.facts)
        lookup = tf.lookup
        by_index = {h.index: h for h in tf.handoffs()}
        direct: Dict[int, str] = {}  # function scope id -> what it starts first
        import_time: List[Tuple[object, Optional[str]]] = []
        for index, site in enumerate(self.facts.calls):
            started = self._starts(lookup, index, site, by_index)
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
    def _starts(lookup: ModuleLookup, index: int, site, by_index: Dict[int, HandoffSite]) -> Optional[str]:
        func = site.node.func
        tail = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else ""
        if tail not in ("Pool", "Manager", "start", "submit", "map"):
            return None
        value = lookup.facts.callee(site)
        if value is None or value.instance:
            return None
        if not value.bound:
            return f"{tail}()" if value.qualname in K.PROCESS_STARTING_CALLS else None
        if value.owner == "multiprocessing.get_context()" and tail in ("Pool", "Manager") and isinstance(func, cst.Attribute):
            method = lookup.start_method(func.value, site.scope)
            return None if method in K.FORK_METHODS else f"{tail}()"
        if tail == "start" and isinstance(func, cst.Attribute):
            kind = lookup.instance_type(func.value, site.scope)
            cls = lookup.facts.resolver.local_classes.get(kind) if kind else None
            if kind in K.PROCESS_TYPES or (cls is not None and lookup.local_class_ancestry(cls) & K.PROCESS_CLASSES):
                made = lookup.constructor(func.value, site.scope)
                if made is not None and isinstance(made[0].func, cst.Attribute):
                    method = lookup.start_method(made[0].func.value, made[1])
                    if method in K.FORK_METHODS:
                        return None
                return "Process.start()"
            return None
        handoff = by_index.get(index)
        if handoff is not None and handoff.kind == PROCESS_POOL and handoff.via.startswith("ProcessPoolExecutor."):
            return handoff.via
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
    ...)`, and `multiprocessing.Process(target=...)`. A `Process` target is pickled only
    under the spawn and forkserver start methods, so `Process` is not reported when the
    module calls `multiprocessing.set_start_method("fork")` or the process comes from
    `get_context("fork")`; pools always pickle their tasks."""
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
        fork = None
        for handoff in tf.handoffs():
            if handoff.kind not in (PROCESS, PROCESS_POOL):
                continue
            if handoff.kind == PROCESS:
                if handoff.start_method in K.FORK_METHODS:
                    continue
                if fork is None:
                    fork = forces_fork(self.facts)
                if fork:
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


class LostUpdateInChild(Rule):
    code = "CCL403"
    triggers = HANDOFF_WORDS
    name = "lost-update-in-child"
    summary = "A function run in a child process changes a global or an argument the parent then reads."
    advice = PROCESS_ADVICE
    what = """Finds, in a function of this module that runs in another process
    (`multiprocessing.Process(target=...)`, `Pool` methods, `ProcessPoolExecutor.submit`/
    `map`, `run` of a local `Process` subclass), a change to state the parent reads after
    handing the function over (later in the same function, or in import-time code after
    it): a module-level container (`results.append(x)`, `cache[k] = v`), a name declared
    `global`, or an argument (`data["done"] = True`, `items.append(x)`, `obj.attr = v`)
    whose object the parent made itself (a literal, a container constructor, a local class)
    and passed in `args=`, to `submit`/`apply`, to `functools.partial`, or as an element of
    the iterable given to `map`. Objects made for sharing (`multiprocessing.Queue`,
    `Value`, `Array`, `Manager()` proxies, `shared_memory`) and objects of unknown type are
    never reported."""
    why = """A child process works on a copy of the parent's memory (forked) or on objects
    rebuilt from pickles (spawned): whatever it changes stays in the child and is thrown
    away when it exits. The parent's list stays empty, its counter stays 0, and nothing
    fails to say so."""
    example = """
    from multiprocessing import Process

    results = []

    def work(n):
        results.append(n * n)

    if __name__ == "__main__":
        processes = [Process(target=work, args=(n,)) for n in range(4)]
        for p in processes:
            p.start()
        for p in processes:
            p.join()
        print(results)  # []
    """
    instead = """
    from multiprocessing import Pool

    def work(n):
        return n * n

    if __name__ == "__main__":
        with Pool() as pool:
            results = pool.map(work, range(4))
        print(results)
    """
    VALID = (
        "from multiprocessing import Pool\ndef work(n):\n    return n * n\nif __name__ == '__main__':\n"
        "    with Pool() as p:\n        print(p.map(work, range(4)))\n",
        "import multiprocessing as mp\ndef work(q, n):\n    q.put(n)\nif __name__ == '__main__':\n    q = mp.Queue()\n"
        "    p = mp.Process(target=work, args=(q, 1))\n    p.start()\n    print(q.get())\n",
        "import threading\nresults = []\ndef work(n):\n    results.append(n)\nif __name__ == '__main__':\n"
        "    t = threading.Thread(target=work, args=(1,))\n    t.start()\n    t.join()\n    print(results)\n",
    )
    INVALID = (
        "from multiprocessing import Process\nresults = []\ndef work(n):\n    results.append(n)\n"
        "if __name__ == '__main__':\n    p = Process(target=work, args=(1,))\n    p.start()\n    p.join()\n"
        "    print(results)\n",
    )

    def finish(self) -> None:
        tf = thread_facts(self.facts)
        lookup = tf.lookup
        reported: Set[int] = set()
        for handoff in tf.handoffs():
            if handoff.kind not in (PROCESS, PROCESS_POOL) or handoff.target.kind != FUNCTION:
                continue
            scope = handoff.target.scope
            if scope is None or scope.is_async or not isinstance(handoff.target.node, cst.FunctionDef) or not lookup.transparent(scope):
                continue
            reads = _ReadsAfter(lookup, handoff)
            params = self._params(lookup, handoff)
            for node, name, detail in self._changes(lookup, handoff.target.node, scope, params):
                if id(node) in reported or not reads.reads(name):
                    continue
                reported.add(id(node))
                parent = handoff.scope.function_scope
                where = f"{parent.name}()" if parent is not None and parent.name else "the importing code"
                self.report(
                    node,
                    f"{handoff.target.display} runs in a child process ({handoff.via}), so {detail} changes the "
                    f"child's copy of {name}, and {where} reads {name} afterwards without ever seeing it: return "
                    "the value (the pool hands results back) or use a multiprocessing.Queue or Manager",
                )

    @staticmethod
    def _params(lookup: ModuleLookup, handoff: HandoffSite) -> Dict[str, Tuple[str, str]]:
        """Target parameter -> (the parent's name for the object, its type), for objects
        the parent made itself and passed in."""
        node = handoff.target.node
        assert isinstance(node, cst.FunctionDef)
        skip_self = handoff.target.bound or handoff.target.own_instance
        params = parameters(node, skip_self)
        found: Dict[str, Tuple[str, str]] = {}
        fixed = list(handoff.target.partial_args)
        if handoff.per_item:
            per_call = []
            iterable = handoff.args[0].value if handoff.args else None
            if isinstance(iterable, cst.Name) and len(fixed) < len(params) and not any(a.keyword for a in fixed):
                kind = _element_type(lookup, iterable, handoff.scope)
                if kind:
                    found[params[len(fixed)].name.value] = (iterable.value, kind)
        else:
            per_call = list(handoff.args or ())
        for _, arg, param in receivers(node, skip_self, fixed + per_call):
            if not isinstance(arg.value, cst.Name):
                continue
            kind = lookup.container_type(arg.value, handoff.scope) or lookup.local_instance(arg.value, handoff.scope)
            if kind:
                found[param.name.value] = (arg.value.value, kind)
        return found

    @staticmethod
    def _changes(lookup: ModuleLookup, node: cst.FunctionDef, scope: Scope, params: Dict[str, Tuple[str, str]]):
        """(node, the parent's name for the state, what the change is) for each change."""
        body = FunctionBody(lookup, node)

        def state(expr: cst.BaseExpression, call_scope: Scope) -> Optional[Tuple[str, str]]:
            if not isinstance(expr, cst.Name):
                return None
            bindings = call_scope.lookup(expr.value)
            home = call_scope.function_scope
            if not bindings or home is None:
                return None
            if expr.value in home.bindings:
                if expr.value in params and len(home.bindings[expr.value]) == 1:
                    return params[expr.value]
                return None
            if all(b.kind == ASSIGN and b.scope is not None and b.scope.function_scope is None for b in bindings):
                kind = lookup.container_type(expr, call_scope)
                return (expr.value, kind) if kind else None
            return None

        for item in body.nodes:
            if isinstance(item, cst.Call) and isinstance(item.func, cst.Attribute):
                located = lookup.site(item)
                if located is None or located[1].scope.function_scope is not scope:
                    continue
                found = state(item.func.value, located[1].scope)
                method = item.func.attr.value
                if found and method in K.MUTATING_METHODS.get(found[1], ()):
                    yield item, found[0], f"{code_of(item.func)}()"
            elif isinstance(item, (cst.Assign, cst.AugAssign, cst.AnnAssign, cst.Del)):
                if isinstance(item, cst.Assign):
                    targets = [t.target for t in item.targets]
                elif isinstance(item, cst.Del):
                    targets = [e.value for e in item.target.elements] if isinstance(item.target, (cst.Tuple, cst.List)) else [item.target]
                else:
                    targets = [item.target]
                for target in targets:
                    if isinstance(target, cst.Subscript):
                        found = state(target.value, scope)
                        if found and found[1] in K.MUTATING_METHODS:
                            yield item, found[0], code_of(item, 40)
                            break
                    elif isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name):
                        found = state(target.value, scope)
                        if found and found[1].startswith("class:"):
                            yield item, found[0], code_of(item, 40)
                            break
                    elif isinstance(target, cst.Name) and target.value in scope.global_names:
                        yield item, target.value, code_of(item, 40)
                        break


def _element_type(lookup: ModuleLookup, name: cst.Name, scope: Scope) -> str:
    """The container type of every element of a list the parent built: ``[{...}, {...}]``,
    ``[[] for _ in range(n)]``."""
    bindings = scope.lookup(name.value) or []
    if len(bindings) != 1 or bindings[0].kind != ASSIGN or bindings[0].value is None or bindings[0].scope is None:
        return ""
    value, value_scope = bindings[0].value, bindings[0].scope
    if isinstance(value, (cst.ListComp, cst.SetComp, cst.GeneratorExp)):
        return lookup.container_type(value.elt, value_scope) if isinstance(value.elt, (cst.List, cst.Dict, cst.Set, cst.ListComp, cst.DictComp, cst.SetComp)) else ""
    if isinstance(value, (cst.List, cst.Tuple)) and value.elements:
        kinds = {
            lookup.container_type(e.value, value_scope)
            if isinstance(e.value, (cst.List, cst.Dict, cst.Set, cst.ListComp, cst.DictComp, cst.SetComp))
            else ""
            for e in value.elements
        }
        return kinds.pop() if len(kinds) == 1 else ""
    return ""


def _value_children(node: cst.CSTNode) -> List[cst.CSTNode]:
    """Children that can hold a use of a variable: not attribute names (``x.results``),
    keyword names (``f(results=...)``) or nested scopes."""
    if isinstance(node, cst.Attribute):
        return [node.value]
    if isinstance(node, cst.Arg):
        return [node.value]
    return [c for c in child_nodes(node) if not isinstance(c, SCOPE_NODES)]


class _ReadsAfter:
    """Loads of a name in the parent (the function, or import-time code, that made the
    hand-off) after the hand-off, in source order; nested functions are not the parent."""

    def __init__(self, lookup: ModuleLookup, handoff: HandoffSite) -> None:
        self.lookup = lookup
        self.handoff = handoff
        self._names: Optional[Set[str]] = None

    def reads(self, name: str) -> bool:
        if self._names is None:
            self._names = self._collect()
        return name in self._names

    def _collect(self) -> Set[str]:
        root = self.lookup.container_node(self.handoff.scope)
        start: cst.CSTNode = root.body if isinstance(root, cst.FunctionDef) else root
        names: Set[str] = set()
        after = False
        target = self.handoff.site.node
        stack = [start]
        while stack:
            node = stack.pop()
            if node is target:
                after = True
                continue  # the hand-off's own arguments are not a read afterwards
            if after and isinstance(node, cst.Name):
                names.add(node.value)
            stack.extend(reversed(_value_children(node)))
        return names
