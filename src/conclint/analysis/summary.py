"""Module summaries: what the project pass needs to know about a file without its tree.

Compact, picklable and cacheable. The per-file pass produces one per module; the project
pass joins them into a call graph. Calls are identified by their index among the module's
calls in source order, so a position is computed only for the few that are reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Optional, Tuple, Union


@dataclass(frozen=True)
class Constant:
    """A constant a call passes, or a parameter's default: ``None``, a literal, a display."""

    kind: str  # "None", "bool", "int", "float", "complex", "str", "bytes", "dict", "list", "tuple", "set"; "value": not a constant, not None
    truthy: Optional[bool] = None  # its truth value, when it cannot change


@dataclass(frozen=True)
class Guard:
    """A condition on one parameter of the function that a step (a blocking call, a call)
    runs under: ``if p:``, ``if p is None:``, ``if isinstance(p, str):``, their ``else``,
    the rest of a block after ``if p is None: return``."""

    param: str  # its name ("" when positional-only)
    position: int  # its index among the positional parameters, ``self`` counted (-1: keyword-only)
    test: str  # "truthy", "none" or "isinstance"
    holds: bool  # the step runs only when the test is true (False: only when it is false)
    types: Tuple[str, ...] = ()  # for "isinstance": the qualified names of the types
    default: Optional[Constant] = None  # the parameter's default, when a constant


@dataclass(frozen=True)
class Forward:
    """A parameter of the calling function that a call passes on as it came (the function
    never binds it again), so that the caller's callers decide its value."""

    param: str  # its name ("" when positional-only)
    position: int  # its index among the positional parameters, ``self`` counted (-1: keyword-only)
    default: Optional[Constant] = None  # its default, when a constant


@dataclass(frozen=True)
class Arguments:
    """What a call passes (without ``*args`` or ``**kwargs``, which hide it)."""

    positional: int
    keywords: Tuple[str, ...]
    #: The constant arguments, by position (an int) or keyword (a str).
    constants: Tuple[Tuple[Union[int, str], Constant], ...] = ()
    #: The arguments that are parameters of the caller passed on, by position or keyword.
    forwarded: Tuple[Tuple[Union[int, str], Forward], ...] = ()

    def constant(self, slot: Union[int, str]) -> Optional[Constant]:
        for where, value in self.constants:
            if where == slot:
                return value
        return None

    def forward(self, slot: Union[int, str]) -> Optional[Forward]:
        for where, value in self.forwarded:
            if where == slot:
                return value
        return None


@dataclass(frozen=True)
class Effect:
    """A blocking call the function makes itself."""

    category: str
    callee: str
    call: int
    guards: Tuple[Guard, ...] = ()  # all must hold for it to run


@dataclass(frozen=True)
class Call:
    """A call of something that may be a function of the project."""

    callee: str
    bound: bool  # ``callee`` is ``Owner.method`` looked up on an instance
    call: int
    discarded: bool = False  # the call is a whole statement: its result is dropped
    guards: Tuple[Guard, ...] = ()  # as in :class:`Effect`
    arguments: Optional[Arguments] = None  # None: not known
    #: The call is awaited: a sync def it runs returns an awaitable.
    awaited: bool = False


@dataclass(frozen=True)
class Handoff:
    """A callable the function hands to a thread or a process."""

    kind: str  # "thread", "process" or "process_pool"
    how: str  # reads like "ThreadPoolExecutor.submit()"
    callee: str  # as in :class:`Call`
    bound: bool  # as in :class:`Call`
    call: int  # index of the handing call among the module's calls
    many: str = ""  # why several run at once ("" when nothing says so)
    #: A configured thread callback: the library calls it, and may well await a coroutine.
    callback: bool = False


@dataclass(frozen=True)
class FunctionSummary:
    qualname: str
    is_async: bool
    #: False when a decorator may replace the function (only known-transparent
    #: decorators such as ``staticmethod`` or ``functools.lru_cache`` keep it).
    transparent: bool
    effects: Tuple[Effect, ...]
    calls: Tuple[Call, ...]
    #: Index of the first call in the function, for its position (-1: none).
    line_hint: int = -1
    #: "method", "classmethod" or "staticmethod" for one defined in a class body; "" else.
    #: Says which parameter the first argument of a call fills.
    kind: str = ""
    # -- threads and processes (CCL201/CCL202), filled by conclint.analysis.threads --------
    #: Why the function computes by itself ("" when it does not): a loop over its data that
    #: works, or a GIL-holding heavy call on it; and the index of a call there, to point at
    #: it (-1: none).
    cpu: str = ""
    cpu_call: int = -1
    #: That loop's only work is calling functions of the project (which may compute).
    cpu_delegates: bool = False
    #: It makes a call of unknown cost that the project pass cannot follow (an unresolved
    #: name, a call on an object of unknown type, a standard-library call that may compute).
    opaque: bool = False
    #: It makes a call that may do I/O or wait, or that releases the GIL, and that the
    #: project pass cannot follow (an unresolved name, a method of an object of unknown
    #: type, a library call not known to only compute): nothing that reaches it is
    #: CPU-bound for threads (CCL201).
    unknown_work: bool = False
    #: Callables it hands to a thread or process.
    handoffs: Tuple[Handoff, ...] = ()
    # -- event loops (CCL503) ----------------------------------------------------------
    #: The calls that start an event loop and run it to completion (``asyncio.run``,
    #: ``loop.run_until_complete``), as effects (category "loop"); and whether the function
    #: asks whether a loop is running (``asyncio.get_running_loop()``, ``loop.is_running()``):
    #: a helper that does serves callers inside a loop another way.
    loop_runs: Tuple[Effect, ...] = ()
    checks_loop: bool = False


@dataclass(frozen=True)
class ModuleSummary:
    module: str
    path: str
    functions: Tuple[FunctionSummary, ...]
    imports: Tuple[str, ...]
    #: Module-level names bound to something importable: name -> qualified name.
    aliases: Tuple[Tuple[str, str], ...] = ()
    #: Classes defined in the module: qualified name -> qualified names of their bases.
    classes: Tuple[Tuple[str, Tuple[str, ...]], ...] = ()
    call_count: int = 0
    framework: str = "asyncio"

    def alias_map(self) -> Dict[str, str]:
        return dict(self.aliases)
