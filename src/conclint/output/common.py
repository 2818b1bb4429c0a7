"""What several adapters (formatters, the language server) say the same way."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path, PurePosixPath
from typing import Optional
from urllib.parse import quote

from conclint.diagnostic import Diagnostic
from conclint.rules import ALL_RULES

HOMEPAGE = "https://github.com/conclint/conclint"
RULE_DOCS = HOMEPAGE + "/blob/main/docs/rules/{code}.md"

#: Codes the tool reports about itself (syntax errors, unreadable files, internal errors).
TOOL_CODES = frozenset(code for code, rule in ALL_RULES.items() if rule.engine_reported)


def rule_url(code: str) -> str:
    """The rule's documentation page (``docs/rules/CCLnnn.md`` on GitHub)."""
    return RULE_DOCS.format(code=code)


def rule_name(code: str) -> Optional[str]:
    rule = ALL_RULES.get(code)
    return rule.name if rule is not None else None


def paragraph(text: str) -> str:
    """A rule's triple-quoted text as one line."""
    return " ".join(textwrap.dedent(text or "").split())


def is_tool_error(diagnostic: Diagnostic) -> bool:
    return diagnostic.code in TOOL_CODES


def trace_lines(diagnostic: Diagnostic) -> list:
    """The call chain as ``path:line:column: text`` lines (empty when there is none)."""
    return [f"{step.path}:{step.line}:{step.column}: {step.text}" for step in diagnostic.trace]


def posix_path(path: str) -> str:
    """A path as reported, with forward slashes and without a leading ``./``."""
    text = path.replace(os.sep, "/")
    if os.altsep:
        text = text.replace(os.altsep, "/")
    while text.startswith("./"):
        text = text[2:]
    return text


def relative_uri(path: str, base: Optional[str] = None) -> str:
    """A URI reference for ``path``: relative (forward slashes, percent-encoded) to ``base``
    (default: the working directory) when the file is inside it, else an absolute
    ``file:`` URI."""
    base = base or os.getcwd()
    if os.path.isabs(path):
        try:
            relative = os.path.relpath(path, base)
        except ValueError:  # another drive on Windows
            return Path(path).as_uri()
        if relative == ".." or relative.startswith(".." + os.sep):
            return Path(path).as_uri()
        path = relative
    text = posix_path(path)
    if PurePosixPath(text).is_absolute():
        return Path(path).resolve().as_uri()
    # The file system's bytes, percent-encoded: a name that is not UTF-8 (held as
    # surrogate escapes) still gets a URI that names exactly that file.
    return quote(os.fsencode(text), safe="/-._~!$&'()*+,;=@")
