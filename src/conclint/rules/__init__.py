"""The rule registry: every rule class, by code. Codes never change meaning."""

from __future__ import annotations

from typing import Dict, Iterable, List, Sequence, Type

from conclint.rules import (
    async_correctness,
    blocking,
    event_loop,
    executor_coroutines,
    interprocedural,
    process_memory,
    processes,
    shared_state,
    thread_safety,
    tool,
    workload,
)
from conclint.rules.base import Report, Rule

_MODULES = (tool, blocking, event_loop, interprocedural, async_correctness, executor_coroutines, workload, shared_state, thread_safety, processes, process_memory)


def _collect() -> Dict[str, Type[Rule]]:
    found: Dict[str, Type[Rule]] = {}
    for module in _MODULES:
        for obj in vars(module).values():
            if isinstance(obj, type) and issubclass(obj, Rule) and "code" in vars(obj):
                if obj.code in found:
                    raise RuntimeError(f"duplicate rule code {obj.code}")
                found[obj.code] = obj
    return dict(sorted(found.items()))


ALL_RULES: Dict[str, Type[Rule]] = _collect()


def rules_for(codes) -> List[Type[Rule]]:
    """The visitor rules among ``codes``, in code order: not the engine-reported ones, and
    of the project rules only those with a per-file part."""
    return [
        ALL_RULES[c]
        for c in sorted(codes)
        if c in ALL_RULES
        and not ALL_RULES[c].engine_reported
        and (not getattr(ALL_RULES[c], "project_rule", False) or ALL_RULES[c].per_file_part)
    ]


def without_superseded(diagnostics: Sequence, others: Iterable = ()) -> list:
    """``diagnostics`` less those that a finding at the very same place (among them, or
    among ``others``) supersedes (:attr:`Rule.supersedes`): one finding per site."""
    places = {
        (d.path, d.line, d.column, code)
        for group in (diagnostics, others)
        for d in group
        for code in getattr(ALL_RULES.get(d.code), "supersedes", ())
    }
    if not places:
        return list(diagnostics)
    return [d for d in diagnostics if (d.path, d.line, d.column, d.code) not in places]


def project_rules_for(codes) -> List[Type[Rule]]:
    """The rules of the project pass among ``codes``."""
    return [ALL_RULES[c] for c in sorted(codes) if c in ALL_RULES and getattr(ALL_RULES[c], "project_rule", False)]


__all__ = ["ALL_RULES", "Report", "Rule", "project_rules_for", "rules_for", "without_superseded"]
