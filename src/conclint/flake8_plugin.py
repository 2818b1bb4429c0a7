"""flake8 adapter: the same per-file pass, translated to flake8's plugin protocol.

flake8 does its own selection (``--select``/``--ignore``) and ``# noqa`` handling, so
every conclint rule runs here and flake8 filters. conclint's own ``[tool.conclint]``
settings that change analysis (``blocking``) are read from the nearest pyproject.toml.
"""

from __future__ import annotations

import os
from dataclasses import replace
from functools import lru_cache
from typing import Any, Generator, List, Tuple

from conclint import __version__
from conclint.config import Config, ConfigError, find_config, load_config
from conclint.engine import Settings, analyze_source, project_pass
from conclint.rules import ALL_RULES


@lru_cache(maxsize=64)
def _settings_for(directory: str) -> Tuple[Settings, str]:
    try:
        config = load_config(find_config(directory), tuple(ALL_RULES))
    except ConfigError:
        # flake8 has no channel for configuration errors; `conclint check` reports them.
        config = Config()
    # flake8 selects; conclint computes every rule except those the configuration turns
    # off (CCL201 under free-threaded = true).
    settings = Settings.from_config(config)
    codes = frozenset(ALL_RULES) - ({"CCL201"} if config.free_threaded else set())
    return replace(settings, codes=codes), config.root


class ConclintChecker:
    name = "conclint"
    version = __version__

    def __init__(self, tree: Any, filename: str, lines: List[str]) -> None:
        self.filename = filename
        self.lines = lines

    def run(self) -> Generator[Tuple[int, int, str, type], None, None]:
        source = "".join(self.lines)
        directory = os.path.dirname(os.path.abspath(self.filename)) if self.filename not in ("-", "stdin") else os.getcwd()
        settings, root = _settings_for(directory)
        result = analyze_source(source, self.filename, settings)
        # The project pass too: modules this file imports are summarised from disk.
        extra = project_pass([result], settings, root, {self.filename: source})
        for d in sorted((*result.diagnostics, *extra)):
            yield d.line, d.column - 1, f"{d.code} {d.message}", type(self)
