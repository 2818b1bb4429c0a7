"""Which binding of a name reaches a use, for the few names whose bindings disagree.

The name tracker is flow-insensitive: a name bound to a file in one statement and to an
``int`` in another is unknown everywhere. Inside one function, a use can still be reached
by exactly one of them: the binding on the straight path before it, with nothing that
could rebind the name in between (``f: int = 7; f.read()`` ... ``f: TextIOWrapper = ...;
f.read()``). This module answers that question, and only when the statements prove it:

* the nearest statement before the use (in its block, then in each enclosing block)
  that binds the name must bind it unconditionally: an assignment, an annotation, an
  import, a ``def``/``class``, ``del``, or a ``with`` whose only binding of it is in its
  header. A compound statement that binds it somewhere inside (an ``if`` branch, a
  ``try`` body, a loop) leaves several bindings possible: no answer;
* a loop around the use that binds the name anywhere (later in its body, in its target)
  may bring that binding round: no answer; the same for a ``try`` when the use is in a
  handler, ``else`` or ``finally``, and for a walrus or pattern in the header of an
  enclosing ``if``/``while``/``match``;
* a use in the same statement as a binding (``f = f.read()``) gets no answer.

The index of a function's statements is built on the first question about it: most
functions never ask.
"""

from __future__ import annotations

from typing import Dict, List, NamedTuple, Optional, Sequence, Set

import libcst as cst

from conclint.analysis.traversal import children

#: Statements whose bindings of a name always happen when they run.
_UNCONDITIONAL = (cst.Assign, cst.AnnAssign, cst.Import, cst.ImportFrom, cst.Del, cst.FunctionDef, cst.ClassDef)
_LOOPS = (cst.For, cst.While)
_TRIES = (cst.Try, cst.TryStar)
#: Nodes whose body runs in a scope of its own: never searched for the function's uses.
_NESTED_SCOPES = (cst.FunctionDef, cst.ClassDef, cst.Lambda)

Statement = cst.CSTNode  # a small statement (``x = 1``) or a compound one (``if``)


class _Place(NamedTuple):
    block: Sequence[Statement]  # the statements of its block, in order
    index: int
    owner: Optional[Statement]  # the compound statement the block belongs to
    suite: cst.CSTNode  # the block itself (tells a loop's body from its ``else``)


class _Index:
    """The statements of one function body: where each one sits, which statement each
    node belongs to, and which names are bound by a walrus (conditional, wherever it is)."""

    def __init__(self, function: cst.FunctionDef) -> None:
        self.place: Dict[int, _Place] = {}
        self.statement: Dict[int, Statement] = {}
        self.walrus: Set[int] = set()
        self._block(function.body, None)

    def _block(self, suite: cst.CSTNode, owner: Optional[Statement]) -> None:
        statements: List[Statement] = []
        if isinstance(suite, cst.IndentedBlock):
            for line in suite.body:
                statements.extend(line.body if isinstance(line, cst.SimpleStatementLine) else (line,))
        elif isinstance(suite, cst.SimpleStatementSuite):
            statements.extend(suite.body)
        else:  # an ``elif``: an ``if`` standing alone in the ``else`` of another
            statements.append(suite)
        block = tuple(statements)
        for index, statement in enumerate(block):
            self.place[id(statement)] = _Place(block, index, owner, suite)
            self.statement[id(statement)] = statement
            self._inside(statement, statement)

    def _inside(self, node: cst.CSTNode, statement: Statement) -> None:
        for child in children(node):
            if isinstance(child, cst.BaseSuite):
                if not isinstance(node, _NESTED_SCOPES):
                    self._block(child, statement)
            elif isinstance(child, cst.If) and isinstance(node, cst.If):
                self._block(child, statement)
            elif isinstance(node, cst.Lambda) and child is node.body:
                continue
            else:
                self.statement[id(child)] = statement
                if isinstance(node, cst.NamedExpr) and child is node.target:
                    self.walrus.add(id(child))
                self._inside(child, statement)

    def enclosing(self, statement: Statement) -> List[Statement]:
        """``statement`` and the compound statements around it, innermost first."""
        chain = [statement]
        owner = self.place[id(statement)].owner
        while owner is not None:
            chain.append(owner)
            owner = self.place[id(owner)].owner
        return chain


class Flow:
    """Answers "which binding reaches this use", one index per function asked about."""

    def __init__(self) -> None:
        self._indexes: Dict[int, _Index] = {}

    def reaching(
        self, function: cst.FunctionDef, use: cst.CSTNode, anchors: Sequence[Optional[cst.CSTNode]]
    ) -> Optional[int]:
        """The index in ``anchors`` of the binding that reaches ``use``, or ``None`` when
        the statements do not prove a single one. Each anchor is the node a binding binds
        (a name), or ``None`` for a parameter (bound on entry)."""
        index = self._indexes.get(id(function))
        if index is None:
            index = self._indexes[id(function)] = _Index(function)
        at: Dict[int, List[int]] = {}  # statement -> bindings made by the statement itself
        inside: Dict[int, List[int]] = {}  # statement -> bindings made in it or under it
        on_entry: List[int] = []
        for number, anchor in enumerate(anchors):
            if anchor is None:
                on_entry.append(number)
                continue
            statement = index.statement.get(id(anchor))
            if statement is None:
                return None
            at.setdefault(id(statement), []).append(number)
            for around in index.enclosing(statement):
                inside.setdefault(id(around), []).append(number)
        current = index.statement.get(id(use))
        if current is None or id(current) in inside:
            return None
        while True:
            place = index.place[id(current)]
            for before in reversed(place.block[: place.index]):
                found = inside.get(id(before))
                if not found:
                    continue
                sure = isinstance(before, _UNCONDITIONAL) or isinstance(before, cst.With)
                if sure and len(found) == 1 and at.get(id(before)) == found and id(anchors[found[0]]) not in index.walrus:
                    return found[0]
                return None
            owner = place.owner
            if owner is None:
                return on_entry[0] if len(on_entry) == 1 else None
            if isinstance(owner, _LOOPS) or (isinstance(owner, _TRIES) and place.suite is not owner.body):
                if id(owner) in inside:
                    return None
            else:
                header = at.get(id(owner))
                if header:
                    # ``with open(p) as f:`` binds ``f`` before its body runs.
                    if isinstance(owner, cst.With) and len(header) == 1 and id(anchors[header[0]]) not in index.walrus:
                        return header[0]
                    return None
            current = owner
