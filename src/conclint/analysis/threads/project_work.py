"""The project pass's view of threads and processes (CCL201, CCL202): across modules,
from their summaries, whether a callable handed to a thread is CPU-bound, and whether one
handed to a process pool only does I/O."""

from __future__ import annotations

from collections import deque
from typing import Dict, Optional, Tuple

from conclint.analysis.summary import Call, Handoff
from conclint.analysis.threads.cpu import cheap_call
from conclint.knowledge import cpu as K


class ProjectWork:
    """Answers about the functions of a project, each found once."""

    MAX_DEPTH = 16

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
        """The shortest chain of sync calls from ``start`` to a CPU-heavy function, as
        ``[(function ref, call towards the next or None)]``; ``None`` when there is none."""
        key = start.key
        if key in self._cpu:
            return self._cpu[key]
        previous: Dict[Tuple[str, str], tuple] = {}
        seen = {key}
        queue = deque([(start, 0)])
        while queue:
            current, depth = queue.popleft()
            if current.function.cpu:
                chain = [(current, None)]
                node = current
                while node.key != key:
                    parent, call = previous[node.key]
                    chain.append((parent, call))
                    node = parent
                chain.reverse()
                self._cpu[key] = chain
                return chain
            if depth >= self.MAX_DEPTH:
                continue
            for call in current.function.calls:
                target = self.project.callee(call, current.module)
                if target is None or target.function.is_async or target.key in seen:
                    continue
                seen.add(target.key)
                previous[target.key] = (current, call)
                queue.append((target, depth + 1))
        self._cpu[key] = None
        return None

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
