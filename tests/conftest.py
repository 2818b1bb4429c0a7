import importlib
import os
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
BIN = Path(sys.executable).parent

# Fixtures are code to lint, never to run: a fixture project's own tests and conftest.py
# must not be collected (or imported) by this suite.
collect_ignore = ["fixtures"]

# Library summaries go to the user cache folder: never the real one of whoever runs the
# suite (subprocesses inherit it too).
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="conclint-test-cache-")


def tool(name: str) -> str:
    """A console script installed next to the running interpreter (the venv's bin)."""
    candidate = BIN / name
    return str(candidate) if candidate.exists() else name


def run(args, cwd=None, input=None, env=None):
    """Run a real program in a subprocess, as a user would, and capture its output."""
    full_env = dict(os.environ)
    full_env.pop("PYTHONPATH", None)
    if env:
        full_env.update(env)
    return subprocess.run(
        args,
        cwd=cwd,
        input=input,
        capture_output=True,
        text=isinstance(input, str) or input is None,
        env=full_env,
        timeout=300,
    )


@pytest.fixture
def conclint():
    def _run(*args, cwd=None, input=None):
        return run([tool("conclint"), *args], cwd=cwd, input=input)

    return _run


def lookup_name(name: str):
    """The object a dotted name of an importable module names: import the longest
    importable prefix of ``name`` and walk the rest (``ImportError`` when none imports)."""
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                found = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attr in parts[cut:]:
            found = getattr(found, attr)
        return found
    raise ImportError(name)
