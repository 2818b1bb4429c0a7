"""The content-hash cache: reused when nothing changed, never wrong, never a crash."""

import json
import os

import pytest

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


# -- edits that leave the summaries equal: the project pass is reused, its findings moved -------------
TRACED_HELPER = "import time\n\n\ndef wait(seconds):\n    time.sleep(seconds)\n"
TRACED_CALLER = "from helper import wait\n\n\nasync def tick():\n    wait(1)\n    return 'tock'\n"


def full(result):
    """Everything a finding says (positions, trace, fix), in a stable order."""
    return sorted(json.loads(result.stdout), key=lambda d: (d["path"], d["line"], d["column"], d["code"]))


ASYNC_HELPER = TRACED_HELPER + "\n\nasync def other():\n    pass\n"

#: name -> (helper module, file edited, the edit, whether the summaries file stays as it is)
EDITS_KEEPING_SUMMARIES = {
    "comment-above-the-caller": (TRACED_HELPER, "app.py", lambda text: "# moved down\n\n" + text, True),
    "comment-above-the-helper": (ASYNC_HELPER, "helper.py", lambda text: "# moved down\n" + text, True),
    # A module without ``async`` is only syntax-checked (demand-driven), so it is
    # summarised again, as a module read from disk, when it changes.
    "comment-above-a-sync-helper": (TRACED_HELPER, "helper.py", lambda text: "# moved down\n" + text, False),
    "blank-lines-in-the-caller": (TRACED_HELPER, "app.py", lambda text: text.replace("    wait(1)", "\n\n    wait(1)"), True),
    "changed-constant": (TRACED_HELPER, "app.py", lambda text: text.replace("'tock'", "'tick-tock'"), True),
    "comment-at-the-end": (TRACED_HELPER, "app.py", lambda text: text + "# the end\n", True),
}


@pytest.mark.parametrize("name", sorted(EDITS_KEEPING_SUMMARIES))
def test_edit_keeping_summaries_places_findings_again(conclint, tmp_path, name):
    helper, target, edit, kept = EDITS_KEEPING_SUMMARIES[name]
    write(tmp_path, "helper.py", helper)
    write(tmp_path, "app.py", TRACED_CALLER)
    before = full(conclint("check", "--output-format", "json", cwd=tmp_path))
    assert [(d["path"], d["line"], d["code"]) for d in before] == [("app.py", 5, "CCL110")]
    summaries = [p for p in (tmp_path / ".conclint_cache").iterdir() if p.name.startswith("summaries-")]
    written = [p.stat().st_mtime_ns for p in summaries]
    write(tmp_path, target, edit((tmp_path / target).read_text()))
    warm = full(conclint("check", "--output-format", "json", cwd=tmp_path))
    assert warm == full(conclint("check", "--output-format", "json", "--no-cache", cwd=tmp_path))
    if kept:
        # Same summaries: the (large) summaries file is not written again.
        assert [p.stat().st_mtime_ns for p in summaries] == written
    assert full(conclint("check", "--output-format", "json", cwd=tmp_path)) == warm


def test_edit_changing_a_summary_runs_the_project_pass_again(conclint, tmp_path):
    write(tmp_path, "helper.py", TRACED_HELPER)
    write(tmp_path, "app.py", TRACED_CALLER)
    write(tmp_path, "other.py", "\n" + TRACED_CALLER)  # unedited: its finding keeps its place
    conclint("check", cwd=tmp_path)
    write(tmp_path, "app.py", "# moved\n" + TRACED_CALLER.replace("    wait(1)\n", "    wait(1)\n    wait(2)\n"))
    warm = full(conclint("check", "--output-format", "json", cwd=tmp_path))
    assert [(d["path"], d["line"]) for d in warm] == [("app.py", 6), ("app.py", 7), ("other.py", 6)]
    assert warm == full(conclint("check", "--output-format", "json", "--no-cache", cwd=tmp_path))


def test_lost_summaries_file_is_rebuilt(conclint, tmp_path):
    write(tmp_path, "helper.py", TRACED_HELPER)
    write(tmp_path, "app.py", TRACED_CALLER)
    cold = full(conclint("check", "--output-format", "json", cwd=tmp_path))
    for path in (tmp_path / ".conclint_cache").iterdir():
        if path.name.startswith(("summaries-", "project-")):
            path.unlink()
    assert full(conclint("check", "--output-format", "json", cwd=tmp_path)) == cold


def test_comment_edit_with_the_helper_read_from_disk(conclint, tmp_path):
    """Only app.py is checked: helper.py is a module read from disk, its trace step keeps
    its place and the edited caller's finding moves."""
    write(tmp_path, "helper.py", TRACED_HELPER)
    write(tmp_path, "app.py", TRACED_CALLER)
    before = full(conclint("check", "--output-format", "json", "app.py", cwd=tmp_path))
    assert [(d["line"], [s["line"] for s in d["trace"]]) for d in before] == [(5, [5])]
    write(tmp_path, "app.py", "# moved down\n" + TRACED_CALLER)
    warm = full(conclint("check", "--output-format", "json", "app.py", cwd=tmp_path))
    assert warm == full(conclint("check", "--output-format", "json", "--no-cache", "app.py", cwd=tmp_path))
    assert [(d["line"], [s["line"] for s in d["trace"]]) for d in warm] == [(6, [5])]
