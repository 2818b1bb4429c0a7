"""The thread facts of one module, computed after the traversal from its
:class:`ModuleFacts`, each part on first use and kept while the module is alive: the
lookup, the hand-offs, how many of them run at once, and the accesses to shared state."""

from __future__ import annotations

from typing import List, Optional

from conclint.analysis.module import ModuleFacts
from conclint.analysis.threads.concurrency import Concurrency
from conclint.analysis.threads.handoffs import HandoffSite, find_handoffs
from conclint.analysis.threads.lookup import ModuleLookup, module_lookup, per_module
from conclint.analysis.threads.shared_state import SharedAccess, shared_accesses


class ThreadFacts:
    def __init__(self, facts: ModuleFacts) -> None:
        self.lookup: ModuleLookup = module_lookup(facts)
        self.concurrency = Concurrency(self.lookup)
        self._handoffs: Optional[List[HandoffSite]] = None
        self._shared: Optional[List[SharedAccess]] = None

    def handoffs(self) -> List[HandoffSite]:
        if self._handoffs is None:
            self._handoffs = find_handoffs(self.lookup)
        return self._handoffs

    def shared_accesses(self) -> List[SharedAccess]:
        if self._shared is None:
            self._shared = shared_accesses(self.lookup, self.handoffs(), self.concurrency)
        return self._shared


@per_module
def thread_facts(facts: ModuleFacts) -> ThreadFacts:
    """The thread facts of a module."""
    return ThreadFacts(facts)
