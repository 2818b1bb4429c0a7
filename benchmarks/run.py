"""Time conclint against its floor and its peers on pinned real-world packages.

Usage::

    python benchmarks/run.py [--packages tornado,aiogram] [--jobs 2] [--skip-flake8]
                             [--timeout 1200] [--repeat 1] [--conclint PATH]

For each package the same sorted list of ``*.py`` files is handed, on the command line
and from the package's own folder, to every tool, and every tool gets the same number
of cores (``--jobs``; when fewer than the machine has, every tool is pinned to that many
CPUs too):

* conclint, cold: ``conclint check --jobs N --exit-zero -q --output-format json``
  (with a fresh ``--cache-dir`` when conclint has one, else ``--no-cache`` when it has
  that, else as is: there is no cache to be warm);
* conclint, warm (the same cache again) and with one file changed, restored afterwards:
  a comment appended to the largest file (its module summary stays equal), and an async
  function appended to it (the summary changes, so the project pass runs again); only
  when ``conclint check --help`` lists ``--cache-dir``, otherwise ``n/a (no cache)``;
* the LibCST parse floor: ``parse_floor.py`` (``libcst.parse_module`` on every file,
  N processes) on conclint's interpreter;
* ``flake8 --select ASYNC -jN`` with flake8-async (skipped with ``--skip-flake8``);
* ``ruff check --select ASYNC --no-cache`` (``RAYON_NUM_THREADS=N``).

Peers come from ``benchmarks/.cache/peers-venv`` (created on first use). Peers run with
``--isolated`` and conclint with an empty ``[tool.conclint]`` so that no package's own
configuration changes what is checked.

Each run is a ``subprocess.Popen`` reaped with ``os.wait4``: wall seconds, CPU seconds
(user+sys of the process and all the workers it waited for; cross-checked against
``RUSAGE_CHILDREN`` deltas) and peak RSS (``ru_maxrss``: the largest single process of
the tree, not the sum over workers). Tables go to stdout and to
``benchmarks/.cache/results.md`` (every package measured so far, from
``benchmarks/.cache/results.json``); a tool's output goes to ``benchmarks/.cache/logs/``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

sys.path.insert(0, str(Path(__file__).resolve().parent))

import packages as pk  # noqa: E402

LOG_DIR = pk.CACHE_DIR / "logs"
LIST_DIR = pk.CACHE_DIR / "filelists"
RESULTS_JSON = pk.CACHE_DIR / "results.json"
RESULTS_MD = pk.CACHE_DIR / "results.md"
#: Linux allows 2 MiB of arguments and environment; stay well below it.
MAX_ARGV_BYTES = 1_500_000
CHANGE_MARK = b"\n# conclint benchmark: one file changed\n"
#: An edit of code: a new function with a call changes the module's summary, so the
#: project pass runs again (a comment leaves the summary equal and the pass is reused).
CODE_CHANGE_MARK = b"\n\nasync def _conclint_benchmark_edit():\n    print('one file changed')\n"


@dataclass
class Row:
    tool: str
    command: str = ""
    wall: Optional[float] = None
    cpu: Optional[float] = None
    rss_mib: Optional[float] = None
    findings: Optional[int] = None
    note: str = ""
    exit_code: Optional[int] = None


@dataclass
class Measurement:
    wall: float
    cpu: float
    cpu_children_delta: float
    rss_kib: int
    exit_code: Optional[int]
    timed_out: bool
    stdout: Path
    stderr: Path


# -- measuring one process tree ------------------------------------------------------------------
def _rss_kib(maxrss: int) -> int:
    return maxrss // 1024 if sys.platform == "darwin" else maxrss  # bytes on macOS, KiB elsewhere


def measure(
    cmd: Sequence[str],
    cwd: Path,
    label: str,
    timeout: Optional[float],
    cpus: Optional[List[int]] = None,
    env: Optional[Dict[str, str]] = None,
) -> Measurement:
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    out_path, err_path = LOG_DIR / f"{label}.out", LOG_DIR / f"{label}.err"
    preexec: Optional[Callable[[], None]] = None
    if cpus and hasattr(os, "sched_setaffinity"):
        preexec = lambda: os.sched_setaffinity(0, cpus)  # noqa: E731
    full_env = dict(os.environ)
    full_env.update(env or {})
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    timed_out = threading.Event()
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            list(cmd), cwd=cwd, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
            env=full_env, start_new_session=True, preexec_fn=preexec,
        )

        def _kill() -> None:
            timed_out.set()
            try:
                os.killpg(proc.pid, signal.SIGKILL)  # the group of the child we started
            except ProcessLookupError:
                pass

        timer = threading.Timer(timeout, _kill) if timeout else None
        if timer:
            timer.daemon = True
            timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            if timer:
                timer.cancel()
        wall = time.perf_counter() - start
    exit_code = os.waitstatus_to_exitcode(status) if hasattr(os, "waitstatus_to_exitcode") else status >> 8
    proc.returncode = exit_code  # reaped by wait4: keep Popen from waiting again
    if timed_out.is_set():
        # Workers of a killed tree may be left; end the group again, by its id.
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    delta = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Measurement(
        wall=wall,
        cpu=usage.ru_utime + usage.ru_stime,
        cpu_children_delta=delta,
        rss_kib=_rss_kib(usage.ru_maxrss),
        exit_code=exit_code,
        timed_out=timed_out.is_set(),
        stdout=out_path,
        stderr=err_path,
    )


def best_of(repeat: int, run: Callable[[int], Measurement]) -> Measurement:
    """The run with the lowest wall time out of ``repeat``."""
    results = [run(i) for i in range(max(1, repeat))]
    return min(results, key=lambda m: m.wall)


def to_row(row: Row, m: Measurement, count: Callable[[Path], Optional[int]], ok_codes=(0,)) -> Row:
    row.wall, row.cpu, row.rss_mib, row.exit_code = m.wall, m.cpu, m.rss_kib / 1024, m.exit_code
    if abs(m.cpu - m.cpu_children_delta) > max(0.05, 0.05 * m.cpu):
        row.note = _join(row.note, f"RUSAGE_CHILDREN says {m.cpu_children_delta:.2f} s CPU")
    if m.timed_out:
        row.note = _join(row.note, "timed out")
        return row
    if m.exit_code not in ok_codes:
        tail = m.stderr.read_text(errors="replace").strip().splitlines()[-1:] or [""]
        row.note = _join(row.note, f"exit {m.exit_code}: {tail[0][:120]}")
    try:
        row.findings = count(m.stdout)
    except (ValueError, OSError) as exc:
        row.note = _join(row.note, f"unreadable output: {exc}")
    return row


def _join(a: str, b: str) -> str:
    return f"{a}; {b}" if a else b


def _count_json(path: Path) -> Optional[int]:
    text = path.read_text(errors="replace").strip()
    return len(json.loads(text)) if text else 0


def _count_lines(path: Path) -> Optional[int]:
    return sum(1 for line in path.read_text(errors="replace").splitlines() if line.strip())


# -- conclint's cache ---------------------------------------------------------------------------
def conclint_cache_flags(conclint: Sequence[str]) -> Dict[str, bool]:
    proc = subprocess.run([*conclint, "check", "--help"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return {"cache_dir": "--cache-dir" in proc.stdout, "no_cache": "--no-cache" in proc.stdout}


def _rmtree(path: Path) -> None:
    if path.exists():
        shutil.rmtree(path)


# -- one package ------------------------------------------------------------------------------
def bench_package(package: pk.Package, args: argparse.Namespace, tools: Dict[str, object]) -> Dict[str, object]:
    root = pk.ensure(package)
    files = pk.python_files(root)
    lines = pk.count_lines(root, files)  # also reads every file once: all tools start with a hot page cache
    LIST_DIR.mkdir(parents=True, exist_ok=True)
    filelist = LIST_DIR / f"{package.dirname}.txt"
    filelist.write_text("\n".join(files) + "\n")
    argv_bytes = sum(len(f) + 1 for f in files)
    if argv_bytes > MAX_ARGV_BYTES:
        raise SystemExit(f"{package.name}: {argv_bytes} bytes of file names do not fit on a command line")
    jobs = args.jobs
    cpus = sorted(os.sched_getaffinity(0))[:jobs] if hasattr(os, "sched_getaffinity") and jobs < (os.cpu_count() or jobs) else None
    conclint: List[str] = tools["conclint"]  # type: ignore[assignment]
    flags: Dict[str, bool] = tools["cache_flags"]  # type: ignore[assignment]
    peers: Dict[str, Path] = tools["peers"]  # type: ignore[assignment]
    config = str(pk.isolated_conclint_config())
    label = f"{package.dirname}"
    log = pk.log
    rows: List[Row] = []
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    log(f"[run] {package.requirement}: {len(files)} files, {lines} lines, jobs={jobs}, load {load}")

    base = [*conclint, "check", "--jobs", str(jobs), "--exit-zero", "-q", "--output-format", "json", "--config", config]
    cache_dir = pk.CACHE_DIR / "conclint-cache" / package.dirname
    conclint_ok = (0,)

    # conclint, cold
    # Where conclint may keep a cache by default: the project root (the package folder,
    # or the folder of the --config file). Removed before every cold run, so repeats stay cold.
    default_caches = [root / ".conclint_cache", Path(config).parent / ".conclint_cache"]

    def cold(i: int) -> Measurement:
        extra: List[str] = []
        for stale in default_caches:
            _rmtree(stale)
        if flags["cache_dir"]:
            _rmtree(cache_dir)
            extra = ["--cache-dir", str(cache_dir)]
        elif flags["no_cache"]:
            extra = ["--no-cache"]
        return measure([*base, *extra, *files], root, f"{label}.conclint-cold", args.timeout, cpus)

    log("[run]   conclint cold")
    cold_cmd = "conclint check --jobs N --exit-zero -q --output-format json" + (
        " --cache-dir DIR (fresh)" if flags["cache_dir"] else " --no-cache" if flags["no_cache"] else ""
    )
    cold_row = to_row(Row("conclint, cold", cold_cmd), best_of(args.repeat, cold), _count_json, conclint_ok)
    appeared = [str(p.relative_to(pk.REPO_DIR)) for p in default_caches if p.exists()]
    if appeared:
        cold_row.note = _join(cold_row.note, f"default cache written to {', '.join(appeared)} (cleared before each cold run)")
    rows.append(cold_row)

    if flags["cache_dir"]:
        log("[run]   conclint warm")
        m = best_of(args.repeat, lambda i: measure([*base, "--cache-dir", str(cache_dir), *files], root, f"{label}.conclint-warm", args.timeout, cpus))
        warm = to_row(Row("conclint, warm cache", "same cache dir again"), m, _count_json, conclint_ok)
        if warm.findings is not None and cold_row.findings is not None and warm.findings != cold_row.findings:
            warm.note = _join(warm.note, f"findings differ from cold ({cold_row.findings})")
        rows.append(warm)
        largest = max(files, key=lambda f: (root / f).stat().st_size)
        target = root / largest
        original = target.read_bytes()

        def one_changed(mark: bytes, name: str) -> Callable[[int], Measurement]:
            def run(i: int) -> Measurement:
                # Warm the cache on the original, then change one file and time the re-run.
                measure([*base, "--cache-dir", str(cache_dir), *files], root, f"{label}.conclint-prime", args.timeout, cpus)
                target.write_bytes(original + mark)
                try:
                    return measure([*base, "--cache-dir", str(cache_dir), *files], root, f"{label}.conclint-{name}", args.timeout, cpus)
                finally:
                    target.write_bytes(original)

            return run

        log(f"[run]   conclint one file changed ({largest})")
        rows.append(
            to_row(
                Row("conclint, 1 file changed", f"comment appended to {largest}", note=f"comment appended to {largest}"),
                best_of(args.repeat, one_changed(CHANGE_MARK, "one-changed")),
                _count_json,
                conclint_ok,
            )
        )
        rows.append(
            to_row(
                Row("conclint, 1 file's code changed", f"async function appended to {largest}", note="a function appended (summary changes)"),
                best_of(args.repeat, one_changed(CODE_CHANGE_MARK, "code-changed")),
                _count_json,
                conclint_ok,
            )
        )
    else:
        rows.append(Row("conclint, warm cache", note="n/a (no cache)"))
        rows.append(Row("conclint, 1 file changed", note="n/a (no cache)"))
        rows.append(Row("conclint, 1 file's code changed", note="n/a (no cache)"))

    # the parse floor
    log("[run]   LibCST parse floor")
    floor_cmd = [tools["python"], str(pk.BENCH_DIR / "parse_floor.py"), str(filelist), "--jobs", str(jobs)]
    m = best_of(args.repeat, lambda i: measure(floor_cmd, root, f"{label}.parse-floor", args.timeout, cpus))
    floor = to_row(Row("LibCST parse floor", f"libcst.parse_module, {jobs} processes"), m, lambda p: None)
    out = m.stdout.read_text().strip()
    if out.endswith("failed") and not out.endswith(" 0 failed"):
        floor.note = _join(floor.note, out)
    rows.append(floor)

    # flake8 + flake8-async
    if args.skip_flake8:
        rows.append(Row("flake8 + flake8-async", note="skipped (--skip-flake8)"))
    else:
        log("[run]   flake8 --select ASYNC")
        cmd = [str(peers["flake8"]), "--isolated", "--select", "ASYNC", f"-j{jobs}", *files]
        m = best_of(args.repeat, lambda i: measure(cmd, root, f"{label}.flake8", args.timeout, cpus))
        rows.append(to_row(Row("flake8 + flake8-async", f"flake8 --isolated --select ASYNC -j{jobs}"), m, _count_lines, (0, 1)))

    # ruff
    log("[run]   ruff check --select ASYNC")
    cmd = [str(peers["ruff"]), "check", "--isolated", "--select", "ASYNC", "--no-cache", "--output-format", "json", "--exit-zero", *files]
    m = best_of(args.repeat, lambda i: measure(cmd, root, f"{label}.ruff", args.timeout, cpus, env={"RAYON_NUM_THREADS": str(jobs)}))
    rows.append(to_row(Row("ruff ASYNC", f"ruff check --isolated --select ASYNC --no-cache (RAYON_NUM_THREADS={jobs})"), m, _count_json))

    return {
        "package": package.requirement,
        "files": len(files),
        "lines": lines,
        "jobs": jobs,
        "repeat": args.repeat,
        "load_before": load,
        "when": datetime.datetime.now().isoformat(timespec="seconds"),
        "rows": [asdict(r) for r in rows],
    }


# -- reporting -------------------------------------------------------------------------------------
def _f(value: Optional[float], digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _ratio(a: Optional[float], b: Optional[float]) -> str:
    if a is None or b is None or b <= 0:
        return "n/a"
    return f"{a / b:.2f}x"


def render(result: Dict[str, object]) -> str:
    rows = [Row(**r) for r in result["rows"]]  # type: ignore[arg-type]
    by = {r.tool: r for r in rows}
    lines = [
        f"### {result['package']}",
        "",
        f"{result['files']} files, {result['lines']} lines; {result['jobs']} jobs; best of {result['repeat']};"
        f" 1-min load before: {_f(result.get('load_before'))}; {result['when']}",
        "",
        "| tool | wall s | CPU s | peak RSS MiB | findings | note |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        findings = "—" if r.findings is None else str(r.findings)
        lines.append(f"| {r.tool} | {_f(r.wall)} | {_f(r.cpu)} | {_f(r.rss_mib, 0)} | {findings} | {r.note} |")
    cold, floor = by.get("conclint, cold"), by.get("LibCST parse floor")
    flake8, ruff = by.get("flake8 + flake8-async"), by.get("ruff ASYNC")

    def pair(a: Optional[Row], b: Optional[Row]) -> str:
        if a is None or b is None:
            return "n/a"
        return f"{_ratio(a.wall, b.wall)} wall, {_ratio(a.cpu, b.cpu)} CPU"

    lines += [
        "",
        f"- conclint cold / parse floor: {pair(cold, floor)}",
        f"- flake8 / conclint cold: {pair(flake8, cold)}",
        f"- conclint cold / ruff: {pair(cold, ruff)}",
        "",
    ]
    return "\n".join(lines)


def environment(tools: Dict[str, object]) -> Dict[str, str]:
    conclint: List[str] = tools["conclint"]  # type: ignore[assignment]
    version = subprocess.run([*conclint, "--version"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True).stdout.strip()
    commit = subprocess.run(["git", "-C", str(pk.REPO_DIR), "rev-parse", "--short", "HEAD"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout.strip()
    libcst = subprocess.run([tools["python"], "-c", "import sys; from importlib.metadata import version; print(version('libcst'), sys.version.split()[0])"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True).stdout.strip()
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "conclint": f"{version} (commit {commit or '?'})",
        "libcst, python": libcst,
        "peers": pk.peer_versions(tools["peers"]),  # type: ignore[arg-type]
        "machine": f"{os.cpu_count()} cores, {cpu}, {platform.system()} {platform.release()}",
    }


def write_results(new: List[Dict[str, object]], env: Dict[str, str]) -> str:
    stored: Dict[str, Dict[str, object]] = {}
    if RESULTS_JSON.is_file():
        try:
            stored = json.loads(RESULTS_JSON.read_text())
        except ValueError:
            stored = {}
    for result in new:
        result["environment"] = env
        stored[str(result["package"])] = result
    RESULTS_JSON.write_text(json.dumps(stored, indent=1) + "\n")
    order = {p.requirement: i for i, p in enumerate(pk.PACKAGES.values())}
    parts = ["# conclint benchmark results", "", "Written by `benchmarks/run.py`; see benchmarks/README.md.", ""]
    envs = []
    for key in sorted(stored, key=lambda k: order.get(k, 99)):
        result = stored[key]
        e = result.get("environment", {})
        if e not in envs:
            envs.append(e)
        parts.append(render(result))
        parts.append(f"_environment #{envs.index(e) + 1}_\n")
    parts.append("## Environments\n")
    for i, e in enumerate(envs, 1):
        parts.append(f"{i}. " + "; ".join(f"{k}: {v}" for k, v in e.items()))  # type: ignore[union-attr]
    RESULTS_MD.write_text("\n".join(parts) + "\n")
    return "\n".join(render(r) for r in new)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Time conclint, the LibCST parse floor, flake8-async and ruff on pinned packages.")
    parser.add_argument("--packages", help=f"comma-separated, default all: {','.join(pk.PACKAGES)}")
    parser.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1, help="cores/processes for every tool (default: all cores)")
    parser.add_argument("--skip-flake8", action="store_true", help="do not run flake8 (about 10 minutes on homeassistant)")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds before one tool run is killed (0: none; default 1800)")
    parser.add_argument("--repeat", type=int, default=1, help="run each measurement this many times and keep the fastest")
    parser.add_argument("--conclint", help="the conclint executable (default: the repo's .venv, then PATH)")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")
    args.timeout = args.timeout or None
    chosen = pk.select_packages(args.packages)
    conclint = pk.conclint_command(args.conclint)
    python = pk.conclint_python(conclint)
    tools: Dict[str, object] = {
        "conclint": conclint,
        "python": python,
        "cache_flags": conclint_cache_flags(conclint),
        "peers": pk.ensure_peers(python),
    }
    flags = tools["cache_flags"]
    pk.log(f"[run] conclint: {' '.join(conclint)}; cache flags: {flags}")
    env = environment(tools)
    results = []
    for package in chosen:
        results.append(bench_package(package, args, tools))
        print(render(results[-1]), flush=True)
    write_results(results, env)
    print("; ".join(f"{k}: {v}" for k, v in env.items()))
    print(f"\nwritten to {RESULTS_MD.relative_to(pk.REPO_DIR)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
