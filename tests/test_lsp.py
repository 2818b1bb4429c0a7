"""The language server, driven by a real LSP client over stdio in a subprocess.

The client below is deliberately tiny: JSON-RPC messages with ``Content-Length`` framing,
a reader thread, and UTF-16 position arithmetic (the LSP default encoding).
"""

import json
import os
import queue
import re
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from conftest import tool

pytest.importorskip("pygls")

TIMEOUT = 10


class LspClient:
    def __init__(self, cwd: Path, log: Path) -> None:
        env = dict(os.environ)
        env.pop("PYTHONPATH", None)
        self._log = open(log, "wb")
        self.proc = subprocess.Popen(
            [tool("conclint"), "lsp"],
            cwd=cwd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            env=env,
        )
        self._inbox: "queue.Queue" = queue.Queue()
        self._seen = []  # notifications not yet consumed
        self._next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    # -- framing -----------------------------------------------------------------------
    def _read(self) -> None:
        stream = self.proc.stdout
        while True:
            headers = {}
            while True:
                line = stream.readline()
                if not line:
                    self._inbox.put(None)
                    return
                line = line.decode("ascii").strip()
                if not line:
                    break
                key, _, value = line.partition(":")
                headers[key.strip().lower()] = value.strip()
            body = stream.read(int(headers["content-length"]))
            self._inbox.put(json.loads(body.decode("utf-8")))

    def _send(self, message: dict) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def _next(self, deadline: float) -> dict:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("no message from the server in time")
        message = self._inbox.get(timeout=remaining)
        if message is None:
            raise EOFError("the server closed its output")
        if "method" in message and "id" in message:  # a request from the server: say yes
            self._send({"id": message["id"], "result": None})
        return message

    # -- API ---------------------------------------------------------------------------
    def notify(self, method: str, params) -> None:
        self._send({"method": method, "params": params})

    def request(self, method: str, params, timeout: float = TIMEOUT):
        self._next_id += 1
        ident = self._next_id
        self._send({"id": ident, "method": method, "params": params})
        deadline = time.monotonic() + timeout
        while True:
            message = self._next(deadline)
            if message.get("id") == ident and "method" not in message:
                assert "error" not in message, message
                return message.get("result")
            if "method" in message and "id" not in message:
                self._seen.append(message)

    def notification(self, method: str, predicate=lambda params: True, timeout: float = TIMEOUT) -> dict:
        for i, message in enumerate(self._seen):
            if message["method"] == method and predicate(message["params"]):
                del self._seen[i]
                return message["params"]
        deadline = time.monotonic() + timeout
        while True:
            message = self._next(deadline)
            if message.get("method") == method and "id" not in message and predicate(message["params"]):
                return message["params"]
            if "method" in message and "id" not in message:
                self._seen.append(message)

    def diagnostics(self, uri: str, version=None) -> list:
        params = self.notification(
            "textDocument/publishDiagnostics",
            lambda p: p["uri"] == uri and (version is None or p.get("version") == version),
        )
        return params["diagnostics"]

    def initialize(self, root: Path) -> dict:
        result = self.request(
            "initialize",
            {
                "processId": os.getpid(),
                "rootUri": root.as_uri(),
                "workspaceFolders": [{"uri": root.as_uri(), "name": root.name}],
                "capabilities": {
                    "general": {"positionEncodings": ["utf-16"]},
                    "textDocument": {
                        "publishDiagnostics": {"relatedInformation": True, "versionSupport": True},
                        "hover": {"contentFormat": ["markdown", "plaintext"]},
                        "codeAction": {
                            "codeActionLiteralSupport": {"codeActionKind": {"valueSet": ["quickfix"]}}
                        },
                        "synchronization": {"didSave": True},
                    },
                },
            },
        )
        self.notify("initialized", {})
        return result

    def close(self) -> int:
        """shutdown + exit, as an editor ends a session; returns the exit status."""
        assert self.request("shutdown", None) is None
        self.notify("exit", None)
        try:
            return self.proc.wait(timeout=TIMEOUT)
        finally:
            self.proc.stdin.close()
            self._log.close()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._log.close()


# -- UTF-16 positions, as an editor counts them ----------------------------------------------
def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def lsp_lines(text: str) -> list:
    """Lines as the LSP counts them: broken at \\r\\n, \\r and \\n only (not at form feeds)."""
    return re.split(r"\r\n|\r|\n", text)


def offset_of(text: str, position: dict) -> int:
    lines = re.split(r"(?<=\r\n)|(?<=\r)(?!\n)|(?<=\n)", text)
    offset = sum(len(line) for line in lines[: position["line"]])
    line = lines[position["line"]] if position["line"] < len(lines) else ""
    units = 0
    for index, char in enumerate(line):
        if units >= position["character"]:
            return offset + index
        units += utf16_len(char)
    return offset + len(line.rstrip("\r\n"))


def apply_edits(text: str, edits: list) -> str:
    spans = sorted(((offset_of(text, e["range"]["start"]), offset_of(text, e["range"]["end"]), e["newText"]) for e in edits), reverse=True)
    for start, end, new in spans:
        text = text[:start] + new + text[end:]
    return text


def position_of(text: str, line: int, needle: str) -> dict:
    """0-based line, UTF-16 column of ``needle`` on it."""
    content = lsp_lines(text)[line]
    return {"line": line, "character": utf16_len(content[: content.index(needle)])}


BAD = textwrap.dedent(
    """\
    import time
    FORM-FEED

    async def handler():
        s = "😀 x"; time.sleep(1)
        open("data.txt")
        return s
    """
).replace("FORM-FEED", "\f")  # a line break for str.splitlines(), not for Python or the LSP
FIXED = BAD.replace('s = "😀 x"; time.sleep(1)', 's = "😀 x"')


@pytest.fixture
def project(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.conclint]\nignore = ["CCL104"]\n', encoding="utf-8")
    path = tmp_path / "app.py"
    path.write_text(BAD, encoding="utf-8")
    return tmp_path


@pytest.fixture
def client(project, tmp_path_factory):
    client = LspClient(project, tmp_path_factory.mktemp("log") / "stderr.log")
    yield client
    client.kill()


def test_session(client, project):
    init = client.initialize(project)
    capabilities = init["capabilities"]
    assert capabilities["hoverProvider"] and capabilities["codeActionProvider"]
    assert capabilities["textDocumentSync"]["change"] == 1  # full text on every change
    assert init["serverInfo"]["name"] == "conclint"

    uri = (project / "app.py").as_uri()
    client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": BAD}})

    # Diagnostics on open: CCL101, with the project's configuration (CCL104 is ignored there).
    diagnostics = client.diagnostics(uri, version=1)
    assert [d["code"] for d in diagnostics] == ["CCL101"]
    found = diagnostics[0]
    start = position_of(BAD, 4, "time.sleep")
    assert found["range"]["start"] == start  # UTF-16: the emoji before it counts twice
    assert found["range"]["end"] == {"line": 4, "character": start["character"] + len("time.sleep(1)")}
    assert found["source"] == "conclint"
    assert found["severity"] == 2
    assert found["codeDescription"]["href"].endswith("/docs/rules/CCL101.md")
    assert "time.sleep()" in found["message"]

    # Hover on the finding: the rule's documentation.
    hover = client.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": start})
    assert hover["contents"]["kind"] == "markdown"
    assert hover["contents"]["value"].startswith("# CCL101 blocking-sleep")
    assert "## Use instead" in hover["contents"]["value"]
    nothing = client.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}})
    assert nothing is None

    # Code action at the finding: add "# noqa: CCL101", applied as the editor would.
    actions = client.request(
        "textDocument/codeAction",
        {"textDocument": {"uri": uri}, "range": found["range"], "context": {"diagnostics": [found]}},
    )
    titles = [a["title"] for a in actions]
    assert "Add # noqa: CCL101" in titles
    noqa = actions[titles.index("Add # noqa: CCL101")]
    assert noqa["kind"] == "quickfix" and noqa["diagnostics"][0]["code"] == "CCL101"
    edits = noqa["edit"]["changes"][uri]
    suppressed = apply_edits(BAD, edits)
    assert lsp_lines(suppressed)[4] == '    s = "😀 x"; time.sleep(1)  # noqa: CCL101'
    # The edited document goes back to the server: the finding is gone.
    client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": suppressed}]})
    assert client.diagnostics(uri, version=2) == []

    # Two quick changes are linted once (debounced): the first publish is for the last one.
    for version, text in ((3, BAD), (4, FIXED)):
        client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]})
    published = client.notification("textDocument/publishDiagnostics", lambda p: p["uri"] == uri)
    assert published["version"] == 4 and published["diagnostics"] == []

    # Back to the blocking call: the finding is reported again.
    client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 5}, "contentChanges": [{"text": BAD}]})
    assert [d["code"] for d in client.diagnostics(uri, version=5)] == ["CCL101"]

    # A broken buffer is one CCL001 diagnostic, and the server carries on.
    client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 6}, "contentChanges": [{"text": "async def f(:\n"}]})
    broken = client.diagnostics(uri, version=6)
    assert [(d["code"], d["severity"]) for d in broken] == [("CCL001", 1)]

    # Save re-lints; close clears the editor's diagnostics.
    client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 7}, "contentChanges": [{"text": FIXED}]})
    assert client.diagnostics(uri, version=7) == []
    client.notify("textDocument/didSave", {"textDocument": {"uri": uri}})
    assert client.diagnostics(uri, version=7) == []
    client.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    assert client.diagnostics(uri) == []

    assert client.close() == 0


def test_noqa_extends_an_existing_list_and_config_errors_are_shown(client, project):
    (project / "pyproject.toml").write_text('[tool.conclint]\nbogus = 1\n', encoding="utf-8")
    client.initialize(project)
    text = "import time\n\nasync def f():\n    time.sleep(1)  # noqa: E501 (long line)\n    open('x')\n"
    uri = (project / "other.py").as_uri()
    client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}})

    message = client.notification("window/showMessage")
    assert message["type"] == 1 and "bogus" in message["message"]
    # The defaults are used meanwhile: CCL104 is no longer ignored.
    diagnostics = client.diagnostics(uri, version=1)
    assert [d["code"] for d in diagnostics] == ["CCL101", "CCL104"]

    sleep = diagnostics[0]
    actions = client.request(
        "textDocument/codeAction",
        {"textDocument": {"uri": uri}, "range": {"start": sleep["range"]["start"], "end": sleep["range"]["start"]}, "context": {"diagnostics": []}},
    )
    titles = [a["title"] for a in actions]
    assert titles == ["Replace with await asyncio.sleep(...)", "Add # noqa: CCL101"]
    noqa = actions[titles.index("Add # noqa: CCL101")]
    changed = apply_edits(text, noqa["edit"]["changes"][uri])
    assert changed.splitlines()[3] == "    time.sleep(1)  # noqa: E501, CCL101 (long line)"
    # Asking only for refactorings gets none of the quick fixes.
    none = client.request(
        "textDocument/codeAction",
        {"textDocument": {"uri": uri}, "range": sleep["range"], "context": {"diagnostics": [], "only": ["refactor"]}},
    )
    assert not none
    assert client.close() == 0


def test_exit_without_shutdown_is_status_1(client, project):
    client.initialize(project)
    client.notify("exit", None)
    assert client.proc.wait(timeout=TIMEOUT) == 1


def test_missing_pygls_is_a_clear_error(tmp_path):
    # The interpreter of the installed console script, with pygls made unimportable.
    code = "import sys; sys.modules['pygls'] = None; from conclint.cli import main; sys.exit(main(['lsp']))"
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
    assert result.returncode == 2
    assert "pip install 'conclint[lsp]'" in result.stderr


def test_call_chains_are_related_information(client, project):
    from conclint.rules import ALL_RULES

    if "CCL110" not in ALL_RULES:
        pytest.skip("no interprocedural rule yet")
    (project / "helper.py").write_text("import time\n\ndef load():\n    time.sleep(1)\n", encoding="utf-8")
    text = "from helper import load\n\nasync def refresh():\n    load()\n"
    (project / "caller.py").write_text(text, encoding="utf-8")
    client.initialize(project)
    uri = (project / "caller.py").as_uri()
    client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}})
    (chained,) = [d for d in client.diagnostics(uri, version=1) if d["code"] == "CCL110"]
    related = chained["relatedInformation"]
    assert related[-1]["location"]["uri"] == (project / "helper.py").as_uri()
    assert related[-1]["location"]["range"]["start"] == {"line": 3, "character": 4}
    assert related[-1]["message"]
    assert client.close() == 0


def test_test_policy_and_peer_noqa_codes(client, project):
    """The editor sees what `conclint check` reports: in a test file only what makes the
    test wrong, and a line reviewed for ruff (`# noqa: ASYNC251`) stays quiet."""
    client.initialize(project)
    text = "import asyncio\nimport time\n\nasync def test_f():\n    time.sleep(1)\n    asyncio.create_task(test_f())\n"
    (project / "tests").mkdir()
    uri = (project / "tests" / "test_app.py").as_uri()
    client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}})
    assert [(d["code"], d["range"]["start"]["line"]) for d in client.diagnostics(uri, version=1)] == [("CCL502", 5)]
    other = "import time\n\nasync def f():\n    time.sleep(1)  # noqa: ASYNC251\n    time.sleep(2)\n"
    uri = (project / "other.py").as_uri()
    client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": other}})
    assert [(d["code"], d["range"]["start"]["line"]) for d in client.diagnostics(uri, version=1)] == [("CCL101", 4)]
    assert client.close() == 0
