"""``conclint lsp``: a Language Server (LSP over stdio, built on pygls) over the same engine.

What the editor gets:

- diagnostics when a document is opened or saved, and ~300 ms after the last change,
  with the rule code, a link to its docs, the source ``conclint``, and the call chain of
  an interprocedural finding as related information;
- code actions: the finding's fix when it has one, and "Add ``# noqa: CCLnnn``" (appended
  to the line, or added to the line's existing ``# noqa:`` list);
- hover on a finding: the rule's documentation.

The document's project configuration is used (the nearest ``pyproject.toml`` with
``[tool.conclint]`` above the file); a broken configuration is shown as an error message
once, and the defaults are used meanwhile. Linting runs on a worker thread so the server
keeps reading messages, and a result that is older than the document is dropped. A broken
buffer is one ``CCL001`` diagnostic; nothing in a document can stop the server.

Positions: conclint counts 1-based lines and code-point columns; the editor gets 0-based
positions in the encoding negotiated at ``initialize`` (UTF-16 unless the client offers
another). Lines break at ``\\r\\n``, ``\\r`` and ``\\n`` only, as both Python and the LSP say.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Set, Tuple

from lsprotocol import types as lsp

try:
    from pygls.lsp.server import LanguageServer
except ImportError as exc:  # pygls 1.x: the server lived in pygls.server, with another API
    raise ImportError(f"conclint lsp needs pygls 2 or later: {exc}", name="pygls") from exc
from pygls.uris import from_fs_path, to_fs_path

from conclint import __version__
from conclint.config import BUILTIN_EXCLUDES, Config, ConfigError, find_config, load_config
from conclint.diagnostic import Diagnostic, TraceStep
from conclint.cache import Cache, settings_key
from conclint.engine import Settings, check_source
from conclint.output.common import is_tool_error, rule_url
from conclint.rules import ALL_RULES
from conclint.lsp.text import Point, SourceText, Units, noqa_edit, span

logger = logging.getLogger(__name__)

#: Seconds to wait after a change before linting (a burst of keystrokes lints once).
DEBOUNCE = 0.3
SOURCE = "conclint"



# -- the server ---------------------------------------------------------------------------------
@dataclass
class Linted:
    """The last lint of one document version."""

    version: Optional[int]
    source: SourceText
    path: str
    diagnostics: List[Diagnostic]
    published: List[lsp.Diagnostic] = field(default_factory=list)


def _is_builtin_excluded(path: str, root: str) -> bool:
    try:
        relative = os.path.relpath(path, root)
    except ValueError:
        return False
    if relative.startswith(".."):
        return False
    parts = Path(relative).parts[:-1]
    return any(part in BUILTIN_EXCLUDES or part.endswith(".egg-info") for part in parts)


class ConclintServer(LanguageServer):
    def __init__(self) -> None:
        # Full sync: pygls applies incremental edits by str.splitlines() lines, which also
        # break at form feeds and other characters that are not LSP line breaks.
        super().__init__("conclint", __version__, text_document_sync_kind=lsp.TextDocumentSyncKind.Full)
        self.results: Dict[str, Linted] = {}
        self.pending: Dict[str, asyncio.Task] = {}
        self.open_documents: Set[str] = set()
        self.shutdown_requested = False
        self._configs: Dict[Tuple[str, int, str], Tuple[Config, Optional[str]]] = {}
        self._reported: Set[Tuple[str, int, str]] = set()  # configuration files whose error was shown
        self._caches: Dict[str, Cache] = {}
        self._error_keys: Dict[str, Tuple[str, int, str]] = {}
        self._linter = ThreadPoolExecutor(max_workers=1, thread_name_prefix="conclint-lint")

    def cache_for(self, config: Config) -> Cache:
        """Summaries of the modules a document imports, kept warm in memory between edits
        (and read from, and written to, the project's ``.conclint_cache``)."""
        key = settings_key(Settings.from_config(config), config.root)
        cache = self._caches.get(key)
        if cache is None:
            cache = self._caches[key] = Cache(os.path.join(config.root, ".conclint_cache"), key)
        return cache

    # -- configuration --------------------------------------------------------------------
    def _root_for(self, path: Optional[str]) -> str:
        folders = [to_fs_path(f.uri) for f in self.workspace.folders.values()] if self.workspace else []
        if path:
            inside = [f for f in folders if f and (path + os.sep).startswith(f.rstrip(os.sep) + os.sep)]
            if inside:
                return max(inside, key=len)
            return os.path.dirname(path)
        root = self.workspace.root_path if self.workspace else None
        return root or os.getcwd()

    def config_for(self, path: Optional[str]) -> Tuple[Config, Optional[str]]:
        """The configuration for a document, and the error that made it the default one."""
        start = os.path.dirname(path) if path else self._root_for(None)
        found = find_config(start) if os.path.isdir(start) else None
        try:
            stamp = found.stat().st_mtime_ns if found else 0
        except OSError:
            stamp = -1
        key = (str(found) if found else "", stamp, "" if found else self._root_for(path))
        cached = self._configs.get(key)
        if cached is None:
            try:
                cached = (load_config(found, tuple(ALL_RULES)), None) if found else (Config(root=key[2]), None)
            except ConfigError as exc:
                cached = (Config(root=str(found.parent) if found else key[2]), str(exc))
            self._configs[key] = cached
        if cached[1] is not None:
            self._error_keys[cached[1]] = key
        return cached

    # -- linting ----------------------------------------------------------------------------
    def lint(self, uri: str, path: str, fs_path: Optional[str], text: str, version: Optional[int]) -> Tuple[Linted, Optional[str]]:
        """Runs on the lint thread: configuration, the per-file pass, the filters."""
        source = SourceText(text)
        try:
            config, error = self.config_for(fs_path)
        except Exception as exc:  # an unexpected problem reading configuration files
            config, error = Config(), f"cannot read the configuration: {exc}"
        if fs_path and (config.is_excluded(fs_path) or _is_builtin_excluded(fs_path, config.root)):
            return Linted(version, source, path, []), error
        try:
            # The per-file pass, and the project pass over the modules it imports (read from
            # disk), then the filters: what `conclint check FILE` reports for this text.
            diagnostics = [d for d in check_source(text, path, config, cache=self.cache_for(config)) if d.path == path]
        except Exception as exc:  # the engine never raises; this is the last line of defence
            logger.exception("conclint failed on %s", uri)
            diagnostics = [Diagnostic(path, 1, 1, "CCL009", f"internal error: {type(exc).__name__}: {exc}")]
        linted = Linted(version, source, path, diagnostics)
        linted.published = [self.to_lsp(d, linted, config) for d in diagnostics]
        return linted, error

    def to_lsp(self, d: Diagnostic, linted: Linted, config: Config) -> lsp.Diagnostic:
        units = Units(self.workspace.position_codec)
        start, end = span(d, linted.source)
        related = [self._related(step, linted, config, units) for step in d.trace]
        return lsp.Diagnostic(
            range=units.range(linted.source, start, end),
            message=d.message,
            severity=lsp.DiagnosticSeverity.Error if is_tool_error(d) else lsp.DiagnosticSeverity.Warning,
            code=d.code,
            code_description=lsp.CodeDescription(href=rule_url(d.code)),
            source=SOURCE,
            related_information=related or None,
        )

    def _related(self, step: TraceStep, linted: Linted, config: Config, units: Units) -> lsp.DiagnosticRelatedInformation:
        if step.path == linted.path:
            path, source = linted.path, linted.source
        else:
            candidates = [step.path] if os.path.isabs(step.path) else [
                os.path.join(config.root, step.path),
                os.path.join(os.path.dirname(linted.path), step.path),
                os.path.abspath(step.path),
            ]
            path = next((c for c in candidates if os.path.isfile(c)), candidates[0])
            try:
                source = SourceText(Path(path).read_text(encoding="utf-8", errors="replace"))
            except OSError:
                source = SourceText("")
        point = (max(step.line, 1) - 1, max(step.column, 1) - 1)
        position = units.position(source, point) if source.text else lsp.Position(line=point[0], character=point[1])
        uri = from_fs_path(os.path.abspath(path)) or path
        return lsp.DiagnosticRelatedInformation(
            location=lsp.Location(uri=uri, range=lsp.Range(start=position, end=position)), message=step.text
        )

    def schedule(self, uri: str, delay: float) -> None:
        """Lint ``uri`` after ``delay`` seconds, replacing a lint not yet started or finished."""
        previous = self.pending.pop(uri, None)
        if previous is not None and not previous.done():
            previous.cancel()
        task = asyncio.ensure_future(self.lint_and_publish(uri, delay))
        self.pending[uri] = task
        task.add_done_callback(lambda t, u=uri: self.pending.pop(u, None) if self.pending.get(u) is t else None)

    async def lint_and_publish(self, uri: str, delay: float = 0.0) -> Optional[Linted]:
        if delay:
            await asyncio.sleep(delay)
        if uri not in self.open_documents:
            return None
        document = self.workspace.get_text_document(uri)
        version, text = document.version, document.source
        fs_path = to_fs_path(uri) if uri.startswith("file:") else None
        path = fs_path or document.path or uri
        loop = asyncio.get_running_loop()
        linted, error = await loop.run_in_executor(self._linter, self.lint, uri, path, fs_path, text, version)
        # Shown once per version of the configuration file, not on every keystroke.
        if error and self._error_keys.get(error) not in self._reported:
            self._reported.add(self._error_keys.get(error))
            self.window_show_message(
                lsp.ShowMessageParams(
                    type=lsp.MessageType.Error,
                    message=f"conclint: {error} (using the default configuration)",
                )
            )
        current = self.workspace.get_text_document(uri) if uri in self.open_documents else None
        if current is None or current.version != version or current.source != text:
            return None  # the document moved on; a newer lint is on its way
        self.results[uri] = linted
        self.text_document_publish_diagnostics(
            lsp.PublishDiagnosticsParams(uri=uri, diagnostics=linted.published, version=version)
        )
        return linted

    async def current(self, uri: str) -> Optional[Linted]:
        """The lint of the document as it is now (linting it now if needed)."""
        if uri not in self.open_documents:
            return None
        document = self.workspace.get_text_document(uri)
        linted = self.results.get(uri)
        if linted is not None and linted.version == document.version and linted.source.text == document.source:
            return linted
        pending = self.pending.pop(uri, None)
        if pending is not None:
            pending.cancel()
        return await self.lint_and_publish(uri)

    def forget(self, uri: str) -> None:
        pending = self.pending.pop(uri, None)
        if pending is not None:
            pending.cancel()
        self.results.pop(uri, None)

    def stop(self) -> None:
        for task in list(self.pending.values()):
            task.cancel()
        self.pending.clear()
        self._linter.shutdown(wait=False, cancel_futures=True)


# -- handlers ---------------------------------------------------------------------------------------
def _overlaps(a: Tuple[Point, Point], b: Tuple[Point, Point]) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


def code_actions(ls: ConclintServer, linted: Linted, uri: str, params: lsp.CodeActionParams) -> List[lsp.CodeAction]:
    only = params.context.only
    if only and not any(getattr(kind, "value", kind) in ("", "quickfix") for kind in only):
        return []
    units = Units(ls.workspace.position_codec)
    wanted = (units.point(linted.source, params.range.start), units.point(linted.source, params.range.end))
    actions: List[lsp.CodeAction] = []
    noqa_seen: Set[Tuple[int, str]] = set()
    for d, published in zip(linted.diagnostics, linted.published):
        if not _overlaps(span(d, linted.source), wanted):
            continue
        if d.fix is not None and d.fix.edits:
            edits = [
                lsp.TextEdit(
                    range=units.range(linted.source, linted.source.point(e.start), linted.source.point(e.end)),
                    new_text=e.replacement,
                )
                for e in d.fix.edits
            ]
            safe = d.fix.applicability == "safe"
            actions.append(
                lsp.CodeAction(
                    title=f"{d.fix.description}{'' if safe else ' (unsafe)'}",
                    kind=lsp.CodeActionKind.QuickFix,
                    diagnostics=[published],
                    is_preferred=safe,
                    edit=lsp.WorkspaceEdit(changes={uri: edits}),
                )
            )
        if (d.line, d.code) in noqa_seen:
            continue
        noqa_seen.add((d.line, d.code))
        edit = noqa_edit(linted.source, d.line, d.code)
        if edit is None:
            continue
        text_edit = lsp.TextEdit(
            range=units.range(linted.source, linted.source.point(edit.start), linted.source.point(edit.end)),
            new_text=edit.text,
        )
        actions.append(
            lsp.CodeAction(
                title=f"Add # noqa: {d.code}",
                kind=lsp.CodeActionKind.QuickFix,
                diagnostics=[published],
                edit=lsp.WorkspaceEdit(changes={uri: [text_edit]}),
            )
        )
    return actions


def hover(ls: ConclintServer, linted: Linted, params: lsp.HoverParams) -> Optional[lsp.Hover]:
    units = Units(ls.workspace.position_codec)
    point = units.point(linted.source, params.position)
    hits = [(d, p) for d, p in zip(linted.diagnostics, linted.published) if _overlaps(span(d, linted.source), (point, point))]
    codes: List[str] = []
    for d, _ in hits:
        if d.code in ALL_RULES and d.code not in codes:
            codes.append(d.code)
    if not codes:
        return None
    pages = [ALL_RULES[code].docs().rstrip() + f"\n\n[{code} documentation]({rule_url(code)})" for code in codes]
    return lsp.Hover(
        contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value="\n\n---\n\n".join(pages)),
        range=hits[0][1].range,
    )


def create_server() -> ConclintServer:
    server = ConclintServer()

    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: ConclintServer, params: lsp.DidOpenTextDocumentParams) -> None:
        ls.open_documents.add(params.text_document.uri)
        ls.schedule(params.text_document.uri, 0)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: ConclintServer, params: lsp.DidChangeTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, DEBOUNCE)

    @server.feature(lsp.TEXT_DOCUMENT_DID_SAVE, lsp.SaveOptions(include_text=False))
    def did_save(ls: ConclintServer, params: lsp.DidSaveTextDocumentParams) -> None:
        uri = params.text_document.uri
        if uri.endswith("pyproject.toml"):  # the configuration changed: re-lint everything
            for open_uri in list(ls.open_documents):
                ls.schedule(open_uri, 0)
        elif uri in ls.open_documents:
            ls.schedule(uri, 0)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: ConclintServer, params: lsp.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls.open_documents.discard(uri)
        ls.forget(uri)
        ls.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    @server.feature(
        lsp.TEXT_DOCUMENT_CODE_ACTION,
        lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix]),
    )
    async def code_action(ls: ConclintServer, params: lsp.CodeActionParams) -> Optional[List[lsp.CodeAction]]:
        linted = await ls.current(params.text_document.uri)
        if linted is None:
            return None
        return code_actions(ls, linted, params.text_document.uri, params) or None

    @server.feature(lsp.TEXT_DOCUMENT_HOVER)
    async def on_hover(ls: ConclintServer, params: lsp.HoverParams) -> Optional[lsp.Hover]:
        linted = await ls.current(params.text_document.uri)
        if linted is None:
            return None
        return hover(ls, linted, params)

    @server.feature(lsp.SHUTDOWN)
    def on_shutdown(ls: ConclintServer, *args) -> None:
        ls.shutdown_requested = True
        ls.stop()

    return server


def serve(stdin=None, stdout=None) -> int:
    """Serve over stdio until ``exit``; 0 after a ``shutdown`` request, else 1 (as the LSP says)."""
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="conclint lsp: %(levelname)s %(message)s")
    server = create_server()
    try:
        server.start_io(stdin, stdout)
    finally:
        server.stop()
    return 0 if server.shutdown_requested else 1


__all__ = ["ConclintServer", "create_server", "serve", "noqa_edit", "SourceText"]
