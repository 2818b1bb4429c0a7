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
from fixture_harness import expected_findings

PROJECTS = sorted(p for p in (FIXTURES / "projects").iterdir() if p.is_dir())
PROJECT_FILES = [(project, path) for project in PROJECTS for path in sorted(project.rglob("*.py"))]


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
