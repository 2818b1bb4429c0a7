"""Facts about threads and processes, shared by the CCL2xx, CCL3xx and CCL4xx rules.

Everything is computed after the traversal, from :class:`ModuleFacts`, and only walks the
few function bodies that matter. By concern:

* :mod:`.handoffs`: the calls that run a callable on another thread or process, and what
  that callable is; :mod:`.concurrency`: whether several of them run at once, and which
  arguments every run shares; :mod:`.entries`: what runs on another thread, also without
  a hand-off in sight (``Thread`` subclasses, request handlers), what it calls, and the
  state of ``self`` it shares with the object's other methods.
* :mod:`.cpu`: what counts as computation: why a function computes, calls of unknown
  cost or work (for the summaries); :mod:`.loop_nests`: the shape of a loop nest;
  :mod:`.async_cpu`: the CPU-heavy loops of ``async def`` (CCL120).
* :mod:`.shared_roots`, :mod:`.shared_subjects`, :mod:`.shared_state`: what code running
  on threads changes without a lock (CCL301-CCL304).
* :mod:`.locks` and :mod:`.body`: which code runs with a lock held; locks made per call.
* :mod:`.start_methods`: whether a child process forks or is spawned (CCL401-CCL403).
* :mod:`.summaries`: the fields they add to a module summary; :mod:`.project_work`: the
  project pass's questions about hand-offs, across modules.
* :mod:`.lookup` and :mod:`.syntax`: what all of them look up in a module and its nodes;
  :mod:`.facts`: the per-module entry point, :func:`thread_facts`.
"""

from conclint.analysis.threads.body import FunctionBody
from conclint.analysis.threads.concurrency import Concurrency, SharedArgument, names_bound_in, shared_arguments
from conclint.analysis.threads.async_cpu import async_cpu_loops
from conclint.analysis.threads.cpu import CpuLoop, cheap_call, cpu_loops, opaque_functions
from conclint.analysis.threads.entries import ThreadCode, ThreadEntry, ThreadFunction
from conclint.analysis.threads.facts import ThreadFacts, thread_facts
from conclint.analysis.threads.handoffs import (
    CLASS,
    EXTERNAL,
    FUNCTION,
    INSTANCE,
    LAMBDA,
    PROCESS,
    PROCESS_POOL,
    THREAD,
    UNKNOWN,
    HandoffSite,
    Target,
    find_handoffs,
    parameters,
    receivers,
)
from conclint.analysis.threads.locks import PerCallLock, lock_held, per_call_locks
from conclint.analysis.threads.lookup import ModuleLookup, module_lookup
from conclint.analysis.threads.project_work import ProjectWork
from conclint.analysis.threads.shared_roots import ThreadRoot
from conclint.analysis.threads.shared_sites import CHECK, MUTATE, REBIND, UPDATE, SharedAccess
from conclint.analysis.threads.shared_subjects import Subject
from conclint.analysis.threads.start_methods import StartMethods, start_methods
from conclint.analysis.threads.summaries import summary_fields
from conclint.analysis.threads.syntax import SCOPE_NODES, block_statements, child_nodes, code_of

__all__ = [
    "CHECK",
    "CLASS",
    "EXTERNAL",
    "FUNCTION",
    "INSTANCE",
    "LAMBDA",
    "MUTATE",
    "PROCESS",
    "PROCESS_POOL",
    "REBIND",
    "SCOPE_NODES",
    "THREAD",
    "UNKNOWN",
    "UPDATE",
    "Concurrency",
    "CpuLoop",
    "FunctionBody",
    "HandoffSite",
    "ModuleLookup",
    "PerCallLock",
    "ProjectWork",
    "SharedAccess",
    "SharedArgument",
    "StartMethods",
    "Subject",
    "Target",
    "ThreadCode",
    "ThreadEntry",
    "ThreadFacts",
    "ThreadFunction",
    "ThreadRoot",
    "async_cpu_loops",
    "block_statements",
    "cheap_call",
    "child_nodes",
    "code_of",
    "cpu_loops",
    "find_handoffs",
    "lock_held",
    "module_lookup",
    "names_bound_in",
    "opaque_functions",
    "parameters",
    "per_call_locks",
    "receivers",
    "shared_arguments",
    "start_methods",
    "summary_fields",
    "thread_facts",
]
