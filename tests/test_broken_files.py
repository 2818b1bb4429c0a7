"""A broken file never stops a run: it is reported, and the other files are checked."""

import json
import os
import sys

import pytest

from test_cli import BAD, write


def findings(result):
    return [(d["path"], d["line"], d["code"]) for d in json.loads(result.stdout)]


def test_syntax_error_reported_and_run_goes_on(conclint, tmp_path):
    write(tmp_path, "broken.py", "async def f(:\n    pass\n")
    write(tmp_path, "bad.py", BAD)
    result = conclint("check", "--output-format", "json", cwd=tmp_path)
    assert result.returncode == 1
    got = findings(result)
    assert ("bad.py", 4, "CCL101") in got
    assert any(p == "broken.py" and c == "CCL001" and line == 1 for p, line, c in got)


def test_undecodable_file(conclint, tmp_path):
    (tmp_path / "latin.py").write_bytes(b"name = '\xe9\xff'\n")
    write(tmp_path, "bad.py", BAD)
    got = findings(conclint("check", "--output-format", "json", cwd=tmp_path))
    assert ("latin.py", 1, "CCL002") in got and ("bad.py", 4, "CCL101") in got


def test_declared_latin1_is_fine(conclint, tmp_path):
    (tmp_path / "latin.py").write_bytes(b"# -*- coding: latin-1 -*-\nimport time\nasync def f():\n    time.sleep(1)  # caf\xe9\n")
    got = findings(conclint("check", "--output-format", "json", cwd=tmp_path))
    assert got == [("latin.py", 4, "CCL101")]


def test_bom_and_crlf(conclint, tmp_path):
    (tmp_path / "bom.py").write_bytes(b"\xef\xbb\xbfimport time\r\nasync def f():\r\n    time.sleep(1)  # noqa\r\n    time.sleep(2)\r\n")
    got = findings(conclint("check", "--output-format", "json", cwd=tmp_path))
    assert got == [("bom.py", 4, "CCL101")]


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="root reads everything")
def test_unreadable_file(conclint, tmp_path):
    path = write(tmp_path, "secret.py", BAD)
    path.chmod(0)
    got = findings(conclint("check", "--output-format", "json", cwd=tmp_path))
    assert ("secret.py", 1, "CCL002") in got


def test_internal_error_in_a_rule_is_reported_and_run_goes_on(tmp_path):
    """Inject a failing rule: CCL009 names it, the other rules still report."""
    from conclint.engine import Settings, analyze_source
    from conclint.rules import ALL_RULES
    from conclint.rules.blocking import BlockingFileIO

    def visit_Call(self, node):
        raise ValueError("boom")

    from conclint.analysis import traversal

    BlockingFileIO.visit_Call = visit_Call
    traversal._VISITOR_NAMES.clear()
    try:
        result = analyze_source(BAD + "    open('x')\n", "x.py", Settings(frozenset(ALL_RULES)))
    finally:
        del BlockingFileIO.visit_Call
        traversal._VISITOR_NAMES.clear()
    codes = [(d.code, d.line) for d in result.diagnostics]
    assert ("CCL101", 4) in codes
    error = next(d for d in result.diagnostics if d.code == "CCL009")
    assert "CCL104 (blocking-file-io)" in error.message and "boom" in error.message
    assert not any(d.code == "CCL104" for d in result.diagnostics)


def test_empty_file(conclint, tmp_path):
    write(tmp_path, "empty.py", "")
    assert conclint("check", cwd=tmp_path).returncode == 0
