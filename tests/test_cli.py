"""The CLI, run for real in a subprocess as a user would."""

import json
import os
import textwrap

import pytest

BAD = "import time\n\nasync def f():\n    time.sleep(1)\n"
GOOD = "import asyncio\n\nasync def f():\n    await asyncio.sleep(1)\n"


def write(tmp_path, name, text):
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_version(conclint):
    from conclint import __version__

    result = conclint("--version")
    assert result.returncode == 0 and __version__ in result.stdout


def test_clean_exits_zero(conclint, tmp_path):
    write(tmp_path, "good.py", GOOD)
    result = conclint("check", ".", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "All checks passed" in result.stdout


def test_findings_exit_one_concise(conclint, tmp_path):
    write(tmp_path, "bad.py", BAD)
    result = conclint("check", cwd=tmp_path)
    assert result.returncode == 1
    assert "bad.py:4:5: CCL101 [*] time.sleep() inside async def" in result.stdout
    assert "[*] 1 fixable with --fix." in result.stdout
    assert "Found 1 finding in 1 file." in result.stdout


def test_full_format_shows_caret(conclint, tmp_path):
    write(tmp_path, "bad.py", BAD)
    result = conclint("check", "bad.py", "--output-format", "full", cwd=tmp_path)
    lines = result.stdout.splitlines()
    source = next(i for i, line in enumerate(lines) if "time.sleep(1)" in line and "|" in line)
    assert lines[source + 1].endswith("^" * len("time.sleep(1)"))
    assert lines[source + 1].index("^") == lines[source].index("time.sleep")


def test_json_format(conclint, tmp_path):
    write(tmp_path, "bad.py", BAD)
    result = conclint("check", "--output-format", "json", cwd=tmp_path)
    data = json.loads(result.stdout)
    assert [(d["path"], d["line"], d["column"], d["code"], d["name"]) for d in data] == [
        ("bad.py", 4, 5, "CCL101", "blocking-sleep")
    ]


def test_exit_zero_and_quiet(conclint, tmp_path):
    write(tmp_path, "bad.py", BAD)
    result = conclint("check", "--exit-zero", "-q", cwd=tmp_path)
    assert result.returncode == 0
    assert "Found" not in result.stdout and "CCL101" in result.stdout


def test_statistics(conclint, tmp_path):
    write(tmp_path, "bad.py", BAD + "    time.sleep(2)\n    open('x')\n")
    result = conclint("check", "--statistics", cwd=tmp_path)
    assert "    2  CCL101  blocking-sleep" in result.stdout
    assert "    1  CCL104  blocking-file-io" in result.stdout


def test_select_ignore_extend_select(conclint, tmp_path):
    write(tmp_path, "bad.py", BAD + "    open('x')\n")
    assert "CCL104" not in conclint("check", "--select", "CCL101", cwd=tmp_path).stdout
    only_file = conclint("check", "--ignore", "CCL101", cwd=tmp_path)
    assert "CCL101" not in only_file.stdout and "CCL104" in only_file.stdout
    both = conclint("check", "--select", "CCL101", "--extend-select", "CCL104", cwd=tmp_path)
    assert "CCL101" in both.stdout and "CCL104" in both.stdout


def test_unknown_code_on_command_line(conclint, tmp_path):
    result = conclint("check", "--select", "CCL999", cwd=tmp_path)
    assert result.returncode == 2
    assert "--select" in result.stderr and "CCL999" in result.stderr


def test_stdin_filename(conclint, tmp_path):
    result = conclint("check", "--stdin-filename", "pkg/mod.py", "--output-format", "full", input=BAD, cwd=tmp_path)
    assert result.returncode == 1
    assert "pkg/mod.py:4:5: CCL101" in result.stdout
    assert "time.sleep(1)" in result.stdout


def test_missing_path_is_usage_error(conclint, tmp_path):
    result = conclint("check", "nope.py", cwd=tmp_path)
    assert result.returncode == 2 and "nope.py" in result.stderr


def test_bad_option_is_usage_error(conclint):
    assert conclint("check", "--output-format", "xml").returncode == 2


def test_builtin_excludes(conclint, tmp_path):
    for folder in (".git", ".venv", "venv", "build", "dist", "__pycache__", ".tox", "node_modules"):
        write(tmp_path, f"{folder}/bad.py", BAD)
    write(tmp_path, "src/ok.py", GOOD)
    result = conclint("check", cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    assert "1 file checked" in result.stdout


def test_rules_and_explain(conclint):
    listing = conclint("rules")
    assert listing.returncode == 0 and "CCL101  blocking-sleep" in listing.stdout
    page = conclint("explain", "CCL101")
    assert page.returncode == 0 and "## Why is this bad?" in page.stdout and "asyncio.sleep" in page.stdout
    assert conclint("explain", "blocking-file-io").returncode == 0
    missing = conclint("explain", "CCL999")
    assert missing.returncode == 2 and "CCL999" in missing.stderr


def test_help_lists_only_real_options(conclint):
    text = conclint("check", "--help").stdout
    for flag in ("--select", "--ignore", "--extend-select", "--config", "--output-format", "--statistics",
                 "--exit-zero", "--stdin-filename", "--jobs", "--quiet"):
        assert flag in text


def test_python_dash_m(tmp_path):
    import subprocess
    import sys

    write(tmp_path, "bad.py", BAD)
    result = subprocess.run([sys.executable, "-m", "conclint", "check", "bad.py"], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 1 and "CCL101" in result.stdout


def test_parallel_run_matches_serial(conclint, tmp_path):
    for i in range(40):
        write(tmp_path, f"pkg/m{i}.py", BAD if i % 3 == 0 else GOOD)
    serial = conclint("check", "--jobs", "1", "--output-format", "json", cwd=tmp_path)
    parallel = conclint("check", "--jobs", "2", "--output-format", "json", cwd=tmp_path)
    assert json.loads(serial.stdout) == json.loads(parallel.stdout)
    assert len(json.loads(serial.stdout)) == 14
