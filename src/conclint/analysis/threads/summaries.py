"""What the thread facts add to a module's summary: why each function computes, whether
it makes calls of unknown cost or work, and the callables it hands to threads or processes."""

from __future__ import annotations

import dataclasses
from typing import Dict, List, Optional, Tuple

import libcst as cst

from conclint.analysis.module import ModuleFacts
from conclint.analysis.summary import Handoff
from conclint.analysis.threads.cpu import cpu_loops, opaque_functions, unknown_work_functions
from conclint.analysis.threads.facts import ThreadFacts, thread_facts
from conclint.analysis.threads.handoffs import CLASS, EXTERNAL, FUNCTION, LAMBDA, THREAD, HandoffSite


def summary_fields(facts: ModuleFacts) -> Tuple[Dict[int, Dict[str, object]], Tuple[Handoff, ...]]:
    """Per function scope id, the extra :class:`FunctionSummary` fields; and the
    hand-offs made by import-time code."""
    tf = thread_facts(facts)
    fields: Dict[int, Dict[str, object]] = {}
    for scope_id, loop in cpu_loops(tf.lookup).items():
        fields.setdefault(scope_id, {}).update(cpu=loop.reason, cpu_call=loop.call, cpu_delegates=loop.delegates)
    for scope_id in opaque_functions(tf.lookup):
        fields.setdefault(scope_id, {})["opaque"] = True
    for scope_id in unknown_work_functions(tf.lookup):
        fields.setdefault(scope_id, {})["unknown_work"] = True
    by_function: Dict[int, List[Handoff]] = {}
    module_level: List[Handoff] = []
    for handoff, record in _handoff_records(tf):
        function = handoff.scope.function_scope
        if function is None:
            module_level.append(record)
        elif function.kind == "function":
            by_function.setdefault(id(function), []).append(record)
    for scope_id, records in by_function.items():
        fields.setdefault(scope_id, {})["handoffs"] = tuple(records)
    return fields, tuple(module_level)


def _handoff_records(tf: ThreadFacts) -> List[Tuple[HandoffSite, Handoff]]:
    """The hand-offs whose callable has a name, with their summary records; a thread's
    says why several of its threads run at once."""
    named: List[Tuple[HandoffSite, Handoff]] = []
    groups: Dict[Tuple[str, str, bool], List[HandoffSite]] = {}
    for handoff in tf.handoffs():
        record = _record(tf, handoff)
        if record is not None:
            named.append((handoff, record))
            groups.setdefault((record.kind, record.callee, record.bound), []).append(handoff)
    found = []
    for handoff, record in named:
        if handoff.kind == THREAD:
            # This site's own threads: the same callable mapped elsewhere is another matter.
            same_function = [
                h for h in groups[(record.kind, record.callee, record.bound)]
                if h.scope.function_scope is handoff.scope.function_scope
            ]
            record = dataclasses.replace(record, many=tf.concurrency.site_concurrency(handoff, same_function))
        found.append((handoff, record))
    return found


def _record(tf: ThreadFacts, handoff: HandoffSite) -> Optional[Handoff]:
    """The summary record of a hand-off whose callable has a name (``many`` left empty)."""
    target = handoff.target
    if target.kind == LAMBDA and isinstance(target.node, cst.Lambda) and isinstance(target.node.body, cst.Call):
        # ``lambda: crunch(data)`` runs crunch() where the lambda runs.
        located = tf.lookup.site(target.node.body)
        value = tf.lookup.facts.callee(located[1]) if located is not None else None
        if value is None or value.instance or value.qualname.startswith("builtins."):
            return None
        return Handoff(handoff.kind, handoff.via, value.qualname, value.bound, handoff.index, callback=handoff.callback)
    if target.kind == FUNCTION and target.own_instance:
        return Handoff(handoff.kind, handoff.via, target.qualname, True, handoff.index, callback=handoff.callback)
    if target.kind in (FUNCTION, CLASS, EXTERNAL) and target.qualname:
        return Handoff(handoff.kind, handoff.via, target.qualname, target.bound, handoff.index, callback=handoff.callback)
    return None
