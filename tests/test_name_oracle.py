"""The light name tracker must agree with LibCST's QualifiedNameProvider.

QualifiedNameProvider is too slow to run on every file (about six parses), but it is the
reference: for every call in the fixtures, whenever the tracker resolves the callee to an
imported or builtin name, the provider must give exactly that name.
"""

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, QualifiedNameProvider, QualifiedNameSource

from conclint.analysis import ModuleAnalyzer, ModuleFacts
from conclint.knowledge import default_catalogue
from conftest import FIXTURES, ROOT

def provider_names(oracle, node):
    names = oracle.get(node, set())
    return names() if callable(names) else names


FILES = sorted(FIXTURES.rglob("*.py")) + sorted((ROOT / "examples").rglob("*.py")) + [ROOT / "tests" / "data" / "names.py"]


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(ROOT)) for p in FILES])
def test_tracker_agrees_with_qualified_name_provider(path):
    module = cst.parse_module(path.read_bytes())
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    oracle = wrapper.resolve(QualifiedNameProvider)
    facts = ModuleFacts(module, str(path), "fixture", default_catalogue())
    wrapper.visit_batched([ModuleAnalyzer(facts)])
    checked = 0
    for site in facts.calls:
        func = site.node.func
        if not isinstance(func, (cst.Name, cst.Attribute)):
            continue
        value = facts.callee(site)
        if value is None or value.instance or value.bound or value.qualname.startswith("fixture."):
            continue
        names = provider_names(oracle, func)
        expected = {q.name for q in names if q.source in (QualifiedNameSource.IMPORT, QualifiedNameSource.BUILTIN)}
        assert value.qualname in expected and len(names) == 1, (
            f"{path.name}: {cst.Module([]).code_for_node(func)} -> tracker {value.qualname}, provider {names}"
        )
        checked += 1
    if path.name == "names.py":
        assert checked >= 6
    # Shadowed names: where the provider sees only a local definition, the tracker is silent.
    for site in facts.calls:
        names = provider_names(oracle, site.node.func)
        if names and all(q.source == QualifiedNameSource.LOCAL for q in names):
            value = facts.callee(site)
            assert value is None or value.instance or value.bound or value.qualname.startswith("fixture."), value
