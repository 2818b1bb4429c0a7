"""Property-based fuzzing of the per-file pass (issue 10), with hypothesis + hypothesmith.

Properties, on generated valid modules (``hypothesmith.from_grammar()`` / ``from_node()``),
on the same wrapped inside ``async def`` bodies next to blocking calls, and on broken
variants and arbitrary bytes:

* ``analyze_source`` never raises and never reports CCL009;
* a module LibCST parses gets no CCL001/CCL002;
* every diagnostic is placed inside the file, and every fix's edits lie inside the text;
* every fix, applied alone, leaves a module that still parses; fixing to the fixpoint
  (``conclint.fix.fix_text``) drops nothing and a second fix run changes nothing.

CI budget: ``max_examples`` = ``CONCLINT_FUZZ_EXAMPLES`` (default 100) per test, which keeps
this file well under a minute. A large run, with what each test went through (inputs
linted, findings, fixes applied and checked, seconds) appended as JSON lines to
``CONCLINT_FUZZ_REPORT``, e.g.::

    CONCLINT_FUZZ_EXAMPLES=10000 CONCLINT_FUZZ_REPORT=fuzz.jsonl \
        .venv/bin/python -m pytest tests/test_fuzz.py -q -k generated_modules
"""

from __future__ import annotations

import json
import os
import re
import time
import warnings
from collections import Counter

import libcst as cst
import pytest
from hypothesis import HealthCheck, assume, given, note, settings
from hypothesis import strategies as st

hypothesmith = pytest.importorskip("hypothesmith")

from conclint.engine import Settings, analyze_source  # noqa: E402
from conclint.rules import ALL_RULES  # noqa: E402

EXAMPLES = int(os.environ.get("CONCLINT_FUZZ_EXAMPLES", "100"))
ALL = Settings(frozenset(ALL_RULES))

FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)

# hypothesmith compiles what it generates: its SyntaxWarnings are not ours.
pytestmark = pytest.mark.filterwarnings("ignore::SyntaxWarning", "ignore::DeprecationWarning")

MODULES = hypothesmith.from_grammar() | hypothesmith.from_node()

#: What the properties went through, for the report of a large run.
COUNTS: Counter = Counter()


@pytest.fixture(autouse=True)
def report_counts(request):
    COUNTS.clear()
    start = time.monotonic()
    yield
    target = os.environ.get("CONCLINT_FUZZ_REPORT")
    if target:
        with open(target, "a") as handle:
            record = {"test": request.node.name, "max_examples": EXAMPLES, "seconds": round(time.monotonic() - start, 1), **COUNTS}
            handle.write(json.dumps(record) + "\n")


# -- checks shared by the properties ---------------------------------------------------------------
def libcst_parses(source) -> bool:
    try:
        cst.parse_module(source)
    except Exception:
        return False
    return True


def compiles(source: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(source, "<fuzz>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def lint(source):
    """The per-file pass; an exception here fails the property (it must never raise)."""
    result = analyze_source(source, "f.py", ALL)
    COUNTS["inputs linted"] += 1
    COUNTS["findings"] += len(result.diagnostics)
    internal = [d for d in result.diagnostics if d.code == "CCL009"]
    assert not internal, "\n".join(d.message for d in internal)
    return result.diagnostics


def check_placement(source: str, diagnostics) -> None:
    lines = len(re.split(r"\r\n|\r|\n", source))
    for d in diagnostics:
        assert d.path == "f.py"
        assert 1 <= d.line <= lines and d.column >= 1, d
        if d.end_line:
            assert (d.end_line, d.end_column) >= (d.line, d.column), d
        if d.fix is not None:
            previous = 0
            for edit in d.fix.edits:
                assert 0 <= edit.start <= edit.end <= len(source), (d, edit)
                assert edit.start >= previous, ("edits of one fix overlap or are unsorted", d)
                previous = edit.end


def apply_one(source: str, diagnostic) -> str:
    for edit in sorted(diagnostic.fix.edits, key=lambda e: (e.start, e.end), reverse=True):
        source = source[: edit.start] + edit.replacement + source[edit.end :]
    return source


def check_fixes(source: str, diagnostics) -> None:
    fixable = [d for d in diagnostics if d.fix is not None]
    if not fixable:
        return
    originally_compiles = compiles(source)
    for d in fixable:
        COUNTS["fixes checked"] += 1
        fixed = apply_one(source, d)
        note(f"fix of {d.code} at {d.line}:{d.column}:\n{fixed}")
        assert libcst_parses(fixed), f"the fix of {d.code} at {d.line}:{d.column} breaks the module"
        if originally_compiles:
            assert compiles(fixed), f"the fix of {d.code} at {d.line}:{d.column} does not compile"
    try:
        from conclint.fix import fix_text
    except ImportError:  # pragma: no cover - fixes not applied by this version
        return

    def relint(text):
        return lint(text)

    first = fix_text(source, relint, True, diagnostics)
    assert not first.dropped, [f"{d.code} {d.line}:{d.column}" for d in first.dropped]
    again = fix_text(first.text, relint, True)
    assert again.text == first.text and not again.fixed, "a second fix run changed the text"


def check_module(source: str) -> None:
    diagnostics = lint(source)
    if libcst_parses(source):
        tool = [d for d in diagnostics if d.code in ("CCL001", "CCL002")]
        assert not tool, tool
    check_placement(source, diagnostics)
    check_fixes(source, diagnostics)


# -- generated modules -------------------------------------------------------------------------------
@FUZZ
@given(source=MODULES)
def test_generated_modules(source):
    COUNTS["examples"] += 1
    check_module(source)


@FUZZ
@given(source=MODULES)
def test_generated_modules_as_bytes_with_crlf(source):
    """The same through the bytes path (encoding detection) with CRLF line endings."""
    COUNTS["examples"] += 1
    data = source.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")
    diagnostics = lint(data)
    if libcst_parses(data):
        assert not [d for d in diagnostics if d.code in ("CCL001", "CCL002")]


# -- inside async def, next to blocking calls -----------------------------------------------------------
PRELUDE = "import os\nimport subprocess\nimport time\n\nimport requests\n\n"
BLOCKING = [
    "time.sleep(0)",
    "open('data.txt')",
    "requests.get('https://example.com')",
    "subprocess.run(['true'])",
    "os.path.exists('x')",
]


def indent(source: str, prefix: str) -> str:
    """Indent by lines split on ``\\n`` only (what the tokenizer also ends lines on)."""
    return "".join(prefix + line if line.strip() else line for line in source.splitlines(keepends=True))


@st.composite
def async_wrapped(draw):
    body = draw(MODULES)
    before = draw(st.sampled_from(BLOCKING))
    after = draw(st.sampled_from(BLOCKING))
    shape = draw(st.sampled_from(["function", "method", "nested"]))
    if not body.endswith("\n"):
        body += "\n"
    if shape == "function":
        source = PRELUDE + f"async def _fuzz():\n    {before}\n" + indent(body, "    ") + f"    {after}\n"
        first_call = (PRELUDE.count("\n") + 2, 5)
    elif shape == "method":
        source = PRELUDE + f"class C:\n    async def _fuzz(self):\n        {before}\n" + indent(body, "        ") + f"        {after}\n"
        first_call = (PRELUDE.count("\n") + 3, 9)
    else:
        source = (
            PRELUDE
            + f"async def outer():\n    async def _fuzz():\n        {before}\n"
            + indent(body, "        ")
            + f"        {after}\n    await _fuzz()\n"
        )
        first_call = (PRELUDE.count("\n") + 3, 9)
    return source, body, first_call


@FUZZ
@given(case=async_wrapped())
def test_generated_code_inside_async_def(case):
    COUNTS["examples"] += 1
    source, body, (line, column) = case
    note(source)
    diagnostics = lint(source)
    if not libcst_parses(source):
        return  # valid at module level, not in a function (e.g. a misplaced __future__)
    assert not [d for d in diagnostics if d.code in ("CCL001", "CCL002")]
    check_placement(source, diagnostics)
    # Nothing the body does can hide the blocking call that comes before it, as long as it
    # does not rebind the names the call uses.
    if not re.search(r"\b(time|os|subprocess|requests|open|global|nonlocal|import)\b", body):
        at_first = [d for d in diagnostics if (d.line, d.column) == (line, column)]
        assert at_first and at_first[0].code.startswith("CCL1"), [(d.code, d.line, d.column) for d in diagnostics]
    check_fixes(source, diagnostics)


# -- broken input ----------------------------------------------------------------------------------------
@st.composite
def broken(draw):
    source = draw(MODULES)
    operation = draw(st.sampled_from(["truncate", "insert", "delete", "duplicate"]))
    at = draw(st.integers(0, len(source)))
    if operation == "truncate":
        return source[:at]
    if operation == "insert":
        junk = draw(st.text(alphabet="()[]{}:;,.'\"\\#@=\n\t \x00\x0c\r\ufeffasync await def lambda", max_size=8))
        return source[:at] + junk + source[at:]
    if operation == "delete":
        end = draw(st.integers(at, min(len(source), at + 10)))
        return source[:at] + source[end:]
    return source[:at] + source[at : at + 20] + source[at:]


@FUZZ
@given(source=broken())
def test_broken_modules_never_crash(source):
    COUNTS["examples"] += 1
    diagnostics = lint(source)
    check_placement(source, [d for d in diagnostics if d.code not in ("CCL001", "CCL002")])


@FUZZ
@given(data=st.binary(max_size=2000) | st.text(max_size=500).map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_arbitrary_bytes_never_crash(data):
    COUNTS["examples"] += 1
    lint(data)


@FUZZ
@given(text=st.text(max_size=500))
def test_arbitrary_text_never_crashes(text):
    COUNTS["examples"] += 1
    lint(text)
