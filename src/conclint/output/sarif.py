"""SARIF 2.1.0 (OASIS Static Analysis Results Interchange Format), for code scanning.

The driver lists every rule conclint has (id, name, descriptions, Markdown help and a
help URI), so a viewer can explain a result without the tool. Each result points at its
region; an interprocedural call chain (``Diagnostic.trace``) becomes related locations and
a code flow, and a fix (``Diagnostic.fix``) becomes a SARIF fix with character-offset
replacements. Columns are counted in Unicode code points (``columnKind``), as conclint
counts them, and are 1-based with an exclusive end, as SARIF wants.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Dict, List, Sequence, TextIO

from conclint import __version__
from conclint.diagnostic import Diagnostic, TraceStep
from conclint.output.common import HOMEPAGE, paragraph, relative_uri, rule_url
from conclint.rules import ALL_RULES

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SRCROOT = "%SRCROOT%"


def _level(code: str) -> str:
    # conclint fails a CI run on any finding, so every result is an error.
    return "error"


def rule_descriptors() -> List[Dict[str, Any]]:
    """A SARIF reportingDescriptor for every rule, in code order."""
    descriptors = []
    for code, rule in ALL_RULES.items():
        what = paragraph(rule.what)
        why = paragraph(rule.why)
        descriptors.append(
            {
                "id": code,
                "name": rule.name,
                "shortDescription": {"text": paragraph(rule.summary)},
                "fullDescription": {"text": what},
                "help": {"text": f"{what}\n\n{why}\n\nSee {rule_url(code)}", "markdown": rule.docs()},
                "helpUri": rule_url(code),
                "defaultConfiguration": {"level": _level(code)},
                "properties": {"tags": ["concurrency"] if not rule.engine_reported else ["tool"]},
            }
        )
    return descriptors


def _artifact(path: str) -> Dict[str, Any]:
    uri = relative_uri(path)
    if uri.startswith("file:"):
        return {"uri": uri}
    return {"uri": uri, "uriBaseId": SRCROOT}


def _region(line: int, column: int, end_line: int = 0, end_column: int = 0) -> Dict[str, int]:
    region = {"startLine": max(line, 1), "startColumn": max(column, 1)}
    if end_line >= line and end_line > 0 and end_column > 0:
        region["endLine"] = end_line
        region["endColumn"] = end_column
    return region


def _step_location(step: TraceStep, index: int) -> Dict[str, Any]:
    return {
        "id": index,
        "physicalLocation": {
            "artifactLocation": _artifact(step.path),
            "region": _region(step.line, step.column),
        },
        "message": {"text": step.text},
    }


def result(diagnostic: Diagnostic, rule_index: Dict[str, int]) -> Dict[str, Any]:
    d = diagnostic
    record: Dict[str, Any] = {"ruleId": d.code}
    if d.code in rule_index:
        record["ruleIndex"] = rule_index[d.code]
    record["level"] = _level(d.code)
    record["message"] = {"text": d.message}
    record["locations"] = [
        {
            "physicalLocation": {
                "artifactLocation": _artifact(d.path),
                "region": _region(d.line, d.column, d.end_line, d.end_column),
            }
        }
    ]
    if d.trace:
        related = [_step_location(step, i) for i, step in enumerate(d.trace, start=1)]
        record["relatedLocations"] = related
        # The flow starts at the reported call and follows the chain down to the blocking one.
        flow = [{"physicalLocation": record["locations"][0]["physicalLocation"], "message": {"text": d.message}}]
        flow += [{k: v for k, v in location.items() if k != "id"} for location in related]
        record["codeFlows"] = [
            {
                "message": {"text": "call chain"},
                "threadFlows": [
                    {
                        "locations": [
                            {"location": location, "nestingLevel": i, "executionOrder": i + 1}
                            for i, location in enumerate(flow)
                        ]
                    }
                ],
            }
        ]
    if d.fix is not None and d.fix.edits:
        record["fixes"] = [
            {
                "description": {"text": d.fix.description},
                "artifactChanges": [
                    {
                        "artifactLocation": _artifact(d.path),
                        "replacements": [
                            {
                                "deletedRegion": {"charOffset": edit.start, "charLength": max(edit.end - edit.start, 0)},
                                "insertedContent": {"text": edit.replacement},
                            }
                            for edit in d.fix.edits
                        ],
                    }
                ],
                "properties": {"applicability": d.fix.applicability},
            }
        ]
    return record


def sarif_log(diagnostics: Sequence[Diagnostic]) -> Dict[str, Any]:
    rules = rule_descriptors()
    rule_index = {descriptor["id"]: i for i, descriptor in enumerate(rules)}
    internal = [d for d in diagnostics if d.code == "CCL009"]
    run: Dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "conclint",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": HOMEPAGE,
                "rules": rules,
            }
        },
        "invocations": [{"executionSuccessful": not internal}],
        "originalUriBaseIds": {SRCROOT: {"uri": Path(os.getcwd()).as_uri().rstrip("/") + "/"}},
        "columnKind": "unicodeCodePoints",
        "results": [result(d, rule_index) for d in diagnostics],
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def sarif(diagnostics: Sequence[Diagnostic], out: TextIO, sources: Any) -> None:
    json.dump(sarif_log(diagnostics), out, indent=2)
    out.write("\n")


__all__ = ["sarif", "sarif_log", "rule_descriptors"]
