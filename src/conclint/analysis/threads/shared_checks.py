"""Check-then-act on shared state (CCL304): the shared subjects an ``if`` test checks
(``k in d``, ``x is None``, ``len(d)``, ``d.get(k)``), and the changes the code it guards
makes to them (or, when it only reads them, the read a removing thread can break)."""

from __future__ import annotations

from typing import TYPE_CHECKING, List, Optional, Tuple

import libcst as cst

from conclint.analysis.threads.body import FunctionBody
from conclint.analysis.threads.shared_sites import CHECK, MUTATE, REBIND, UPDATE, Context
from conclint.analysis.threads.shared_subjects import Subject
from conclint.analysis.threads.syntax import SCOPE_NODES, child_nodes, code_of
from conclint.knowledge import cpu as K

if TYPE_CHECKING:
    from conclint.analysis.threads.shared_state import AccessFinder


def checked_subjects(finder: "AccessFinder", context: Context, test: cst.BaseExpression, scope, self_name, depth, nesting: int = 0):
    """Shared subjects an ``if`` test checks: (subject, "key" | "none" | "empty", the
    expression naming it)."""
    found: List[Tuple[Subject, str, cst.BaseExpression]] = []
    if nesting > 16:
        return found
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        return checked_subjects(finder, context, test.expression, scope, self_name, depth, nesting + 1)
    if isinstance(test, cst.BooleanOperation):
        return checked_subjects(finder, context, test.left, scope, self_name, depth, nesting + 1) + checked_subjects(finder, 
            context, test.right, scope, self_name, depth, nesting + 1
        )
    if isinstance(test, cst.Comparison):
        for comparison in test.comparisons:
            operator = comparison.operator
            if isinstance(operator, (cst.In, cst.NotIn)):
                subject = finder.named(context, comparison.comparator, scope, self_name, depth)
                if subject is not None and subject.type in K.MUTATING_METHODS:
                    found.append((subject, "key", comparison.comparator))
            elif isinstance(operator, (cst.Is, cst.IsNot, cst.Equal, cst.NotEqual)) and _is_none(comparison.comparator):
                found.extend(_none_checked(finder, context, test.left, scope, self_name, depth))
        return found
    return _none_checked(finder, context, test, scope, self_name, depth)

def _none_checked(finder: "AccessFinder", context: Context, expr, scope, self_name, depth):
    if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and expr.func.attr.value == "get":
        subject = finder.named(context, expr.func.value, scope, self_name, depth)
        if subject is not None and subject.type in K.MUTATING_METHODS:
            return [(subject, "key", expr.func.value)]
        return []
    if isinstance(expr, cst.Call):
        callee = finder.lookup.resolve(expr.func, scope)
        if callee is not None and callee.qualname == "builtins.len" and expr.args:
            subject = finder.named(context, expr.args[0].value, scope, self_name, depth)
            if subject is not None and subject.type in K.MUTATING_METHODS:
                return [(subject, "empty", expr.args[0].value)]
        return []
    if not isinstance(expr, (cst.Name, cst.Attribute)):
        return []
    subject = finder.named(context, expr, scope, self_name, depth)
    if subject is not None and subject.type in K.MUTATING_METHODS:
        return [(subject, "empty", expr)]
    found = finder.updated(context, expr, scope, self_name, depth)
    return [(found[0], "none", expr)] if found is not None else []

def check_then_act(finder: "AccessFinder", context: Context, body: FunctionBody, node: cst.If, scope, self_name, depth, start) -> None:
    checked = checked_subjects(finder, context, node.test, scope, self_name, depth)
    if not checked:
        return
    keys = {subject.key: (subject, how, expr) for subject, how, expr in checked}
    regions: List[cst.CSTNode] = [node.body] + ([node.orelse] if node.orelse is not None else [])
    regions += _after_guard(body, node)
    acts = []
    for access in finder.accesses[start:]:
        if access.root is not context.root or access.subject.key not in keys or access.node is node:
            continue
        if access.kind == CHECK or not any(body.within(access.node, region) or access.node is region for region in regions):
            continue
        how = keys[access.subject.key][1]
        if how in ("key", "empty") and access.kind not in (MUTATE, UPDATE):
            continue
        if how == "none" and access.kind not in (REBIND, UPDATE):
            continue
        acts.append(access)
    if acts:
        for access in acts:
            access.covered = True
        subject, how, expr = keys[acts[0].subject.key]
        check = finder.record(context, node.test, subject, CHECK, acts[0].detail, scope, how)
        check.expr = expr
        check.guards = acts
        return
    # The guarded code only reads what was checked (``if k in d: return d[k]``): a race
    # only with a thread that removes it, which the partners tell.
    for subject, how, expr in checked:
        if how == "none":
            continue
        use = _first_use(expr, regions)
        if use is not None:
            check = finder.record(context, node.test, subject, CHECK, code_of(use, 40), scope, how)
            check.acts = False
            check.expr = expr


def _is_none(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "None"


def _after_guard(body: FunctionBody, node: cst.If) -> List[cst.CSTNode]:
    """The statements after a guard clause (``if k in cache: return cache[k]``), which run
    only when its test was false."""
    if node.orelse is not None or not _exits(node.body):
        return []
    parent = body.parents.get(id(node))
    statements = getattr(parent, "body", None)
    if not isinstance(statements, (list, tuple)) or node not in statements:
        return []
    return list(statements[statements.index(node) + 1:])


def _exits(suite: cst.BaseSuite) -> bool:
    statements = getattr(suite, "body", ())
    if not statements:
        return False
    last = statements[-1]
    smalls = last.body if isinstance(last, cst.SimpleStatementLine) else [last] if isinstance(suite, cst.SimpleStatementSuite) else []
    return bool(smalls) and isinstance(smalls[-1], (cst.Return, cst.Raise, cst.Continue, cst.Break))


def _first_use(expr: cst.BaseExpression, regions: List[cst.CSTNode]) -> Optional[cst.Subscript]:
    """The first ``expr[...]`` read in ``regions`` (nested functions aside)."""
    for region in regions:
        stack = [region]
        while stack:
            current = stack.pop()
            if isinstance(current, cst.Subscript) and current.value.deep_equals(expr):
                return current
            stack.extend(reversed([c for c in child_nodes(current) if not isinstance(c, SCOPE_NODES)]))
    return None
