"""Every annotated fixture: reported findings must equal the ``# error:`` annotations."""

from collections import defaultdict

import pytest

from conclint.config import Config
from conclint.engine import check_paths
from fixture_harness import expected_findings, fixture_files
from conftest import FIXTURES

FILES = fixture_files(FIXTURES)


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_fixture(path):
    expected = expected_findings(path)
    # Every rule, whatever the file's name: fixtures are not a project's test code.
    run = check_paths([str(path)], Config(root=str(FIXTURES), test_policy="all"), jobs=1)
    actual = defaultdict(set)
    messages = {}
    for d in run.diagnostics:
        actual[d.line].add(d.code)
        messages[(d.line, d.code)] = d.message
    lines = path.read_text(encoding="utf-8").splitlines()
    problems = []
    for line in sorted(set(expected) | set(actual)):
        want, got = expected.get(line, set()), actual.get(line, set())
        if want != got:
            source = lines[line - 1].strip() if line <= len(lines) else ""
            detail = "; ".join(messages[(line, c)] for c in sorted(got - want))
            problems.append(f"line {line}: expected {sorted(want)}, got {sorted(got)}: {source} {detail}")
    assert not problems, "\n".join(problems)


def test_fixtures_exist_for_every_rule():
    from conclint.rules import ALL_RULES

    covered = set()
    for path in sorted(FIXTURES.rglob("*.py")):
        for codes in expected_findings(path).values():
            covered |= codes
    missing = [c for c, rule in ALL_RULES.items() if not rule.engine_reported and c not in covered]
    assert not missing, f"rules without a flagged fixture line: {missing}"
