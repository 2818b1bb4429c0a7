"""conclint: a static analysis linter for Python concurrency.

The public API is deliberately small:

- :func:`check_source` lints one module given as text or bytes;
- :func:`check_paths` lints files and folders the way ``conclint check`` does.
"""

__version__ = "0.1.0"

from conclint.diagnostic import Diagnostic, Fix, TraceStep  # noqa: E402
from conclint.engine import check_paths, check_source  # noqa: E402

__all__ = ["Diagnostic", "Fix", "TraceStep", "check_paths", "check_source", "__version__"]
