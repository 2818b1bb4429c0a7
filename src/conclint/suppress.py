"""``# noqa`` comments, flake8-compatible: ``# noqa``, ``# noqa: CCL101``, ``# noqa:CCL101,CCL104``.

Like flake8, the comment applies to the physical line the finding is reported on, and a
listed code also suppresses the codes it is a prefix of.
"""

from __future__ import annotations

import re
from typing import Dict, FrozenSet, Iterable, Optional

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
    return codes is None or any(code.startswith(c) for c in codes)


def matches_any(code: str, prefixes: Iterable[str]) -> bool:
    return any(code.startswith(p) for p in prefixes)
