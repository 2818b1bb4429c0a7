"""The light name tracker must agree with LibCST's QualifiedNameProvider.

QualifiedNameProvider is too slow to run on every file (about six parses), but it is the
reference: for every call in the fixtures, whenever the tracker resolves the callee to an
imported or builtin name, the provider must give exactly that name.
"""

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, QualifiedNameProvider, QualifiedNameSource

from conclint.analysis import ModuleAnalyzer, ModuleFacts
from conclint.analysis.scopes import ASSIGN, WITH
from conclint.engine import module_name_for
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
    name = module_name_for(str(path))
    facts = ModuleFacts(module, str(path), name, default_catalogue())
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]

    def absolute(qualified):
        """The provider leaves relative imports relative (``..storage.f``)."""
        if not qualified.startswith("."):
            return qualified
        dots = len(qualified) - len(qualified.lstrip("."))
        base = package
        for _ in range(dots - 1):
            base = base.rpartition(".")[0]
        return ".".join(part for part in (base, qualified[dots:]) if part)

    wrapper.visit_batched([ModuleAnalyzer(facts)])
    checked = 0
    for site in facts.calls:
        func = site.node.func
        if not isinstance(func, (cst.Name, cst.Attribute)):
            continue
        head = func
        while isinstance(head, cst.Attribute):
            head = head.value
        if not isinstance(head, cst.Name):
            continue
        bindings = site.scope.lookup(head.value) or []
        if any(b.kind in (ASSIGN, WITH) for b in bindings):
            # The tracker follows assignments (``pause = time.sleep``); the provider does not.
            continue
        value = facts.callee(site)
        if value is not None and (value.instance or value.bound):
            continue
        names = provider_names(oracle, func)
        sources = {q.source for q in names}
        label = f"{path.name}: {cst.Module([]).code_for_node(func)}"
        if names and sources <= {QualifiedNameSource.IMPORT, QualifiedNameSource.BUILTIN}:
            if len(names) == 1:
                # One import or builtin: the tracker must find exactly it.
                assert value is not None and {value.qualname} == {absolute(q.name) for q in names}, f"{label}: tracker {value}, provider {names}"
                checked += 1
            else:
                # Several candidate imports: the tracker must stay silent.
                assert value is None, f"{label}: tracker {value}, provider {names}"
        elif QualifiedNameSource.LOCAL in sources:
            # A local definition or parameter shadows any import: never an external name.
            assert value is None or value.qualname.startswith(name + "."), f"{label}: tracker {value}, provider {names}"
    if path.name == "names.py":
        assert checked >= 6
