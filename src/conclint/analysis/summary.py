"""Module summaries: what the project pass needs to know about a file without its tree.

Compact, picklable and cacheable. The per-file pass produces one per module; the project
pass joins them into a call graph. Calls are identified by their index among the module's
calls in source order, so a position is computed only for the few that are reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Tuple


@dataclass(frozen=True)
class Effect:
    """A blocking call the function makes itself."""

    category: str
    callee: str
    call: int


@dataclass(frozen=True)
class Call:
    """A call of something that may be a function of the project."""

    callee: str
    bound: bool  # ``callee`` is ``Owner.method`` looked up on an instance
    call: int
    discarded: bool = False  # the call is a whole statement: its result is dropped


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
