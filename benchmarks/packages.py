"""The pinned third-party packages the benchmarks run on, and how to get their sources.

Usage::

    python benchmarks/packages.py                 # fetch and unpack every package
    python benchmarks/packages.py tornado aiogram # only these
    python benchmarks/packages.py --list          # print name, version and source folder
    python benchmarks/packages.py --set findings  # the findings set instead of the speed set

Two named sets: ``speed`` (the default, ``PACKAGES``: what ``run.py`` and
``compare_ruff.py`` measure) and ``findings`` (``FINDINGS_PACKAGES``: the packages
``findings.py`` counts findings on, kept apart from the speed set so that they are a
check no rule was tuned on).

Each package is downloaded with ``pip download --no-deps --no-binary :all:`` (the sdist);
when that fails (no sdist, or its metadata cannot be prepared) the wheel is taken instead
(``--only-binary :all:``). Archives land in ``benchmarks/.cache/dist`` and are unpacked
into ``benchmarks/.cache/src/<name>-<version>/``. Everything is idempotent: a package
already unpacked is neither downloaded nor unpacked again. Nothing here is ever committed
(``benchmarks/.cache/`` is git-ignored).

The module also holds what the other scripts share: the cache paths, the list of Python
files checked for a package (the same list is handed to every tool), and the conclint
command to run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
CACHE_DIR = BENCH_DIR / ".cache"
DIST_DIR = CACHE_DIR / "dist"
SRC_DIR = CACHE_DIR / "src"


@dataclass(frozen=True)
class Package:
    name: str  # the name used on the command line (--packages tornado,...)
    requirement: str  # what pip downloads
    version: str

    @property
    def dirname(self) -> str:
        return f"{self.name}-{self.version}"

    @property
    def source_dir(self) -> Path:
        return SRC_DIR / self.dirname


PACKAGES: Dict[str, Package] = {
    p.name: p
    for p in (
        Package("tornado", "tornado==6.6.1", "6.6.1"),
        Package("textual", "textual==8.2.8", "8.2.8"),
        Package("aiogram", "aiogram==3.31.0", "3.31.0"),
        Package("locust", "locust==2.47.0", "2.47.0"),
        Package("distributed", "distributed==2026.8.0", "2026.8.0"),
        Package("homeassistant", "homeassistant==2024.3.3", "2024.3.3"),
    )
}

#: Real packages that use asyncio, threads and processes, none of them in ``PACKAGES``:
#: the findings are counted on them (``findings.py``), before and after a change to the
#: rules. All are sdists, which carry the packages' tests.
FINDINGS_PACKAGES: Dict[str, Package] = {
    p.name: p
    for p in (
        Package("aiohttp", "aiohttp==3.14.5", "3.14.5"),  # asyncio HTTP client and server
        Package("uvicorn", "uvicorn==0.55.0", "0.55.0"),  # ASGI server: asyncio, worker processes
        Package("asyncssh", "asyncssh==2.24.1", "2.24.1"),  # asyncio SSH client and server
        Package("celery", "celery==5.7.0", "5.7.0"),  # task queue: threads, processes, eventlet
        Package("scrapy", "scrapy==2.19.0", "2.19.0"),  # crawler: Twisted and asyncio
        Package("redis", "redis==8.1.0", "8.1.0"),  # Redis client, sync (threads) and asyncio
        Package("jupyter_server", "jupyter_server==2.21.1", "2.21.1"),  # notebook server: tornado, asyncio
        Package("joblib", "joblib==1.6.0", "1.6.0"),  # parallel computing: processes and threads
        Package("paramiko", "paramiko==5.1.0", "5.1.0"),  # SSH: a thread per transport
        Package("apscheduler", "apscheduler==3.11.3", "3.11.3"),  # scheduler: thread, process and asyncio executors
        Package("gunicorn", "gunicorn==27.0.1", "27.0.1"),  # pre-fork server: processes; threaded, gevent, asyncio workers
    )
}

#: The named sets (``--set``); ``speed`` is the default of every script but ``findings.py``.
SETS: Dict[str, Dict[str, Package]] = {"speed": PACKAGES, "findings": FINDINGS_PACKAGES}

#: Folders never descended into when listing a package's Python files.
SKIP_DIRS = frozenset({"__pycache__", ".git", ".hg", ".svn", ".tox", ".nox", ".venv", "venv", "node_modules"})

_MARKER = ".unpacked"  # written last, so a half-finished unpack is redone


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def select_packages(spec: Optional[str], package_set: str = "speed") -> List[Package]:
    """``"tornado,aiogram"`` -> packages of the set, in the order given; ``None`` or ``all`` -> every one."""
    if package_set not in SETS:
        raise SystemExit(f"unknown package set {package_set!r}; known: {', '.join(SETS)}")
    known = SETS[package_set]
    if not spec or spec.strip() == "all":
        return list(known.values())
    chosen = []
    for name in (part.strip() for part in spec.split(",")):
        if not name:
            continue
        if name not in known:
            raise SystemExit(f"unknown package {name!r} in the {package_set} set; known: {', '.join(known)}")
        chosen.append(known[name])
    return chosen


# -- download and unpack -------------------------------------------------------------------
def _archives_for(package: Package) -> List[Path]:
    if not DIST_DIR.is_dir():
        return []
    stems = {package.requirement.split("==")[0].lower().replace("-", "_")}
    found = []
    for path in DIST_DIR.iterdir():
        lowered = path.name.lower().replace("-", "_")
        for stem in stems:
            if lowered.startswith(f"{stem}_{package.version}".lower()) and (
                lowered.endswith((".tar.gz", ".zip", ".whl", ".tar.bz2", ".tgz"))
            ):
                found.append(path)
    # Prefer the sdist over a wheel when both are there.
    return sorted(found, key=lambda p: (p.suffix == ".whl", p.name))


def _pip_download(package: Package, binary: bool) -> bool:
    DIST_DIR.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check", "-d", str(DIST_DIR)]
    cmd += ["--only-binary", ":all:"] if binary else ["--no-binary", ":all:"]
    cmd.append(package.requirement)
    log(f"[packages] {' '.join(cmd[2:])}")
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if proc.returncode != 0:
        tail = "\n".join(proc.stdout.strip().splitlines()[-5:])
        log(f"[packages] pip download failed for {package.requirement} ({'wheel' if binary else 'sdist'}):\n{tail}")
        return False
    return True


def download(package: Package) -> Path:
    """The archive for ``package``: already in the cache, else an sdist, else a wheel."""
    archives = _archives_for(package)
    if archives:
        return archives[0]
    if not _pip_download(package, binary=False) or not _archives_for(package):
        if not _pip_download(package, binary=True):
            raise SystemExit(f"could not download {package.requirement} (neither sdist nor wheel)")
    archives = _archives_for(package)
    if not archives:
        raise SystemExit(f"pip reported success but no archive for {package.requirement} is in {DIST_DIR}")
    return archives[0]


def _safe_target(root: Path, member: str) -> Path:
    target = (root / member).resolve()
    if target != root and root not in target.parents:
        raise SystemExit(f"refusing to unpack {member!r} outside {root}")
    return target


def _unpack(archive: Path, destination: Path) -> None:
    tmp = destination.with_name(destination.name + ".partial")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    root = tmp.resolve()
    if archive.name.endswith((".whl", ".zip")):
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                _safe_target(root, info.filename)
            zf.extractall(tmp)
    else:
        with tarfile.open(archive) as tf:
            members = []
            for member in tf.getmembers():
                if not (member.isfile() or member.isdir()):
                    continue  # no links or devices from an archive
                _safe_target(root, member.name)
                members.append(member)
            if hasattr(tarfile, "data_filter"):  # 3.12+ (and security backports)
                tf.extractall(tmp, members=members, filter="data")
            else:
                tf.extractall(tmp, members=members)
    # An sdist has one top folder <name>-<version>/: lift its contents up one level.
    entries = list(tmp.iterdir())
    if len(entries) == 1 and entries[0].is_dir() and not archive.name.endswith(".whl"):
        inner = entries[0]
        for child in list(inner.iterdir()):
            child.rename(tmp / child.name)
        inner.rmdir()
    (tmp / _MARKER).write_text(archive.name + "\n")
    if destination.exists():
        shutil.rmtree(destination)
    tmp.rename(destination)


def ensure(package: Package) -> Path:
    """The unpacked source folder of ``package``, fetching and unpacking it if needed."""
    destination = package.source_dir
    if (destination / _MARKER).is_file():
        return destination
    archive = download(package)
    log(f"[packages] unpacking {archive.name} -> {destination.relative_to(REPO_DIR)}")
    SRC_DIR.mkdir(parents=True, exist_ok=True)
    _unpack(archive, destination)
    return destination


def archive_kind(package: Package) -> str:
    marker = package.source_dir / _MARKER
    if marker.is_file():
        return "wheel" if marker.read_text().strip().endswith(".whl") else "sdist"
    return "?"


# -- the files checked ---------------------------------------------------------------------------
def python_files(root: Path) -> List[str]:
    """Every ``*.py`` file under ``root``, relative to it, sorted: the list all tools get."""
    found = []
    for directory, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.endswith(".partial"))
        for filename in files:
            if filename.endswith(".py"):
                found.append(os.path.relpath(os.path.join(directory, filename), root))
    return sorted(found)


def count_lines(root: Path, files: Iterable[str]) -> int:
    total = 0
    for name in files:
        with open(root / name, "rb") as handle:
            total += handle.read().count(b"\n")
    return total


# -- the tools ------------------------------------------------------------------------------------
def conclint_command(explicit: Optional[str] = None) -> List[str]:
    """How to start conclint: ``--conclint``, the repo's venv, then ``PATH``, then ``-m``."""
    if explicit:
        return [explicit]
    for candidate in (REPO_DIR / ".venv" / "bin" / "conclint", REPO_DIR / ".venv" / "Scripts" / "conclint.exe"):
        if candidate.is_file():
            return [str(candidate)]
    found = shutil.which("conclint")
    if found:
        return [found]
    return [sys.executable, "-m", "conclint"]


def conclint_python(conclint: Sequence[str]) -> str:
    """The interpreter conclint runs on (so the parse floor uses the very same LibCST)."""
    if len(conclint) > 1:
        return conclint[0]
    script = Path(conclint[0])
    sibling = script.with_name("python")
    if sibling.is_file():
        return str(sibling)
    try:
        first = script.read_text(errors="replace").splitlines()[0]
        if first.startswith("#!") and "python" in first:
            return first[2:].strip().split()[0]
    except (OSError, IndexError):
        pass
    return sys.executable


PEERS_VENV = CACHE_DIR / "peers-venv"
#: The peers conclint is compared with, pinned; installed into their own venv so that
#: flake8 there does not load conclint's own flake8 plugin.
PEER_REQUIREMENTS = ("flake8", "flake8-async==26.8.1", "ruff==0.17.5")


def _venv_bin(name: str) -> Path:
    return PEERS_VENV / ("Scripts" if os.name == "nt" else "bin") / name


def _peers_ready() -> bool:
    return _venv_bin("ruff").is_file() and _venv_bin("flake8").is_file() and (PEERS_VENV / ".installed").is_file()


def ensure_peers(python: Optional[str] = None) -> Dict[str, Path]:
    """Paths of ``ruff`` and ``flake8`` in ``benchmarks/.cache/peers-venv``, created if missing.

    Raises ``SystemExit`` with pip's own last lines when the install fails.
    """
    if not _peers_ready():
        base = python or sys.executable
        log(f"[peers] creating {PEERS_VENV.relative_to(REPO_DIR)} with {base}")
        if PEERS_VENV.exists():
            shutil.rmtree(PEERS_VENV)
        proc = subprocess.run([base, "-m", "venv", str(PEERS_VENV)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if proc.returncode != 0:
            raise SystemExit(f"[peers] `{base} -m venv` failed:\n{proc.stdout}")
        cmd = [str(_venv_bin("python")), "-m", "pip", "install", "--disable-pip-version-check", *PEER_REQUIREMENTS]
        log(f"[peers] pip install {' '.join(PEER_REQUIREMENTS)}")
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if proc.returncode != 0:
            tail = "\n".join(proc.stdout.strip().splitlines()[-15:])
            raise SystemExit(f"[peers] installing the peers failed (exit {proc.returncode}):\n{tail}")
        (PEERS_VENV / ".installed").write_text("\n".join(PEER_REQUIREMENTS) + "\n")
    return {"ruff": _venv_bin("ruff"), "flake8": _venv_bin("flake8"), "python": _venv_bin("python")}


def peer_versions(peers: Dict[str, Path]) -> str:
    """``flake8 7.x (flake8-async 26.8.1 ...), ruff 0.17.5`` as the tools report themselves."""
    out = []
    for tool in ("flake8", "ruff"):
        try:
            proc = subprocess.run([str(peers[tool]), "--version"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            text = " ".join(proc.stdout.split())
            out.append(text if text.startswith(tool) else f"{tool} {text}")
        except OSError as exc:
            out.append(f"{tool}: {exc}")
    return "; ".join(out)


def isolated_conclint_config() -> Path:
    """An empty ``[tool.conclint]``: default settings whatever the package's pyproject says."""
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    path = CACHE_DIR / "conclint-isolated.toml"
    content = "# written by benchmarks/: conclint's defaults, independent of the checked package\n[tool.conclint]\n"
    if not path.is_file() or path.read_text() != content:
        path.write_text(content)
    return path


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="packages to fetch (default: every one of the set)")
    parser.add_argument("--set", dest="package_set", choices=sorted(SETS), default="speed", help="which set (default: speed)")
    parser.add_argument("--list", action="store_true", help="print the packages and where their sources are")
    args = parser.parse_args(argv)
    packages = select_packages(",".join(args.names) if args.names else None, args.package_set)
    for package in packages:
        if args.list:
            state = str(package.source_dir) if (package.source_dir / _MARKER).is_file() else "(not fetched)"
            print(f"{package.requirement:<28} {state}")
            continue
        root = ensure(package)
        files = python_files(root)
        print(f"{package.requirement:<28} {archive_kind(package):<5} {len(files):>6} .py files  {root}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
