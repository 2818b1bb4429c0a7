"""Multi-module fixture projects: the interprocedural pass (CCL110) across files.

The annotations work as in single-file fixtures. A file checked alone must give the same
findings as when its whole project is checked, with conclint and with flake8."""

import json
import re
from collections import defaultdict

import pytest

from conclint.config import Config
from conclint.engine import check_paths
from conftest import FIXTURES, run, tool
from fixture_harness import expected_findings, left_out_findings

PROJECTS = sorted(p for p in (FIXTURES / "projects").iterdir() if p.is_dir())
#: A project's own files: not the libraries of its environment (``libuse/.venv``).
PROJECT_FILES = [
    (project, path) for project in PROJECTS for path in sorted(project.rglob("*.py")) if ".venv" not in path.parts
]


def findings(run_result):
    found = defaultdict(set)
    for d in run_result.diagnostics:
        found[(d.path, d.line)].add(d.code)
    return found


@pytest.mark.parametrize("project", PROJECTS, ids=[p.name for p in PROJECTS])
def test_project_annotations(project):
    run_result = check_paths([str(project)], Config(root=str(project)), jobs=1)
    actual = findings(run_result)
    expected = {}
    for path in project.rglob("*.py"):
        for line, codes in expected_findings(path).items():
            expected[(str(path), line)] = codes
    problems = []
    for key in sorted(set(actual) | set(expected)):
        if actual.get(key, set()) != expected.get(key, set()):
            problems.append(f"{key[0]}:{key[1]}: expected {sorted(expected.get(key, []))}, got {sorted(actual.get(key, []))}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("project,path", PROJECT_FILES, ids=[str(p.relative_to(FIXTURES)) for _, p in PROJECT_FILES])
def test_one_file_same_as_whole_project(project, path):
    whole = check_paths([str(project)], Config(root=str(project)), jobs=1)
    alone = check_paths([str(path)], Config(root=str(project)), jobs=1)
    assert [d for d in whole.diagnostics if d.path == str(path)] == alone.diagnostics


@pytest.mark.parametrize("project,path", PROJECT_FILES, ids=[str(p.relative_to(FIXTURES)) for _, p in PROJECT_FILES])
def test_flake8_same_as_conclint(project, path):
    relative = str(path.relative_to(project))
    flake8 = run([tool("flake8"), "--select", "CCL", "--isolated", relative], cwd=project)
    got = sorted(re.findall(r":(\d+):(\d+): (CCL\d+)", flake8.stdout))
    conclint = run([tool("conclint"), "check", "--output-format", "json", relative], cwd=project)
    want = sorted((str(d["line"]), str(d["column"]), d["code"]) for d in json.loads(conclint.stdout))
    assert got == want, flake8.stdout + flake8.stderr


def test_chain_in_message_and_json(conclint):
    project = FIXTURES / "projects" / "shop"
    result = conclint("check", "--output-format", "json", "shop/api/handlers.py", cwd=project)
    data = json.loads(result.stdout)
    refresh = next(d for d in data if d["line"] == 10)
    assert refresh["message"].startswith(
        "refresh() calls load_state(), which blocks on file I/O: load_state() -> read_config() -> open()"
    )
    assert [(step["path"].split("shop/")[-1], step["line"]) for step in refresh["trace"]] == [
        ("storage.py", 7),
        ("config.py", 6),
    ]
    recursion = next(d for d in data if d["line"] == 35)
    assert "walk_down() -> walk_up() -> list_plugins() -> os.listdir()" in recursion["message"]


@pytest.mark.parametrize("root", [*PROJECTS, FIXTURES], ids=[*(p.name for p in PROJECTS), "fixtures"])
def test_demand_driven_equals_analysing_every_file(root, monkeypatch):
    """Files without any rule's trigger words are only syntax-checked; the findings must be
    exactly those of parsing and analysing every file."""
    from conclint.engine import Settings

    lazy = check_paths([str(root)], Config(root=str(root)), jobs=1)
    monkeypatch.setattr(Settings, "triggers", property(lambda self: None))
    full = check_paths([str(root)], Config(root=str(root)), jobs=1)
    assert lazy.diagnostics == full.diagnostics
    assert lazy.diagnostics


RELAY = FIXTURES / "projects" / "relay"


def annotated(project, read):
    return {(str(path), line): codes for path in project.rglob("*.py") for line, codes in read(path).items()}


def test_test_policy_left_out_and_all():
    """relay's tests, conftest.py and worker_test.py keep the findings that make a test
    wrong; test-policy = "all" adds exactly the lines marked ``# left out:``."""
    left_out = annotated(RELAY, left_out_findings)
    default = check_paths([str(RELAY)], Config(root=str(RELAY)), jobs=1)
    assert default.left_out_in_tests == sum(len(codes) for codes in left_out.values()) == 7
    everything = check_paths([str(RELAY)], Config(root=str(RELAY), test_policy="all"), jobs=1)
    expected = annotated(RELAY, expected_findings)
    for key, codes in left_out.items():
        expected[key] = expected.get(key, set()) | codes
    assert findings(everything) == expected
    assert everything.left_out_in_tests == 0


def test_test_files_of_the_fixture_project():
    config = Config(root=str(RELAY))
    tests = sorted(str(p.relative_to(RELAY)) for p in RELAY.rglob("*.py") if config.is_test_file(str(p)))
    assert tests == ["conftest.py", "relay/worker_test.py", "tests/helpers.py", "tests/test_worker.py"]


def test_summary_says_what_was_left_out_in_tests(conclint):
    note = '7 findings in test files not shown (test-policy = "correctness"; set test-policy = "all" to see them).'
    result = conclint("check", "--no-cache", cwd=RELAY)
    assert result.returncode == 1
    assert result.stdout.splitlines()[-1] == note
    assert conclint("check", "--no-cache", "-q", cwd=RELAY).stdout.count("not shown") == 0
    # Machine-read formats keep stdout to their syntax; the note goes to stderr.
    for output_format in ("json", "sarif", "json-lines", "github", "junit"):
        result = conclint("check", "--no-cache", "--output-format", output_format, cwd=RELAY)
        assert result.returncode == 1 and note not in result.stdout, output_format
        assert result.stderr.strip() == note, output_format
        if output_format in ("json", "sarif"):
            json.loads(result.stdout)
        if output_format == "json-lines":
            assert all(json.loads(line) for line in result.stdout.splitlines())


def test_flake8_applies_the_test_policy():
    flake8 = run([tool("flake8"), "--select", "CCL", "--isolated", "."], cwd=RELAY)
    got = {(str(RELAY / path), int(line)) for path, line in re.findall(r"^\./(.+?):(\d+):\d+: CCL", flake8.stdout, re.MULTILINE)}
    assert got == set(annotated(RELAY, expected_findings)), flake8.stdout + flake8.stderr
