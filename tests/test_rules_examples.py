"""Each rule's own VALID/INVALID snippets (Fixit-style) and its generated docs page."""

import pytest

from conclint.config import Config
from conclint.docs import main as docs_main
from conclint.engine import check_source
from conclint.rules import ALL_RULES
from conftest import ROOT

CASES = [
    (code, kind, index, snippet)
    for code, rule in ALL_RULES.items()
    for kind, snippets in (("valid", rule.VALID), ("invalid", rule.INVALID))
    for index, snippet in enumerate(snippets)
]


@pytest.mark.parametrize("code,kind,index,snippet", CASES, ids=[f"{c}-{k}-{i}" for c, k, i, _ in CASES])
def test_rule_examples(code, kind, index, snippet):
    found = [d.code for d in check_source(snippet, "example.py", Config(select=(code,)))]
    if kind == "valid":
        assert found == [], snippet
    else:
        assert found and set(found) == {code}, snippet


@pytest.mark.parametrize("code", sorted(ALL_RULES))
def test_rule_metadata(code):
    rule = ALL_RULES[code]
    assert rule.code == code and rule.name and rule.summary
    assert rule.name == rule.name.lower() and " " not in rule.name
    for field in ("what", "why", "advice", "example", "instead"):
        assert getattr(rule, field).strip(), f"{code} lacks {field}"


def test_rule_names_unique():
    names = [rule.name for rule in ALL_RULES.values()]
    assert len(names) == len(set(names))


def test_docs_pages_are_current():
    """docs/rules is generated from the rule classes: regenerate with `python -m conclint.docs`."""
    assert docs_main([str(ROOT / "docs" / "rules"), "--check"]) == 0
