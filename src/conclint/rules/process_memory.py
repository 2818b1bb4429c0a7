"""CCL403: a child process has its own memory, so what it changes stays in the child.

The hand-offs (what runs in a child process, through which API) come from
:mod:`conclint.analysis.threads`.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Set, Tuple

import libcst as cst

from conclint.analysis.scopes import ASSIGN, Scope
from conclint.analysis.threads import (
    FUNCTION,
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
from conclint.rules.processes import PROCESS_ADVICE


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
    never reported. The start method does not matter: a forked child changes its own copy
    of the parent's memory just as a spawned one changes objects rebuilt from pickles."""
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
