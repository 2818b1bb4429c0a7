"""One function body (or lambda, or a module's top level), walked once: its nodes of
interest in source order, their parents, and which of them run with a lock held."""

from __future__ import annotations

from typing import Dict, Iterator, List, Tuple

import libcst as cst

from conclint.analysis.scopes import Scope
from conclint.analysis.threads.locks import lock_held
from conclint.analysis.threads.lookup import ModuleLookup
from conclint.analysis.threads.syntax import COMPREHENSIONS, SCOPE_NODES, child_nodes

#: The nodes a body keeps: what can change state, test it, or loop over it.
_OF_INTEREST = (cst.AugAssign, cst.Assign, cst.Del, cst.If, cst.Call, cst.AnnAssign, cst.For, cst.Return, cst.Yield) + COMPREHENSIONS


class FunctionBody:
    def __init__(self, lookup: ModuleLookup, node: cst.CSTNode) -> None:
        self.lookup = lookup
        self.node = node
        self.parents: Dict[int, cst.CSTNode] = {}
        self.nodes: List[cst.CSTNode] = []
        start: cst.CSTNode = node.body if isinstance(node, (cst.FunctionDef, cst.Lambda)) else node
        stack = [start]
        while stack:
            current = stack.pop()
            for child in child_nodes(current):
                self.parents[id(child)] = current
                if isinstance(child, SCOPE_NODES):
                    continue  # runs only when called
                if isinstance(child, _OF_INTEREST):
                    self.nodes.append(child)
                stack.append(child)
        # Source order (the stack pops in reverse).
        self.order: Dict[int, int] = {id(n): i for i, n in enumerate(self._preorder(start))}
        self.nodes.sort(key=self.position)

    def position(self, node: cst.CSTNode) -> int:
        """The place of ``node`` in source (pre-)order."""
        return self.order.get(id(node), 0)

    @staticmethod
    def _preorder(start: cst.CSTNode) -> Iterator[cst.CSTNode]:
        stack = [start]
        while stack:
            current = stack.pop()
            yield current
            children = [c for c in child_nodes(current) if not isinstance(c, SCOPE_NODES)]
            stack.extend(reversed(children))

    def ancestors(self, node: cst.CSTNode) -> Iterator[Tuple[cst.CSTNode, cst.CSTNode]]:
        """(child, parent) pairs from ``node`` up to the body."""
        child = node
        parent = self.parents.get(id(child))
        while parent is not None:
            yield child, parent
            child, parent = parent, self.parents.get(id(parent))

    def within(self, node: cst.CSTNode, ancestor: cst.CSTNode) -> bool:
        return any(parent is ancestor for _, parent in self.ancestors(node))

    def guarded(self, node: cst.CSTNode, scope: Scope) -> bool:
        """Whether ``node`` runs with a lock held (see :func:`locks.lock_held`)."""
        return lock_held(self.lookup, self.ancestors(node), scope)
