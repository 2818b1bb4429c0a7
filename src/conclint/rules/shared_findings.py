"""Which code and message each shared-state site gets (CCL301-CCL304, CCL307).

The accesses to shared state and the sites each one races with come from
:mod:`conclint.analysis.threads`; here each site gets its one, most specific code (CCL304
over CCL303 over CCL301/CCL302) and a message that names what it races with. The rule
classes, with their documentation, are in :mod:`conclint.rules.shared_state`.
"""

from __future__ import annotations

from typing import Iterator, Optional, Set, Tuple

import libcst as cst

from conclint.analysis.module import ModuleFacts
from conclint.analysis.threads import thread_facts
from conclint.analysis.threads.shared_sites import CHECK, ITERATE, MUTATE, REBIND, UPDATE, SharedAccess
from conclint.analysis.threads.syntax import code_of
from conclint.knowledge.cpu import THREAD_SAFE_METHODS


def shared_state_findings(facts: ModuleFacts) -> Iterator[Tuple[str, cst.CSTNode, str]]:
    """(code, node, message) for the accesses to shared state that are findings.

    A site is reported when another thread can run a site it races with at the same time
    (its partners), or, for a read-modify-write and a check-then-act, when its own code
    runs on several threads at once. One atomic change (``append``, ``d[k] = v``) is a
    finding only through a partner: a loop over the container or a check-then-act on it.
    Two different thread functions touching the same state may well run one after the
    other (a pool's ``with`` block waits for its tasks), which conclint cannot tell: they
    race only when one of them lives on (nothing waits for its thread)."""
    accesses = thread_facts(facts).shared_accesses()
    checks = [a for a in accesses if a.kind == CHECK and not a.guarded and (a.partners or (a.acts and _on_several(a)))]
    covered = {id(act) for check in checks for act in check.guards}
    seen: Set[int] = set()
    for access in accesses:
        if access.guarded or access.kind == REBIND or id(access.node) in seen or id(access) in covered:
            continue
        found = _finding(access, access in checks)
        if found is not None:
            seen.add(id(access.node))
            yield found[0], access.node, found[1]


def _on_several(access: SharedAccess) -> bool:
    """Whether the code of the site runs on several threads at once, all sharing its state."""
    root = access.root
    category = access.subject.category
    return root is not None and bool(root.how) and category != "handed" and (category != "self" or root.self_shared)


def _finding(access: SharedAccess, reported_check: bool) -> Optional[Tuple[str, str]]:
    if access.kind == CHECK:
        return ("CCL304", _check_message(access)) if reported_check else None
    if access.kind == ITERATE:
        return ("CCL307", _loop_message(access, access.partners[0])) if access.partners else None
    if access.kind == UPDATE:
        rivals = [p for p in access.partners if p.kind == UPDATE]
        if _on_several(access) or rivals:
            return "CCL303", _update_message(access, rivals[0] if rivals and not _on_several(access) else None)
    if access.kind in (MUTATE, UPDATE):
        readers = [p for p in access.partners if p.kind in (ITERATE, CHECK)]
        if not readers or access.change in THREAD_SAFE_METHODS.get(access.subject.type, ()):
            return None  # one atomic change, or a deque's documented thread-safe append/pop
        return _change_message(access, readers[0])
    return None


def _function_name(scope) -> str:
    if scope is None:
        return "the module's top-level code"
    cls = scope.method_class()
    return f"{cls.name}.{scope.name}()" if cls is not None else f"{scope.name}()"


def _runs(access: SharedAccess) -> str:
    """Why the code of a site runs on several threads at once."""
    root = access.root
    return f"{root.name} runs on several threads at once ({root.how})"


def _who(partner: SharedAccess, access: SharedAccess) -> str:
    """The code of ``partner``, as seen from ``access``."""
    if partner.root is not None and partner.root is access.root:
        return f"another thread running {partner.root.name}"
    if partner.root is not None:
        return partner.root.name
    return _function_name(partner.function)


def _together(access: SharedAccess, partner: SharedAccess) -> str:
    """Why two sites run at the same time."""
    if access.root is not None and access.root is partner.root:
        return _runs(access)
    if access.root is not None and partner.root is not None:
        return f"{access.root.name} and {partner.root.name} run on threads at the same time"
    thread, other = (access, partner) if access.root is not None else (partner, access)
    root = thread.root
    started = root.how or root.started
    if other.public and not any(h is mine for h in other.windows for mine in root.handoffs):
        if not root.handoffs:
            return f"{root.name} runs on a thread of its own ({started}), and {_function_name(other.function)} is public"
        return f"nothing waits for the thread {root.name} runs on ({started}), and {_function_name(other.function)} is public"
    return f"{_function_name(other.function)} goes on while {root.name} runs ({started})"


def _loop_message(access: SharedAccess, writer: SharedAccess) -> str:
    subject = access.subject
    text = subject.text
    harm = _HARM.get(subject.type, _HARM["builtins.dict"])
    while_ = f"while {_who(writer, access)} changes it on another thread ({writer.detail}; {_together(access, writer)})"
    if access.change == "view":
        return (
            f"{access.detail} hands out a live view of {text} {while_}: a caller's loop over the view {harm}; "
            f"return a copy made under the lock that guards the changes (list({code_of(access.expr, 40)}))"
        )
    if access.change == "copy":
        return f"{access.detail} copies {text} item by item {while_}: it {harm}; copy it under the lock that guards the changes"
    return (
        f"{access.detail} loops over {text} {while_}: the loop {harm}; loop over a copy made under the lock that guards "
        f"the changes (list({code_of(access.expr, 40) if access.expr is not None else text})), or hold that lock for "
        "the whole loop"
    )


def _change_message(access: SharedAccess, reader: SharedAccess) -> Tuple[str, str]:
    subject = access.subject
    text = subject.text
    verb = {"view": "hands out a live view of", "copy": "copies"}.get(reader.change, "loops over")
    if reader.kind == CHECK:
        verb = "checks and then acts on"
    who = _who(reader, access)
    tail = (
        f"without a lock while {who} {verb} it on another thread ({reader.detail}; {_together(access, reader)}); "
        f"guard both with one threading.Lock, or let {who} work on a copy made under it"
    )
    if subject.category == "global":
        return "CCL301", f"{access.detail} changes the module-level {text} {tail}"
    owner = {
        "param": "the same object passed to every thread",
        "handed": "the object handed to the thread",
        "closure": "captured from the enclosing function and shared with the threads",
        "self": "an attribute of an object other threads use",
    }[subject.category]
    return "CCL302", f"{access.detail} changes {text}, {owner}, {tail}"


def _update_message(access: SharedAccess, rival: Optional[SharedAccess]) -> str:
    text = access.subject.text
    if rival is None:
        return (
            f"{access.detail} is a read-modify-write of shared {text}: {_runs(access)}, so updates can be lost; "
            "do it while holding a threading.Lock"
        )
    return (
        f"{access.detail} is a read-modify-write of shared {text}, and {_who(rival, access)} updates it too on another "
        f"thread ({rival.detail}; {_together(access, rival)}), so updates can be lost; do both while holding one threading.Lock"
    )


def _check_message(access: SharedAccess) -> str:
    subject = access.subject
    text = subject.text
    atomic = " (or use dict.setdefault, which checks and sets in one step)" if subject.type in (
        "builtins.dict", "collections.OrderedDict", "collections.defaultdict"
    ) and access.detail.endswith("= ...") else ""
    if access.acts and _on_several(access):
        return (
            f"check-then-act on shared {text}: {_runs(access)}, and another thread can change {text} between this "
            f"check and {access.detail}; hold one threading.Lock around both{atomic}"
        )
    writer = access.partners[0]
    return (
        f"check-then-act on shared {text}: {_who(writer, access)} can change it on another thread ({writer.detail}; "
        f"{_together(access, writer)}) between this check and {access.detail}; hold one threading.Lock around both "
        "and around that change"
    )


#: What a change during a loop does, by container type.
_HARM = {
    "builtins.dict": "raises RuntimeError: dictionary changed size during iteration",
    "collections.defaultdict": "raises RuntimeError: dictionary changed size during iteration",
    "collections.Counter": "raises RuntimeError: dictionary changed size during iteration",
    "collections.OrderedDict": "raises RuntimeError: OrderedDict mutated during iteration",
    "builtins.set": "raises RuntimeError: Set changed size during iteration",
    "collections.deque": "raises RuntimeError: deque mutated during iteration",
    "builtins.list": "skips or repeats items when the list shrinks or is reordered under it",
    "builtins.bytearray": "skips or repeats items when the bytearray shrinks under it",
}
