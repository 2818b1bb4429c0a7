"""Count conclint's findings on a set of pinned packages: per package, per code, in tests or not.

Usage::

    python benchmarks/findings.py [--set findings] [--packages aiohttp,redis] [--label now]
                                  [--jobs N] [--conclint PATH] [--setting 'test-policy="all"']
    python benchmarks/findings.py --compare benchmarks/.cache/findings-before.json benchmarks/.cache/findings-now.json
    python benchmarks/findings.py --sample 60 --seed 1 [--results FILE | --label now]

Run (the default): for each package of the set (``packages.py``; default ``findings``), from
the package's folder, on the same sorted list of ``*.py`` files the other scripts use::

    conclint check --no-cache --output-format json --exit-zero --config <empty [tool.conclint]> FILES

and write ``benchmarks/.cache/findings-<label>.md`` (tables) and ``findings-<label>.json``
(every finding, which conclint produced them, and the end of what conclint wrote on
stderr: its summary, such as how many findings it left out in tests). ``--setting
KEY=VALUE`` (a TOML value, repeatable) adds a line to that empty config, which is then
written to ``conclint-findings-<label>.toml``. A finding is in test code when its path,
relative to the package folder, has a file name ``test_*.py``, ``*_test.py`` or
``conftest.py``, or a folder named ``tests`` or ``test``. Codes are grouped in families:
CCL110 (chains) alone, the other CCL1xx (direct), CCL2xx, CCL3xx, CCL4xx, CCL5xx, and
CCL0xx (conclint's own diagnostics: syntax errors, unreadable files, internal errors).

``--compare A B`` prints, per package and per code, the counts of two results files and
their difference, then lists the findings that disappeared and appeared outside test code
(``path:line code message``, matched by path, line and code). ``--sample N`` prints N
findings from a results file, outside test code, each with its trace and three lines of
source either side: drawn in turn from each family, and within a family in turn from each
(package, code) pair in random order, so that one busy package or code does not fill the
sample (it shows the kinds of findings, not their frequencies). ``--include-tests`` widens
both lists to test code. Writes nothing outside ``benchmarks/.cache/``.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import random
import os
import re
import resource
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path, PurePosixPath
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent))

import packages as pk  # noqa: E402

FAMILIES = ("CCL1xx direct", "CCL110", "CCL2xx", "CCL3xx", "CCL4xx", "CCL5xx")
TOOL_FAMILY = "CCL0xx tool"
TEST_FILE_PATTERNS = ("test_*.py", "*_test.py", "conftest.py")
TEST_DIRS = frozenset({"tests", "test"})
CONTEXT_LINES = 3
#: The same bound as run.py: every file name goes on the command line.
MAX_ARGV_BYTES = 1_500_000

Finding = Dict[str, Any]


def family(code: str) -> str:
    if code == "CCL110":
        return "CCL110"
    if code.startswith("CCL1"):
        return "CCL1xx direct"
    if code[:4] in ("CCL2", "CCL3", "CCL4", "CCL5"):
        return f"{code[:4]}xx"
    return TOOL_FAMILY


def is_test_path(path: str) -> bool:
    parts = PurePosixPath(path).parts
    if not parts:
        return False
    name = parts[-1]
    return any(fnmatch.fnmatchcase(name, p) for p in TEST_FILE_PATTERNS) or any(d in TEST_DIRS for d in parts[:-1])


def output_paths(label: str) -> Tuple[Path, Path]:
    return pk.CACHE_DIR / f"findings-{label}.md", pk.CACHE_DIR / f"findings-{label}.json"


# -- which conclint ---------------------------------------------------------------------------
def _git(directory: Path, *args: str) -> str:
    proc = subprocess.run(["git", "-C", str(directory), *args], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    return proc.stdout.strip() if proc.returncode == 0 else ""


def describe_conclint(conclint: List[str]) -> Dict[str, str]:
    """Version, interpreter, LibCST, and the commit of the checkout conclint was installed from."""
    python = pk.conclint_python(conclint)
    probe = (
        "import conclint, sys; from importlib.metadata import version; "
        "print(conclint.__file__); print(sys.prefix); print(version('libcst')); print(sys.version.split()[0])"
    )
    proc = subprocess.run([python, "-c", probe], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    info = {"command": " ".join(conclint), "python": python}
    info["version"] = subprocess.run([*conclint, "--version"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True).stdout.strip()
    lines = proc.stdout.splitlines()
    if proc.returncode != 0 or len(lines) < 4:
        info["commit"] = "?"
        return info
    module_file, prefix, info["libcst"], info["python_version"] = lines[:4]
    # An editable install runs from its checkout; a plain one from site-packages, so look
    # at the folder that holds the venv too.
    for directory in (Path(module_file).parent, Path(prefix).parent):
        commit = _git(directory, "rev-parse", "--short", "HEAD")
        if commit:
            top = _git(directory, "rev-parse", "--show-toplevel")
            dirty = _git(Path(top), "status", "--porcelain", "--", "src")
            info["commit"] = commit + (" + uncommitted changes in src/" if dirty else "")
            info["checkout"] = top
            break
    else:
        info["commit"] = "?"
    return info


# -- run --------------------------------------------------------------------------------------
def config_file(settings: Sequence[str], label: str) -> Path:
    """The shared empty ``[tool.conclint]``; with ``--setting``s, a file of this label's own."""
    if not settings:
        return pk.isolated_conclint_config()
    lines = ["# written by benchmarks/findings.py: conclint's defaults and the --setting options", "[tool.conclint]"]
    for setting in settings:
        key, sep, value = setting.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise SystemExit(f"--setting {setting!r}: expected KEY=VALUE with a TOML value, e.g. test-policy=\"all\"")
        lines.append(f"{key.strip()} = {value.strip()}")
    path = pk.CACHE_DIR / f"conclint-findings-{label}.toml"
    pk.CACHE_DIR.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return path


def run_package(package: pk.Package, conclint: List[str], config: Path, jobs: Optional[int]) -> Dict[str, Any]:
    root = pk.ensure(package)
    files = pk.python_files(root)
    if sum(len(f) + 1 for f in files) > MAX_ARGV_BYTES:
        raise SystemExit(f"{package.name}: the file names do not fit on a command line")
    cmd = [*conclint, "check", "--no-cache", "--output-format", "json", "--exit-zero", "--config", str(config)]
    if jobs:
        cmd += ["--jobs", str(jobs)]
    pk.log(f"[findings] {package.requirement}: {len(files)} files")
    start, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run([*cmd, *files], cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
    seconds, after = time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN)
    # conclint waits for its workers, so their time is in its children's usage too.
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode not in (0, 2):  # 2: internal errors (CCL009), still a full JSON report
        raise SystemExit(f"{package.name}: conclint exited {proc.returncode}: {proc.stderr.strip()[-800:]}")
    try:
        raw = json.loads(proc.stdout or "[]")
    except ValueError as exc:
        raise SystemExit(f"{package.name}: conclint's output is not JSON ({exc}); stderr: {proc.stderr.strip()[-800:]}") from None
    findings = []
    for item in raw:
        path = Path(item["path"]).as_posix()
        findings.append(
            {
                "path": path,
                "line": int(item["line"]),
                "column": int(item.get("column", 0)),
                "code": item["code"],
                "name": item.get("name", ""),
                "message": item.get("message", ""),
                "trace": [f"{t['path']}:{t['line']} {t['text']}" for t in item.get("trace") or []],
                "test": is_test_path(path),
            }
        )
    findings.sort(key=lambda f: (f["path"], f["line"], f["column"], f["code"]))
    return {
        "package": package.requirement,
        "name": package.name,
        "root": root.relative_to(pk.REPO_DIR).as_posix(),
        "kind": pk.archive_kind(package),
        "files": len(files),
        "test_files": sum(1 for f in files if is_test_path(Path(f).as_posix())),
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "exit_status": proc.returncode,
        "stderr_tail": proc.stderr.strip()[-800:],
        "findings": findings,
    }


# -- tables -----------------------------------------------------------------------------------
def counts(findings: List[Finding], key: Any) -> Tuple[Counter, Counter]:
    """(all, in tests) per ``key(finding)``."""
    total, tests = Counter(), Counter()
    for f in findings:
        total[key(f)] += 1
        if f["test"]:
            tests[key(f)] += 1
    return total, tests


def _cell(total: int, tests: int) -> str:
    return f"{total} ({tests})" if total else "0"


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "-"


def markdown(results: Dict[str, Any], command: str) -> str:
    env = results["conclint"]
    packages = results["packages"]
    everything = [f for r in packages for f in r["findings"]]
    families = [*FAMILIES, TOOL_FAMILY]
    out = [
        f"# conclint findings: {results['label']}",
        "",
        f"Written by `{command}` on {results['date']}: {env['version']} (`{env['command']}`, commit {env.get('commit', '?')}), "
        f"LibCST {env.get('libcst', '?')}, Python {env.get('python_version', '?')}; set `{results['set']}`, "
        f"{results['seconds']:.0f} s in all (1-minute load average {results['load']} before).",
        "",
        "`n (t)`: n findings, t of them in test code (`test_*.py`, `*_test.py`, `conftest.py`, "
        "or under a `tests/` or `test/` folder).",
        "",
        "| package | files (tests) | findings | in tests | share | " + " | ".join(families) + " | wall s | CPU s |",
        "|---|---:|---:|---:|---:|" + "---:|" * len(families) + "---:|---:|",
    ]
    for r in packages:
        fam_total, fam_tests = counts(r["findings"], lambda f: family(f["code"]))
        n, t = len(r["findings"]), sum(1 for f in r["findings"] if f["test"])
        out.append(
            f"| {r['package']} | {r['files']} ({r['test_files']}) | {n} | {t} | {_share(t, n)} | "
            + " | ".join(_cell(fam_total[x], fam_tests[x]) for x in families)
            + f" | {r['seconds']:.1f} | {r['cpu_seconds']:.1f} |"
        )
    fam_total, fam_tests = counts(everything, lambda f: family(f["code"]))
    n, t = len(everything), sum(1 for f in everything if f["test"])
    out.append(
        f"| **total** | {sum(r['files'] for r in packages)} ({sum(r['test_files'] for r in packages)}) | {n} | {t} | {_share(t, n)} | "
        + " | ".join(_cell(fam_total[x], fam_tests[x]) for x in families)
        + f" | {sum(r['seconds'] for r in packages):.1f} | {sum(r['cpu_seconds'] for r in packages):.1f} |"
    )
    per_code = [counts(r["findings"], lambda f: f["code"]) for r in packages]
    all_total, all_tests = counts(everything, lambda f: f["code"])
    out += [
        "",
        "## Per code",
        "",
        "| code | " + " | ".join(r["name"] for r in packages) + " | total |",
        "|---|" + "---:|" * (len(packages) + 1),
    ]
    for code in sorted(all_total):
        cells = [_cell(c_total[code], c_tests[code]) for c_total, c_tests in per_code]
        out.append(f"| {code} | " + " | ".join(cells) + f" | {_cell(all_total[code], all_tests[code])} |")
    # conclint's summary goes to stderr (with JSON output, what it left out, e.g. in tests).
    said = [r for r in packages if r["stderr_tail"] or r["exit_status"] != 0]
    if said:
        out += ["", "## What conclint said on stderr", ""]
        out += [f"- {r['package']}: exit {r['exit_status']}: {r['stderr_tail'].splitlines()[-1] if r['stderr_tail'] else ''}" for r in said]
    return "\n".join(out) + "\n"


def run(args: argparse.Namespace) -> int:
    conclint = pk.conclint_command(args.conclint)
    chosen = pk.select_packages(args.packages, args.package_set)
    env = describe_conclint(conclint)
    pk.log(f"[findings] {env['version']} ({env['command']}, commit {env.get('commit', '?')}), label {args.label}")
    load = round(os.getloadavg()[0], 2)
    start = time.perf_counter()
    config = config_file(args.setting, args.label)
    packages = [run_package(p, conclint, config, args.jobs) for p in chosen]
    results = {
        "label": args.label,
        "set": args.package_set,
        "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "jobs": args.jobs,
        "settings": args.setting,
        "seconds": round(time.perf_counter() - start, 1),
        "load": load,
        "conclint": env,
        "packages": packages,
    }
    command = "python benchmarks/findings.py " + " ".join(argv_of(args))
    md_path, json_path = output_paths(args.label)
    json_path.write_text(json.dumps(results, indent=1) + "\n")
    text = markdown(results, command)
    md_path.write_text(text)
    print(text)
    print(f"written to {md_path.relative_to(pk.REPO_DIR)} and {json_path.relative_to(pk.REPO_DIR)}")
    return 0


def argv_of(args: argparse.Namespace) -> List[str]:
    """The options of this run, as they would be typed again (for the tables' heading)."""
    out = ["--set", args.package_set, "--label", args.label]
    if args.packages:
        out += ["--packages", args.packages]
    if args.jobs:
        out += ["--jobs", str(args.jobs)]
    for setting in args.setting:
        out += ["--setting", f"'{setting}'"]
    if args.conclint:
        out += ["--conclint", args.conclint]
    return out


# -- compare ----------------------------------------------------------------------------------
def load(path: str) -> Dict[str, Any]:
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise SystemExit(f"cannot read results {path}: {exc}") from None


def _key(f: Finding) -> Tuple[str, int, str]:
    return (f["path"], f["line"], f["code"])


def _only_in(findings: List[Finding], keys: Counter) -> List[Finding]:
    left = Counter(keys)
    taken = []
    for f in findings:
        if left[_key(f)] > 0:
            left[_key(f)] -= 1
            taken.append(f)
    return taken


def _diff(a: int, b: int) -> str:
    return f"{b - a:+d}" if a != b else "0"


def compare(args: argparse.Namespace) -> int:
    a, b = (load(p) for p in args.compare)
    by_a = {r["package"]: r for r in a["packages"]}
    by_b = {r["package"]: r for r in b["packages"]}
    names = [*by_a, *(n for n in by_b if n not in by_a)]
    where = "anywhere" if args.include_tests else "outside tests"
    out = [
        f"A: {args.compare[0]}: {a['conclint']['version']}, commit {a['conclint'].get('commit', '?')} ({a['date']})",
        f"B: {args.compare[1]}: {b['conclint']['version']}, commit {b['conclint'].get('commit', '?')} ({b['date']})",
        "",
        "| package | A | B | diff | A in tests | B in tests | A outside | B outside | diff outside |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    lists: List[str] = []
    all_a: List[Finding] = []
    all_b: List[Finding] = []
    for name in names:
        if name not in by_a or name not in by_b:
            out.append(f"| {name} | {'-' if name not in by_a else len(by_a[name]['findings'])} | "
                       f"{'-' if name not in by_b else len(by_b[name]['findings'])} | only in one file | | | | | |")
            continue
        fa, fb = by_a[name]["findings"], by_b[name]["findings"]
        all_a += fa
        all_b += fb
        ta, tb = sum(f["test"] for f in fa), sum(f["test"] for f in fb)
        out.append(
            f"| {name} | {len(fa)} | {len(fb)} | {_diff(len(fa), len(fb))} | {ta} | {tb} | "
            f"{len(fa) - ta} | {len(fb) - tb} | {_diff(len(fa) - ta, len(fb) - tb)} |"
        )
        ka, kb = Counter(map(_key, fa)), Counter(map(_key, fb))
        shown_a = [f for f in _only_in(fa, ka - kb) if args.include_tests or not f["test"]]
        shown_b = [f for f in _only_in(fb, kb - ka) if args.include_tests or not f["test"]]
        if shown_a or shown_b:
            lists += ["", f"## {name}: {len(shown_a)} disappeared, {len(shown_b)} appeared {where}", ""]
            lists += [f"- {f['path']}:{f['line']} {f['code']} {f['message']}" for f in shown_a]
            lists += [f"+ {f['path']}:{f['line']} {f['code']} {f['message']}" for f in shown_b]
    ca, ta_ = counts(all_a, lambda f: f["code"])
    cb, tb_ = counts(all_b, lambda f: f["code"])
    out += [
        "",
        "Per code, over the packages in both files:",
        "",
        "| code | family | A | B | diff | A in tests | B in tests | diff outside |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for code in sorted(set(ca) | set(cb)):
        out.append(
            f"| {code} | {family(code)} | {ca[code]} | {cb[code]} | {_diff(ca[code], cb[code])} | {ta_[code]} | {tb_[code]} | "
            f"{_diff(ca[code] - ta_[code], cb[code] - tb_[code])} |"
        )
    print("\n".join(out + lists))
    return 0


# -- sample -----------------------------------------------------------------------------------
def _interleave(groups: List[List[Finding]]) -> Iterator[Finding]:
    """One from each group in turn, until all are used up."""
    queues = [list(g) for g in groups]
    while queues:
        for q in queues:
            yield q.pop()
        queues = [q for q in queues if q]


Drawn = Dict[str, List[Tuple[Dict[str, Any], Finding]]]


def draw(results: Dict[str, Any], n: int, seed: int, include_tests: bool) -> Tuple[Drawn, Dict[str, int]]:
    """Up to ``n`` findings per family in turn, and how many each family had to draw from."""
    rng = random.Random(seed)
    cells: Dict[str, Dict[Tuple[str, str], List[Tuple[Dict[str, Any], Finding]]]] = {f: {} for f in FAMILIES}
    for r in results["packages"]:
        for f in r["findings"]:
            fam = family(f["code"])
            if fam in cells and (include_tests or not f["test"]):
                cells[fam].setdefault((r["package"], f["code"]), []).append((r, f))
    streams = {}
    for fam, by_cell in cells.items():
        groups = []
        for cell in sorted(by_cell):
            group = list(by_cell[cell])
            rng.shuffle(group)
            groups.append(group)
        rng.shuffle(groups)
        streams[fam] = _interleave(groups)  # type: ignore[arg-type]
    picked: Drawn = {f: [] for f in FAMILIES}
    pool = {fam: sum(map(len, by_cell.values())) for fam, by_cell in cells.items()}
    left = n
    live = [f for f in FAMILIES if cells[f]]
    while left > 0 and live:
        for fam in list(live):
            if left == 0:
                break
            item = next(streams[fam], None)
            if item is None:
                live.remove(fam)
                continue
            picked[fam].append(item)  # type: ignore[arg-type]
            left -= 1
    return picked, pool


def source_context(root: Path, finding: Finding) -> str:
    try:
        lines = (root / finding["path"]).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as exc:
        return f"      (cannot read: {exc})"
    line = finding["line"]
    lo, hi = max(1, line - CONTEXT_LINES), min(len(lines), line + CONTEXT_LINES)
    return "\n".join(f"    {'>' if i == line else ' '}{i:>6} | {lines[i - 1]}" for i in range(lo, hi + 1))


def sample(args: argparse.Namespace) -> int:
    path = args.results or str(output_paths(args.label)[1])
    results = load(path)
    picked, pool = draw(results, args.sample, args.seed, args.include_tests)
    where = "anywhere" if args.include_tests else "outside test code"
    print(f"{sum(map(len, picked.values()))} findings {where} from {path} "
          f"({results['conclint']['version']}, commit {results['conclint'].get('commit', '?')}), seed {args.seed}")
    number = 0
    for fam in FAMILIES:
        if not picked[fam]:
            continue
        print(f"\n## {fam}: {len(picked[fam])} of {pool[fam]}")
        for r, f in sorted(picked[fam], key=lambda rf: (rf[0]["package"], rf[1]["path"], rf[1]["line"])):
            number += 1
            print(f"\n{number}. [{r['package']}] {f['path']}:{f['line']} {f['code']} {f['message']}")
            for step in f["trace"]:
                print(f"      via {step}")
            print(source_context(pk.REPO_DIR / r["root"], f))
    return 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Count conclint's findings per package and code, in tests or not.")
    parser.add_argument("--set", dest="package_set", choices=sorted(pk.SETS), default="findings", help="package set (default: findings)")
    parser.add_argument("--packages", help="comma-separated names from the set (default: all of it)")
    parser.add_argument("--label", default="now", help="names the output files findings-LABEL.md/.json (default: now)")
    parser.add_argument("--jobs", type=int, help="passed to conclint as --jobs (default: conclint's, all cores)")
    parser.add_argument("--conclint", help="the conclint executable (default: the repo's .venv, then PATH)")
    parser.add_argument(
        "--setting", action="append", default=[], metavar="KEY=VALUE",
        help="a [tool.conclint] line added to the empty config, VALUE in TOML (repeatable): --setting 'test-policy=\"all\"'",
    )
    parser.add_argument("--compare", nargs=2, metavar=("A.json", "B.json"), help="print the difference between two results files")
    parser.add_argument("--sample", type=int, metavar="N", help="print N findings of a results file for judging by hand")
    parser.add_argument("--seed", type=int, default=0, help="random seed for --sample (default 0)")
    parser.add_argument("--results", help="results file for --sample (default: findings-LABEL.json)")
    parser.add_argument("--include-tests", action="store_true", help="--compare and --sample: list findings in test code too")
    args = parser.parse_args(argv)
    if not re.fullmatch(r"[A-Za-z0-9._-]+", args.label):
        parser.error("--label: letters, digits, '.', '_' and '-' only (it names files)")
    if args.compare and args.sample:
        parser.error("--compare and --sample are separate uses")
    if args.compare:
        return compare(args)
    if args.sample:
        return sample(args)
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
