"""Reading source: decoding as the interpreter does, the size and depth limits past which a
file is skipped, and line/offset arithmetic shared by placing and fixing."""

from __future__ import annotations

import ast
import io
import re
import tokenize
from typing import Optional, Union


#: Lines longer than this are generated data, not code to lint, and LibCST's parse time
#: grows with the square of such a line (``a.b.b.b...``): the file is skipped, with a
#: CCL002 saying so.
MAX_LINE = 50_000
#: Files larger than this are skipped (CCL002) rather than read whole.
MAX_BYTES = 20 * 1024 * 1024
#: Expressions nested deeper than this (in ``ast`` nodes) are skipped (CCL002): CPython
#: accepts long chains split over many short lines (``a\n.b\n.b...``), but LibCST's parse
#: time grows faster than the square of their depth (3,000 links: about 3 s) and around
#: 15,000 links it overflows its native stack and kills the process.
MAX_DEPTH = 3_000


def decode_source(data: bytes) -> str:
    """The text of a Python file as the interpreter reads it: a coding cookie or BOM
    decides the encoding (PEP 263), UTF-8 otherwise; a BOM is dropped.

    Raises ``SyntaxError`` (a bad cookie), ``LookupError`` (an unknown codec) or
    ``UnicodeDecodeError``."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    text = data.decode(encoding)
    return text[1:] if text.startswith("\ufeff") else text


def too_deep(tree: ast.AST, limit: int) -> Optional[int]:
    """The line of a node nested more than ``limit`` levels deep, or None.

    Cheap enough for every file: a node on one line spanning fewer than ``limit // 2``
    bytes cannot hold ``limit`` levels (each level adds at least one character, and a
    statement and its expression share a span), so only long or multi-line nodes are
    entered."""
    short = limit // 2
    stack = [(tree, 0, 1)]
    while stack:
        node, depth, line = stack.pop()
        if depth > limit:
            return line
        depth += 1
        for name in node._fields:
            value = getattr(node, name, None)
            children = value if isinstance(value, list) else (value,)
            for child in children:
                if not isinstance(child, ast.AST) or not child._fields:
                    continue  # not a node, or a leaf such as ``Load`` or ``Add``
                start = getattr(child, "lineno", None)
                if start is not None:
                    if child.end_lineno == start and child.end_col_offset - child.col_offset < short:
                        continue
                    stack.append((child, depth, start))
                else:
                    stack.append((child, depth, line))
    return None


class LineOffsets:
    """(line, column) <-> character offset in a text, with every kind of line ending."""

    def __init__(self, text: str) -> None:
        self.starts = [0]
        for match in _LINE_BREAK.finditer(text):
            self.starts.append(match.end())

    def offset(self, line: int, column: int) -> int:
        return self.starts[min(line, len(self.starts)) - 1] + column - 1


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def decode_lenient(source: Union[str, bytes]) -> Optional[str]:
    """The text of a source, or None when it cannot be decoded."""
    if isinstance(source, str):
        return source
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
        text = source.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError):
        return None
    return text[1:] if text.startswith("\ufeff") else text


