"""[tool.conclint] in pyproject.toml: applied, and every mistake is a clear exit-2 error."""

import textwrap

import pytest

from test_cli import BAD, write


def project(tmp_path, table):
    write(tmp_path, "pyproject.toml", "[tool.conclint]\n" + textwrap.dedent(table))
    write(tmp_path, "pkg/bad.py", BAD + "    open('x')\n")
    write(tmp_path, "tests/test_bad.py", BAD)


def test_select_and_ignore_from_config(conclint, tmp_path):
    project(tmp_path, 'select = ["CCL1"]\nignore = ["CCL104"]\n')
    result = conclint("check", cwd=tmp_path)
    assert "CCL101" in result.stdout and "CCL104" not in result.stdout


def test_most_specific_selector_wins(conclint, tmp_path):
    project(tmp_path, 'select = ["CCL104"]\nignore = ["CCL1"]\n')
    result = conclint("check", cwd=tmp_path)
    assert "CCL104" in result.stdout and "CCL101" not in result.stdout


def test_per_file_ignores(conclint, tmp_path):
    # test-policy = "all": per-file-ignores, not the test policy, must be what hides it.
    project(tmp_path, 'test-policy = "all"\n[tool.conclint.per-file-ignores]\n"tests/*" = ["CCL101"]\n')
    result = conclint("check", cwd=tmp_path)
    assert "tests/test_bad.py" not in result.stdout
    assert "pkg/bad.py:4:5: CCL101" in result.stdout


def test_exclude_and_extend_exclude(conclint, tmp_path):
    project(tmp_path, 'exclude = ["tests"]\nextend-exclude = ["pkg/bad.py"]\n')
    result = conclint("check", cwd=tmp_path)
    assert result.returncode == 0, result.stdout


def test_config_found_from_subfolder(conclint, tmp_path):
    project(tmp_path, 'ignore = ["CCL101"]\n')
    result = conclint("check", "bad.py", cwd=tmp_path / "pkg")
    assert "CCL101" not in result.stdout and "CCL104" in result.stdout


def test_explicit_config_file(conclint, tmp_path):
    write(tmp_path, "other.toml", '[tool.conclint]\nselect = ["CCL104"]\n')
    write(tmp_path, "bad.py", BAD + "    open('x')\n")
    result = conclint("check", "--config", "other.toml", cwd=tmp_path)
    assert "CCL104" in result.stdout and "CCL101" not in result.stdout


def test_blocking_extension(conclint, tmp_path):
    write(tmp_path, "pyproject.toml", '[tool.conclint.blocking]\n"mylib.client.fetch" = "network"\n')
    write(tmp_path, "app.py", "from mylib.client import fetch\n\nasync def f():\n    fetch('u')\n")
    result = conclint("check", cwd=tmp_path)
    assert "app.py:4:5: CCL102 mylib.client.fetch()" in result.stdout


@pytest.mark.parametrize(
    "table,needle",
    [
        ('slect = ["CCL"]\n', "unknown key 'slect' (did you mean 'select'?)"),
        ('select = "CCL101"\n', "select: expected a list of strings, got a string ('CCL101')"),
        ("ignore = [1]\n", "ignore: expected a list of strings"),
        ('extend-select = ["CCL999"]\n', "extend-select: unknown rule code or prefix 'CCL999'"),
        ('exclude = "build"\n', "exclude: expected a list of strings"),
        ("extend-exclude = 3\n", "extend-exclude: expected a list of strings, got an integer (3)"),
        ('per-file-ignores = ["x"]\n', "per-file-ignores: expected a table"),
        ('[tool.conclint.per-file-ignores]\n"a.py" = "CCL101"\n', 'per-file-ignores."a.py": expected a list of strings'),
        ('[tool.conclint.per-file-ignores]\n"a.py" = ["XYZ1"]\n', "unknown rule code or prefix 'XYZ1'"),
        ('blocking = ["x"]\n', "blocking: expected a table"),
        ('[tool.conclint.blocking]\n"a.b" = "slow"\n', 'blocking."a.b": expected one of'),
        ('[tool.conclint.blocking]\n"a b" = "file"\n', "'a b' is not a dotted qualified name"),
        ("select = [\n", "invalid TOML"),
        ('test-policy = "none"\n', 'test-policy: expected "correctness" or "all", got a string (\'none\')'),
        ("test-policy = false\n", 'test-policy: expected "correctness" or "all", got a boolean (False)'),
        ('test-pollicy = "all"\n', "unknown key 'test-pollicy' (did you mean 'test-policy'?)"),
        ('test-files = "tests/"\n', "test-files: expected a list of strings, got a string ('tests/')"),
        ('test-files = ["tests/", 1]\n', "test-files: expected a list of strings"),
        ('test-files = ["/"]\n', "test-files: an empty pattern would match every file"),
        ('thread-callbacks = "a.b"\n', "thread-callbacks: expected a list of strings, got a string ('a.b')"),
        ('thread-callbacks = ["watchdog.observers.Observer.schedule()"]\n', "'watchdog.observers.Observer.schedule()' is not a dotted qualified name"),
        ('thread-callback = ["a.b"]\n', "unknown key 'thread-callback' (did you mean 'thread-callbacks'?)"),
        ('follow-libraries = "no"\n', "follow-libraries: expected a boolean (true or false), got a string ('no')"),
        ("python = 3\n", "python: expected the path of a Python interpreter, got an integer (3)"),
        ('python = ""\n', "python: expected the path of a Python interpreter, got a string ('')"),
        ('library-paths = "site"\n', "library-paths: expected a list of strings, got a string ('site')"),
        ('library-paths = [" "]\n', "library-paths: an empty path"),
        ("follow-library = false\n", "unknown key 'follow-library' (did you mean 'follow-libraries'?)"),
    ],
)
def test_config_errors_name_file_and_key(conclint, tmp_path, table, needle):
    project(tmp_path, table)
    result = conclint("check", cwd=tmp_path)
    assert result.returncode == 2, result.stdout
    assert "pyproject.toml" in result.stderr
    assert needle in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_tool_conclint_not_a_table(conclint, tmp_path):
    write(tmp_path, "pyproject.toml", '[tool]\nconclint = 3\n')
    write(tmp_path, "a.py", "x = 1\n")
    result = conclint("check", cwd=tmp_path)
    assert result.returncode == 2 and "[tool.conclint] must be a table" in result.stderr


def test_missing_explicit_config(conclint, tmp_path):
    result = conclint("check", "--config", "nope.toml", cwd=tmp_path)
    assert result.returncode == 2 and "nope.toml" in result.stderr


def test_test_policy_default_and_all(conclint, tmp_path):
    project(tmp_path, "")
    result = conclint("check", "--no-cache", cwd=tmp_path)
    assert "tests/test_bad.py" not in result.stdout and "pkg/bad.py:4:5: CCL101" in result.stdout
    assert '1 finding in test files not shown (test-policy = "correctness"' in result.stdout
    project(tmp_path, 'test-policy = "all"\n')
    result = conclint("check", "--no-cache", cwd=tmp_path)
    assert "tests/test_bad.py:4:5: CCL101" in result.stdout and "not shown" not in result.stdout


def test_test_files_replaces_the_defaults(conclint, tmp_path):
    project(tmp_path, 'test-files = ["pkg/"]\n')
    result = conclint("check", "--no-cache", cwd=tmp_path)
    assert "tests/test_bad.py:4:5: CCL101" in result.stdout and "pkg/bad.py" not in result.stdout
    assert "2 findings in test files not shown" in result.stdout


def test_only_left_out_findings_exit_zero(conclint, tmp_path):
    write(tmp_path, "tests/test_slow.py", BAD)
    result = conclint("check", "--no-cache", cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    assert "All checks passed (1 file checked)." in result.stdout
    assert "1 finding in test files not shown" in result.stdout


@pytest.mark.parametrize(
    "path,is_test",
    [
        ("tests/test_a.py", True),
        ("tests/helpers/data.py", True),
        ("src/pkg/tests/util.py", True),
        ("pkg/test/x.py", True),
        ("test_a.py", True),
        ("pkg/a_test.py", True),
        ("pkg/conftest.py", True),
        ("pkg/a.py", False),
        ("pkg/latest.py", False),
        ("pkg/contest.py", False),
        ("testing/a.py", False),
        ("test_dir/a.py", False),  # test_*.py names files, not folders
        ("mytests/a.py", False),
        ("pkg/tests.py", False),  # a module called tests, not a folder of them
    ],
)
def test_default_test_files(tmp_path, path, is_test):
    from conclint.config import Config

    assert Config(root=str(tmp_path)).is_test_file(str(tmp_path / path)) is is_test


def test_test_files_pattern_forms(tmp_path):
    from conclint.config import Config

    config = Config(root=str(tmp_path), test_files=("*_checks/", "src/*/testing/*.py", "check_*.py", "qa/e2e/"))
    assert config.is_test_file(str(tmp_path / "a/unit_checks/x.py"))
    assert config.is_test_file(str(tmp_path / "src/pkg/testing/fake.py"))
    assert config.is_test_file(str(tmp_path / "lib/check_x.py"))
    assert config.is_test_file(str(tmp_path / "qa/e2e/run/x.py"))
    assert not config.is_test_file(str(tmp_path / "tests/test_a.py"))  # the defaults were replaced
    assert not config.is_test_file(str(tmp_path / "other/qa/e2e/x.py"))  # a path pattern starts at the root
    assert not Config(root=str(tmp_path), test_policy="all").limits_tests(str(tmp_path / "tests/test_a.py"))


def test_test_policy_table_is_documented():
    """docs/configuration.md's table names every rule once, as reported_in_tests decides."""
    import re

    from conftest import ROOT
    from conclint.knowledge.test_code import reported_in_tests
    from conclint.rules import ALL_RULES

    docs = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    documented = {}
    for codes, verdict in re.findall(r"^\| (CCL[^|]+?) \| (reported|not reported) \|", docs, re.MULTILINE):
        for item in codes.split(", "):
            first, _, last = item.partition("–")
            for code in (c for c in ALL_RULES if first <= c <= (last or first)):
                assert code not in documented, code
                documented[code] = verdict == "reported"
    assert documented == {code: reported_in_tests(code) for code in ALL_RULES}
