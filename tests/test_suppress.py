"""flake8-compatible # noqa comments."""

from test_cli import write

SOURCE = """import time

async def f():
    time.sleep(1)  # noqa
    time.sleep(2)  # noqa: CCL101
    time.sleep(3)  # noqa:CCL101,CCL104
    time.sleep(4)  # noqa: CCL104
    time.sleep(5)  # NOQA:CCL1
    time.sleep(6)
"""


def test_noqa_forms(conclint, tmp_path):
    write(tmp_path, "a.py", SOURCE)
    result = conclint("check", "--output-format", "json", cwd=tmp_path)
    import json

    lines = sorted(d["line"] for d in json.loads(result.stdout))
    assert lines == [7, 9]


def test_noqa_unit():
    from conclint.suppress import is_suppressed, noqa_map

    noqa = noqa_map(SOURCE)
    assert is_suppressed("CCL101", 4, noqa)
    assert is_suppressed("CCL999", 4, noqa)
    assert is_suppressed("CCL104", 6, noqa)
    assert not is_suppressed("CCL101", 7, noqa)
    assert not is_suppressed("CCL101", 9, noqa)


PEERS = """import asyncio
import os
import subprocess
import time

async def f(path):
    time.sleep(1)  # noqa: ASYNC251
    time.sleep(2)  # noqa: ASYNC230
    open(path)  # noqa: ASYNC230
    open(path)  # noqa: E501, ASYNC230 reviewed: a tiny local file
    os.path.exists(path)  # noqa: ASYNC240
    subprocess.run(["true"])  # noqa: ASYNC221
    asyncio.create_task(f(path))  # noqa: RUF006
    asyncio.create_task(f(path))  # noqa: ASYNC300
    asyncio.create_task(f(path))  # noqa: RUF00
    open(path)  # noqa: ASYNC2
    open(path)  # noqa: ASYNC101
    input()  # noqa: ASYNC250
    kept = asyncio.create_task(f(path))  # noqa: F841
    unused = asyncio.create_task(f(path))
"""


def test_peer_codes_suppress_the_same_mistake(conclint, tmp_path):
    import json

    write(tmp_path, "a.py", PEERS)
    result = conclint("check", "--no-cache", "--output-format", "json", cwd=tmp_path)
    reported = sorted((d["line"], d["code"]) for d in json.loads(result.stdout))
    # A peer code suppresses only the conclint code for its own mistake (ASYNC230 is open(),
    # not time.sleep), exactly: no prefixes (RUF00, ASYNC2), and not the ambiguous ASYNC101.
    assert reported == [(8, "CCL101"), (15, "CCL502"), (16, "CCL104"), (17, "CCL104"), (20, "CCL502")]


def test_peer_codes_unit():
    from conclint.suppress import is_suppressed, noqa_map, peer_suppressed

    noqa = noqa_map(PEERS)
    assert is_suppressed("CCL101", 7, noqa) and peer_suppressed("CCL101", 7, noqa)
    assert not is_suppressed("CCL101", 8, noqa)
    assert is_suppressed("CCL104", 10, noqa)
    assert is_suppressed("CCL105", 18, noqa)
    # peer_suppressed answers only for peer codes: flake8 handles the bare and CCL forms.
    assert not peer_suppressed("CCL101", 4, noqa_map(SOURCE))
    assert not peer_suppressed("CCL101", 5, noqa_map(SOURCE))


def test_peer_code_table_is_documented():
    """docs/configuration.md lists every mapping, and each conclint code exists."""
    import re

    from conftest import ROOT
    from conclint.knowledge.peer_codes import PEER_CODES
    from conclint.rules import ALL_RULES

    docs = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `([A-Z]+\d+)` \| `(CCL\d{3})` \|", docs, re.MULTILINE))
    assert rows == {peer: entry.conclint for peer, entry in PEER_CODES.items()}
    assert all(entry.conclint in ALL_RULES for entry in PEER_CODES.values())
