"""What a run needs and returns: the settings a worker gets, and per-file and whole-run
results. Small frozen data, picklable so that it crosses process boundaries cheaply."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Dict, FrozenSet, List, Optional, Set, Tuple

from conclint.analysis import ModuleSummary
from conclint.config import Config
from conclint.diagnostic import Diagnostic
from conclint.knowledge.catalogue import Catalogue
from conclint.rules import ALL_RULES
from conclint.suppress import NoqaMap


@dataclass(frozen=True)
class Settings:
    """What a worker needs to analyse a file; small and picklable."""

    codes: FrozenSet[str]
    blocking: Tuple[Tuple[str, str], ...] = ()
    executor_wrappers: Tuple[str, ...] = ()
    #: ``free-threaded = true``: CPython without the GIL, where CPU-bound threads do run in
    #: parallel, so CCL201 (cpu-bound-in-thread) is off.
    free_threaded: bool = False
    thread_callbacks: Tuple[str, ...] = ()
    #: Libraries (CCL110): followed or not, the interpreter to ask for ``sys.path`` and
    #: extra folders, as absolute paths ("" and (): found at run time).
    follow_libraries: bool = True
    python: str = ""
    library_paths: Tuple[str, ...] = ()

    @property
    def triggers(self) -> Optional[Tuple[bytes, ...]]:
        """Words one of which a file must contain to hold a finding of an enabled rule;
        ``None`` when some enabled rule can fire on any file."""
        words: Set[bytes] = set()
        for code in self.codes:
            rule = ALL_RULES.get(code)
            if rule is None or rule.engine_reported:
                continue
            if rule.triggers is None:
                return None
            words.update(rule.triggers)
        if not words:
            return None  # no rules: a summary-only pass, which must parse
        words.update(name.rsplit(".", 1)[-1].encode() for name in self.executor_wrappers + self.thread_callbacks)
        return tuple(sorted(words))

    @classmethod
    def from_config(cls, config: Config) -> "Settings":
        codes = config.enabled_codes(ALL_RULES)
        if config.free_threaded:
            codes = codes - {"CCL201"}
        return cls(
            codes,
            config.blocking,
            config.executor_wrappers,
            config.free_threaded,
            config.thread_callbacks,
            config.follow_libraries,
            os.path.join(config.root, os.path.expanduser(config.python)) if config.python else "",
            tuple(os.path.join(config.root, os.path.expanduser(p)) for p in config.library_paths),
        )


@dataclass
class FileResult:
    path: str
    diagnostics: Tuple[Diagnostic, ...]
    summary: Optional[ModuleSummary] = None
    noqa: NoqaMap = field(default_factory=dict)
    #: From the cache: the summary is read from it only if the project pass needs it.
    cached: bool = False


@dataclass
class RunResult:
    diagnostics: List[Diagnostic]
    files: int
    suppressed: int = 0
    #: Findings in test files that ``test-policy`` does not report there.
    left_out_in_tests: int = 0

    @property
    def internal_errors(self) -> int:
        return sum(1 for d in self.diagnostics if d.code == "CCL009")


_CATALOGUES: Dict[Tuple[Tuple[str, str], ...], Catalogue] = {}


def catalogue_for(blocking: Tuple[Tuple[str, str], ...]) -> Catalogue:
    catalogue = _CATALOGUES.get(blocking)
    if catalogue is None:
        catalogue = _CATALOGUES[blocking] = Catalogue.build(dict(blocking))
    return catalogue

