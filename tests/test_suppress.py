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
