"""The thread facts of one module, computed after the traversal from its
:class:`ModuleFacts`, each part on first use and kept while the module is alive: the
lookup, the hand-offs, how many of them run at once, what runs on threads (entries and the
code they reach), and the accesses to shared state."""

from __future__ import annotations

from typing import Dict, List, Optional

from conclint.analysis.module import ModuleFacts
import libcst as cst

from conclint.analysis.threads.concurrency import Concurrency
from conclint.analysis.threads.entries import ThreadCode, ThreadEntry, cross_thread_attributes, thread_entries
from conclint.analysis.threads.handoffs import HandoffSite, find_handoffs
from conclint.analysis.threads.lookup import ModuleLookup, module_lookup, per_module
from conclint.analysis.threads.shared_sites import SharedAccess
from conclint.analysis.threads.shared_state import shared_accesses


class ThreadFacts:
    def __init__(self, facts: ModuleFacts) -> None:
        self.lookup: ModuleLookup = module_lookup(facts)
        self.concurrency = Concurrency(self.lookup)
        self._handoffs: Optional[List[HandoffSite]] = None
        self._shared: Optional[List[SharedAccess]] = None
        self._entries: Optional[List[ThreadEntry]] = None
        self._code: Optional[ThreadCode] = None

    def handoffs(self) -> List[HandoffSite]:
        if self._handoffs is None:
            self._handoffs = find_handoffs(self.lookup)
        return self._handoffs

    def thread_entries(self) -> List[ThreadEntry]:
        """The functions that run on another thread: hand-off targets, ``Thread``
        subclasses' ``run``, request handlers of threading servers, thread callbacks."""
        if self._entries is None:
            self._entries = thread_entries(self.lookup, self.handoffs(), self.concurrency)
        return self._entries

    def thread_code(self) -> ThreadCode:
        """Every function of the module some entry's thread runs (:meth:`ThreadCode.functions`)."""
        if self._code is None:
            self._code = ThreadCode(self.lookup, self.thread_entries())
        return self._code

    def cross_thread_attributes(self, entry: ThreadEntry) -> Dict[str, List[cst.Attribute]]:
        """Attributes of ``self`` the entry's thread and the object's other methods both
        touch: state shared across threads (see :func:`entries.cross_thread_attributes`)."""
        return cross_thread_attributes(self.lookup, self.thread_code(), entry)

    def shared_accesses(self) -> List[SharedAccess]:
        if self._shared is None:
            self._shared = shared_accesses(self.lookup, self.handoffs(), self.concurrency, self.thread_entries())
        return self._shared


@per_module
def thread_facts(facts: ModuleFacts) -> ThreadFacts:
    """The thread facts of a module."""
    return ThreadFacts(facts)
