"""`flake8 --select CCL FILE` reports what `conclint check FILE` reports, on every fixture."""

import json
import re

import pytest

from conftest import FIXTURES, run, tool
from fixture_harness import fixture_files

FILES = fixture_files(FIXTURES)
FLAKE8_LINE = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): (?P<code>CCL\d{3}) (?P<message>.*)$")


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_flake8_matches_conclint(path):
    flake8 = run([tool("flake8"), "--select", "CCL", "--isolated", path.name], cwd=FIXTURES)
    got = sorted(
        (int(m["line"]), int(m["col"]), m["code"], m["message"])
        for m in (FLAKE8_LINE.match(line) for line in flake8.stdout.splitlines())
        if m
    )
    conclint = run([tool("conclint"), "check", "--output-format", "json", path.name], cwd=FIXTURES)
    want = sorted((d["line"], d["column"], d["code"], d["message"]) for d in json.loads(conclint.stdout))
    assert got == want, flake8.stderr


def test_flake8_registers_the_plugin():
    result = run([tool("flake8"), "--version"])
    assert "conclint" in result.stdout


def test_flake8_noqa(tmp_path):
    (tmp_path / "a.py").write_text("import time\nasync def f():\n    time.sleep(1)  # noqa: CCL101\n    time.sleep(2)\n")
    result = run([tool("flake8"), "--select", "CCL", "--isolated", "a.py"], cwd=tmp_path)
    assert result.returncode == 1
    assert [line.split(":")[1] for line in result.stdout.splitlines()] == ["4"]


def test_flake8_honours_peer_noqa_codes(tmp_path):
    """flake8 matches `# noqa: ASYNC230` against its own codes only; the plugin knows that
    ASYNC230 is CCL104's mistake (and ASYNC251 is not)."""
    (tmp_path / "a.py").write_text(
        "async def f(path):\n"
        "    open(path)  # noqa: ASYNC230\n"
        "    open(path)  # noqa: ASYNC251\n"
        "    open(path)\n"
    )
    result = run([tool("flake8"), "--select", "CCL", "--isolated", "a.py"], cwd=tmp_path)
    assert result.returncode == 1
    assert [line.split(":")[1] for line in result.stdout.splitlines()] == ["3", "4"], result.stdout + result.stderr
    shown = run([tool("flake8"), "--select", "CCL", "--isolated", "--disable-noqa", "a.py"], cwd=tmp_path)
    assert [line.split(":")[1] for line in shown.stdout.splitlines()] == ["2", "3", "4"], shown.stdout + shown.stderr
