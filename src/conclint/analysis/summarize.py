"""Module summaries from the facts of one file: what the project pass needs to know of
it without its tree (see :mod:`conclint.analysis.summary` for the records)."""

from __future__ import annotations

import sys
from typing import Dict, List, Tuple

import libcst as cst

from conclint.analysis.guards import arguments, call_guards, forwardable
from conclint.analysis.module import CallSite, ModuleFacts
from conclint.analysis.scopes import ASSIGN, IMPORT, Scope, Value
from conclint.analysis.summary import Call as SummaryCall
from conclint.analysis.summary import Effect, FunctionSummary, ModuleSummary
from conclint.analysis.threads import summary_fields
from conclint.knowledge.asyncio_api import LOOP_CHECKS, LOOP_RUNNERS

#: Decorators that return the function itself, or a wrapper that calls it as it is.
TRANSPARENT_DECORATORS = frozenset(
    {
        "builtins.staticmethod",
        "builtins.classmethod",
        "builtins.property",
        "functools.lru_cache",
        "functools.cache",
        "functools.cached_property",
        "functools.wraps",
        "typing.overload",
        "typing.final",
        "typing_extensions.final",
        "typing_extensions.override",
        "typing.override",
        "abc.abstractmethod",
    }
)

_STDLIB = frozenset(getattr(sys, "stdlib_module_names", ())) | {"builtins"}


def _outside_project(qualname: str, module_name: str) -> bool:
    """Calls into the standard library can never reach a project function: leaving them
    out keeps summaries small (most calls are to the standard library)."""
    top = qualname.split(".", 1)[0]
    return top in _STDLIB and top != module_name.split(".", 1)[0]



def summarize(facts: ModuleFacts) -> ModuleSummary:
    """The module summary the project pass joins: each function's blocking calls, its
    calls of project code and its thread facts; the module's aliases and classes."""
    # CCL2xx (threads and processes): CPU-heavy loops, calls of unknown cost and hand-offs.
    thread_fields, import_time_handoffs = summary_fields(facts)
    by_function: Dict[int, List[int]] = {}
    for index, site in enumerate(facts.calls):
        function = site.scope.function_scope
        if function is not None and function.kind == "function":
            by_function.setdefault(id(function), []).append(index)
    functions = []
    for scope in facts.functions:
        indexes = by_function.get(id(scope), [])
        blocking: List[Tuple[int, CallSite, Tuple[str, str]]] = []
        project: List[Tuple[int, CallSite, Value]] = []
        loop_runs: List[Effect] = []
        checks_loop = False
        for index in indexes:
            site = facts.calls[index]
            if not facts.runs_in_caller(site):
                continue
            hit = facts.blocking_category(site)
            if hit is not None:
                blocking.append((index, site, hit))
                continue
            value = facts.callee(site)
            if value is None or value.instance:
                continue
            if value.qualname in LOOP_RUNNERS:
                loop_runs.append(Effect("loop", value.qualname, index))
            elif value.qualname in LOOP_CHECKS:
                checks_loop = True
            if _outside_project(value.qualname, facts.module_name):
                continue
            project.append((index, site, value))
        # The conditions on parameters each of them runs under, for the project pass to cut
        # chains that no caller can take.
        guards = call_guards(facts, scope) if (blocking or project) and not scope.is_async else {}
        # The parameters it passes on as they came: a caller's constant decides them.
        forwards = forwardable(scope) if project and not scope.is_async else None
        effects = [Effect(hit[1], hit[0], index, guards.get(id(site.node), ())) for index, site, hit in blocking]
        calls = [
            SummaryCall(
                value.qualname,
                value.bound,
                index,
                id(site.node) in facts.discarded,
                guards.get(id(site.node), ()),
                arguments(site.node, forwards),
                site.awaited,
            )
            for index, site, value in project
        ]
        functions.append(
            FunctionSummary(
                qualname=scope.qualname,
                is_async=scope.is_async,
                transparent=_transparent(facts, scope),
                effects=tuple(effects),
                calls=tuple(calls),
                line_hint=indexes[0] if indexes else -1,
                kind=_kind(scope),
                loop_runs=tuple(loop_runs) if not scope.is_async else (),
                checks_loop=checks_loop,
                **thread_fields.get(id(scope), {}),  # type: ignore[arg-type]
            )
        )
    if import_time_handoffs:
        # Import-time code that hands callables to threads or processes is summarised as
        # a pseudo-function "<module>": not transparent, so no call ever resolves to it.
        functions.append(
            FunctionSummary(f"{facts.module_name}.<module>", False, False, (), (), handoffs=import_time_handoffs)
        )
    aliases = []
    for name, bindings in facts.root.bindings.items():
        if any(b.kind in (IMPORT, ASSIGN) for b in bindings):
            value = facts.resolver.resolve_name(name, facts.root, 0)
            if value is not None and not value.instance and not value.bound:
                aliases.append((name, value.qualname))
    classes = []
    for qualname, cls in facts.resolver.local_classes.items():
        node = cls.node
        bases: List[str] = []
        if isinstance(node, cst.ClassDef):
            for arg in node.bases:
                if arg.keyword is not None:
                    continue  # ``metaclass=...``: not a base
                base = arg.value
                if isinstance(base, cst.Subscript):
                    base = base.value  # ``Generic[T]``, ``Base[int]``: the class subscripted
                value = facts.resolve(base, cls.parent or facts.root)
                bases.append(value.qualname if value is not None and not value.instance else "?")
        classes.append((qualname, tuple(bases)))
    return ModuleSummary(
        facts.module_name,
        facts.path,
        tuple(functions),
        tuple(sorted(facts.imported_modules)),
        tuple(sorted(aliases)),
        tuple(classes),
        len(facts.calls),
        facts.framework,
    )


def _kind(scope: Scope) -> str:
    if scope.method_class() is None:
        return ""
    for kind in ("staticmethod", "classmethod"):
        if kind in scope.decorators:
            return kind
    return "method"


def _transparent(facts: ModuleFacts, scope: Scope) -> bool:
    node = scope.node
    if not isinstance(node, cst.FunctionDef) or not node.decorators:
        return True
    for decorator in node.decorators:
        expr = decorator.decorator
        if isinstance(expr, cst.Call):
            expr = expr.func
        value = facts.resolve(expr, scope.parent or facts.root)
        if value is None or value.qualname not in TRANSPARENT_DECORATORS:
            return False
    return True
