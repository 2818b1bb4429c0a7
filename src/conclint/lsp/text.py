"""Text and positions for the language server: a document's line starts, conversion
between conclint's 1-based code-point columns and the client's 0-based positions in the
negotiated encoding, where comments and strings are, and the ``# noqa`` code action's edit."""

from __future__ import annotations

import bisect
import io
import re
import tokenize
import warnings
from dataclasses import dataclass
from typing import Dict, List, Optional, Set, Tuple

from lsprotocol import types as lsp

from conclint.diagnostic import Diagnostic
from conclint.suppress import NOQA, is_suppressed, noqa_map

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
Point = Tuple[int, int]  # 0-based line, 0-based code-point column


# -- text and positions ---------------------------------------------------------------------
class SourceText:
    """A document's text with its line starts, for offset <-> position arithmetic."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0] + [m.end() for m in _LINE_BREAK.finditer(text)]
        self._tokens: Optional[Tuple[Dict[int, int], Set[int]]] = None
        self._tokenized = False

    def tokens(self) -> Optional[Tuple[Dict[int, int], Set[int]]]:
        """Comments and string-continued lines (see :func:`comments_and_strings`), once."""
        if not self._tokenized:
            self._tokens = comments_and_strings(self.text)
            self._tokenized = True
        return self._tokens

    def line(self, index: int) -> str:
        """The text of 0-based line ``index``, without its line break."""
        if not 0 <= index < len(self.starts):
            return ""
        start = self.starts[index]
        end = self.starts[index + 1] if index + 1 < len(self.starts) else len(self.text)
        return self.text[start:end].rstrip("\r\n")

    def offset(self, point: Point) -> int:
        line, column = point
        if line >= len(self.starts):
            return len(self.text)
        return self.starts[line] + min(max(column, 0), len(self.line(line)))

    def point(self, offset: int) -> Point:
        offset = min(max(offset, 0), len(self.text))
        line = bisect.bisect_right(self.starts, offset) - 1
        return line, min(offset - self.starts[line], len(self.line(line)))


class Units:
    """Converts code-point columns to and from the client's position encoding."""

    def __init__(self, codec) -> None:
        self.codec = codec

    def to_client(self, line_text: str, column: int) -> int:
        return self.codec.client_num_units(line_text[:column])

    def from_client(self, line_text: str, character: int) -> int:
        units = 0
        for index, char in enumerate(line_text):
            if units >= character:
                return index
            units += self.codec.client_num_units(char)
        return len(line_text)

    def position(self, source: SourceText, point: Point) -> lsp.Position:
        line, column = point
        return lsp.Position(line=line, character=self.to_client(source.line(line), column))

    def range(self, source: SourceText, start: Point, end: Point) -> lsp.Range:
        return lsp.Range(start=self.position(source, start), end=self.position(source, end))

    def point(self, source: SourceText, position: lsp.Position) -> Point:
        return position.line, self.from_client(source.line(position.line), position.character)


def span(diagnostic: Diagnostic, source: SourceText) -> Tuple[Point, Point]:
    """A diagnostic's 0-based code-point span; a point finding covers one character."""
    start = (max(diagnostic.line, 1) - 1, max(diagnostic.column, 1) - 1)
    start = source.point(source.offset(start))
    if diagnostic.end_line > 0 and (diagnostic.end_line, diagnostic.end_column) > (diagnostic.line, diagnostic.column):
        end = source.point(source.offset((diagnostic.end_line - 1, max(diagnostic.end_column, 1) - 1)))
    else:
        end = (start[0], min(start[1] + 1, len(source.line(start[0]))))
    return start, end


# -- "# noqa" edits ---------------------------------------------------------------------------
_STRING_PARTS = {getattr(tokenize, name) for name in ("FSTRING_MIDDLE", "TSTRING_MIDDLE") if hasattr(tokenize, name)}
_OPENERS = {getattr(tokenize, name) for name in ("FSTRING_START", "TSTRING_START") if hasattr(tokenize, name)}
_CLOSERS = {getattr(tokenize, name) for name in ("FSTRING_END", "TSTRING_END") if hasattr(tokenize, name)}


def comments_and_strings(text: str) -> Optional[Tuple[Dict[int, int], Set[int]]]:
    """1-based line -> column of its comment, and the 1-based lines that end inside a
    string (nothing may be appended to those); ``None`` if the text does not tokenize."""
    comments: Dict[int, int] = {}
    closed: Set[int] = set()
    opened: List[int] = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for tok in tokenize.generate_tokens(io.StringIO(text).readline):
                if tok.type == tokenize.COMMENT:
                    comments[tok.start[0]] = tok.start[1]
                elif tok.type == tokenize.STRING or tok.type in _STRING_PARTS:
                    closed.update(range(tok.start[0], tok.end[0]))
                elif tok.type in _OPENERS:
                    opened.append(tok.start[0])
                elif tok.type in _CLOSERS and opened:
                    closed.update(range(opened.pop(), tok.end[0]))
    except (tokenize.TokenError, SyntaxError, ValueError):
        return None
    return comments, closed


@dataclass
class NoqaEdit:
    start: int
    end: int
    text: str


def noqa_edit(source: "SourceText", line: int, code: str) -> Optional[NoqaEdit]:
    """The edit that adds ``code`` to the ``# noqa`` of 1-based ``line``, or ``None`` when
    there is no safe one (the line ends inside a string or after a backslash)."""
    if not 1 <= line <= len(source.starts):
        return None
    text = source.line(line - 1)
    line_start = source.starts[line - 1]
    tokens = source.tokens()
    if tokens is None:  # best effort on a file that does not tokenize
        match = re.search(r"#.*$", text)
        comment_at = match.start() if match else None
    else:
        comments, closed = tokens
        if line in closed:
            return None
        comment_at = comments.get(line)
    if comment_at is None and text.rstrip().endswith("\\"):
        return None
    edit: Optional[NoqaEdit] = None
    if comment_at is not None:
        match = NOQA.search(text, comment_at)
        if match is not None:
            if match.group("codes") is None:
                return None  # a bare "# noqa" already silences the whole line
            where = line_start + match.end("codes")
            edit = NoqaEdit(where, where, f", {code}")
    if edit is None:
        content = text.rstrip()
        edit = NoqaEdit(line_start + len(content), line_start + len(text), f"  # noqa: {code}")
    changed = source.text[line_start : edit.start] + edit.text + source.text[edit.end : line_start + len(text)]
    if not is_suppressed(code, 1, noqa_map(changed)):
        return None
    return edit
