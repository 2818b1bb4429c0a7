"""Fixes: turning a rule's node-level fix into character edits, and where an added import
goes."""

from __future__ import annotations

import ast
import re
from functools import lru_cache
from typing import Optional, Tuple

from conclint.analysis import ModuleFacts
from conclint.diagnostic import Edit, Fix
from conclint.engine.source import LineOffsets
from conclint.rules.base import NodeFix


def offset_fix(fix: NodeFix, span_of, offsets: LineOffsets, text: str, facts: ModuleFacts) -> Optional[Fix]:
    edits = []
    for node, code in fix.replacements:
        line, column, end_line, end_column = span_of(node)
        edits.append(Edit(offsets.offset(line, column), offsets.offset(end_line, end_column), code))
    for module in fix.imports:
        insertion = import_insertion(text, module)
        if insertion is None:
            return None
        if insertion:
            edits.append(Edit(insertion[0], insertion[0], insertion[1]))
    return Fix(fix.description, tuple(sorted(edits, key=lambda e: (e.start, e.end))), fix.applicability)


_NEWLINE = re.compile(r"\r\n|\r|\n")


@lru_cache(maxsize=8)
def import_insertion(text: str, module: str) -> Optional[Tuple[int, str]]:
    """Where and what to insert so that ``import module`` is at the top of the module:
    after the docstring, ``__future__`` imports and the top-level imports. ``()`` when
    the module is already imported plainly; ``None`` when the module cannot be parsed."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    after = 0
    for index, statement in enumerate(tree.body):
        if isinstance(statement, ast.Import):
            if any(alias.name == module and alias.asname is None for alias in statement.names):
                return ()  # type: ignore[return-value]
            after = statement.end_lineno or statement.lineno
        elif isinstance(statement, ast.ImportFrom):
            after = statement.end_lineno or statement.lineno
        elif index == 0 and isinstance(statement, ast.Expr) and isinstance(getattr(statement, "value", None), ast.Constant) and isinstance(statement.value.value, str):
            after = statement.end_lineno or statement.lineno
        else:
            break
    # The file's own line ending (the first one, as LibCST's ``default_newline``): an
    # import in another style would mix line endings.
    first = _NEWLINE.search(text)
    newline = first.group() if first else "\n"
    offsets = LineOffsets(text)
    if after >= len(offsets.starts):
        # The last import is the last line, without a newline after it.
        return len(text), f"{newline}import {module}{newline}"
    return offsets.starts[after], f"import {module}{newline}"


