"""The content-hash cache: reused when nothing changed, never wrong, never a crash."""

import json
import os

from test_cli import BAD, GOOD, write

HELPER = "def load(p):\n    with open(p) as f:\n        return f.read()\n"
CALLER = "from helper import load\n\nasync def refresh(p):\n    return load(p)\n"


def findings(result):
    return sorted((d["path"], d["line"], d["code"]) for d in json.loads(result.stdout))


def test_warm_run_gives_the_same_findings_and_writes_the_cache(conclint, tmp_path):
    write(tmp_path, "helper.py", HELPER)
    write(tmp_path, "app.py", CALLER)
    write(tmp_path, "bad.py", BAD)
    cold = conclint("check", "--output-format", "json", cwd=tmp_path)
    assert (tmp_path / ".conclint_cache" / "CACHEDIR.TAG").exists()
    warm = conclint("check", "--output-format", "json", cwd=tmp_path)
    assert findings(cold) == findings(warm) == [("app.py", 4, "CCL110"), ("bad.py", 4, "CCL101")]


def test_changed_file_is_analysed_again(conclint, tmp_path):
    write(tmp_path, "bad.py", BAD)
    conclint("check", cwd=tmp_path)
    write(tmp_path, "bad.py", GOOD)
    assert conclint("check", cwd=tmp_path).returncode == 0


def test_project_pass_follows_a_changed_helper(conclint, tmp_path):
    """Only the helper changes; the caller's CCL110 must appear and go away with it."""
    write(tmp_path, "helper.py", "def load(p):\n    return p\n")
    write(tmp_path, "app.py", CALLER)
    assert findings(conclint("check", "--output-format", "json", "app.py", cwd=tmp_path)) == []
    write(tmp_path, "helper.py", HELPER)
    assert findings(conclint("check", "--output-format", "json", "app.py", cwd=tmp_path)) == [("app.py", 4, "CCL110")]
    write(tmp_path, "helper.py", "def load(p):\n    return p\n")
    assert findings(conclint("check", "--output-format", "json", "app.py", cwd=tmp_path)) == []


def test_a_new_module_changes_what_a_name_means(conclint, tmp_path):
    write(tmp_path, "app.py", CALLER)
    assert findings(conclint("check", "--output-format", "json", "app.py", cwd=tmp_path)) == []
    write(tmp_path, "helper.py", HELPER)
    assert findings(conclint("check", "--output-format", "json", "app.py", cwd=tmp_path)) == [("app.py", 4, "CCL110")]


def test_corrupt_or_foreign_cache_is_ignored(conclint, tmp_path):
    write(tmp_path, "bad.py", BAD)
    conclint("check", cwd=tmp_path)
    for name in os.listdir(tmp_path / ".conclint_cache"):
        if name.endswith(".pickle"):
            (tmp_path / ".conclint_cache" / name).write_bytes(b"not a pickle at all")
    result = conclint("check", cwd=tmp_path)
    assert result.returncode == 1 and "bad.py:4:5: CCL101" in result.stdout
    assert "Traceback" not in result.stderr


def test_no_cache_and_cache_dir(conclint, tmp_path):
    write(tmp_path, "bad.py", BAD)
    conclint("check", "--no-cache", cwd=tmp_path)
    assert not (tmp_path / ".conclint_cache").exists()
    conclint("check", "--cache-dir", "elsewhere", cwd=tmp_path)
    assert (tmp_path / "elsewhere" / "CACHEDIR.TAG").exists()


def test_settings_get_their_own_cache(conclint, tmp_path):
    write(tmp_path, "bad.py", BAD)
    conclint("check", cwd=tmp_path)
    write(tmp_path, "pyproject.toml", '[tool.conclint.blocking]\n"os.getcwd" = "file"\n')
    write(tmp_path, "bad.py", BAD + "    __import__('os').getcwd()\n")
    write(tmp_path, "cwd.py", "import os\n\nasync def f():\n    os.getcwd()\n")
    result = conclint("check", "--output-format", "json", cwd=tmp_path)
    assert ("cwd.py", 4, "CCL104") in findings(result)


def test_unwritable_cache_folder_is_only_slower(conclint, tmp_path):
    write(tmp_path, "bad.py", BAD)
    (tmp_path / "blocked").write_text("a file where the cache folder should be")
    result = conclint("check", "--cache-dir", "blocked", cwd=tmp_path)
    assert result.returncode == 1 and "CCL101" in result.stdout
    assert "Traceback" not in result.stderr
