"""The one currency of conclint: what every rule produces and every adapter prints."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Dict, Optional, Tuple


@dataclass(frozen=True)
class Edit:
    """Replace the text between two 0-based character offsets of the source."""

    start: int
    end: int
    replacement: str


@dataclass(frozen=True)
class Fix:
    """A change that resolves a diagnostic; ``applicability`` is ``safe`` or ``unsafe``."""

    description: str
    edits: Tuple[Edit, ...]
    applicability: str = "safe"


@dataclass(frozen=True)
class TraceStep:
    """One hop of an interprocedural call chain (``refresh() -> load() -> open()``)."""

    path: str
    line: int
    column: int
    text: str


@dataclass(frozen=True, order=True)
class Diagnostic:
    """A finding at a 1-based line and 1-based column of a file."""

    path: str
    line: int
    column: int
    code: str
    message: str
    end_line: int = 0
    end_column: int = 0
    fix: Optional[Fix] = field(default=None, compare=False)
    trace: Tuple[TraceStep, ...] = field(default=(), compare=False)

    def to_dict(self) -> Dict[str, Any]:
        data = asdict(self)
        data["fix"] = asdict(self.fix) if self.fix else None
        data["trace"] = [asdict(step) for step in self.trace]
        return data
