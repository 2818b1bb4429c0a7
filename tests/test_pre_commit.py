"""The pre-commit hook manifest is valid and its entry works on the files pre-commit passes."""

import shlex

import pytest

from conftest import ROOT, run, tool


def manifest():
    import yaml  # pre-commit depends on PyYAML

    return yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())


def test_manifest_validates():
    result = run([tool("pre-commit"), "validate-manifest", str(ROOT / ".pre-commit-hooks.yaml")])
    assert result.returncode == 0, result.stdout + result.stderr


def test_hook_shape():
    (hook,) = manifest()
    assert hook["id"] == "conclint"
    assert hook["language"] == "python"
    assert hook["types"] == ["python"]


def test_hook_entry_runs_on_files(tmp_path):
    (hook,) = manifest()
    (tmp_path / "bad.py").write_text("import time\nasync def f():\n    time.sleep(1)\n")
    (tmp_path / "good.py").write_text("import asyncio\nasync def f():\n    await asyncio.sleep(1)\n")
    entry = shlex.split(hook["entry"])
    entry[0] = tool(entry[0])
    bad = run([*entry, *hook.get("args", []), "bad.py", "good.py"], cwd=tmp_path)
    assert bad.returncode == 1 and "bad.py:3:5: CCL101" in bad.stdout
    good = run([*entry, *hook.get("args", []), "good.py"], cwd=tmp_path)
    assert good.returncode == 0
