"""Which files, in what order: discover -> per-file pass -> project pass -> filter.

The files read as the data flow:

- ``discovery``: which files a run checks, and their module names;
- ``source``: decoding, the limits past which a file is skipped, line offsets;
- ``per_file``: one parse and one traversal per file: diagnostics, summary, ``noqa`` map;
- ``workers``: the per-file pass over many files in parallel processes;
- ``project_pass``: module summaries joined into a project, the interprocedural rules;
- ``reuse``: the last project pass reused when no summary changed;
- ``placing``: positions of what the rules report; ``fixes``: fixes as text edits;
- ``run``: a whole run (``check_paths``, ``check_source``) and the final filter;
- ``settings``: what a worker needs, and the results.
"""

from conclint.engine.discovery import discover, module_name_for
from conclint.engine.per_file import analyze_file, analyze_source
from conclint.engine.project_pass import project_pass
from conclint.engine.run import check_paths, check_source, filter_results
from conclint.engine.settings import FileResult, RunResult, Settings
from conclint.engine.source import decode_source

__all__ = [
    "FileResult",
    "RunResult",
    "Settings",
    "analyze_file",
    "analyze_source",
    "check_paths",
    "check_source",
    "decode_source",
    "discover",
    "filter_results",
    "module_name_for",
    "project_pass",
]
