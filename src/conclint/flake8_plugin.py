"""flake8 adapter: the same per-file pass, translated to flake8's plugin protocol.

flake8 does its own selection (``--select``/``--ignore``) and ``# noqa`` handling, so
every conclint rule runs here and flake8 filters. What flake8 cannot know is applied here,
from the nearest pyproject.toml's ``[tool.conclint]``, as ``conclint check`` applies it:
the settings that change analysis (``blocking``, ``free-threaded``), ``test-policy`` in
test files, and ``# noqa`` comments that name a peer linter's code for the same mistake
(``# noqa: ASYNC251`` on a CCL101 line); ``--disable-noqa`` turns the last off too.
"""

from __future__ import annotations

import os
from dataclasses import replace
from functools import lru_cache
from typing import Any, Generator, List, Tuple

from conclint import __version__
from conclint.config import Config, ConfigError, find_config, load_config
from conclint.engine import Settings, analyze_source, project_pass
from conclint.knowledge.test_code import reported_in_tests
from conclint.rules import ALL_RULES
from conclint.suppress import peer_suppressed


@lru_cache(maxsize=64)
def _settings_for(directory: str) -> Tuple[Settings, Config]:
    try:
        config = load_config(find_config(directory), tuple(ALL_RULES))
    except ConfigError:
        # flake8 has no channel for configuration errors; `conclint check` reports them.
        config = Config()
    # flake8 selects; conclint computes every rule except those the configuration turns
    # off (CCL201 under free-threaded = true).
    settings = Settings.from_config(config)
    codes = frozenset(ALL_RULES) - ({"CCL201"} if config.free_threaded else set())
    return replace(settings, codes=codes), config


class ConclintChecker:
    name = "conclint"
    version = __version__
    disable_noqa = False

    def __init__(self, tree: Any, filename: str, lines: List[str]) -> None:
        self.filename = filename
        self.lines = lines

    @classmethod
    def parse_options(cls, option_manager: Any, options: Any, filenames: Any) -> None:
        cls.disable_noqa = bool(getattr(options, "disable_noqa", False))

    def run(self) -> Generator[Tuple[int, int, str, type], None, None]:
        source = "".join(self.lines)
        directory = os.path.dirname(os.path.abspath(self.filename)) if self.filename not in ("-", "stdin") else os.getcwd()
        settings, config = _settings_for(directory)
        result = analyze_source(source, self.filename, settings)
        # The project pass too: modules this file imports are summarised from disk.
        extra = project_pass([result], settings, config.root, {self.filename: source})
        limited = config.limits_tests(self.filename)
        for d in sorted((*result.diagnostics, *extra)):
            if limited and not reported_in_tests(d.code):
                continue
            if not self.disable_noqa and peer_suppressed(d.code, d.line, result.noqa):
                continue
            yield d.line, d.column - 1, f"{d.code} {d.message}", type(self)
