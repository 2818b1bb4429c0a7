"""``conclint lsp``: the language server (pygls, LSP over stdio) over the same engine.

``server`` holds the server and its handlers; ``text`` the position arithmetic and the
``# noqa`` edit. Importing this package needs pygls 2 (the ``lsp`` extra)."""

from conclint.lsp.server import create_server, serve

__all__ = ["create_server", "serve"]
