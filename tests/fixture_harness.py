"""Annotated fixtures: ``# error: CCL101`` (comma-separated codes allowed) at the end of a
line means exactly those codes must be reported on that line; every other line must be
clean. One fixture therefore tests recall and precision at once.

In test files of a fixture project, ``# left out: CCL101`` marks a finding that the
default ``test-policy`` does not report there and ``test-policy = "all"`` does."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, Set

EXPECT = re.compile(r"#\s*error:\s*(?P<codes>CCL\d{3}(?:\s*,\s*CCL\d{3})*)\s*$")
LEFT_OUT = re.compile(r"#\s*left out:\s*(?P<codes>CCL\d{3}(?:\s*,\s*CCL\d{3})*)\s*$")


def expected_findings(path: Path, annotation: "re.Pattern[str]" = EXPECT) -> Dict[int, Set[str]]:
    expected: Dict[int, Set[str]] = {}
    text = path.read_text(encoding="utf-8")
    for number, line in enumerate(text.splitlines(), start=1):
        match = annotation.search(line)
        if match:
            expected[number] = {c.strip() for c in match.group("codes").split(",")}
    return expected


def left_out_findings(path: Path) -> Dict[int, Set[str]]:
    return expected_findings(path, LEFT_OUT)


def fixture_files(root: Path):
    """Single-module fixtures: every ``*.py`` directly in ``root`` (folders are projects)."""
    return sorted(p for p in root.glob("*.py"))
