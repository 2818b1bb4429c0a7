"""A content-hash cache of per-file results, module summaries and the project pass.

Layout, in the cache folder (default ``.conclint_cache/`` at the project root)::

    results-<key>.pickle     path -> ResultEntry     [always read]
    summaries-<key>.pickle   path -> SummaryEntry    [read only when needed]
    project-<key>.pickle     ProjectEntry            [the last project pass]

A checked file's summary is the one in ``summaries`` whose digest is the *summary digest*
of its results entry: the content digest of the version that produced that summary. An
edit that leaves the summary equal (a comment, a changed constant) keeps the old summary
digest, so the summaries file is not rewritten and the project pass is reused; only the
positions of its findings in the edited file are computed again.

``<key>`` digests the conclint version and every setting that changes what the per-file
pass computes, so a different configuration gets its own files instead of wrong answers.
A file is unchanged when its size and mtime match, or else when its content digest does.
Anything unreadable, corrupt or foreign is ignored and rebuilt; writes are atomic.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import tempfile
import time
from dataclasses import asdict
from typing import Any, Dict, Iterable, List, NamedTuple, Optional, Tuple

from conclint import __version__

#: Bumped whenever what is pickled changes shape, so that old caches get other file
#: names (the key digests it) and are dropped, never misread.
FORMAT = 8
KEEP_VARIANTS = 4
_MAGIC = "conclint-cache"


class ResultEntry(NamedTuple):
    """A checked file's per-file results, as of the version with this size and mtime."""

    mtime_ns: int
    size: int
    module: str
    digest: str  # of the file's content
    diagnostics: Tuple[Any, ...]
    noqa: Dict[int, Any]
    #: The content digest of the version that produced the file's summary (an edit that
    #: leaves the summary equal keeps it); None when the file has no summary.
    summary_digest: Optional[str]


class SummaryEntry(NamedTuple):
    """A module summary, and the version of the file it was made from."""

    mtime_ns: int
    size: int
    digest: str
    summary: Any


class ProjectEntry(NamedTuple):
    """The last project pass: what it read and what it found."""

    inputs: str  # digest of every checked file's path, module and summary digest
    placed: List[Any]  # (finding, diagnostic) pairs; finding None for an internal error
    #: Modules read from disk (path -> (mtime_ns, size), or None when unreadable) and
    #: module paths looked for and not found.
    dependencies: Tuple[Dict[str, Optional[Tuple[int, int]]], List[str]]
    contents: Dict[str, Optional[str]]  # content digest of every checked file


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _code_fingerprint() -> str:
    """conclint's own code, so that an edited (editable) install never reuses results of
    the code before the edit; for a released version this is as stable as the version."""
    package = os.path.dirname(os.path.abspath(__file__))
    entries = []
    for folder, _, files in os.walk(package):
        for name in sorted(files):
            if name.endswith(".py"):
                stat = os.stat(os.path.join(folder, name))
                entries.append(f"{os.path.relpath(os.path.join(folder, name), package)}:{stat.st_size}:{stat.st_mtime_ns}")
    return hashlib.blake2b("\n".join(sorted(entries)).encode(), digest_size=8).hexdigest()


def settings_key(settings: Any, root: str) -> str:
    payload = json.dumps(
        {
            "version": __version__,
            "code": _code_fingerprint(),
            "format": FORMAT,
            "settings": asdict(settings),
            "root": os.path.abspath(root),
        },
        default=lambda value: sorted(value) if isinstance(value, (set, frozenset)) else str(value),
        sort_keys=True,
    )
    return hashlib.blake2b(payload.encode(), digest_size=8).hexdigest()


class Cache:
    def __init__(self, directory: str, key: str) -> None:
        self.directory = directory
        self.key = key
        self.results: Dict[str, ResultEntry] = self._load("results", {})
        self._summaries: Optional[Dict[str, SummaryEntry]] = None
        self.project: Optional[ProjectEntry] = self._load("project", None)
        self._dirty = set()

    # -- reading --------------------------------------------------------------------
    def _path(self, kind: str) -> str:
        return os.path.join(self.directory, f"{kind}-{self.key}.pickle")

    def _load(self, kind: str, default):
        try:
            with open(self._path(kind), "rb") as handle:
                data = pickle.load(handle)
        except FileNotFoundError:
            return default
        except Exception:  # corrupt, truncated, or written by something else: rebuild
            return default
        if not isinstance(data, dict) or data.get("magic") != _MAGIC or data.get("key") != self.key:
            return default
        return data.get("payload", default)

    @property
    def summaries(self) -> Dict[str, SummaryEntry]:
        if self._summaries is None:
            self._summaries = self._load("summaries", {})
        return self._summaries

    def lookup(self, path: str, stat: os.stat_result, module: str) -> Optional[ResultEntry]:
        """The cached entry when the file is unchanged by size and mtime."""
        entry = self.results.get(path)
        if entry is not None and entry.mtime_ns == stat.st_mtime_ns and entry.size == stat.st_size and entry.module == module:
            return entry
        return None

    def lookup_digest(self, path: str, content_digest: str, module: str) -> Optional[ResultEntry]:
        entry = self.results.get(path)
        if entry is not None and entry.digest == content_digest and entry.module == module:
            return entry
        return None

    # -- writing ----------------------------------------------------------------------
    def store(self, path: str, stat: os.stat_result, module: str, content_digest: str, result: Any) -> None:
        summary_digest = None
        if result.summary is not None:
            summary_digest = content_digest
            previous = self.summaries.get(path)
            if previous is not None and previous.summary == result.summary:
                summary_digest = previous.digest
            else:
                self.store_summary(path, stat, content_digest, result.summary)
        elif path in self.summaries:
            self.store_summary(path, stat, content_digest, None)
        self.results[path] = ResultEntry(
            stat.st_mtime_ns, stat.st_size, module, content_digest, result.diagnostics, result.noqa, summary_digest
        )
        self._dirty.add("results")

    def checked_summary(self, path: str) -> Any:
        """The summary of a file whose results entry is current (see :meth:`lookup`)."""
        entry = self.results.get(path)
        if entry is None or entry.summary_digest is None:
            return None
        stored = self.summaries.get(path)
        if stored is not None and stored.digest == entry.summary_digest:
            return stored.summary
        return None

    def store_summary(self, path: str, stat: os.stat_result, content_digest: str, summary: Any) -> None:
        if summary is not None:
            self.summaries[path] = SummaryEntry(stat.st_mtime_ns, stat.st_size, content_digest, summary)
        else:
            self.summaries.pop(path, None)
        self._dirty.add("summaries")

    def summary(self, path: str, stat: os.stat_result) -> Any:
        entry = self.summaries.get(path)
        if entry is not None and entry.mtime_ns == stat.st_mtime_ns and entry.size == stat.st_size:
            return entry.summary
        return None

    def touch(self, path: str, stat: os.stat_result) -> None:
        """Same content, new mtime (a ``git checkout``): remember the new stat."""
        entry = self.results[path]
        self.results[path] = entry._replace(mtime_ns=stat.st_mtime_ns, size=stat.st_size)
        self._dirty.add("results")
        if self._summaries is not None and path in self._summaries:
            self._summaries[path] = self._summaries[path]._replace(mtime_ns=stat.st_mtime_ns, size=stat.st_size)
            self._dirty.add("summaries")

    def set_project(self, inputs: str, findings: List[Any], dependencies: Any, contents: Dict[str, Optional[str]]) -> None:
        self.project = ProjectEntry(inputs, findings, dependencies, contents)
        self._dirty.add("project")

    def prune(self, seen: Iterable[str]) -> None:
        """Drop entries of files that no longer exist."""
        seen = set(seen)
        for path in [p for p in self.results if p not in seen and not os.path.isfile(p)]:
            del self.results[path]
            self._dirty.add("results")
        if self._summaries is not None:
            for path in [p for p in self._summaries if p not in seen and not os.path.isfile(p)]:
                del self._summaries[path]
                self._dirty.add("summaries")

    def save(self) -> None:
        if not self._dirty:
            return
        try:
            os.makedirs(self.directory, exist_ok=True)
            self._mark_folder()
            for kind in sorted(self._dirty):
                payload = {"results": self.results, "summaries": self._summaries, "project": self.project}[kind]
                if payload is None:
                    continue
                self._write(kind, payload)
            self._prune_variants()
        except OSError:
            pass  # a cache that cannot be written is only a slower next run
        self._dirty.clear()

    def _write(self, kind: str, payload: Any) -> None:
        _write_atomically(self._path(kind), f".{kind}-", self.key, payload)

    def _mark_folder(self) -> None:
        tag = os.path.join(self.directory, "CACHEDIR.TAG")
        if not os.path.exists(tag):
            with open(tag, "w") as handle:
                handle.write("Signature: 8a477f597d28d172789f06886806bc55\n# conclint cache; safe to delete\n")
            with open(os.path.join(self.directory, ".gitignore"), "w") as handle:
                handle.write("*\n")

    def _prune_variants(self) -> None:
        """Keep the caches of the few most recently used configurations."""
        variants: Dict[str, float] = {}
        for name in os.listdir(self.directory):
            if name.endswith(".pickle") and "-" in name:
                key = name.rsplit("-", 1)[1][: -len(".pickle")]
                try:
                    mtime = os.path.getmtime(os.path.join(self.directory, name))
                except OSError:
                    continue
                variants[key] = max(variants.get(key, 0.0), mtime)
        variants[self.key] = time.time()
        for key in sorted(variants, key=variants.get, reverse=True)[KEEP_VARIANTS:]:
            for kind in ("results", "summaries", "project"):
                try:
                    os.unlink(os.path.join(self.directory, f"{kind}-{key}.pickle"))
                except OSError:
                    pass


# -- library summaries ------------------------------------------------------------------
def user_cache_folder() -> str:
    """conclint's folder in the user's cache: ``$XDG_CACHE_HOME/conclint``, else
    ``~/.cache/conclint`` (``%LOCALAPPDATA%\\conclint`` on Windows)."""
    base = os.environ.get("XDG_CACHE_HOME")
    if not base and os.name == "nt":
        base = os.environ.get("LOCALAPPDATA")
    if not base:
        base = os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "conclint")


class LibraryCache:
    """Summaries of library files (site-packages), shared by every project of the user:
    one small file per (content, module name, conclint version and code, FORMAT, the
    settings that change a summary), under ``<user cache>/libraries/``. A summary records
    its file's path, so a hit from another environment gets this file's path back."""

    def __init__(self, settings_payload: Any, folder: Optional[str] = None) -> None:
        self.folder = os.path.join(folder or user_cache_folder(), "libraries")
        payload = json.dumps(
            {"version": __version__, "code": _code_fingerprint(), "format": FORMAT, "settings": settings_payload},
            default=str,
            sort_keys=True,
        )
        self.key = hashlib.blake2b(payload.encode(), digest_size=8).hexdigest()
        self.hits = 0
        self.misses = 0

    def _file(self, content_digest: str, module: str) -> str:
        name = hashlib.blake2b(f"{self.key}:{module}:{content_digest}".encode(), digest_size=16).hexdigest()
        return os.path.join(self.folder, name[:2], name + ".pickle")

    def get(self, content_digest: str, module: str) -> Tuple[bool, Any]:
        """``(True, summary)`` when cached (the summary may be ``None``: not summarisable)."""
        try:
            with open(self._file(content_digest, module), "rb") as handle:
                data = pickle.load(handle)
        except Exception:  # absent, corrupt, or written by something else
            self.misses += 1
            return False, None
        if not isinstance(data, dict) or data.get("magic") != _MAGIC or data.get("key") != self.key:
            self.misses += 1
            return False, None
        self.hits += 1
        return True, data.get("payload")

    def put(self, content_digest: str, module: str, summary: Any) -> None:
        target = self._file(content_digest, module)
        try:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            tag = os.path.join(self.folder, "CACHEDIR.TAG")
            if not os.path.exists(tag):
                with open(tag, "w") as handle:
                    handle.write("Signature: 8a477f597d28d172789f06886806bc55\n# conclint library summaries; safe to delete\n")
            _write_atomically(target, ".summary-", self.key, summary)
        except OSError:
            pass  # a cache that cannot be written is only a slower next run


def _write_atomically(target: str, prefix: str, key: str, payload: Any) -> None:
    """Pickle ``payload`` under ``key`` to a temporary file beside ``target``, then move it
    into place: a reader sees the old file or the new one, never half of one."""
    descriptor, temporary = tempfile.mkstemp(prefix=prefix, dir=os.path.dirname(target))
    try:
        with os.fdopen(descriptor, "wb") as handle:
            pickle.dump({"magic": _MAGIC, "key": key, "payload": payload}, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, target)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
