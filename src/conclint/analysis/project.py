"""The project pass: module summaries joined into a call graph, effects propagated.

Symbols are resolved the way Python's import system would find them from the calling
module: its own import root, then the project root and ``<root>/src``. Modules that were
not among the checked files are summarised lazily from disk, so the findings for a file do
not depend on which other files were named on the command line (pre-commit, an editor and
flake8 all pass a few files at a time).

Propagation: a sync function blocks when it makes a blocking call itself, or calls (through
any number of sync functions of the project, across modules, through recursion) one that
does. Async functions never propagate: calling one only creates a coroutine. Callables
handed to an executor are passed, not called, so they are no edge at all.

A chain is cut where a call passes a constant (``None``, a literal, a display; or leaves
out a parameter whose default is one) that makes the guard of the callee's next step
false: ``load({})`` never reaches the ``open(src)`` that ``load`` makes only under
``if isinstance(src, str):``. Each call is judged by what it passes, so the same helper
called once with a file name still blocks for that caller.
"""

from __future__ import annotations

import os
from collections import deque
from dataclasses import dataclass
from typing import Callable, Dict, FrozenSet, Iterable, List, Optional, Sequence, Set, Tuple, Union

from conclint.analysis.guards import PASSED, falsified
from conclint.analysis.passing import Env, passed_value, receiver_offset
from conclint.analysis.summary import Call, Effect, Forward, FunctionSummary, ModuleSummary

Loader = Callable[[str], Optional[ModuleSummary]]


@dataclass(frozen=True)
class Libraries:
    """How to follow calls into installed libraries: the folders they are found in, how
    a library file is summarised, and which calls the catalogue already knows (a blocking
    call, a constructor that does no I/O, a method of a known type): those are never
    followed into their code."""

    roots: Tuple[str, ...]
    loader: Loader
    catalogued: Callable[[Call], bool]


@dataclass(frozen=True)
class ClassRef:
    qualname: str
    module: ModuleSummary


@dataclass(frozen=True)
class FunctionRef:
    function: FunctionSummary
    module: ModuleSummary

    @property
    def key(self) -> Tuple[str, str]:
        return (self.module.path, self.function.qualname)


Symbol = Union[FunctionRef, ClassRef]

#: One hop of a chain: the function, and the call it makes towards the blocking call
#: (the last hop's call is an :class:`Effect`).
Hop = Tuple[FunctionRef, Union[Call, Effect]]

MAX_DEPTH = 16

#: What a chain is searched from: a function, the steps (call indexes) of it that the call
#: into it cannot reach, and the constants of the parameters it passes on.
State = Tuple[Tuple[str, str], FrozenSet[int], Env]

_NONE_CUT: FrozenSet[int] = frozenset()

#: Bases of unknown code that define no methods a class of the project would call on
#: itself: markers of an interface, a generic or a protocol. Looked past in an MRO.
_NO_METHOD_BASES = frozenset(
    {"abc.ABC", "typing.Generic", "typing.Protocol", "typing_extensions.Protocol", "typing_extensions.Generic"}
)


def import_root(path: str, module: str) -> str:
    """The folder Python must have on ``sys.path`` to import ``module`` from ``path``."""
    folder = os.path.dirname(os.path.abspath(path))
    depth = module.count(".") + (1 if os.path.basename(path) == "__init__.py" else 0)
    for _ in range(depth):
        folder = os.path.dirname(folder)
    return folder


class Project:
    def __init__(
        self,
        summaries: Iterable[ModuleSummary],
        loader: Loader,
        root: str,
        libraries: Optional[Libraries] = None,
        _following: bool = False,
    ) -> None:
        self.by_path: Dict[str, ModuleSummary] = {}
        for summary in summaries:
            self.by_path[os.path.abspath(summary.path)] = summary
        self.loader = loader
        self.root = os.path.abspath(root)
        self.libraries = libraries
        #: This view follows calls into libraries (see :meth:`with_libraries`).
        self.following = _following and libraries is not None
        #: Paths of the library modules found (they are followed, never checked).
        self.library_paths: Set[str] = set()
        self._view: Optional[Project] = None
        self._locations: Dict[Tuple[Tuple[str, ...], str], Optional[str]] = {}
        self._functions: Dict[int, Dict[str, FunctionSummary]] = {}
        self._classes: Dict[int, Dict[str, Tuple[str, ...]]] = {}
        self._aliases: Dict[int, Dict[str, str]] = {}
        self._chains: Dict[State, Optional[List[Hop]]] = {}
        self._loop_chains: Dict[State, Optional[List[Hop]]] = {}
        self._guarded: Dict[int, Tuple[Union[Call, Effect], ...]] = {}
        # Memos keyed by ``id`` of a summary (held in ``by_path`` for the project's life):
        # a big project asks the same questions tens of thousands of times.
        self._roots: Dict[int, Tuple[str, ...]] = {}
        self._symbols: Dict[Tuple[str, int], Optional[Symbol]] = {}
        self._callees: Dict[Tuple[str, bool, int], Optional[FunctionRef]] = {}
        self._mros: Dict[Tuple[str, int], Tuple[Union[ClassRef, str], ...]] = {}
        self._forwards: Dict[int, Tuple[Forward, ...]] = {}
        #: What the result depends on besides the checked files: modules read from disk,
        #: and candidate paths that did not exist.
        self.loaded: Set[str] = set()
        self.absent: Set[str] = set()

    def with_libraries(self) -> "Project":
        """The same project, seen with its libraries: names that no project module defines
        are looked for in the library folders too, and calls are followed into them. Only
        CCL110 asks for it; without libraries, the project itself."""
        if self.libraries is None or self.following:
            return self
        if self._view is None:
            view = Project((), self.loader, self.root, self.libraries, _following=True)
            # One path, one summary: the view shares what is loaded, and what that depends on.
            view.by_path = self.by_path
            view.loaded, view.absent, view.library_paths = self.loaded, self.absent, self.library_paths
            self._view = view
        return self._view

    def is_library(self, module: ModuleSummary) -> bool:
        return os.path.abspath(module.path) in self.library_paths

    # -- modules ------------------------------------------------------------------------
    def roots_for(self, summary: ModuleSummary) -> Tuple[str, ...]:
        roots = self._roots.get(id(summary))
        if roots is None:
            if self.following and self.is_library(summary):
                # A library imports from its own folder and the environment, never the project.
                found = [import_root(summary.path, summary.module), *self.libraries.roots]  # type: ignore[union-attr]
            else:
                found = [import_root(summary.path, summary.module), self.root, os.path.join(self.root, "src")]
                if self.following:
                    found.extend(self.libraries.roots)  # type: ignore[union-attr]
            roots = self._roots[id(summary)] = tuple(dict.fromkeys(found))
        return roots

    def locate(self, name: str, roots: Tuple[str, ...]) -> Optional[str]:
        key = (roots, name)
        if key in self._locations:
            return self._locations[key]
        relative = name.replace(".", os.sep)
        found = None
        library_roots = self.libraries.roots if self.following else ()  # type: ignore[union-attr]
        for root in roots:
            for candidate in (os.path.join(root, relative + ".py"), os.path.join(root, relative, "__init__.py")):
                if os.path.isfile(candidate):
                    found = os.path.abspath(candidate)
                    break
                # A file created here later would change what this name means: the cache
                # of the project pass depends on its absence.
                self.absent.add(candidate)
            if found:
                if root in library_roots and found not in self.by_path:
                    self.library_paths.add(found)
                break
        self._locations[key] = found
        return found

    def module(self, name: str, roots: Tuple[str, ...]) -> Optional[ModuleSummary]:
        path = self.locate(name, roots)
        if path is None:
            return None
        summary = self.by_path.get(path)
        if summary is None and path not in self.by_path:
            if path in self.library_paths:
                summary = self.libraries.loader(path)  # type: ignore[union-attr]
            else:
                summary = self.loader(path)
            self.loaded.add(path)
            self.by_path[path] = summary  # type: ignore[assignment]  # None: not loadable
        return summary

    def functions(self, module: ModuleSummary) -> Dict[str, FunctionSummary]:
        table = self._functions.get(id(module))
        if table is None:
            table = self._functions[id(module)] = {f.qualname: f for f in module.functions}
        return table

    def aliases(self, module: ModuleSummary) -> Dict[str, str]:
        table = self._aliases.get(id(module))
        if table is None:
            table = self._aliases[id(module)] = module.alias_map()
        return table

    def classes(self, module: ModuleSummary) -> Dict[str, Tuple[str, ...]]:
        table = self._classes.get(id(module))
        if table is None:
            table = self._classes[id(module)] = dict(module.classes)
        return table

    # -- symbols --------------------------------------------------------------------------
    def symbol(self, qualname: str, context: ModuleSummary, depth: int = 0) -> Optional[Symbol]:
        """What a qualified name refers to, seen from the module ``context``."""
        if depth > MAX_DEPTH:
            return None
        if depth == 0:
            key = (qualname, id(context))
            if key in self._symbols:
                return self._symbols[key]
            found = self._symbol(qualname, context, 0)
            self._symbols[key] = found
            return found
        return self._symbol(qualname, context, depth)

    def _symbol(self, qualname: str, context: ModuleSummary, depth: int) -> Optional[Symbol]:
        own = context.module + "."
        if qualname.startswith(own):
            # The calling module itself: no need to find it on disk (a script named
            # ``my-tool.py`` cannot be imported, but its own functions still call each other).
            rest = qualname[len(own):].split(".")
            head = own + rest[0]
            if head in self.functions(context) or head in self.classes(context) or rest[0] in self.aliases(context):
                return self._member(context, rest, depth)
        parts = qualname.split(".")
        roots = self.roots_for(context)
        for cut in range(len(parts) - 1, 0, -1):
            module = self.module(".".join(parts[:cut]), roots)
            if module is None:
                continue
            return self._member(module, parts[cut:], depth)
        return None

    def _member(self, module: ModuleSummary, rest: Sequence[str], depth: int) -> Optional[Symbol]:
        functions, classes = self.functions(module), self.classes(module)
        name = f"{module.module}.{rest[0]}"
        if name not in functions and name not in classes:
            target = self.aliases(module).get(rest[0])
            if target is None:
                return None
            return self.symbol(".".join([target, *rest[1:]]), module, depth + 1)
        for part in rest[1:]:
            if name in classes and f"{name}.{part}" not in functions and f"{name}.{part}" not in classes:
                return self.method(ClassRef(name, module), part, depth + 1)
            name = f"{name}.{part}"
        if name in functions:
            return FunctionRef(functions[name], module)
        if name in classes:
            return ClassRef(name, module)
        return None

    def method(self, cls: ClassRef, attr: str, depth: int = 0) -> Optional[FunctionRef]:
        """``attr`` looked up along the class's method resolution order (C3, as Python
        does: ``class C(A, B)`` where both derive from ``Base`` finds ``B``'s override
        before ``Base``'s); ``None`` where a class of unknown code comes first that may
        define it."""
        if depth > MAX_DEPTH:
            return None
        own = self.functions(cls.module).get(f"{cls.qualname}.{attr}")
        if own is not None:
            return FunctionRef(own, cls.module)
        bases = [base for base in self.classes(cls.module).get(cls.qualname, ()) if base != "builtins.object"]
        if len(bases) == 1:
            # One base: the order is the base's own. Resolve only as far as the lookup goes.
            base = bases[0]
            resolved = self.symbol(base, cls.module, depth + 1) if base != "?" else None
            return self.method(resolved, attr, depth + 1) if isinstance(resolved, ClassRef) else None
        for entry in self.mro(cls):
            if isinstance(entry, str):
                if entry in _NO_METHOD_BASES:
                    continue
                return None  # an unknown base may define it: stay silent
            own = self.functions(entry.module).get(f"{entry.qualname}.{attr}")
            if own is not None:
                return FunctionRef(own, entry.module)
        return None

    def mro(self, cls: ClassRef) -> Tuple[Union[ClassRef, str], ...]:
        """The class's method resolution order (``object`` left out); a base whose code is
        unknown appears as its qualified name, as a class without bases of its own
        (``"?..."`` when not even that is known). Only the class itself when the order is
        not consistent (Python would refuse the class) or the bases loop."""
        key = (cls.qualname, id(cls.module))
        found = self._mros.get(key)
        if found is None:
            self._mros[key] = (cls,)  # a class that derives from itself ends here
            found = self._mros[key] = self._linearize(cls)
        return found

    def _linearize(self, cls: ClassRef) -> Tuple[Union[ClassRef, str], ...]:
        bases: List[Tuple[Union[ClassRef, str], ...]] = []
        for index, base in enumerate(self.classes(cls.module).get(cls.qualname, ())):
            if base == "builtins.object":
                continue
            resolved = self.symbol(base, cls.module, 1) if base != "?" else None
            if isinstance(resolved, ClassRef):
                bases.append(self.mro(resolved))
            else:
                bases.append((base if base != "?" else f"?{cls.qualname}#{index}",))
        if not bases:
            return (cls,)
        if len(bases) == 1:
            return (cls, *bases[0])
        # C3: repeatedly take the first head that is in no other list's tail.
        lists = [list(entries) for entries in bases] + [[entries[0] for entries in bases]]
        order: List[Union[ClassRef, str]] = [cls]
        while any(lists):
            for candidate in (entries[0] for entries in lists if entries):
                if not any(candidate in entries[1:] for entries in lists):
                    break
            else:
                return (cls,)
            order.append(candidate)
            for entries in lists:
                if entries and entries[0] == candidate:
                    del entries[0]
        return tuple(order)

    def callee(self, call: Call, context: ModuleSummary) -> Optional[FunctionRef]:
        """The project function a call runs, if it can be known."""
        key = (call.callee, call.bound, id(context))
        if key in self._callees:
            return self._callees[key]
        found = self._callees[key] = self._callee(call, context)
        return found

    def _callee(self, call: Call, context: ModuleSummary) -> Optional[FunctionRef]:
        if call.bound:
            owner, attr = call.callee.rsplit(".", 1)
            if owner.endswith("()"):
                owner = owner[:-2]
            resolved = self.symbol(owner, context)
            target = self.method(resolved, attr) if isinstance(resolved, ClassRef) else None
        else:
            resolved = self.symbol(call.callee, context)
            target = self.method(resolved, "__init__") if isinstance(resolved, ClassRef) else resolved
        if target is None or not target.function.transparent:
            return None
        if self.following and self.libraries.catalogued(call) and self.is_library(target.module):  # type: ignore[union-attr]
            return None  # the catalogue's word wins over the library's code
        return target

    # -- propagation ----------------------------------------------------------------------
    def blocking_chain(self, start: FunctionRef, via: Optional[Call] = None) -> Optional[List[Hop]]:
        """The shortest chain of sync calls from ``start`` to a blocking call, if any; with
        ``via``, the call into ``start``, only through the steps that call can reach."""
        return self._chain(start, via, _blocking_effects, self._chains)

    def loop_chain(self, start: FunctionRef, via: Optional[Call] = None) -> Optional[List[Hop]]:
        """The shortest chain of sync calls from ``start`` to a call that starts an event
        loop (CCL503), not through a function that asks whether a loop is running."""
        return self._chain(start, via, _loop_effects, self._loop_chains)

    def _chain(self, start: FunctionRef, via: Optional[Call], effects_of, memo) -> Optional[List[Hop]]:
        """Breadth first from ``start`` through the sync calls each step can reach, to the
        first function with an effect of ``effects_of`` (``None`` from it: do not go on)."""
        if start.function.is_async:
            return None
        first: State = (start.key, self.cut(via, start), self.env(via, start))
        if first in memo:
            return memo[first]
        previous: Dict[State, Tuple[State, FunctionRef, Call]] = {}
        seen = {first}
        queue = deque([(start, first)])
        while queue:
            current, state = queue.popleft()
            cut, env = state[1], state[2]
            effects = effects_of(current.function)
            if effects is None:
                continue
            # Name a step that always runs, when the function has one, over one a guard keeps.
            reachable = [e for e in effects if e.call not in cut]
            effect = min(reachable, key=lambda e: bool(e.guards)) if reachable else None
            if effect is not None:
                chain: List[Hop] = [(current, effect)]
                node = state
                while node != first:
                    parent_state, parent, call = previous[node]
                    chain.append((parent, call))
                    node = parent_state
                chain.reverse()
                memo[first] = chain
                return chain
            for call in current.function.calls:
                if call.call in cut:
                    continue
                target = self.callee(call, current.module)
                if target is None or target.function.is_async:
                    continue
                reached: State = (target.key, self.cut(call, target, env), self.env(call, target, env))
                if reached in seen:
                    continue
                if reached in memo and memo[reached] is None:
                    continue  # already shown to reach none
                seen.add(reached)
                previous[reached] = (state, current, call)
                queue.append((target, reached))
        # Nothing reachable has one: neither does anything on the way.
        for visited in seen:
            memo[visited] = None
        return None

    def cut(self, call: Optional[Call], target: FunctionRef, env: Env = ()) -> FrozenSet[int]:
        """The steps of ``target`` (call indexes) that ``call`` cannot reach: a guard of
        theirs fails for a constant the call passes, itself or through a parameter of the
        caller it passes on (whose constant on this path ``env`` holds)."""
        guarded = self._guarded.get(id(target.function))
        if guarded is None:
            function = target.function
            guarded = self._guarded[id(function)] = tuple(s for s in (*function.effects, *function.calls) if s.guards)
        if not guarded or call is None or call.arguments is None:
            return _NONE_CUT
        offset = receiver_offset(call, target.function)
        # A library's parameter tests choose between options: an argument the project
        # passes (not a constant) is taken to be a value, not None -- a client handed in
        # rather than one the library makes.
        given = PASSED if self.following and self.is_library(target.module) else None
        found = [
            step.call
            for step in guarded
            if any(falsified(g, passed_value(call, g.param, g.position, g.default, offset, env, given)) for g in step.guards)
        ]
        return frozenset(found) if found else _NONE_CUT

    def env(self, call: Optional[Call], target: FunctionRef, env: Env = ()) -> Env:
        """The constants that ``call`` gives the parameters ``target`` passes on."""
        if call is None or call.arguments is None:
            return ()
        forwards = self._forwards.get(id(target.function))
        if forwards is None:
            found = {}
            for step in target.function.calls:
                if step.arguments is not None:
                    for _, forward in step.arguments.forwarded:
                        found[forward] = None
            forwards = self._forwards[id(target.function)] = tuple(found)
        if not forwards:
            return ()
        offset = receiver_offset(call, target.function)
        values = []
        for forward in forwards:
            value = passed_value(call, forward.param, forward.position, forward.default, offset, env)
            if value is not None:
                values.append((forward.param or f"#{forward.position}", value))
        return tuple(values)


def _blocking_effects(function: FunctionSummary) -> Tuple[Effect, ...]:
    return function.effects


def _loop_effects(function: FunctionSummary) -> Optional[Tuple[Effect, ...]]:
    return None if function.checks_loop else function.loop_runs
