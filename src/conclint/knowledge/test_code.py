"""Test code: how pytest and unittest projects name it, and what conclint reports there
(data only; ``[tool.conclint] test-files`` and ``test-policy`` choose).

A test runs once, on a loop or in threads it owns, and then exits. A blocking call in an
``async`` test slows the test suite and nothing else, and state shared by a test's threads
is read after ``join()``; those findings are the ones maintainers of real projects close
unread (90% of all findings on ten real packages were in test folders). What makes a test
itself wrong is still reported: a coroutine that never runs, a task that can vanish, a
loop started inside a loop, a lock that deadlocks the loop, a process that cannot start.
"""

from __future__ import annotations

from typing import Tuple

#: pytest's default ``python_files`` (``test_*.py``, ``*_test.py``), its ``conftest.py``,
#: and the folders both pytest and unittest projects keep tests in. A pattern ending in
#: ``/`` names a folder anywhere on the path; one without ``/`` is matched against the
#: file name; any other against the path relative to the project root.
TEST_FILES: Tuple[str, ...] = ("test_*.py", "*_test.py", "conftest.py", "tests/", "test/")

#: ``test-policy = "correctness"`` (the default): in test files, only codes starting with
#: one of these prefixes are reported. The rest (CCL101-CCL106, CCL110, CCL120: latency of
#: a server's other requests; CCL2xx: throughput; CCL301-CCL305: races between a test's
#: threads, which show up as a flaky test) harm production, not the test. docs/configuration.md
#: has the table with the reasons; a test keeps it in step with this tuple.
REPORTED_IN_TESTS: Tuple[str, ...] = (
    "CCL0",  # conclint could not check the file
    "CCL107",  # a thread lock held across an await deadlocks the test's own loop
    "CCL306",  # asyncio touched from a thread: the test's loop may never wake, or crash
    "CCL4",  # a process that cannot start fails the test; a child's changes are lost to it
    "CCL5",  # a coroutine that never runs, a task collected mid-flight, a loop in a loop
)

#: ``test-policy`` values: ``"correctness"`` reports only ``REPORTED_IN_TESTS`` in test
#: files; ``"all"`` reports everything everywhere.
TEST_POLICIES: Tuple[str, ...] = ("correctness", "all")
DEFAULT_TEST_POLICY = "correctness"


def reported_in_tests(code: str) -> bool:
    """Whether ``test-policy = "correctness"`` reports ``code`` in test files."""
    return code.startswith(REPORTED_IN_TESTS)
