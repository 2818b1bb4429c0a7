"""Formatters: turn diagnostics into text for people and machines. They decide nothing."""

from __future__ import annotations

import json
import re
from typing import Any, Callable, Dict, List, Sequence, TextIO

from conclint import __version__
from conclint.diagnostic import Diagnostic
from conclint.rules import ALL_RULES

_LINES = re.compile(r"\r\n|\r|\n")


def _marker(d: Diagnostic, sources: "SourceCache") -> str:
    """``[*]`` before the message when ``--fix`` (with the current flags) would fix it."""
    fix = d.fix
    if fix is not None and (fix.applicability == "safe" or sources.unsafe_fixes):
        return "[*] "
    return ""


def concise(diagnostics: Sequence[Diagnostic], out: TextIO, sources: "SourceCache") -> None:
    for d in diagnostics:
        out.write(f"{d.path}:{d.line}:{d.column}: {d.code} {_marker(d, sources)}{d.message}\n")


def full(diagnostics: Sequence[Diagnostic], out: TextIO, sources: "SourceCache") -> None:
    for d in diagnostics:
        name = ALL_RULES[d.code].name if d.code in ALL_RULES else ""
        out.write(f"{d.path}:{d.line}:{d.column}: {d.code} [{name}] {_marker(d, sources)}{d.message}\n")
        line = sources.line(d.path, d.line)
        if line is not None:
            gutter = f"{d.line} | "
            expanded = line.expandtabs(1)
            width = 1
            if d.end_line == d.line and d.end_column > d.column:
                width = d.end_column - d.column
            out.write(f"{' ' * len(str(d.line))} |\n")
            out.write(f"{gutter}{expanded}\n")
            out.write(f"{' ' * len(str(d.line))} | {' ' * (d.column - 1)}{'^' * width}\n")
        for step in d.trace:
            out.write(f"  -> {step.path}:{step.line}:{step.column}: {step.text}\n")
        out.write("\n")


def json_record(d: Diagnostic) -> Dict[str, Any]:
    """One finding as the stable JSON object of ``json`` and ``json-lines`` (documented in
    docs/integrations.md: add keys, never rename or drop them)."""
    record = d.to_dict()
    record["name"] = ALL_RULES[d.code].name if d.code in ALL_RULES else None
    return record


def json_format(diagnostics: Sequence[Diagnostic], out: TextIO, sources: "SourceCache") -> None:
    json.dump([json_record(d) for d in diagnostics], out, indent=2)
    out.write("\n")


def json_lines(diagnostics: Sequence[Diagnostic], out: TextIO, sources: "SourceCache") -> None:
    """One JSON object per line (the ``json`` record); nothing at all for a clean run."""
    for d in diagnostics:
        out.write(json.dumps(json_record(d)) + "\n")


from conclint.output.github import github  # noqa: E402
from conclint.output.junit import junit  # noqa: E402
from conclint.output.sarif import sarif  # noqa: E402

FORMATTERS: Dict[str, Callable[[Sequence[Diagnostic], TextIO, "SourceCache"], None]] = {
    "concise": concise,
    "full": full,
    "json": json_format,
    "json-lines": json_lines,
    "sarif": sarif,
    "github": github,
    "junit": junit,
}


def source_text(data: bytes) -> str:
    """Source lines to show: decoded as the interpreter would (coding cookie, BOM), or as
    UTF-8 with replacement characters when that fails."""
    from conclint.engine import decode_source

    try:
        return decode_source(data)
    except (SyntaxError, LookupError, UnicodeDecodeError):
        return data.decode("utf-8", errors="replace")


class SourceCache:
    """Reads source lines for the ``full`` format, once per file, only when needed."""

    def __init__(self, overrides: Dict[str, str] = None) -> None:
        self._lines: Dict[str, List[str]] = {}
        #: Whether unsafe fixes count as fixable (``--unsafe-fixes``), for the ``[*]`` mark.
        self.unsafe_fixes = False
        self._overrides = overrides or {}

    def add(self, path: str, text: str) -> None:
        """Lines for a path that is not (or no longer) what is on disk: stdin, a fixed buffer."""
        self._overrides[path] = text
        self._lines.pop(path, None)

    def line(self, path: str, number: int):
        lines = self._lines.get(path)
        if lines is None:
            text = self._overrides.get(path)
            if text is None:
                try:
                    with open(path, "rb") as handle:
                        raw = handle.read()
                except OSError:
                    raw = b""
                text = source_text(raw)
            lines = self._lines[path] = _LINES.split(text)
        if 1 <= number <= len(lines):
            return lines[number - 1]
        return None


__all__ = ["FORMATTERS", "SourceCache", "__version__", "source_text"]
