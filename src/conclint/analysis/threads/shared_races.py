"""Which sites of shared state race with each other: :func:`link_partners` pairs each
loop and check with the changes other threads can make at the same time that break it,
and each read-modify-write with the others of the same state."""

from __future__ import annotations

from typing import Dict, List, Tuple

from conclint.analysis.threads.shared_sites import CHECK, ITERATE, MUTATE, UPDATE, SharedAccess
from conclint.knowledge import shared_state as S

#: Changes that move items but neither add nor remove one.
_REORDERS = frozenset({"sort", "reverse", "rotate", "move_to_end"})


def link_partners(accesses: List[SharedAccess]) -> None:
    """Fill :attr:`SharedAccess.partners`: for each loop and check, the changes other
    threads can make at the same time that break it, and for each change, the loops and
    checks it breaks; for each read-modify-write, the others of the same state."""
    by_subject: Dict[Tuple, List[SharedAccess]] = {}
    for access in accesses:
        by_subject.setdefault(access.subject.key, []).append(access)
    for group in by_subject.values():
        readers = [a for a in group if a.kind in (ITERATE, CHECK)]
        writers = [a for a in group if a.kind in (MUTATE, UPDATE)]
        for reader in readers:
            for writer in writers:
                if writer.node is reader.node or writer in reader.guards:
                    continue
                if _breaks(writer, reader) and _alongside(reader, writer) and not (reader.guarded and writer.guarded):
                    reader.partners.append(writer)
                    writer.partners.append(reader)
        updates = [a for a in group if a.kind == UPDATE]
        for index, first in enumerate(updates):
            for second in updates[index + 1:]:
                # The same line reached from the thread and from public code (a helper both
                # call) races only if the object's users call it while the thread runs,
                # which a class that hands them separate methods says more clearly.
                if first.node is second.node:
                    continue
                if first.root is not second.root and _alongside(first, second) and not (first.guarded and second.guarded):
                    first.partners.append(second)
                    second.partners.append(first)


def _breaks(writer: SharedAccess, reader: SharedAccess) -> bool:
    """Whether the change ``writer`` makes breaks the loop or check ``reader``."""
    change = writer.change
    if reader.kind == ITERATE:
        return change not in S.ITERATION_SAFE_CHANGES.get(reader.subject.type, ())
    if reader.change == "none":
        return False
    if reader.change == "empty" or not reader.acts:
        return change in S.REMOVALS
    return change not in _REORDERS


def _alongside(first: SharedAccess, second: SharedAccess) -> bool:
    """Whether two sites can run at the same time on two threads."""
    if _private_self(first) or _private_self(second):
        return False
    if first.root is not None and second.root is not None:
        if first.root is second.root:
            root = first.root
            category = first.subject.category
            return bool(root.how) and category != "handed" and (category != "self" or root.self_shared)
        return id(second.root) in first.root.alongside
    if first.root is None and second.root is None:
        return False
    thread, other = (first, second) if first.root is not None else (second, first)
    root = thread.root
    if any(handoff is mine for handoff in other.windows for mine in root.handoffs):
        return True
    return other.public and root.lives_on


def _private_self(access: SharedAccess) -> bool:
    """State of a thread's own object, which no other thread sees."""
    return access.subject.category == "self" and access.root is not None and access.root.self_private
