"""Applying fixes safely: never a file that does not parse, idempotent, atomic writes.

Fixes are offset edits on the decoded text. Edits of different findings that overlap are
not applied together: the first wins and the others wait for the next round. Rounds
repeat (re-linting the fixed text) until nothing more applies, so a second ``--fix`` run
changes nothing.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from typing import Callable, List, Optional, Sequence, Tuple

import libcst as cst

from conclint.diagnostic import Diagnostic, Edit

MAX_ROUNDS = 10


def applicable(diagnostic: Diagnostic, unsafe: bool) -> bool:
    fix = diagnostic.fix
    return fix is not None and (fix.applicability == "safe" or unsafe)


def apply_edits(text: str, diagnostics: Sequence[Diagnostic], unsafe: bool) -> Tuple[str, List[Diagnostic]]:
    """Apply the fixes that do not collide; returns the new text and the fixed findings."""
    chosen: List[Diagnostic] = []
    taken: List[Edit] = []
    for diagnostic in sorted(diagnostics, key=lambda d: (d.fix.edits[0].start if d.fix and d.fix.edits else 0)):
        if not applicable(diagnostic, unsafe):
            continue
        edits = [e for e in diagnostic.fix.edits if not any(_same(e, t) for t in taken)]
        if any(_overlaps(e, t) for e in edits for t in taken):
            continue
        taken.extend(edits)
        chosen.append(diagnostic)
    for edit in sorted(taken, key=lambda e: (e.start, e.end), reverse=True):
        text = text[: edit.start] + edit.replacement + text[edit.end :]
    return text, chosen


def _same(a: Edit, b: Edit) -> bool:
    """Two fixes that both add ``import asyncio`` at the same place add it once."""
    return a == b and a.start == a.end


def _overlaps(a: Edit, b: Edit) -> bool:
    if a.start == a.end or b.start == b.end:
        # An insertion collides only with an edit that strictly contains its offset.
        point, other = (a, b) if a.start == a.end else (b, a)
        return other.start < point.start < other.end
    return a.start < b.end and b.start < a.end


def parses(text: str) -> bool:
    try:
        cst.parse_module(text)
        compile(text, "<fixed>", "exec", dont_inherit=True)
    except Exception:
        return False
    return True


@dataclass
class FixResult:
    text: str
    fixed: List[Diagnostic] = field(default_factory=list)
    #: A fix round whose result did not parse: nothing of that round was kept.
    dropped: List[Diagnostic] = field(default_factory=list)


def fix_text(
    text: str,
    lint: Callable[[str], Sequence[Diagnostic]],
    unsafe: bool,
    first: Optional[Sequence[Diagnostic]] = None,
) -> FixResult:
    """Fix ``text`` in rounds; ``lint`` re-checks the text after each round."""
    result = FixResult(text)
    diagnostics = list(first) if first is not None else list(lint(text))
    for _ in range(MAX_ROUNDS):
        new_text, chosen = apply_edits(result.text, diagnostics, unsafe)
        if not chosen or new_text == result.text:
            break
        if not parses(new_text):
            result.dropped.extend(chosen)
            break
        result.text = new_text
        result.fixed.extend(chosen)
        diagnostics = list(lint(new_text))
    return result


class WriteError(Exception):
    """A fixed file could not be written; the message says why."""


def write_atomically(path: str, original: bytes, data: bytes) -> None:
    """Replace ``path`` with ``data`` if it still holds ``original``: temp file + rename in
    the same folder, permissions kept. Read-only files are left alone; a symlink is
    followed, so the link stays a link."""
    path = os.path.realpath(path)
    try:
        status = os.stat(path)
        with open(path, "rb") as handle:
            current = handle.read()
    except OSError as exc:
        raise WriteError(f"cannot re-read before writing: {exc.strerror or exc}") from None
    if current != original:
        raise WriteError("changed on disk during the run; not fixed")
    if not status.st_mode & 0o222 or not os.access(path, os.W_OK):
        raise WriteError("read-only; not fixed")
    folder = os.path.dirname(os.path.abspath(path))
    try:
        descriptor, temporary = tempfile.mkstemp(prefix=".conclint-", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise WriteError(f"cannot write in {folder}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, status.st_mode & 0o7777)
        os.replace(temporary, path)
    except OSError as exc:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise WriteError(f"cannot write: {exc.strerror or exc}") from None
