"""Module summaries: what the project pass needs to know about a file without its tree.

Compact, picklable and cacheable. The per-file pass produces one per module; the project
pass joins them into a call graph.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Tuple


@dataclass(frozen=True)
class FunctionSummary:
    qualname: str
    is_async: bool
    effects: Tuple[str, ...]  # blocking categories the function performs directly
    calls: Tuple[str, ...]  # qualified names of the callables it calls


@dataclass(frozen=True)
class ModuleSummary:
    module: str
    path: str
    functions: Tuple[FunctionSummary, ...]
    imports: Tuple[str, ...]
