"""``# noqa`` comments, flake8-compatible: ``# noqa``, ``# noqa: CCL101``, ``# noqa:CCL101,CCL104``.

Like flake8, the comment applies to the physical line the finding is reported on, and a
listed code also suppresses the codes it is a prefix of. A peer linter's code for the same
mistake (``# noqa: ASYNC251`` for CCL101, ``RUF006`` for CCL502: the table is
``conclint.knowledge.peer_codes``) suppresses the conclint code too: that line was reviewed.
Peer codes match exactly, never as prefixes.
"""

from __future__ import annotations

import re
from typing import Dict, FrozenSet, Iterable, Optional

from conclint.knowledge.peer_codes import PEER_CODES

NOQA = re.compile(
    r"#\s*noqa(?::[\s]?(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?",
    re.IGNORECASE,
)
_SPLIT = re.compile(r"[,\s]+")
_LINES = re.compile(r"\r\n|\r|\n")

#: ``None`` in a map means a bare ``# noqa``: every code on that line is suppressed.
NoqaMap = Dict[int, Optional[FrozenSet[str]]]


def noqa_map(text: str) -> NoqaMap:
    """Line number -> codes suppressed there (``None``: all)."""
    result: NoqaMap = {}
    if "noqa" not in text.lower():
        return result
    for number, line in enumerate(_LINES.split(text), start=1):
        if "noqa" not in line.lower():
            continue
        match = NOQA.search(line)
        if match is None:
            continue
        codes = match.group("codes")
        result[number] = frozenset(c.upper() for c in _SPLIT.split(codes.strip()) if c) if codes else None
    return result


def is_suppressed(code: str, line: int, noqa: NoqaMap) -> bool:
    if line not in noqa:
        return False
    codes = noqa[line]
    return codes is None or any(code.startswith(c) for c in codes) or peer_suppressed(code, line, noqa)


def peer_suppressed(code: str, line: int, noqa: NoqaMap) -> bool:
    """Whether the ``# noqa`` on ``line`` lists a peer linter's code for ``code``'s mistake
    (flake8 honours the bare and the conclint forms itself, but not these)."""
    codes = noqa.get(line)
    return bool(codes) and any(c in PEER_CODES and PEER_CODES[c].conclint == code for c in codes)


def matches_any(code: str, prefixes: Iterable[str]) -> bool:
    return any(code.startswith(p) for p in prefixes)
