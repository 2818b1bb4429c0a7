"""JUnit XML, for CI systems that show test reports (GitLab, Jenkins, Azure Pipelines).

One ``<testsuite>`` per file with findings, one failing ``<testcase>`` per finding whose
``<failure>`` carries the code, the message and the call chain. A clean run is one passing
suite (``conclint``, one test case ``no findings``), so the report is never empty.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any, Dict, List, Sequence, TextIO

from conclint.diagnostic import Diagnostic
from conclint.output.common import posix_path, rule_name, trace_lines

# Characters XML 1.0 cannot carry, even escaped.
_INVALID_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _clean(text: str) -> str:
    return _INVALID_XML.sub("\ufffd", text)


def _suite(parent: ET.Element, name: str, tests: int, failures: int) -> ET.Element:
    return ET.SubElement(
        parent,
        "testsuite",
        {"name": _clean(name), "tests": str(tests), "failures": str(failures), "errors": "0", "skipped": "0"},
    )


def junit_tree(diagnostics: Sequence[Diagnostic]) -> ET.Element:
    by_file: Dict[str, List[Diagnostic]] = {}
    for d in diagnostics:
        by_file.setdefault(posix_path(d.path), []).append(d)
    total = len(diagnostics)
    root = ET.Element(
        "testsuites", {"name": "conclint", "tests": str(max(total, 1)), "failures": str(total), "errors": "0"}
    )
    if not diagnostics:
        suite = _suite(root, "conclint", 1, 0)
        ET.SubElement(suite, "testcase", {"name": "no findings", "classname": "conclint"})
        return root
    for path, found in by_file.items():
        suite = _suite(root, path, len(found), len(found))
        for d in found:
            name = rule_name(d.code)
            title = f"{d.code} {name}" if name else d.code
            case = ET.SubElement(
                suite,
                "testcase",
                {
                    "name": _clean(f"{title} at {d.line}:{d.column}"),
                    "classname": _clean(path),
                    "file": _clean(path),
                    "line": str(d.line),
                },
            )
            failure = ET.SubElement(case, "failure", {"type": d.code, "message": _clean(d.message)})
            body = [f"{path}:{d.line}:{d.column}: {d.code} {d.message}", *(f"  -> {t}" for t in trace_lines(d))]
            failure.text = _clean("\n".join(body))
    return root


def junit(diagnostics: Sequence[Diagnostic], out: TextIO, sources: Any) -> None:
    root = junit_tree(diagnostics)
    ET.indent(root)
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    # Non-ASCII characters as character references: right whatever the stream's encoding.
    out.write(ET.tostring(root, encoding="us-ascii", xml_declaration=False).decode("ascii"))
    out.write("\n")
