"""The engine's walker must call the same visitor methods as LibCST's ``visit_batched``."""

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper

from conclint.analysis import ModuleAnalyzer, ModuleFacts
from conclint.analysis.traversal import walk
from conclint.knowledge import default_catalogue
from conftest import FIXTURES, ROOT

FILES = sorted(FIXTURES.rglob("*.py")) + sorted((ROOT / "src" / "conclint").rglob("*.py"))


class Recorder(cst.BatchableCSTVisitor):
    """Records every node-type visit and leave, in order, except layout-only nodes."""

    def __init__(self):
        super().__init__()
        self.events = []

    def visit_Call(self, node):
        self.events.append(("Call", id(node)))

    def visit_Name(self, node):
        self.events.append(("Name", node.value))

    def visit_FunctionDef_body(self, node):
        self.events.append(("body", node.name.value))

    def leave_FunctionDef(self, node):
        self.events.append(("leave", node.name.value))

    def visit_Await(self, node):
        self.events.append(("Await", id(node)))


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(ROOT)) for p in FILES])
def test_walk_matches_visit_batched(path):
    module = cst.parse_module(path.read_bytes())
    batched, walked = Recorder(), Recorder()
    MetadataWrapper(module, unsafe_skip_copy=True).visit_batched([batched])
    walk(module, [walked])
    assert walked.events == batched.events


def test_analysis_same_under_both(tmp_path):
    path = FIXTURES / "ccl101_sleep.py"
    module = cst.parse_module(path.read_bytes())
    results = []
    for runner in ("batched", "walk"):
        facts = ModuleFacts(module, str(path), "m", default_catalogue())
        analyzer = ModuleAnalyzer(facts)
        if runner == "batched":
            MetadataWrapper(module, unsafe_skip_copy=True).visit_batched([analyzer])
        else:
            walk(module, [analyzer])
        results.append([(id(c.site.node), c.qualname) for c in facts.blocking_calls_in_async])
    assert results[0] == results[1] and results[0]


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(ROOT)) for p in FILES])
def test_call_spans_match_position_provider(path):
    """Findings on calls are placed with ``ast``; they must land where LibCST puts them."""
    from libcst.metadata import PositionProvider

    from conclint.analysis.positions import call_spans

    source = path.read_bytes()
    module = cst.parse_module(source)
    calls = []

    class Calls(cst.BatchableCSTVisitor):
        def visit_Call(self, node):
            calls.append(node)

    walk(module, [Calls()])
    spans = call_spans(source.decode(module.encoding), len(calls))
    assert spans is not None
    positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    for call, span in zip(calls, spans):
        where = positions[call]
        assert span == (where.start.line, where.start.column + 1, where.end.line, where.end.column + 1)
