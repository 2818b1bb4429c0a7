"""GitHub Actions workflow commands: each finding becomes an annotation on the pull request.

    ::error file=app.py,line=4,col=5,endLine=4,endColumn=18,title=CCL101 blocking-sleep::message

Escaping follows the Actions toolkit (``@actions/core`` ``command.ts``): in the message,
``%``, ``\\r`` and ``\\n`` become ``%25``, ``%0D`` and ``%0A``; in property values also
``:`` and ``,`` become ``%3A`` and ``%2C``. GitHub accepts ``col``/``endColumn`` only on a
one-line span, so a span over several lines is annotated by ``line``/``endLine`` alone.
"""

from __future__ import annotations

import os
from typing import Any, List, Sequence, TextIO, Tuple

from conclint.diagnostic import Diagnostic
from conclint.output.common import posix_path, rule_name, trace_lines


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _file(path: str) -> str:
    """Relative to the working directory (the checkout) when inside it, forward slashes."""
    if os.path.isabs(path):
        try:
            relative = os.path.relpath(path)
        except ValueError:  # another drive on Windows
            relative = path
        if not (relative == ".." or relative.startswith(".." + os.sep)):
            path = relative
    return posix_path(path)


def annotation(d: Diagnostic) -> str:
    properties: List[Tuple[str, Any]] = [("file", _file(d.path)), ("line", d.line)]
    one_line = d.end_line in (0, d.line)
    if one_line:
        properties.append(("col", d.column))
    if d.end_line > d.line:
        properties.append(("endLine", d.end_line))
    elif d.end_line == d.line and d.end_column > d.column:
        properties += [("endLine", d.end_line), ("endColumn", d.end_column)]
    name = rule_name(d.code)
    properties.append(("title", f"{d.code} {name}" if name else d.code))
    message = "\n".join([d.message, *(f"  -> {line}" for line in trace_lines(d))])
    rendered = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties)
    return f"::error {rendered}::{escape_data(message)}"


def github(diagnostics: Sequence[Diagnostic], out: TextIO, sources: Any) -> None:
    for d in diagnostics:
        out.write(annotation(d) + "\n")
