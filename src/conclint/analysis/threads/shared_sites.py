"""The sites of shared state (CCL301-CCL304, CCL307): :class:`SharedAccess`, one site
each, with its kind, and :class:`Context`, where the code being walked runs (on a thread,
or alongside threads; with a lock held or not)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import libcst as cst

from conclint.analysis.scopes import Scope
from conclint.analysis.threads.handoffs import HandoffSite
from conclint.analysis.threads.shared_roots import ThreadRoot
from conclint.analysis.threads.shared_subjects import Subject

# Access kinds.
MUTATE = "mutate"
UPDATE = "update"  # read-modify-write
REBIND = "rebind"
CHECK = "check"  # the test of a check-then-act
ITERATE = "iterate"  # a loop over a container, or a live view of it handed out


@dataclass(eq=False)
class SharedAccess:
    node: cst.CSTNode
    subject: Subject
    kind: str  # MUTATE, UPDATE, REBIND, CHECK or ITERATE
    detail: str  # the code, for messages: "results.append()", "n += 1", "for k in clients"
    root: Optional[ThreadRoot]  # the thread function whose code it is; None: code alongside
    covered: bool = False  # guarded by a check-then-act, which is the finding
    function: Optional[Scope] = None  # the function it is in (None: module level)
    #: MUTATE and UPDATE: the change, by method or token (knowledge.shared_state);
    #: CHECK: "key", "empty" or "none"; ITERATE: "loop", "view" or "copy".
    change: str = ""
    acts: bool = True  # CHECK: the code it guards changes the state (not only reads it)
    guarded: bool = False  # runs with a lock held: never a finding, but a partner of one
    #: Code alongside threads: the hand-offs whose threads run with it, and whether it is
    #: public code any thread may run while a thread lives on.
    windows: Tuple[HandoffSite, ...] = ()
    public: bool = False
    partners: List["SharedAccess"] = field(default_factory=list)
    #: CHECK: the expression naming what it tested, to find the reads it guards; ITERATE:
    #: what the loop steps through (``d.items()``), for messages.
    expr: Optional[cst.BaseExpression] = None
    #: The node of the outermost function walked that leads to it: itself, or the call of
    #: the helper it is in.
    anchor: Optional[cst.CSTNode] = None
    #: CHECK: the changes it guards (each marked ``covered``).
    guards: List["SharedAccess"] = field(default_factory=list)


@dataclass
class Context:
    """Where the code being walked runs: on a thread (``root``), or alongside threads."""

    root: Optional[ThreadRoot]
    guarded: bool = False
    windows: Tuple[HandoffSite, ...] = ()
    public: bool = False
    #: Code alongside: the shared subjects to look for, by key, and the arguments of
    #: hand-offs of this function that are shared parameters: argument text -> key.
    interest: Optional[Dict[Tuple, Subject]] = None
    arguments: Optional[Dict[str, Tuple]] = None
    anchor: Optional[cst.CSTNode] = None  # in a helper: the call of the outermost function

    def inside(self, guarded: bool, anchor: Optional[cst.CSTNode]) -> "Context":
        """The same place, with a lock held when ``guarded``, reached through ``anchor``."""
        return Context(
            self.root, self.guarded or guarded, self.windows, self.public, self.interest, self.arguments, self.anchor or anchor
        )
