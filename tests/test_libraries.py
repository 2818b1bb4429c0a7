"""Library summaries from the environment: CCL110 follows calls into installed packages
(the fixture project ``libuse`` has a fake ``.venv`` whose site-packages holds them)."""

import json
import os
import shutil
import sys

import pytest

from conclint.cache import LibraryCache, user_cache_folder
from conclint.config import Config
from conclint.engine import Settings, check_paths, per_file
from conclint.engine.libraries import library_roots
from conftest import FIXTURES

LIBUSE = FIXTURES / "projects" / "libuse"
SITE = LIBUSE / ".venv" / "lib" / "python3.11" / "site-packages"
#: Where service.py's CCL110 chains into fakesdk are (its ``# error:`` lines).
LIBRARY_CHAINS = [("service.py", line) for line in (12, 16, 48, 73, 74, 82)]


@pytest.fixture
def user_cache(tmp_path, monkeypatch):
    folder = tmp_path / "xdg"
    monkeypatch.setenv("XDG_CACHE_HOME", str(folder))
    return folder / "conclint" / "libraries"


def ccl110(result):
    return sorted((os.path.basename(d.path), d.line) for d in result.diagnostics if d.code == "CCL110")


def project_without_venv(tmp_path):
    """libuse's project code alone, no ``.venv``: its libraries are found only through
    a setting."""
    tmp_path.mkdir()
    shutil.copy(LIBUSE / "service.py", tmp_path / "service.py")
    return tmp_path


def test_chain_marks_library_steps(user_cache):
    result = check_paths([str(LIBUSE)], Config(root=str(LIBUSE)), jobs=1)
    refresh = next(d for d in result.diagnostics if d.line == 12)
    assert refresh.message.startswith(
        "refresh() calls fakesdk.client.fetch(), which blocks on network I/O: fakesdk.client.fetch() [library] "
        "-> fakesdk.client._request() [library] -> fakesdk._transport._session() [library] "
        "-> socket.create_connection(); move the call off the event loop: await asyncio.to_thread(fetch, ...)"
    )
    assert [(os.path.relpath(os.path.abspath(step.path), SITE), step.line) for step in refresh.trace] == [
        (os.path.join("fakesdk", "client.py"), 9),
        (os.path.join("fakesdk", "client.py"), 13),
        (os.path.join("fakesdk", "_transport.py"), 5),
    ]
    # Library files are followed, never checked: fakesdk/__init__.py's own sleep is not reported.
    assert all(d.path.endswith("service.py") for d in result.diagnostics)


def test_json_trace_points_into_the_library(conclint, user_cache):
    result = conclint("check", "--no-cache", "--output-format", "json", "service.py", cwd=LIBUSE)
    data = json.loads(result.stdout)
    refresh = next(d for d in data if d["line"] == 12)
    assert [(step["path"].split("site-packages/")[-1], step["line"]) for step in refresh["trace"]] == [
        ("fakesdk/client.py", 9),
        ("fakesdk/client.py", 13),
        ("fakesdk/_transport.py", 5),
    ]


def test_library_coroutines_dropped(user_cache):
    result = check_paths([str(LIBUSE)], Config(root=str(LIBUSE)), jobs=1)
    found = {(d.line, d.message.split(" is an async def")[0]) for d in result.diagnostics if d.code == "CCL501"}
    assert found == {(52, "fakesdk.aio.send()"), (53, "fakesdk.aio.AsyncClient.ping()"), (63, "fakesdk.aio.send()")}


def test_follow_libraries_off(user_cache):
    result = check_paths([str(LIBUSE)], Config(root=str(LIBUSE), follow_libraries=False), jobs=1)
    assert ccl110(result) == []
    assert [d for d in result.diagnostics if d.code == "CCL501"] == []
    assert not user_cache.exists()


def test_library_paths_setting(tmp_path, user_cache):
    root = project_without_venv(tmp_path / "project")
    assert ccl110(check_paths([str(root)], Config(root=str(root)), jobs=1)) == []
    config = Config(root=str(root), library_paths=(os.path.relpath(SITE, root),))
    assert ccl110(check_paths([str(root)], config, jobs=1)) == LIBRARY_CHAINS


def test_python_setting_asks_the_interpreter(tmp_path, user_cache, monkeypatch):
    root = project_without_venv(tmp_path / "project")
    monkeypatch.setenv("PYTHONPATH", str(SITE))
    config = Config(root=str(root), python=sys.executable)
    assert str(SITE) in library_roots(Settings.from_config(config), str(root))
    assert ccl110(check_paths([str(root)], config, jobs=1)) == LIBRARY_CHAINS
    # An interpreter that cannot be run: no libraries, no error.
    broken = Config(root=str(root), python="no-such-python")
    assert library_roots(Settings.from_config(broken), str(root)) == ()
    assert ccl110(check_paths([str(root)], broken, jobs=1)) == []


def test_venv_without_interpreter_gives_its_site_packages():
    roots = library_roots(Settings.from_config(Config(root=str(LIBUSE))), str(LIBUSE))
    assert roots == (str(SITE),)
    off = Config(root=str(LIBUSE), follow_libraries=False)
    assert library_roots(Settings.from_config(off), str(LIBUSE)) == ()


def test_library_summaries_cached_per_content_in_the_user_cache(user_cache, monkeypatch):
    first = check_paths([str(LIBUSE)], Config(root=str(LIBUSE)), jobs=1)
    stored = sorted(p.name for p in user_cache.rglob("*.pickle"))
    assert stored  # fakesdk's and the fake requests' modules that were reached
    assert user_cache_folder() == str(user_cache.parent)

    analysed = []
    original = per_file.analyze_source

    def spy(source, path, settings, module_name=None):
        analysed.append(path)
        return original(source, path, settings, module_name)

    monkeypatch.setattr(per_file, "analyze_source", spy)
    second = check_paths([str(LIBUSE)], Config(root=str(LIBUSE)), jobs=1)
    assert [p for p in analysed if "site-packages" in p] == []  # every library summary from the cache
    assert second.diagnostics == first.diagnostics
    assert sorted(p.name for p in user_cache.rglob("*.pickle")) == stored


def test_library_cache_ignores_corrupt_entries(tmp_path):
    cache = LibraryCache({"blocking": []}, str(tmp_path))
    assert cache.get("abc", "m") == (False, None)
    cache.put("abc", "m", "summary")
    assert cache.get("abc", "m") == (True, "summary")
    assert cache.get("abc", "other") == (False, None)
    for entry in (tmp_path / "libraries").rglob("*.pickle"):
        entry.write_bytes(b"garbage")
    assert cache.get("abc", "m") == (False, None)
    other = LibraryCache({"blocking": [["a.b", "file"]]}, str(tmp_path))
    assert other.key != cache.key


def test_python_setting_naming_no_file_warns_and_goes_on(conclint, tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.conclint]\npython = "env/bin/python"\n')
    (tmp_path / "a.py").write_text("import time\n\nasync def f():\n    time.sleep(1)\n")
    result = conclint("check", "--no-cache", "a.py", cwd=tmp_path)
    assert result.returncode == 1, result.stderr  # the findings still come
    assert "CCL101" in result.stdout
    assert "pyproject.toml: [tool.conclint] python: 'env/bin/python' is not a file here" in result.stderr


def test_conditional_regions_keep_only_the_path_always_taken():
    import ast

    from conclint.engine.libraries import conditional_regions

    source = (
        "def f(path, flag=None):\n"
        "    always(path)\n"  # 2
        "    if flag:\n"
        "        on_parameter()\n"  # 4: an if on a parameter is the project pass's to decide
        "    if ready():\n"  # 5: the test always runs
        "        in_branch()\n"  # 6
        "    while more():\n"
        "        looped()\n"  # 8
        "    items = [made(x) for x in path if x]\n"  # 9: filtered element
        "    every = [made(x) for x in path]\n"  # 10
        "    match path:\n"
        "        case 1:\n"
        "            matched()\n"  # 13
        "    try:\n"
        "        attempted()\n"  # 15
        "    except OSError:\n"
        "        handled()\n"  # 17
        "    value = first() or second()\n"  # 18: second() only
        "    if cached():\n"
        "        return value\n"
        "    after_return()\n"  # 21
    )
    regions = conditional_regions(ast.parse(source))

    def conditional(line, text):
        column = source.splitlines()[line - 1].index(text)
        return any(start <= (line, column) < end for start, end in regions)

    assert not conditional(2, "always")
    assert not conditional(4, "on_parameter")
    assert not conditional(5, "ready")
    assert conditional(6, "in_branch")
    assert not conditional(7, "more")
    assert conditional(8, "looped")
    assert conditional(9, "made")
    assert not conditional(10, "made")
    assert conditional(13, "matched")
    assert not conditional(15, "attempted")
    assert conditional(17, "handled")
    assert not conditional(18, "first")
    assert conditional(18, "second")
    assert conditional(21, "after_return")


def test_library_module_too_big_to_be_code_is_not_followed(tmp_path, user_cache):
    from conclint.engine.project_pass import LIBRARY_MAX_BYTES

    site = tmp_path / "site"
    (site / "bulky").mkdir(parents=True)
    call = "import time\n\ndef wait():\n    time.sleep(1)\n"
    (site / "bulky" / "__init__.py").write_text("")
    (site / "bulky" / "small.py").write_text(call)
    padding = "# " + "x" * 78 + "\n"
    (site / "bulky" / "big.py").write_text(call + padding * (LIBRARY_MAX_BYTES // len(padding) + 1))
    root = tmp_path / "project"
    root.mkdir()
    (root / "app.py").write_text(
        "from bulky import big, small\n\n\nasync def run():\n    small.wait()\n    big.wait()\n"
    )
    result = check_paths([str(root)], Config(root=str(root), library_paths=(str(site),)), jobs=1)
    assert ccl110(result) == [("app.py", 5)]
