"""Compare conclint's CCL1xx findings with ruff's ASYNC2xx rules on the pinned packages.

Usage::

    python benchmarks/compare_ruff.py [--packages tornado,aiogram] [--sample 20] [--seed 0]
                                      [--max-list 40] [--conclint PATH]

For each package, on the same list of ``*.py`` files (run from the package's folder):

* ``ruff check --isolated --select ASYNC2 --output-format json --no-cache`` (ruff 0.17.5
  from ``benchmarks/.cache/peers-venv``);
* ``conclint check --select CCL1 --output-format json`` (with an empty ``[tool.conclint]``).

Ruff's codes are mapped to conclint's (``RUFF_TO_CONCLINT``) and findings are matched by
(file, line, mapped code), as multisets: two findings on one line need two on the other
side. Also counted: pairs on the same line under different codes. Printed per package:
the counts, the overlap, the ruff-only list and the conclint-only list (``file:line code
message``); conclint-only findings under codes ruff has no counterpart for (CCL106,
CCL107, CCL110, CCL120, ...) are listed apart. With ``--sample K``, K random
conclint-only findings are printed with two lines of source either side, for checking by
hand. Every package compared so far is written to ``benchmarks/.cache/compare.md``
(lists in full) from ``benchmarks/.cache/compare.json``.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent))

import packages as pk  # noqa: E402

COMPARE_JSON = pk.CACHE_DIR / "compare.json"
COMPARE_MD = pk.CACHE_DIR / "compare.md"

RUFF_TO_CONCLINT: Dict[str, str] = {
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
#: conclint codes that ruff's ASYNC2xx rules can produce; other CCL1xx codes have no counterpart.
COMPARABLE = frozenset(RUFF_TO_CONCLINT.values())


@dataclass(frozen=True, order=True)
class Finding:
    path: str
    line: int
    code: str  # conclint's code (ruff's mapped; ``?ASYNC2nn`` when ruff's has no mapping)
    column: int
    original: str  # the tool's own code
    message: str

    @property
    def key(self) -> Tuple[str, int, str]:
        return (self.path, self.line, self.code)

    def show(self) -> str:
        code = self.original if self.original == self.code else f"{self.original}->{self.code}"
        return f"{self.path}:{self.line}:{self.column} {code} {self.message}"


def _run_json(cmd: Sequence[str], cwd: Path, what: str) -> list:
    proc = subprocess.run(list(cmd), cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if proc.returncode not in (0, 1):
        # conclint exits 2 on internal errors (CCL009) even with --exit-zero; keep its output.
        pk.log(f"[compare] {what} exited {proc.returncode}: {proc.stderr.strip()[-500:]}")
    try:
        return json.loads(proc.stdout or "[]")
    except ValueError as exc:
        raise SystemExit(f"{what}: output is not JSON ({exc}); stderr: {proc.stderr.strip()[-500:]}") from None


def _relative(path: str, root: Path) -> str:
    p = Path(path)
    if p.is_absolute():
        try:
            return p.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            return p.as_posix()
    return p.as_posix()


def ruff_findings(ruff: Path, root: Path, files: List[str]) -> List[Finding]:
    cmd = [str(ruff), "check", "--isolated", "--select", "ASYNC2", "--output-format", "json", "--no-cache", "--exit-zero", *files]
    out = []
    for item in _run_json(cmd, root, "ruff"):
        code = item.get("code") or "?"
        location = item.get("location") or {}
        out.append(
            Finding(
                _relative(item["filename"], root),
                int(location.get("row", 0)),
                RUFF_TO_CONCLINT.get(code, f"?{code}"),
                int(location.get("column", 0)),
                code,
                item.get("message", ""),
            )
        )
    return sorted(out)


def conclint_findings(conclint: List[str], root: Path, files: List[str]) -> List[Finding]:
    config = str(pk.isolated_conclint_config())
    cmd = [*conclint, "check", "--select", "CCL1", "--output-format", "json", "--exit-zero", "--config", config, *files]
    out = []
    for item in _run_json(cmd, root, "conclint"):
        out.append(
            Finding(
                _relative(item["path"], root),
                int(item["line"]),
                item["code"],
                int(item.get("column", 0)),
                item["code"],
                item.get("message", ""),
            )
        )
    return sorted(out)


def _take(findings: List[Finding], keys: Counter) -> List[Finding]:
    """The findings whose key is in ``keys``, each key used as often as it counts."""
    left = Counter(keys)
    taken = []
    for f in findings:
        if left[f.key] > 0:
            left[f.key] -= 1
            taken.append(f)
    return taken


def compare(package: pk.Package, tools: Dict[str, object]) -> Dict[str, object]:
    root = pk.ensure(package)
    files = pk.python_files(root)
    ruff = ruff_findings(tools["ruff"], root, files)  # type: ignore[arg-type]
    ours = conclint_findings(tools["conclint"], root, files)  # type: ignore[arg-type]
    ruff_keys, our_keys = Counter(f.key for f in ruff), Counter(f.key for f in ours)
    overlap = ruff_keys & our_keys
    ruff_only = _take(ruff, ruff_keys - overlap)
    our_only = _take(ours, our_keys - overlap)
    # Same line, other code: a sign of a mapping or categorisation difference, not a miss.
    ruff_lines = Counter((f.path, f.line) for f in ruff_only)
    same_line = sum(1 for f in our_only if ruff_lines[(f.path, f.line)] > 0)
    per_code: Dict[str, Dict[str, int]] = {}
    for f in ruff:
        per_code.setdefault(f.code, {"conclint": 0, "ruff": 0, "overlap": 0})["ruff"] += 1
    for f in ours:
        per_code.setdefault(f.code, {"conclint": 0, "ruff": 0, "overlap": 0})["conclint"] += 1
    for key, n in overlap.items():
        per_code[key[2]]["overlap"] += n
    return {
        "package": package.requirement,
        "files": len(files),
        "conclint": len(ours),
        "conclint_comparable": sum(1 for f in ours if f.code in COMPARABLE),
        "ruff": len(ruff),
        "overlap": sum(overlap.values()),
        "same_line_other_code": same_line,
        "per_code": per_code,
        "ruff_only": [asdict(f) for f in ruff_only],
        "conclint_only": [asdict(f) for f in our_only],
    }


# -- output ------------------------------------------------------------------------------------
def context(root: Path, finding: Finding, around: int = 2) -> str:
    try:
        lines = (root / finding.path).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as exc:
        return f"    (cannot read: {exc})"
    lo, hi = max(1, finding.line - around), min(len(lines), finding.line + around)
    return "\n".join(f"  {'>' if n == finding.line else ' '}{n:>6} | {lines[n - 1]}" for n in range(lo, hi + 1))


def summary_lines(result: Dict[str, object]) -> List[str]:
    out = [
        f"conclint CCL1: {result['conclint']} ({result['conclint_comparable']} under codes ruff can match), "
        f"ruff ASYNC2: {result['ruff']}, overlap (file, line, code): {result['overlap']}, "
        f"further same-line pairs under another code: {result['same_line_other_code']}",
        "",
        "| code | conclint | ruff (mapped) | overlap |",
        "|---|---:|---:|---:|",
    ]
    for code, c in sorted(result["per_code"].items()):  # type: ignore[union-attr]
        out.append(f"| {code} | {c['conclint']} | {c['ruff']} | {c['overlap']} |")
    return out


def listing(title: str, findings: List[Finding], limit: Optional[int]) -> List[str]:
    out = [f"{title} ({len(findings)}):"]
    shown = findings if limit is None else findings[:limit]
    out += [f"    {f.show()}" for f in shown]
    if len(shown) < len(findings):
        out.append(f"    ... {len(findings) - len(shown)} more in {COMPARE_MD.relative_to(pk.REPO_DIR)}")
    return out


def sections(result: Dict[str, object], limit: Optional[int]) -> List[str]:
    ruff_only = [Finding(**f) for f in result["ruff_only"]]  # type: ignore[union-attr]
    ours = [Finding(**f) for f in result["conclint_only"]]  # type: ignore[union-attr]
    comparable = [f for f in ours if f.code in COMPARABLE]
    other = [f for f in ours if f.code not in COMPARABLE]
    return [
        *listing("ruff-only", ruff_only, limit),
        *listing("conclint-only, codes ruff covers", comparable, limit),
        *listing("conclint-only, codes ruff has no counterpart for", other, limit),
    ]


def write_md(new: List[Dict[str, object]], samples: Dict[str, str], peers: str) -> None:
    stored: Dict[str, Dict[str, object]] = {}
    if COMPARE_JSON.is_file():
        try:
            stored = json.loads(COMPARE_JSON.read_text())
        except ValueError:
            stored = {}
    for result in new:
        if result["package"] in samples:
            result["sample"] = samples[str(result["package"])]
        stored[str(result["package"])] = result
    COMPARE_JSON.write_text(json.dumps(stored, indent=1) + "\n")
    order = {p.requirement: i for i, p in enumerate(pk.PACKAGES.values())}
    parts = [
        "# conclint CCL1 vs ruff ASYNC2",
        "",
        f"Written by `benchmarks/compare_ruff.py`; {peers}. Ruff codes mapped to conclint's; "
        "matched by (file, line, mapped code).",
        "",
        "| package | files | conclint | ruff | overlap | ruff-only | conclint-only |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    keys = sorted(stored, key=lambda k: order.get(k, 99))
    for key in keys:
        r = stored[key]
        parts.append(
            f"| {key} | {r['files']} | {r['conclint']} | {r['ruff']} | {r['overlap']} | {len(r['ruff_only'])} | {len(r['conclint_only'])} |"  # type: ignore[arg-type]
        )
    for key in keys:
        r = stored[key]
        parts += ["", f"## {key}", "", *summary_lines(r), "", "```", *sections(r, None), "```"]
        if r.get("sample"):
            parts += ["", "Random conclint-only sample:", "", "```", str(r["sample"]), "```"]
    COMPARE_MD.write_text("\n".join(parts) + "\n")


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Compare conclint CCL1xx with ruff ASYNC2xx on pinned packages.")
    parser.add_argument("--packages", help=f"comma-separated, default all: {','.join(pk.PACKAGES)}")
    parser.add_argument("--sample", type=int, default=0, metavar="K", help="print K random conclint-only findings with source context")
    parser.add_argument("--seed", type=int, default=0, help="random seed for --sample (default 0)")
    parser.add_argument("--max-list", type=int, default=40, help="longest list printed per kind (all go to compare.md)")
    parser.add_argument("--conclint", help="the conclint executable (default: the repo's .venv, then PATH)")
    args = parser.parse_args(argv)
    conclint = pk.conclint_command(args.conclint)
    peers = pk.ensure_peers(pk.conclint_python(conclint))
    tools: Dict[str, object] = {"conclint": conclint, "ruff": peers["ruff"]}
    rng = random.Random(args.seed)
    results, samples = [], {}
    for package in pk.select_packages(args.packages):
        pk.log(f"[compare] {package.requirement}")
        result = compare(package, tools)
        results.append(result)
        print(f"\n## {package.requirement}\n")
        print("\n".join(summary_lines(result)))
        print()
        print("\n".join(sections(result, args.max_list)))
        if args.sample:
            ours = [Finding(**f) for f in result["conclint_only"]]  # type: ignore[union-attr]
            picked = sorted(rng.sample(ours, min(args.sample, len(ours))))
            text = "\n\n".join(f"{f.show()}\n{context(package.source_dir, f)}" for f in picked)
            samples[package.requirement] = text
            print(f"\nrandom sample of {len(picked)} conclint-only findings (seed {args.seed}):\n")
            print(text)
    version = subprocess.run([*conclint, "--version"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True).stdout.strip()
    commit = subprocess.run(["git", "-C", str(pk.REPO_DIR), "rev-parse", "--short", "HEAD"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout.strip()
    write_md(results, samples, f"{version} (commit {commit or '?'}); {pk.peer_versions(peers)}")
    print(f"\nwritten to {COMPARE_MD.relative_to(pk.REPO_DIR)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
