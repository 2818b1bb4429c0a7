"""The project pass's view of threads and processes (CCL201, CCL202): across modules,
from their summaries, whether a callable handed to a thread only computes, and whether one
handed to a process pool only does I/O."""

from __future__ import annotations

from collections import deque
from typing import Dict, Optional, Tuple

from conclint.analysis.summary import Call, Handoff
from conclint.analysis.threads.cpu import cheap_call, gil_holding
from conclint.knowledge import cpu as K

#: Modules whose classes a project class may derive from and still be made without work:
#: constructing it only stores its fields.
_DATA_BASE_MODULES = frozenset({"builtins", "typing", "typing_extensions", "enum", "dataclasses", "abc", "collections"})


class ProjectWork:
    """Answers about the functions of a project, each found once."""

    MAX_DEPTH = 16
    #: Functions one hand-off may reach before conclint gives up calling it CPU-bound.
    MAX_REACHED = 200

    def __init__(self, project, catalogue) -> None:
        self.project = project
        self.catalogue = catalogue
        self._cpu: Dict[Tuple[str, str], Optional[list]] = {}
        self._io: Dict[Tuple[str, str], Optional[str]] = {}

    def handed(self, handoff: Handoff, module):
        """The project function a hand-off of a summary runs, if it can be known."""
        target = self.project.callee(Call(handoff.callee, handoff.bound, handoff.call), module)
        if target is None or target.function.is_async:
            return None
        return target

    def cpu_chain(self, start) -> Optional[list]:
        """The shortest chain of sync calls from ``start`` to a function that computes, as
        ``[(function ref, call towards the next or None)]``, when everything ``start``
        reaches only computes: no blocking call (I/O or a wait), no call of unknown work,
        nothing that releases the GIL. ``None`` otherwise."""
        key = start.key
        if key in self._cpu:
            return self._cpu[key]
        previous: Dict[Tuple[str, str], tuple] = {}
        reached = [start]
        seen = {key}
        queue = deque([(start, 0)])
        clean = True
        while queue and clean:
            current, depth = queue.popleft()
            clean = self._expand(current, depth, seen, previous, queue, reached)
        computing = [ref for ref in reached if ref.function.cpu] if clean else []
        # A loop that only calls project functions is better told by the one that computes.
        heavy = next((ref for ref in computing if not ref.function.cpu_delegates), computing[0] if computing else None)
        result: Optional[list] = None
        if heavy is not None:
            result = [(heavy, None)]
            node = heavy
            while node.key != key:
                parent, call = previous[node.key]
                result.append((parent, call))
                node = parent
            result.reverse()
        self._cpu[key] = result
        return result

    def _expand(self, current, depth: int, seen, previous, queue, reached) -> bool:
        """Queue the functions ``current`` calls; False when it (or a call it makes) may do
        I/O, wait, or run out of sight."""
        function = current.function
        if function.effects or function.unknown_work or depth >= self.MAX_DEPTH or len(seen) > self.MAX_REACHED:
            return False
        for call in function.calls:
            target = self.project.callee(call, current.module)
            if target is None:
                if not self._only_computes(call, current.module):
                    return False
                continue
            if target.function.is_async:
                return False  # a coroutine made here is run by something out of sight
            if target.key not in seen:
                seen.add(target.key)
                previous[target.key] = (current, call)
                queue.append((target, depth + 1))
                reached.append(target)
        return True

    def _only_computes(self, call: Call, module) -> bool:
        """A call the project pass cannot follow that is known to only compute or cost
        little: a GIL-holding library function, bookkeeping, or a class of the project
        without an ``__init__`` of its own (a dataclass, a named tuple)."""
        name = call.callee
        if gil_holding(name) or cheap_call(self.catalogue, name, call.bound):
            return True
        if call.bound:
            return False
        # Imported here: the project module imports the guards, which import this package.
        from conclint.analysis.project import ClassRef

        symbol = self.project.symbol(name, module)
        if not isinstance(symbol, ClassRef):
            return False
        bases = self.project.classes(symbol.module).get(symbol.qualname, ())
        return all(base.split(".", 1)[0] in _DATA_BASE_MODULES for base in bases)

    def io_only(self, ref, stack: Tuple[Tuple[str, str], ...] = ()) -> Optional[str]:
        """The first network, file or database call a function makes (through its callees)
        when that, waiting and cheap bookkeeping is all it does; ``""`` when it does no
        I/O and nothing of unknown cost; ``None`` when it may compute."""
        key = ref.key
        if key in self._io:
            return self._io[key]
        function = ref.function
        result: Optional[str] = None
        if not (function.is_async or function.cpu or function.opaque) and len(stack) < self.MAX_DEPTH:
            found = next((e.callee for e in function.effects if e.category in K.IO_CATEGORIES), "")
            result = found
            for call in function.calls:
                target = self.project.callee(call, ref.module)
                if target is None:
                    if cheap_call(self.catalogue, call.callee, call.bound):
                        continue
                    result = None
                    break
                if target.key == key or target.key in stack:
                    continue
                inner = self.io_only(target, stack + (key,))
                if inner is None:
                    result = None
                    break
                result = result or inner
        self._io[key] = result
        return result
