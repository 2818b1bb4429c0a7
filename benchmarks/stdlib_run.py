"""Reliability run: conclint over the CPython standard library and the pinned packages.

Usage::

    python benchmarks/stdlib_run.py                      # the stdlib + every unpacked package
    python benchmarks/stdlib_run.py --sample             # stdlib asyncio + concurrent only (CI)
    python benchmarks/stdlib_run.py --no-packages --jobs 2
    python benchmarks/stdlib_run.py --path some/folder   # any folders instead
    python benchmarks/stdlib_run.py --json               # the summary as JSON on stdout

For each target (the stdlib of the interpreter that runs conclint, i.e.
``sysconfig.get_paths()["stdlib"]`` without ``site-packages``; then every folder under
``benchmarks/.cache/src/``, which ``packages.py`` fills; nothing is downloaded here) it runs::

    conclint check --exit-zero --output-format json --config <empty [tool.conclint]> TARGET

from the target folder, and reports the files checked, the findings per code, every
CCL009 (internal error), CCL001 (syntax error) and CCL002 (unreadable file) with its
message, and any crash: an exit status other than 0 (or 2 with internal errors), a signal,
a Python traceback on stderr, output that is not JSON, or the ``--timeout``.

Exit status: 1 if any CCL009 appeared or any run crashed, else 0. Writes nothing outside
``benchmarks/.cache/`` (only the empty config that ``packages.py`` keeps there).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import sysconfig
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence

sys.path.insert(0, str(Path(__file__).resolve().parent))

import packages as pk  # noqa: E402

#: Folders conclint skips anyway (its built-in excludes), and site-packages, which is not
#: the standard library.
SKIP_DIRS = frozenset(
    {
        ".git", ".hg", ".svn", ".venv", "venv", ".tox", ".nox", ".mypy_cache", ".ruff_cache",
        ".pytest_cache", ".conclint_cache", "__pycache__", "build", "dist", "node_modules",
        "site-packages",
    }
)
TOOL_CODES = ("CCL009", "CCL001", "CCL002")
SAMPLE = ("asyncio", "concurrent")


@dataclass
class TargetResult:
    name: str
    path: str
    files: int = 0
    seconds: float = 0.0
    exit_status: Optional[int] = None
    findings: int = 0
    per_code: Dict[str, int] = field(default_factory=dict)
    tool_diagnostics: List[Dict[str, object]] = field(default_factory=list)
    crash: Optional[str] = None

    @property
    def internal_errors(self) -> int:
        return self.per_code.get("CCL009", 0)


def stdlib_dir() -> Path:
    return Path(sysconfig.get_paths()["stdlib"])


def count_files(root: Path) -> int:
    """``*.py``/``*.pyi`` files conclint's discovery finds (its built-in excludes, plus
    site-packages, which the run excludes through its config)."""
    if root.is_file():
        return 1
    total = 0
    for directory, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS and not d.endswith(".egg-info")]
        total += sum(1 for f in files if f.endswith((".py", ".pyi")))
    return total


def run_config() -> Path:
    """An empty ``[tool.conclint]`` plus ``exclude = ["site-packages"]``, in ``.cache``."""
    pk.isolated_conclint_config()  # keeps the shared empty one in place for the other scripts
    path = pk.CACHE_DIR / "conclint-stdlib-run.toml"
    content = (
        "# written by benchmarks/stdlib_run.py: conclint's defaults, minus site-packages\n"
        '[tool.conclint]\nexclude = ["site-packages"]\n'
    )
    if not path.is_file() or path.read_text() != content:
        path.write_text(content)
    return path


def check(conclint: Sequence[str], name: str, target: Path, jobs: Optional[int], timeout: float) -> TargetResult:
    result = TargetResult(name, str(target), files=count_files(target))
    command = [*conclint, "check", "--exit-zero", "--output-format", "json", "--config", str(run_config())]
    if jobs:
        command += ["--jobs", str(jobs)]
    command.append(".")
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    start = time.monotonic()
    try:
        proc = subprocess.run(
            command,
            cwd=target,
            capture_output=True,
            env=env,
            timeout=timeout or None,
        )
    except subprocess.TimeoutExpired:
        result.seconds = time.monotonic() - start
        result.crash = f"no result within {timeout:.0f} s"
        return result
    result.seconds = time.monotonic() - start
    result.exit_status = proc.returncode
    stderr = proc.stderr.decode("utf-8", "replace")
    try:
        records = json.loads(proc.stdout)
    except ValueError:
        records = None
    if records is not None:
        codes = Counter(r["code"] for r in records)
        result.findings = len(records)
        result.per_code = dict(sorted(codes.items()))
        result.tool_diagnostics = [
            {"path": r["path"], "line": r["line"], "code": r["code"], "message": r["message"]}
            for r in records
            if r["code"] in TOOL_CODES
        ]
    problems = []
    if proc.returncode < 0:
        problems.append(f"killed by signal {-proc.returncode}")
    elif proc.returncode not in (0, 2) or (proc.returncode == 2 and not result.internal_errors):
        problems.append(f"exit status {proc.returncode}")
    if "Traceback (most recent call last)" in stderr:
        problems.append("a Python traceback on stderr")
    if records is None:
        problems.append("stdout is not JSON")
    if problems:
        tail = "\n".join(stderr.strip().splitlines()[-12:])
        result.crash = "; ".join(problems) + (f"\n{tail}" if tail else "")
    return result


def targets(args: argparse.Namespace) -> List[tuple]:
    found = []
    if args.path:
        return [(Path(p).name or p, Path(p).resolve()) for p in args.path]
    stdlib = stdlib_dir()
    if args.sample:
        return [(f"stdlib/{name}", stdlib / name) for name in SAMPLE if (stdlib / name).is_dir()]
    found.append(("stdlib", stdlib))
    if not args.no_packages and pk.SRC_DIR.is_dir():
        wanted = set(args.packages.split(",")) if args.packages else None
        for folder in sorted(pk.SRC_DIR.iterdir()):
            if not folder.is_dir() or folder.name.endswith(".partial"):
                continue
            if wanted and folder.name.rsplit("-", 1)[0] not in wanted:
                continue
            found.append((folder.name, folder))
    return found


def report(results: List[TargetResult], out) -> None:
    total_files = sum(r.files for r in results)
    total_findings = sum(r.findings for r in results)
    total_seconds = sum(r.seconds for r in results)
    width = max(len("target"), *(len(r.name) for r in results))
    out.write(f"{'target':<{width}}  {'files':>6}  {'findings':>8}  {'CCL009':>6}  {'CCL001':>6}  {'CCL002':>6}  {'seconds':>8}  status\n")
    for r in results:
        status = "CRASH" if r.crash else ("INTERNAL ERRORS" if r.internal_errors else "ok")
        out.write(
            f"{r.name:<{width}}  {r.files:>6}  {r.findings:>8}  {r.per_code.get('CCL009', 0):>6}  "
            f"{r.per_code.get('CCL001', 0):>6}  {r.per_code.get('CCL002', 0):>6}  {r.seconds:>8.1f}  {status}\n"
        )
    out.write(f"{'total':<{width}}  {total_files:>6}  {total_findings:>8}  {'':>6}  {'':>6}  {'':>6}  {total_seconds:>8.1f}\n\n")
    codes: Counter = Counter()
    for r in results:
        codes.update(r.per_code)
    if codes:
        out.write("findings per code: " + ", ".join(f"{c} {n}" for c, n in sorted(codes.items())) + "\n\n")
    for r in results:
        for d in r.tool_diagnostics:
            out.write(f"{r.name}: {d['path']}:{d['line']}: {d['code']} {d['message']}\n")
        if r.crash:
            out.write(f"{r.name}: CRASH: {r.crash}\n")


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sample", action="store_true", help=f"only the stdlib packages {', '.join(SAMPLE)} (for CI)")
    parser.add_argument("--no-packages", action="store_true", help="skip benchmarks/.cache/src/*")
    parser.add_argument("--packages", help="only these unpacked packages (comma-separated names)")
    parser.add_argument("--path", action="append", help="check this folder instead (repeatable)")
    parser.add_argument("--jobs", type=int, help="passed to conclint --jobs")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per target (0: none)")
    parser.add_argument("--conclint", help="the conclint executable (default: the repo's venv, then PATH)")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    args = parser.parse_args(argv)

    conclint = pk.conclint_command(args.conclint)
    results = []
    for name, path in targets(args):
        if not args.json:
            print(f"[stdlib_run] {name}: {path}", file=sys.stderr, flush=True)
        results.append(check(conclint, name, path, args.jobs, args.timeout))
    if not results:
        print("stdlib_run: nothing to check", file=sys.stderr)
        return 1
    if args.json:
        json.dump([asdict(r) for r in results], sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        report(results, sys.stdout)
    bad = any(r.internal_errors or r.crash for r in results)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
