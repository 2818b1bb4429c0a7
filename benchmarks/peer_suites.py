"""Score conclint's CCL1xx rules against the peers' own test suites for blocking calls.

Usage::

    python benchmarks/peer_suites.py --ruff PATH_TO_RUFF_CHECKOUT \\
                                     --flake8-async PATH_TO_FLAKE8_ASYNC_CHECKOUT \\
                                     [--conclint PATH] [--output FILE] [--fail-under 0.95]

Either checkout may be given alone. A "checkout" is any directory laid out like the
repository (a full clone, or only the files listed below extracted with ``git archive``);
nothing is copied into this repository: fixtures are linted from a temporary folder with
an empty ``[tool.conclint]`` config (``--config``), one file per conclint run, so neither
this repository's settings nor cross-module analysis between fixtures interferes.

The suites:

* **ruff** -- fixtures ``crates/ruff_linter/resources/test/fixtures/flake8_async/ASYNC2*.py``
  and their insta snapshots ``crates/ruff_linter/src/rules/flake8_async/snapshots/*.snap``.
  A snapshot named ``..._tests__ASYNC220_ASYNC22x.py.snap`` holds what rule ASYNC220 reports
  on fixture ``ASYNC22x.py``; each diagnostic is read from either snapshot format::

      ASYNC210 Async functions should not call blocking HTTP methods      (ruff >= 0.12)
       --> ASYNC210.py:8:5

      ASYNC210.py:8:5: ASYNC210 Async functions should not call ...       (older ruff)

* **flake8-async** -- ``tests/eval_files/async2*.py``, with the expected errors written as
  comments and read as ``tests/test_flake8_async.py::_parse_eval_file`` reads them: on a
  line that is not itself a comment, every ``(error|ASYNC...)(_.*)?:([^#]*)(?=#|$)``
  match is one expected error on that line (``error`` means the code in the file name,
  ``ASYNC232_asyncio`` is ASYNC232); ``# ARG --enable=...`` sets the codes the test runs.
  Each eval file is run by that test under trio, anyio and asyncio, with ``trio`` replaced
  by the library name in the source; here each file is scored once, under its
  ``# BASE_LIBRARY`` (trio unless stated) or, when that library is excluded with
  ``# NOTRIO``/``# NOANYIO``/``# NOASYNCIO``, under the first library still tested (its
  source rewritten the same way, which keeps line numbers). ``# <LIB>_NO_ERROR`` empties
  the expectation for that library.

Peer codes are mapped to conclint's (``PEER_TO_CONCLINT``); ASYNC2xx codes with no
counterpart (ASYNC200, the user-configured blocking calls, and any new ones) are skipped
and counted. Expected findings are compared as a *set* of (file, line, mapped code):
two peer errors on one line are one expected line.

    recall = expected lines conclint reports under the mapped code / expected lines

Printed, and written to ``benchmarks/.cache/peer_suites.md``: a summary table (suite,
expected, found, recall), a table per peer code, the expected lines conclint misses
(file:line, peer code, source line, and a hint: whether the line is inside ``async def``,
and the calls on it with names resolved through the file's imports -- ``unbound:os.system``
means the fixture never imports ``os``, ``var:client.send`` a method on a local variable
or parameter), and the lines conclint flags that the peer does not expect (file:line,
code, message, source line), split into those under a code the peer checks on that file
and those it does not (a code whose rule the peer's test does not enable for the file,
or a CCL1xx code with no peer counterpart).
"""

from __future__ import annotations

import argparse
import ast
import builtins
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
DEFAULT_OUTPUT = BENCH_DIR / ".cache" / "peer_suites.md"

PEER_TO_CONCLINT: Dict[str, str] = {
    "ASYNC210": "CCL102",
    "ASYNC211": "CCL102",
    "ASYNC212": "CCL102",
    "ASYNC220": "CCL103",
    "ASYNC221": "CCL103",
    "ASYNC222": "CCL103",
    "ASYNC230": "CCL104",
    "ASYNC231": "CCL104",
    "ASYNC232": "CCL104",
    "ASYNC240": "CCL104",
    "ASYNC250": "CCL105",
    "ASYNC251": "CCL101",
}
COMPARABLE = frozenset(PEER_TO_CONCLINT.values())

RUFF_FIXTURES = "crates/ruff_linter/resources/test/fixtures/flake8_async"
RUFF_SNAPSHOTS = "crates/ruff_linter/src/rules/flake8_async/snapshots"
F8A_EVAL_FILES = "tests/eval_files"
LIBRARIES = ("trio", "anyio", "asyncio")


# -- data ---------------------------------------------------------------------------------
@dataclass(frozen=True, order=True)
class Expected:
    file: str  # as shown (fixture file name)
    line: int
    code: str  # conclint code
    peer_code: str

    @property
    def key(self) -> Tuple[str, int, str]:
        return (self.file, self.line, self.code)


@dataclass(frozen=True, order=True)
class Reported:
    file: str
    line: int
    code: str
    column: int
    message: str

    @property
    def key(self) -> Tuple[str, int, str]:
        return (self.file, self.line, self.code)


@dataclass
class Fixture:
    name: str  # shown name
    path: Path  # original file in the checkout
    source: str  # source as linted (library-substituted for flake8-async when needed)
    rules: Set[str]  # in-scope peer rules (ASYNC2xx) the peer's test runs on this file
    note: str = ""  # library choice, ARG lines, ...


@dataclass
class Suite:
    name: str
    root: Path
    fixtures: List[Fixture] = field(default_factory=list)
    expected: List[Expected] = field(default_factory=list)  # one per peer error, in scope
    skipped: List[Tuple[str, int, str]] = field(default_factory=list)  # out-of-scope peer errors
    warnings: List[str] = field(default_factory=list)


# -- ruff ---------------------------------------------------------------------------------
SNAP_NAME = re.compile(r"__tests__(?P<code>[A-Z]+[0-9]+)_(?P<fixture>.+\.pyi?)\.snap$")
SNAP_HEADER = re.compile(r"^(?P<code>[A-Z][A-Z0-9]*[0-9]{3,})\b")
SNAP_ARROW = re.compile(r"^\s*-->\s*(?P<file>.+?):(?P<line>\d+):(?P<col>\d+)\s*$")
SNAP_OLD = re.compile(r"^(?P<file>\S+?\.pyi?):(?P<line>\d+):(?P<col>\d+): (?P<code>[A-Z][A-Z0-9]*[0-9]{3,})\b")


def parse_ruff_snapshot(text: str) -> List[Tuple[str, int, str]]:
    """(file name, line, code) of every diagnostic in an insta snapshot, either format."""
    out: List[Tuple[str, int, str]] = []
    body = text
    # Skip the YAML-ish front matter (``---\nsource: ...\n---``).
    if body.startswith("---"):
        end = body.find("\n---", 3)
        if end != -1:
            body = body[end + 4 :]
    pending: Optional[str] = None
    for raw in body.splitlines():
        old = SNAP_OLD.match(raw)
        if old:
            out.append((Path(old["file"]).name, int(old["line"]), old["code"]))
            pending = None
            continue
        header = SNAP_HEADER.match(raw)
        if header:
            pending = header["code"]
            continue
        arrow = SNAP_ARROW.match(raw)
        if arrow and pending is not None:
            out.append((Path(arrow["file"]).name, int(arrow["line"]), pending))
            pending = None  # later arrows belong to sub-diagnostics
    return out


def load_ruff(root: Path) -> Suite:
    suite = Suite("ruff", root)
    fixtures_dir = root / RUFF_FIXTURES
    snapshots_dir = root / RUFF_SNAPSHOTS
    for needed in (fixtures_dir, snapshots_dir):
        if not needed.is_dir():
            raise SystemExit(f"--ruff {root}: missing {needed.relative_to(root)}")
    fixture_paths = sorted(fixtures_dir.glob("ASYNC2*.py"))
    if not fixture_paths:
        raise SystemExit(f"--ruff {root}: no ASYNC2*.py under {RUFF_FIXTURES}")
    by_name = {p.name: p for p in fixture_paths}
    rules: Dict[str, Set[str]] = defaultdict(set)
    rules_run: Dict[str, Set[str]] = defaultdict(set)
    seen: Set[Tuple[str, int, str]] = set()
    for snap in sorted(snapshots_dir.glob("*.snap")):
        named = SNAP_NAME.search(snap.name)
        if named and named["fixture"] in by_name:
            rules_run[named["fixture"]].add(named["code"])
            if named["code"] in PEER_TO_CONCLINT:
                rules[named["fixture"]].add(named["code"])
        for file, line, code in parse_ruff_snapshot(snap.read_text(encoding="utf-8")):
            if file not in by_name or not code.startswith("ASYNC2"):
                continue
            if (file, line, code) in seen:  # the same diagnostic in two snapshots
                continue
            seen.add((file, line, code))
            if named and named["code"] != code:
                suite.warnings.append(f"{snap.name}: holds {code} at {file}:{line}")
            if code in PEER_TO_CONCLINT:
                suite.expected.append(Expected(file, line, PEER_TO_CONCLINT[code], code))
                rules[file].add(code)
            else:
                suite.skipped.append((file, line, code))
    for name, path in by_name.items():
        if not rules_run[name]:
            suite.warnings.append(f"{name}: no snapshot names this fixture (expected nothing)")
        note = "rules tested: " + (", ".join(sorted(rules_run[name])) or "none")
        suite.fixtures.append(Fixture(name, path, read_source(path), rules[name], note))
    return suite


# -- flake8-async -------------------------------------------------------------------------
F8A_ERROR = re.compile(r"(error|ASYNC...)(_.*)?:([^#]*)(?=#|$)")
F8A_ARG = re.compile(r"(?<=ARG ).*")
F8A_MARKERS = (
    "NOANYIO", "NOTRIO", "NOASYNCIO", "ANYIO_NO_ERROR", "TRIO_NO_ERROR", "ASYNCIO_NO_ERROR",
    "AUTOFIX", "NOAUTOFIX", "ASYNCIO_NO_AUTOFIX", "BASE_LIBRARY", "NOCOMPILE",
)


def f8a_markers(content: str) -> Dict[str, object]:
    """``find_magic_markers`` of flake8-async's test file."""
    found: Dict[str, object] = {m: False for m in F8A_MARKERS}
    found["BASE_LIBRARY"] = "trio"
    for marker in re.findall(rf"# ({'|'.join(F8A_MARKERS)})", content):
        if marker == "BASE_LIBRARY":
            m = re.search(r"# BASE_LIBRARY (\w*)", content)
            if m:
                found["BASE_LIBRARY"] = m.group(1)
        else:
            found[marker] = True
    return found


def f8a_replace_library(string: str, original: str, new: str) -> str:
    """``replace_library`` of flake8-async's test file."""

    def replace_str(string: str, original: str, new: str) -> str:
        if original in LIBRARIES:
            pattern = rf"(?<!-)(?:\b|(?<=_)){original}\b"
        elif re.fullmatch(r"\w+", original):
            pattern = rf"(?<!-)\b{original}\b"
        else:
            pattern = rf"(?<!-){re.escape(original)}"
        return re.sub(pattern, new, string)

    replacements = (
        ("open_nursery", "create_task_group"),
        ('"nursery"', '"task group"'),
        ("nursery", "task_group"),
        ("Nursery", "TaskGroup"),
    )
    if sorted((original, new)) == ["anyio", "trio"]:
        for trio_, anyio_ in replacements:
            from_, to_ = (trio_, anyio_) if original == "trio" else (anyio_, trio_)
            string = replace_str(string, from_, to_)
    return replace_str(string, original, new)


def f8a_parse(test: str, content: str) -> Tuple[List[Tuple[int, str]], List[str], List[str]]:
    """(line, code) of the expected errors, the ARG lines and the enabled codes."""
    test = test.split("_", maxsplit=1)[0]
    args: List[str] = []
    enabled = test if re.fullmatch(r"ASYNC\d{3}", test) else ""
    errors: List[Tuple[int, str]] = []
    for lineno, line in enumerate(content.split("\n"), start=1):
        line = line.replace("\\n", "\n").strip()
        arg = F8A_ARG.search(line)
        if arg:
            argument = arg.group().strip()
            args.append(argument)
            m = re.match(r"--enable=(.*)", argument)
            if m:
                enabled = m.group(1)
        if not line or line[0] == "#" or "#" not in line:
            continue
        for err_code, _alt, _args in F8A_ERROR.findall(line):
            errors.append((lineno, test if err_code == "error" else err_code))
    return errors, args, [c for c in enabled.split(",") if c]


def load_flake8_async(root: Path) -> Suite:
    suite = Suite("flake8-async", root)
    eval_dir = root / F8A_EVAL_FILES
    paths = sorted(eval_dir.glob("async2*.py")) if eval_dir.is_dir() else []
    if not paths:
        raise SystemExit(f"--flake8-async {root}: no async2*.py under {F8A_EVAL_FILES}")
    for path in paths:
        content = read_source(path)
        markers = f8a_markers(content)
        base = str(markers["BASE_LIBRARY"])
        tested = [lib for lib in LIBRARIES if not markers["NO" + lib.upper()]]
        if not tested:
            suite.warnings.append(f"{path.name}: excluded for every library; skipped")
            continue
        library = base if base in tested else ("asyncio" if "asyncio" in tested else tested[0])
        source = content if library == base else f8a_replace_library(content, base, library)
        if source.count("\n") != content.count("\n"):
            raise SystemExit(f"{path.name}: library substitution changed the line count")
        errors, args, enabled = f8a_parse(path.stem.upper(), source)
        if markers[library.upper() + "_NO_ERROR"]:
            errors = []
        rules = {c for c in PEER_TO_CONCLINT if any(c.startswith(e) for e in enabled)}
        seen: Set[Tuple[int, str]] = set()
        for line, code in errors:
            if (line, code) in seen:
                continue
            seen.add((line, code))
            if code in PEER_TO_CONCLINT:
                suite.expected.append(Expected(path.name, line, PEER_TO_CONCLINT[code], code))
            else:
                suite.skipped.append((path.name, line, code))
        note = f"library: {library}" + (f" (base {base})" if library != base else "")
        note += "; enabled: " + (",".join(enabled) or "none")
        other_args = [a for a in args if not a.startswith("--enable=")]
        if other_args:
            note += "; ARG: " + " ".join(a if len(a) <= 60 else a[:57] + "..." for a in other_args)
        suite.fixtures.append(Fixture(path.name, path, source, rules, note))
    return suite


# -- conclint -----------------------------------------------------------------------------
def read_source(path: Path) -> str:
    with open(path, encoding="utf-8", newline="") as handle:  # keep line endings as they are
        return handle.read()


def conclint_command(explicit: Optional[str]) -> List[str]:
    if explicit:
        return [explicit]
    for candidate in (REPO_ROOT / ".venv" / "bin" / "conclint", Path(sys.executable).parent / "conclint"):
        if candidate.is_file():
            return [str(candidate)]
    found = shutil.which("conclint")
    if found:
        return [found]
    return [sys.executable, "-m", "conclint"]


def run_conclint(conclint: List[str], fixture: Fixture, workdir: Path) -> Tuple[List[Reported], List[str]]:
    """conclint's CCL1 findings on one fixture, and its tool errors (CCL0xx, bad exit)."""
    folder = Path(tempfile.mkdtemp(dir=workdir))
    target = folder / fixture.name
    target.write_text(fixture.source, encoding="utf-8", newline="")
    config = workdir / "pyproject.toml"
    cmd = [*conclint, "check", "--select", "CCL1", "--extend-select", "CCL0", "--output-format", "json",
           "--exit-zero", "--quiet", "--jobs", "1", "--config", str(config), fixture.name]
    proc = subprocess.run(cmd, cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    problems: List[str] = []
    if proc.returncode != 0:
        problems.append(f"{fixture.name}: conclint exited {proc.returncode}: {proc.stderr.strip()[-400:]}")
    try:
        items = json.loads(proc.stdout or "[]")
    except ValueError as exc:
        problems.append(f"{fixture.name}: conclint output is not JSON ({exc}): {proc.stderr.strip()[-400:]}")
        items = []
    found: List[Reported] = []
    for item in items:
        code = str(item.get("code", "?"))
        if code.startswith("CCL0"):
            problems.append(f"{fixture.name}:{item.get('line')} {code} {item.get('message', '')}")
            continue
        found.append(Reported(fixture.name, int(item["line"]), code, int(item.get("column", 0)),
                              str(item.get("message", ""))))
    return sorted(found), problems


# -- hints for missed lines ---------------------------------------------------------------
class LineHints:
    """Where a line sits (async def or not) and the calls on it, resolved through imports."""

    def __init__(self, source: str) -> None:
        self.lines = source.splitlines()
        try:
            self.tree: Optional[ast.AST] = ast.parse(source)
        except SyntaxError:
            self.tree = None
            return
        self.parents: Dict[ast.AST, ast.AST] = {}
        for node in ast.walk(self.tree):
            for child in ast.iter_child_nodes(node):
                self.parents[child] = node
        # One flat map (a hint, not a resolver): module-level imports win over local ones.
        self.imports: Dict[str, str] = {}
        top = [n for n in self.tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]  # type: ignore[attr-defined]
        local = [n for n in ast.walk(self.tree) if isinstance(n, (ast.Import, ast.ImportFrom)) and n not in top]
        for node in top + local:
            if isinstance(node, ast.Import):
                pairs = [(a.asname or a.name.split(".")[0], a.name if a.asname else a.name.split(".")[0])
                         for a in node.names]
            elif node.module and not node.level:
                pairs = [(a.asname or a.name, f"{node.module}.{a.name}") for a in node.names]
            else:
                pairs = []
            for bound, qualified in pairs:
                self.imports.setdefault(bound, qualified)

    def text(self, line: int) -> str:
        return self.lines[line - 1].strip() if 0 < line <= len(self.lines) else ""

    def _function(self, node: ast.AST) -> Optional[ast.AST]:
        while node in self.parents:
            node = self.parents[node]
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                return node
        return None

    @staticmethod
    def _local_names(function: Optional[ast.AST]) -> Set[str]:
        if function is None:
            return set()
        names = {a.arg for a in ast.walk(function.args) if isinstance(a, ast.arg)}  # type: ignore[attr-defined]
        for node in ast.walk(function):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
        return names

    def _dotted(self, node: ast.AST) -> Optional[List[str]]:
        parts: List[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if isinstance(node, ast.Name):
            parts.append(node.id)
            return parts[::-1]
        return None

    def _resolve(self, node: Optional[ast.AST]) -> str:
        """A dotted expression (or the first one in an annotation) through the imports."""
        if node is None:
            return "?"
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            try:
                node = ast.parse(node.value, mode="eval").body
            except SyntaxError:
                return "?"
        candidates = [node] + [n for n in ast.walk(node) if isinstance(n, (ast.Attribute, ast.Name))]
        for candidate in candidates:
            parts = self._dotted(candidate)
            if not parts or parts[0] in ("None", "Optional", "Union"):
                continue
            if parts[0] in self.imports:
                return ".".join([self.imports[parts[0]], *parts[1:]])
            if hasattr(builtins, parts[0]):
                return "builtins." + ".".join(parts)
            return "unbound:" + ".".join(parts)
        return "?"

    def _origin(self, name: str, function: Optional[ast.AST], line: int) -> str:
        """Where a local variable or parameter gets its value or type, e.g. `` (= httpx.Client())``:
        the last binding in the function before ``line``, else the parameter."""
        if function is None:
            return ""
        best: Optional[Tuple[int, str]] = None
        for node in ast.walk(function):
            found: Optional[str] = None
            if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.target.id == name:
                found = f" (: {self._resolve(node.annotation)})"
            elif isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
                value = node.value.func if isinstance(node.value, ast.Call) else node.value
                found = f" (= {self._resolve(value)}{'()' if isinstance(node.value, ast.Call) else ''})"
            elif isinstance(node, (ast.With, ast.AsyncWith)):
                for item in node.items:
                    if isinstance(item.optional_vars, ast.Name) and item.optional_vars.id == name:
                        expr = item.context_expr
                        value = expr.func if isinstance(expr, ast.Call) else expr
                        found = f" (with {self._resolve(value)}() as)"
            if found and node.lineno <= line and (best is None or node.lineno > best[0]):
                best = (node.lineno, found)
        if best:
            return best[1]
        for arg in ast.walk(function.args):  # type: ignore[attr-defined]
            if isinstance(arg, ast.arg) and arg.arg == name:
                return f" (param: {self._resolve(arg.annotation)})" if arg.annotation else " (param)"
        return ""

    def hint(self, line: int) -> str:
        if self.tree is None:
            return "file does not parse"
        calls = [n for n in ast.walk(self.tree) if isinstance(n, ast.Call) and n.lineno == line]
        if not calls:
            return "no call on this line"
        contexts: Set[str] = set()
        names: List[str] = []
        for call in sorted(calls, key=lambda c: c.col_offset):
            function = self._function(call)
            contexts.add("module" if function is None else
                         "async def" if isinstance(function, ast.AsyncFunctionDef) else
                         "lambda" if isinstance(function, ast.Lambda) else "sync def")
            parts = self._dotted(call.func)
            if not parts:
                continue
            root, rest = parts[0], parts[1:]
            if root in ("print", "await"):
                continue
            if root in self.imports:
                name = ".".join([self.imports[root], *rest])
            elif root in self._local_names(function):
                name = "var:" + ".".join(parts) + self._origin(root, function, line)
            elif hasattr(builtins, root):
                name = "builtins." + ".".join(parts)
            else:
                name = "unbound:" + ".".join(parts)
            if name not in names:
                names.append(name)
        return f"[{'/'.join(sorted(contexts))}] " + (", ".join(names) or "-")


# -- scoring and report -------------------------------------------------------------------
@dataclass
class Score:
    suite: Suite
    expected: Dict[Tuple[str, int, str], List[str]]  # key -> peer codes
    reported: Dict[Tuple[str, int, str], List[Reported]]
    problems: List[str]

    @property
    def found(self) -> Set[Tuple[str, int, str]]:
        return set(self.expected) & set(self.reported)

    @property
    def recall(self) -> float:
        return len(self.found) / len(self.expected) if self.expected else 1.0


def score_suite(suite: Suite, conclint: List[str]) -> Score:
    expected: Dict[Tuple[str, int, str], List[str]] = defaultdict(list)
    for e in suite.expected:
        if e.peer_code not in expected[e.key]:
            expected[e.key].append(e.peer_code)
    reported: Dict[Tuple[str, int, str], List[Reported]] = defaultdict(list)
    problems: List[str] = []
    with tempfile.TemporaryDirectory(prefix="conclint-peer-") as tmp:
        workdir = Path(tmp)
        (workdir / "pyproject.toml").write_text("[tool.conclint]\n", encoding="utf-8")
        for fixture in suite.fixtures:
            found, trouble = run_conclint(conclint, fixture, workdir)
            problems.extend(trouble)
            for r in found:
                reported[r.key].append(r)
    return Score(suite, dict(expected), dict(reported), problems)


def table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> List[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |" for row in rows]
    return out


def rules_run(by_file: Dict[str, Fixture], key: Tuple[str, int, str]) -> List[str]:
    """The peer rules mapped to this conclint code that the peer's test runs on the file."""
    return sorted(r for r in by_file[key[0]].rules if PEER_TO_CONCLINT[r] == key[2])


def report(scores: List[Score], conclint: List[str]) -> str:
    out: List[str] = ["# conclint vs the peers' ASYNC2xx test suites", ""]
    out.append(f"conclint: `{' '.join(conclint)} check --select CCL1 --output-format json` "
               "(empty `[tool.conclint]`, one file per run); matching on (file, line, mapped code).")
    out.append("")
    out += table(("suite", "expected", "found", "recall", "skipped (out of scope)"),
                 [(s.suite.name, len(s.expected), len(s.found), f"{s.recall:.3f}",
                   len(s.suite.skipped)) for s in scores])
    out.append("")
    for s in scores:
        suite = s.suite
        by_file = {f.name: f for f in suite.fixtures}
        hints = {f.name: LineHints(f.source) for f in suite.fixtures}
        out += [f"## {suite.name}", "", f"checkout: `{suite.root}`" + revision(suite.root), ""]

        per_code: Dict[str, List[int]] = defaultdict(lambda: [0, 0])
        for key, peer_codes in s.expected.items():
            for pc in peer_codes:
                per_code[pc][0] += 1
                per_code[pc][1] += key in s.reported
        out += table(("peer code", "conclint code", "expected lines", "found", "recall"),
                     [(pc, PEER_TO_CONCLINT[pc], n, f, f"{f / n:.3f}")
                      for pc, (n, f) in sorted(per_code.items())])
        out.append("")
        out += table(("fixture", "expected", "found", "conclint CCL1 findings", "peer rules run", "note"),
                     [(f.name,
                       sum(1 for k in s.expected if k[0] == f.name),
                       sum(1 for k in s.found if k[0] == f.name),
                       sum(len(v) for k, v in s.reported.items() if k[0] == f.name),
                       ",".join(sorted(f.rules)) or "-", f.note) for f in suite.fixtures])
        out.append("")

        missed = sorted(set(s.expected) - set(s.reported))
        out += [f"### missed: expected lines conclint does not report ({len(missed)})", ""]
        if missed:
            rows = []
            for file, line, code in missed:
                h = hints[file]
                others = sorted({r.code for (f2, l2, _c), rs in s.reported.items()
                                 if f2 == file and l2 == line for r in rs})
                hint = h.hint(line) + (f"; conclint says {','.join(others)} here" if others else "")
                rows.append((f"{file}:{line}", "/".join(s.expected[(file, line, code)]) + f"->{code}",
                             f"`{h.text(line)}`", hint))
            out += table(("where", "peer code", "source", "hint"), rows)
        out.append("")

        extra = sorted(k for k in s.reported if k not in s.expected)

        in_scope = [k for k in extra if rules_run(by_file, k)]
        out_scope = [k for k in extra if not rules_run(by_file, k)]
        for title, keys in (("the peer runs a rule mapped to this code on the file", in_scope),
                            ("the peer runs no rule mapped to this code on the file, or the code has no peer counterpart",
                             out_scope)):
            out += [f"### extra: conclint reports, peer does not expect -- {title} ({len(keys)})", ""]
            if keys:
                rows = []
                for key in keys:
                    file, line, code = key
                    peer_here = sorted({pc for (f2, l2, _c), pcs in s.expected.items()
                                        if f2 == file and l2 == line for pc in pcs})
                    mapped = [r for r in sorted(PEER_TO_CONCLINT) if PEER_TO_CONCLINT[r] == code]
                    ran = rules_run(by_file, key)
                    scope = (("all of " if ran == mapped else "only ") + ",".join(ran)) if ran else "-"
                    for r in s.reported[key]:
                        note = f"peer expects {','.join(peer_here)} here" if peer_here else ""
                        rows.append((f"{file}:{line}:{r.column}", code, scope, r.message,
                                     f"`{hints[file].text(line)}`", note))
                out += table(("where", "code", "peer runs", "message", "source", "note"), rows)
            out.append("")

        out += [f"### skipped peer errors: codes out of scope ({len(suite.skipped)})", ""]
        if suite.skipped:
            counts: Dict[Tuple[str, str], int] = defaultdict(int)
            for file, _line, code in suite.skipped:
                counts[(file, code)] += 1
            out += [", ".join(f"{code} x{n} in {file}" for (file, code), n in sorted(counts.items())), ""]
        if suite.warnings or s.problems:
            out += ["### warnings", ""] + [f"- {w}" for w in (*suite.warnings, *s.problems)] + [""]
    return "\n".join(out).rstrip() + "\n"


def revision(root: Path) -> str:
    """The checkout's commit, when ``root`` is the top of a git work tree (not a folder inside one)."""
    try:
        proc = subprocess.run(["git", "-C", str(root), "rev-parse", "--show-toplevel", "--short", "HEAD"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return " (commit unknown)"
    lines = proc.stdout.split()
    if proc.returncode != 0 or len(lines) != 2 or Path(lines[0]).resolve() != root.resolve():
        return " (not a git work tree: commit unknown)"
    return f" (commit {lines[1]})"


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ruff", type=Path, help="a ruff checkout (astral-sh/ruff)")
    parser.add_argument("--flake8-async", dest="flake8_async", type=Path,
                        help="a flake8-async checkout (python-trio/flake8-async)")
    parser.add_argument("--conclint", help="the conclint executable (default: the repo's .venv)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT,
                        help=f"markdown report (default: {DEFAULT_OUTPUT.relative_to(REPO_ROOT)})")
    parser.add_argument("--fail-under", type=float, default=None,
                        help="exit 1 when a suite's recall is below this (default: always exit 0)")
    args = parser.parse_args(argv)
    if args.ruff is None and args.flake8_async is None:
        parser.error("give --ruff and/or --flake8-async")

    suites: List[Suite] = []
    if args.ruff is not None:
        suites.append(load_ruff(args.ruff.resolve()))
    if args.flake8_async is not None:
        suites.append(load_flake8_async(args.flake8_async.resolve()))
    conclint = conclint_command(args.conclint)
    scores = [score_suite(suite, conclint) for suite in suites]

    text = report(scores, conclint)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    print(text)
    print(f"written to {os.path.relpath(args.output)}", file=sys.stderr)
    if args.fail_under is not None and any(s.recall < args.fail_under for s in scores):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
