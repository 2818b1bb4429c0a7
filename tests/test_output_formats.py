"""The CI output formats, produced by `conclint check --output-format X` in a subprocess and
checked against what their consumers accept: the official SARIF 2.1.0 schema, the GitHub
workflow-command syntax, JUnit XML, JSON lines, and the JSON schema in the docs."""

import json
import re
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

jsonschema = pytest.importorskip("jsonschema")

from conclint.diagnostic import Diagnostic, Edit, Fix, TraceStep  # noqa: E402
from conclint.rules import ALL_RULES  # noqa: E402

DATA = Path(__file__).resolve().parent / "data"
DOCS = Path(__file__).resolve().parent.parent / "docs"

BAD = textwrap.dedent(
    """\
    import subprocess
    import time


    async def handler():
        s = "😀 50%"; time.sleep(1)
        subprocess.run(
            ["ls"],
        )
        return s
    """
)
GOOD = "import asyncio\n\nasync def f():\n    await asyncio.sleep(1)\n"


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("project")
    (root / "pkg" / "sub dir").mkdir(parents=True)
    (root / "pkg" / "sub dir" / "bad.py").write_text(BAD, encoding="utf-8")
    (root / "we,ird:name%.py").write_text("import time\n\nasync def f():\n    time.sleep(1)\n", encoding="utf-8")
    (root / "broken.py").write_text("async def f(:\n    pass\n", encoding="utf-8")
    (root / "good.py").write_text(GOOD, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    root = tmp_path_factory.mktemp("clean")
    (root / "good.py").write_text(GOOD, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def outputs(project):
    """Every format's output for the same project, produced once."""
    from conftest import run, tool

    produced = {}
    for name in ("json", "json-lines", "sarif", "github", "junit"):
        result = run([tool("conclint"), "check", "--output-format", name], cwd=project)
        assert result.returncode == 1, (name, result.stderr)
        assert result.stderr == ""
        produced[name] = result.stdout
    return produced


@pytest.fixture(scope="module")
def findings(outputs):
    data = json.loads(outputs["json"])
    assert {d["code"] for d in data} == {"CCL001", "CCL101", "CCL103"}
    return data


def sarif_validator():
    schema = json.loads((DATA / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def assert_valid_sarif(log):
    errors = sorted(sarif_validator().iter_errors(log), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])


# -- the output formats are all registered -------------------------------------------------------
def test_every_format_is_a_cli_choice(conclint):
    from conclint.output import FORMATTERS

    assert {"concise", "full", "json", "json-lines", "sarif", "github", "junit"} <= set(FORMATTERS)
    usage = conclint("check", "--help").stdout
    for name in FORMATTERS:
        assert name in usage


# -- SARIF --------------------------------------------------------------------------------
def test_sarif_is_valid_against_the_official_schema(outputs):
    assert_valid_sarif(json.loads(outputs["sarif"]))


def test_sarif_driver_lists_every_rule_with_help(outputs):
    run = json.loads(outputs["sarif"])["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "conclint" and driver["version"] and driver["informationUri"].startswith("https://")
    rules = driver["rules"]
    assert [r["id"] for r in rules] == list(ALL_RULES)
    for rule in rules:
        cls = ALL_RULES[rule["id"]]
        assert rule["name"] == cls.name
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["help"]["markdown"] == cls.docs()
        assert rule["help"]["text"]
        assert rule["helpUri"] == f"https://github.com/conclint/conclint/blob/main/docs/rules/{rule['id']}.md"


def test_sarif_results_match_the_findings(outputs, findings):
    run = json.loads(outputs["sarif"])["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert run["columnKind"] == "unicodeCodePoints"
    results = run["results"]
    assert len(results) == len(findings)
    for result, finding in zip(results, findings):
        assert result["ruleId"] == finding["code"] == rules[result["ruleIndex"]]["id"]
        assert result["level"] in ("error", "warning", "note")
        assert result["message"]["text"] == finding["message"]
        (location,) = result["locations"]
        artifact = location["physicalLocation"]["artifactLocation"]
        assert artifact["uriBaseId"] == "%SRCROOT%"
        assert "\\" not in artifact["uri"] and not artifact["uri"].startswith("/")
        region = location["physicalLocation"]["region"]
        assert (region["startLine"], region["startColumn"]) == (finding["line"], finding["column"])
        if finding["end_line"]:
            assert (region["endLine"], region["endColumn"]) == (finding["end_line"], finding["end_column"])
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}
    # Relative, forward slashes, percent-encoded where a URI needs it (a ":" in the first
    # segment would read as a scheme).
    assert uris == {"pkg/sub%20dir/bad.py", "broken.py", "we,ird%3Aname%25.py"}
    sleep = next(r for r in results if r["ruleId"] == "CCL101" and "bad.py" in r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"])
    # Columns count code points: the emoji before the call is one column.
    line = BAD.splitlines()[5]
    assert sleep["locations"][0]["physicalLocation"]["region"]["startColumn"] == line.index("time.sleep") + 1


def test_sarif_for_a_clean_run(conclint, clean):
    result = conclint("check", "--output-format", "sarif", cwd=clean)
    assert result.returncode == 0, result.stderr
    log = json.loads(result.stdout)
    assert_valid_sarif(log)
    assert log["runs"][0]["results"] == []
    assert len(log["runs"][0]["tool"]["driver"]["rules"]) == len(ALL_RULES)


def test_sarif_renders_call_chains_and_fixes():
    """Traces become related locations and a code flow; fixes become SARIF fixes."""
    from conclint.output.sarif import sarif_log

    trace = (
        TraceStep("app/service.py", 10, 5, "refresh() calls load_state()"),
        TraceStep("app/state.py", 3, 12, "load_state() -> json.load(open(...))"),
    )
    fix = Fix("Replace with `await asyncio.sleep(...)`", (Edit(40, 50, "await asyncio.sleep"),))
    diagnostics = [
        Diagnostic("app/service.py", 10, 5, "CCL101", "blocking", 10, 20, fix=fix),
        Diagnostic("app/service.py", 12, 9, "CCL110", "refresh() calls load_state(), which blocks", 12, 22, trace=trace),
    ]
    log = sarif_log(diagnostics)
    assert_valid_sarif(log)
    fixed, chained = log["runs"][0]["results"]
    replacement = fixed["fixes"][0]["artifactChanges"][0]["replacements"][0]
    assert replacement == {"deletedRegion": {"charOffset": 40, "charLength": 10}, "insertedContent": {"text": "await asyncio.sleep"}}
    related = chained["relatedLocations"]
    assert [r["message"]["text"] for r in related] == [step.text for step in trace]
    assert related[1]["physicalLocation"]["artifactLocation"]["uri"] == "app/state.py"
    assert related[1]["physicalLocation"]["region"] == {"startLine": 3, "startColumn": 12}
    flow = chained["codeFlows"][0]["threadFlows"][0]["locations"]
    assert [f["location"]["message"]["text"] for f in flow] == [chained["message"]["text"]] + [step.text for step in trace]
    assert flow[0]["location"]["physicalLocation"] == chained["locations"][0]["physicalLocation"]
    assert [f["executionOrder"] for f in flow] == [1, 2, 3]
    assert "codeFlows" not in fixed and "relatedLocations" not in fixed


# -- GitHub workflow commands ---------------------------------------------------------------------
# https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands
# ::error file={name},line={line},endLine={endLine},title={title}::{message}
_PROPERTY_VALUE = r"(?:[^%\r\n:,]|%25|%0D|%0A|%3A|%2C)*"
_DATA = r"(?:[^%\r\n]|%25|%0D|%0A)*"
COMMAND = re.compile(
    rf"^::(?P<level>error|warning|notice) "
    rf"(?P<properties>(?:file|line|endLine|col|endColumn|title)={_PROPERTY_VALUE}"
    rf"(?:,(?:file|line|endLine|col|endColumn|title)={_PROPERTY_VALUE})*)"
    rf"::(?P<message>{_DATA})$"
)


def unescape(text: str) -> str:
    return re.sub(r"%(25|0D|0A|3A|2C)", lambda m: {"25": "%", "0D": "\r", "0A": "\n", "3A": ":", "2C": ","}[m.group(1)], text)


def parse_command(line: str):
    match = COMMAND.match(line)
    assert match, f"not a workflow command: {line!r}"
    properties = dict(part.split("=", 1) for part in match.group("properties").split(","))
    return match.group("level"), {k: unescape(v) for k, v in properties.items()}, unescape(match.group("message"))


def test_github_annotations_follow_the_command_syntax(outputs, findings):
    lines = outputs["github"].splitlines()
    assert len(lines) == len(findings)
    for line, finding in zip(lines, findings):
        level, properties, message = parse_command(line)
        assert level == "error"
        assert properties["file"] == finding["path"].replace("\\", "/")
        assert int(properties["line"]) == finding["line"]
        assert properties["title"] == f"{finding['code']} {finding['name']}"
        assert message.splitlines()[0] == finding["message"]
        if finding["end_line"] == finding["line"]:
            assert (int(properties["col"]), int(properties["endColumn"])) == (finding["column"], finding["end_column"])
        elif finding["end_line"] > finding["line"]:  # GitHub takes columns on one-line spans only
            assert int(properties["endLine"]) == finding["end_line"] and "col" not in properties
    # The file name's "," ":" "%" were escaped in the property, and come back intact.
    assert any("file=we%2Cird%3Aname%25.py," in line for line in lines)
    multi = [f for f in findings if f["end_line"] > f["line"]]
    assert multi, "the project should have a finding over several lines (subprocess.run)"


def test_github_escapes_message_data():
    from conclint.output.github import annotation

    trace = (TraceStep("a.py", 2, 1, "f() -> g()"),)
    line = annotation(Diagnostic("dir/a,b.py", 3, 4, "CCL110", "50% of\r\nthe time: yes", 3, 9, trace=trace))
    assert "\n" not in line and "\r" not in line
    level, properties, message = parse_command(line)
    assert properties["file"] == "dir/a,b.py"
    assert message == "50% of\r\nthe time: yes\n  -> a.py:2:1: f() -> g()"


def test_github_clean_run_prints_nothing(conclint, clean):
    result = conclint("check", "--output-format", "github", cwd=clean)
    assert result.returncode == 0 and result.stdout == ""


# -- JUnit ----------------------------------------------------------------------------------------
def test_junit_has_a_failure_per_finding(outputs, findings):
    root = ET.fromstring(outputs["junit"])
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    by_suite = {}
    for finding in findings:
        by_suite.setdefault(finding["path"].replace("\\", "/"), []).append(finding)
    assert [s.get("name") for s in suites] == list(by_suite)
    for suite in suites:
        expected = by_suite[suite.get("name")]
        cases = suite.findall("testcase")
        assert int(suite.get("tests")) == int(suite.get("failures")) == len(cases) == len(expected)
        for case, finding in zip(cases, expected):
            failure = case.find("failure")
            assert failure is not None
            assert failure.get("type") == finding["code"]
            assert failure.get("message") == finding["message"]
            assert f"{finding['code']} {finding['message']}" in failure.text
    assert int(root.get("failures")) == len(findings)


def test_junit_clean_run_is_a_passing_suite(conclint, clean):
    result = conclint("check", "--output-format", "junit", cwd=clean)
    assert result.returncode == 0, result.stderr
    root = ET.fromstring(result.stdout)
    (suite,) = root.findall("testsuite")
    assert suite.get("failures") == "0" and suite.get("tests") == "1"
    (case,) = suite.findall("testcase")
    assert case.find("failure") is None and case.find("error") is None


# -- JSON and JSON lines --------------------------------------------------------------------------
def json_output_schema():
    """The schema documented in docs/integrations.md: the docs and the output agree."""
    text = (DOCS / "integrations.md").read_text(encoding="utf-8")
    section = text.split("### JSON output schema", 1)[1]
    block = re.search(r"```json\n(.*?)\n```", section, re.S).group(1)
    return json.loads(block)


def test_json_matches_its_documented_schema(findings):
    schema = json_output_schema()
    jsonschema.validators.validator_for(schema)(schema).validate(findings)
    assert all(set(f) == {"path", "line", "column", "end_line", "end_column", "code", "name", "message", "fix", "trace"} for f in findings)


def test_json_schema_covers_fixes_and_traces():
    from conclint.output import json_record

    schema = json_output_schema()
    trace = (TraceStep("a.py", 2, 1, "f() -> g()"),)
    fix = Fix("use asyncio.sleep", (Edit(1, 2, "x"),), "unsafe")
    records = json.loads(json.dumps([json_record(Diagnostic("a.py", 1, 1, "CCL101", "m", 1, 5, fix=fix, trace=trace))]))
    jsonschema.validators.validator_for(schema)(schema).validate(records)


def test_json_lines_is_one_json_object_per_line(outputs, findings):
    lines = outputs["json-lines"].splitlines()
    assert len(lines) == len(findings)
    assert [json.loads(line) for line in lines] == findings
    assert outputs["json-lines"].endswith("\n")


def test_json_lines_clean_run_prints_nothing(conclint, clean):
    result = conclint("check", "--output-format", "json-lines", cwd=clean)
    assert result.returncode == 0 and result.stdout == ""


# -- call chains, end to end (once the project pass reports CCL110) ------------------------------
@pytest.mark.skipif("CCL110" not in ALL_RULES, reason="no interprocedural rule yet")
def test_sarif_and_github_show_a_real_call_chain(conclint, tmp_path):
    (tmp_path / "helper.py").write_text("import time\n\ndef load():\n    time.sleep(1)\n", encoding="utf-8")
    (tmp_path / "app.py").write_text("from helper import load\n\nasync def refresh():\n    load()\n", encoding="utf-8")
    result = conclint("check", "--output-format", "sarif", cwd=tmp_path)
    log = json.loads(result.stdout)
    assert_valid_sarif(log)
    (chained,) = [r for r in log["runs"][0]["results"] if r["ruleId"] == "CCL110"]
    related = chained["relatedLocations"]
    assert related and related[-1]["physicalLocation"]["artifactLocation"]["uri"] == "helper.py"
    assert related[-1]["physicalLocation"]["region"]["startLine"] == 4
    assert len(chained["codeFlows"][0]["threadFlows"][0]["locations"]) == len(related) + 1

    github = conclint("check", "--output-format", "github", cwd=tmp_path).stdout.splitlines()
    (line,) = [line for line in github if "CCL110" in line]
    _, _, message = parse_command(line)
    assert message.splitlines()[-1].startswith("  -> helper.py:4:")
