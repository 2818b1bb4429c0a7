"""Peer linters' codes for the same mistakes conclint reports (data only).

A line that already carries ``# noqa: ASYNC251`` was reviewed by someone who meant "this
``time.sleep`` in ``async def`` is intended"; conclint's CCL101 on that line says the same
thing again. Each entry maps a peer code to the one conclint code that finds the same
mistake on the same line.

Only codes whose meaning is the same in every tool that uses them are listed:

- flake8-async's ``ASYNC2xx``/``ASYNC300`` numbers, which ruff reuses for the rules it
  ports (ruff 0.5 and later);
- ruff's ``RUF006``;
- pyflakes' ``F841`` (a local assigned but never used), which flake8 and ruff share: on a
  line that binds a task, it is CCL502's "bound to a name never used".

Deliberately left out: ``ASYNC100``-``ASYNC102``, which meant blocking HTTP/``open``/``os``
calls in the old flake8-async (22.x) and in ruff before 0.5, but are cancel-scope rules in
today's flake8-async, so a comment carrying one of them is ambiguous; ``ASYNC105`` (a
``trio`` coroutine not awaited: conclint's CCL501 finds project coroutines, never ``trio``'s,
so the two never flag the same call); ``ASYNC200`` (calls the user configured, not a fixed
mistake).
"""

from __future__ import annotations

from typing import Mapping, NamedTuple


class PeerCode(NamedTuple):
    #: The conclint code that reports the same mistake.
    conclint: str
    #: Which tools report it under this code.
    tools: str
    #: What the peer rule finds, in the peer's words.
    finds: str


_ASYNC = "flake8-async, ruff"

PEER_CODES: Mapping[str, PeerCode] = {
    "ASYNC210": PeerCode("CCL102", _ASYNC, "sync HTTP call in async function"),
    "ASYNC211": PeerCode("CCL102", "flake8-async", "likely sync HTTP call (urllib3 pool method)"),
    "ASYNC212": PeerCode("CCL102", _ASYNC, "blocking sync HTTP call on an httpx client"),
    "ASYNC220": PeerCode("CCL103", _ASYNC, "sync process creation (`subprocess.Popen`, `os.popen`, ...)"),
    "ASYNC221": PeerCode("CCL103", _ASYNC, "sync process run (`subprocess.run`, `os.system`, ...)"),
    "ASYNC222": PeerCode("CCL103", _ASYNC, "sync process wait (`os.wait`, `os.waitpid`, ...)"),
    "ASYNC230": PeerCode("CCL104", _ASYNC, "sync `open()` in async function"),
    "ASYNC231": PeerCode("CCL104", "flake8-async", "sync `os.fdopen()` in async function"),
    "ASYNC232": PeerCode("CCL104", "flake8-async", "blocking sync call on a file object"),
    "ASYNC240": PeerCode("CCL104", _ASYNC, "`os.path`/`pathlib.Path` file-system call in async function"),
    "ASYNC250": PeerCode("CCL105", "flake8-async", "builtin `input()` in async function"),
    "ASYNC251": PeerCode("CCL101", _ASYNC, "`time.sleep()` in async function"),
    "ASYNC300": PeerCode("CCL502", "flake8-async", "`asyncio.create_task()` result not saved"),
    "RUF006": PeerCode("CCL502", "ruff", "`asyncio.create_task`/`ensure_future` result not stored"),
    # On ``task = asyncio.create_task(...)``, the only CCL502 a line with an assignment can
    # carry is "bound to a local never used": the reviewer kept that name on purpose.
    "F841": PeerCode("CCL502", "pyflakes, flake8, ruff", "local variable assigned but never used"),
}
