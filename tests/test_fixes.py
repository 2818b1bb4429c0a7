"""--fix, --unsafe-fixes and --diff: before/after pairs, idempotence, and safety."""

import os
import shutil
import stat
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conclint.config import Config
from conclint.engine import check_source
from conclint.fix import fix_text, parses
from conftest import FIXTURES

PAIRS = sorted(p for p in (FIXTURES / "fixes").glob("*.py"))


@pytest.mark.parametrize("source", PAIRS, ids=[p.name for p in PAIRS])
def test_fix_pairs(conclint, tmp_path, source):
    expected = source.with_name(source.name + ".fixed").read_text()
    target = tmp_path / source.name
    shutil.copy(source, target)
    flags = ["--fix", "--unsafe-fixes"] if ".unsafe." in source.name else ["--fix"]
    before = target.read_bytes()
    diff = conclint("check", "--diff", *flags[1:], target.name, cwd=tmp_path)
    assert diff.returncode == 1 and diff.stdout.startswith(f"--- a/{target.name}")
    assert target.read_bytes() == before, "--diff must not write"
    conclint("check", *flags, target.name, cwd=tmp_path)
    assert target.read_text() == expected
    again = conclint("check", *flags, target.name, cwd=tmp_path)
    assert target.read_text() == expected, "a second --fix must change nothing"
    assert "Fixed" not in again.stdout


def test_nothing_is_touched_without_fix(conclint, tmp_path):
    target = tmp_path / "a.py"
    shutil.copy(FIXTURES / "fixes" / "ccl101_sleep.py", target)
    before = (target.read_bytes(), target.stat().st_mtime_ns)
    result = conclint("check", "a.py", cwd=tmp_path)
    assert result.returncode == 1 and "[*]" in result.stdout
    assert (target.read_bytes(), target.stat().st_mtime_ns) == before


def test_safe_fix_only_without_unsafe_flag(conclint, tmp_path):
    target = tmp_path / "a.py"
    shutil.copy(FIXTURES / "fixes" / "ccl104_to_thread.unsafe.py", target)
    before = target.read_text()
    result = conclint("check", "--fix", "a.py", cwd=tmp_path)
    assert target.read_text() == before
    assert "fixable with --fix --unsafe-fixes" in conclint("check", "a.py", cwd=tmp_path).stdout
    assert result.returncode == 1


def test_permissions_are_kept(conclint, tmp_path):
    target = tmp_path / "a.py"
    shutil.copy(FIXTURES / "fixes" / "ccl101_sleep.py", target)
    target.chmod(0o640)
    conclint("check", "--fix", "a.py", cwd=tmp_path)
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert "await asyncio.sleep" in target.read_text()
    assert [p.name for p in tmp_path.iterdir() if p.name != ".conclint_cache"] == ["a.py"], "no temporary file left behind"


def test_read_only_file_is_reported_not_clobbered(conclint, tmp_path):
    target = tmp_path / "a.py"
    shutil.copy(FIXTURES / "fixes" / "ccl101_sleep.py", target)
    target.chmod(0o444)
    before = target.read_bytes()
    result = conclint("check", "--fix", "a.py", cwd=tmp_path)
    assert target.read_bytes() == before
    assert "a.py: read-only; not fixed" in result.stderr
    assert result.returncode == 1


def test_file_changed_during_the_run_is_not_clobbered(tmp_path):
    from conclint.fix import WriteError, write_atomically

    target = tmp_path / "a.py"
    target.write_text("x = 1\n")
    with pytest.raises(WriteError, match="changed on disk"):
        write_atomically(str(target), b"x = 0\n", b"x = 2\n")
    assert target.read_text() == "x = 1\n"


def test_stdin_fix_prints_fixed_source(conclint, tmp_path):
    source = (FIXTURES / "fixes" / "ccl101_sleep.py").read_text()
    result = conclint("check", "--stdin-filename", "a.py", "--fix", input=source, cwd=tmp_path)
    assert result.stdout == (FIXTURES / "fixes" / "ccl101_sleep.py.fixed").read_text()
    assert "Fixed 2 findings" in result.stderr
    assert not (tmp_path / "a.py").exists()


def test_crlf_and_bom_survive_a_fix(conclint, tmp_path):
    target = tmp_path / "a.py"
    target.write_bytes(b"\xef\xbb\xbfimport time\r\n\r\nasync def f():\r\n    time.sleep(1)\r\n")
    conclint("check", "--fix", "a.py", cwd=tmp_path)
    assert target.read_bytes() == b"\xef\xbb\xbfimport time\r\nimport asyncio\r\n\r\nasync def f():\r\n    await asyncio.sleep(1)\r\n"


def test_diff_and_fix_together_is_a_usage_error(conclint, tmp_path):
    (tmp_path / "a.py").write_text("x = 1\n")
    assert conclint("check", "--fix", "--diff", "a.py", cwd=tmp_path).returncode == 2


# -- property: fixing twice is fixing once, and the result parses --------------------------
LINES = [
    "time.sleep({n})",
    "x = time.sleep({n})",
    "open('f{n}')",
    "data = open('f{n}')",
    "os.remove('f{n}')",
    "asyncio.run(coro())",
    "value = asyncio.run(coro())",
    "coro()",
    "await coro()",
    "if {n}:\n        time.sleep({n})",
    "for i in range({n}):\n        open('g')",
    "return time.sleep({n})",
    "pass",
]
HEADERS = [
    "import asyncio\nimport os\nimport time\n",
    "import os, time\n",
    '"""doc"""\nfrom __future__ import annotations\nimport time\nimport os\nimport asyncio as aio\n',
    "import trio\nimport time\nimport os\n",
]


@st.composite
def modules(draw):
    header = draw(st.sampled_from(HEADERS))
    bodies = []
    for index in range(draw(st.integers(1, 3))):
        lines = draw(st.lists(st.sampled_from(LINES), min_size=1, max_size=6))
        numbers = draw(st.lists(st.integers(0, 9), min_size=len(lines), max_size=len(lines)))
        body = "\n".join("    " + line.format(n=n) for line, n in zip(lines, numbers))
        bodies.append(f"async def f{index}():\n{body}\n")
    return header + "\n\nasync def coro():\n    return 1\n\n\n" + "\n\n".join(bodies)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(modules(), st.booleans())
def test_fixing_twice_equals_fixing_once(source, unsafe):
    config = Config()

    def lint(text):
        return check_source(text, "generated.py", config)

    once = fix_text(source, lint, unsafe)
    assert parses(once.text)
    assert not once.dropped
    twice = fix_text(once.text, lint, unsafe)
    assert twice.text == once.text
