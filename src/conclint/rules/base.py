"""The rule contract: one small class with its metadata, docs and examples (Fixit-style).

A rule is a LibCST batchable visitor. It may define ``visit_*``/``leave_*`` methods, which
run inside the one shared traversal, and/or :meth:`Rule.finish`, which runs after the
traversal when every name of the module has been resolved. A rule never reads files,
parses or prints: it reports nodes, and the engine turns them into diagnostics.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from typing import ClassVar, List, Optional, Sequence, Tuple

import libcst as cst

from conclint.analysis import ModuleFacts
from conclint.analysis.traversal import visitor_methods
from conclint.diagnostic import TraceStep


@dataclass(frozen=True)
class NodeFix:
    """A fix as a rule states it: replace whole nodes with new code, and make sure some
    modules are imported. The engine turns it into offset edits (:class:`Fix`)."""

    description: str
    replacements: Tuple[Tuple[cst.CSTNode, str], ...]
    applicability: str = "safe"
    imports: Tuple[str, ...] = ()


@dataclass(frozen=True)
class Report:
    node: cst.CSTNode
    code: str
    message: str
    fix: Optional[NodeFix] = None
    trace: Tuple[TraceStep, ...] = ()


class Rule(cst.BatchableCSTVisitor):
    code: ClassVar[str]
    name: ClassVar[str]
    summary: ClassVar[str]
    #: The piece of the guide the rule stands on.
    advice: ClassVar[str]
    what: ClassVar[str]
    why: ClassVar[str]
    example: ClassVar[str]
    instead: ClassVar[str]
    fix_safety: ClassVar[str] = "No autofix is offered."
    options: ClassVar[str] = "None."
    #: Snippets the rule must leave clean, and snippets it must flag (tested).
    VALID: ClassVar[Sequence[str]] = ()
    INVALID: ClassVar[Sequence[str]] = ()
    #: True for codes the engine itself reports (syntax errors, unreadable files).
    engine_reported: ClassVar[bool] = False
    #: Words (bytes) a file must contain for this rule to find anything in it; files with
    #: none of the enabled rules' words are not parsed. ``None``: any file.
    triggers: ClassVar[Optional[Tuple[bytes, ...]]] = None
    #: Project-pass codes whose finding at the very place of one of this rule's findings
    #: says less (one finding per site, the most specific): the engine drops them.
    supersedes: ClassVar[Tuple[str, ...]] = ()
    #: For a project rule (``project_rule = True``): it also has a per-file part, the
    #: ``visit_*``/:meth:`finish` it runs in the per-file pass like any other rule.
    per_file_part: ClassVar[bool] = False

    def __init__(self, facts: ModuleFacts) -> None:
        super().__init__()
        self.facts = facts
        self.reports: List[Report] = []

    def get_visitors(self):
        return visitor_methods(self)

    def report(
        self,
        node: cst.CSTNode,
        message: str,
        fix: Optional[NodeFix] = None,
        trace: Tuple[TraceStep, ...] = (),
    ) -> None:
        self.reports.append(Report(node, self.code, message, fix, trace))

    def finish(self) -> None:
        """Called once after the traversal; names resolve now."""

    @classmethod
    def docs(cls) -> str:
        """The rule's page, in Markdown: the single source of ``docs/rules/CCLnnn.md``."""

        def block(code: str) -> str:
            return "```python\n" + textwrap.dedent(code).strip("\n") + "\n```"

        def para(text: str) -> str:
            # Blank lines part paragraphs; a line starting with "- " starts a list item.
            blocks = []
            for chunk in textwrap.dedent(text).strip().split("\n\n"):
                items = re.split(r"\n\s*(?=- )", chunk)
                blocks.append("\n".join(" ".join(item.split()) for item in items))
            return "\n\n".join(blocks)

        return "\n".join(
            [
                f"# {cls.code} {cls.name}",
                "",
                f"*{para(cls.summary)}*",
                "",
                "## What it does",
                "",
                para(cls.what),
                "",
                "## Why is this bad?",
                "",
                para(cls.why),
                "",
                f"The advice it stands on: {para(cls.advice)}",
                "",
                "## Example",
                "",
                block(cls.example),
                "",
                "## Use instead",
                "",
                block(cls.instead),
                "",
                "## Fix safety",
                "",
                para(cls.fix_safety),
                "",
                "## Options",
                "",
                para(cls.options),
                "",
            ]
        )
