"""The per-file analysis visitor: run first in the batched traversal, it maintains the
scope stack (so rules can ask "am I inside ``async def``?" while they visit) and records
into :class:`ModuleFacts` the bindings, call sites and imports every rule shares."""

from __future__ import annotations

from typing import Dict, List, Optional, Set

import libcst as cst

from conclint.analysis.module import CallSite, ModuleFacts, dotted_name
from conclint.analysis.scopes import ANNOTATED, ASSIGN, CLASS, DEF, IMPORT, OTHER, PARAM, WITH, Binding, Scope
from conclint.analysis.traversal import visitor_methods


class ModuleAnalyzer(cst.BatchableCSTVisitor):
    """Builds :class:`ModuleFacts` during the shared traversal. Must run first in the batch."""

    def __init__(self, facts: ModuleFacts) -> None:
        super().__init__()
        self.facts = facts
        self.scope = facts.root
        self._awaited: Set[int] = set()
        self._stack: List[Scope] = []
        self._pending: Dict[int, Scope] = {}
        self._iter_scopes: List[bool] = []

    def get_visitors(self):
        return visitor_methods(self)

    # -- helpers -----------------------------------------------------------------
    def _push(self, scope: Scope) -> None:
        self._stack.append(self.scope)
        self.scope = self.facts.scope = scope

    def _pop(self) -> None:
        self.scope = self.facts.scope = self._stack.pop()

    def _qualname(self, name: str) -> str:
        scope = self.scope
        while scope.kind == "comprehension" and scope.parent is not None:
            scope = scope.parent
        return f"{scope.qualname}.{name}" if scope.qualname else name

    def _package(self) -> str:
        name = self.facts.module_name
        if self.facts.path.endswith("__init__.py"):
            return name
        return name.rsplit(".", 1)[0] if "." in name else ""

    def _bind_target(self, target: cst.BaseExpression, binding: Binding) -> None:
        """Bind the names of an assignment target; unpacking gives values we cannot follow."""
        if isinstance(target, cst.Name):
            self.scope.add(target.value, binding, target)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._bind_target(element.value, Binding(OTHER))
        elif isinstance(target, cst.StarredElement):
            self._bind_target(target.value, Binding(OTHER))
        elif isinstance(target, cst.Attribute):
            self._record_instance_attr(target, binding)

    def _record_instance_attr(self, target: cst.Attribute, binding: Binding) -> None:
        func = self.scope.function_scope
        if func is None or not isinstance(target.value, cst.Name):
            return
        # ``self`` may be a free variable of a closure or lambda inside the method.
        while func is not None and func.method_class() is None and target.value.value not in func.bindings:
            parent = func.parent
            func = parent.function_scope if parent is not None else None
        if func is None:
            return
        cls = func.method_class()
        node = func.node
        if cls is None or not isinstance(node, cst.FunctionDef) or not node.params.params:
            return
        if node.params.params[0].name.value != target.value.value or "staticmethod" in func.decorators:
            return
        value = binding.value if binding.kind == ASSIGN else None
        cls.instance_attrs.setdefault(target.attr.value, []).append((value, self.scope))

    # -- imports -----------------------------------------------------------------
    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            full = dotted_name(alias.name)
            if full is None:
                continue
            self.facts.imported_modules.add(full)
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self.scope.add(alias.asname.name.value, Binding(IMPORT, full), alias.asname.name)
            else:
                top = full.split(".", 1)[0]
                self.scope.add(top, Binding(IMPORT, top), alias.name)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        module = dotted_name(node.module) if node.module is not None else ""
        if module is None:
            return
        if node.relative:
            package = self._package()
            for _ in range(len(node.relative) - 1):
                package = package.rsplit(".", 1)[0] if "." in package else ""
            module = ".".join(part for part in (package, module) if part)
        if module:
            self.facts.imported_modules.add(module)
        if isinstance(node.names, cst.ImportStar):
            self.scope.star_import = True
            return
        for alias in node.names:
            if not isinstance(alias.name, cst.Name):
                continue
            name = alias.name.value
            local: cst.Name = alias.name
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name
            qualname = f"{module}.{name}" if module else name
            self.scope.add(local.value, Binding(IMPORT, qualname), local)

    # -- definitions and scopes ----------------------------------------------------
    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        qualname = self._qualname(node.name.value)
        self.scope.add(node.name.value, Binding(DEF, qualname), node.name)
        scope = Scope(
            "function",
            self.scope,
            name=node.name.value,
            qualname=qualname,
            is_async=node.asynchronous is not None,
            node=node,
        )
        scope.decorators = tuple(
            name for name in (dotted_name(d.decorator) for d in node.decorators) if name
        )
        self.facts.functions.append(scope)
        self._pending[id(node)] = scope

    def visit_FunctionDef_body(self, node: cst.FunctionDef) -> None:
        scope = self._pending.pop(id(node))
        self._push(scope)
        params = node.params
        ordered = list(params.posonly_params) + list(params.params)
        index = 0
        for param in ordered:
            scope.add(param.name.value, Binding(PARAM, value=_annotation(param), scope=scope, index=index), param.name)
            index += 1
        for param in list(params.kwonly_params):
            scope.add(param.name.value, Binding(PARAM, value=_annotation(param), scope=scope), param.name)
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                scope.add(star.name.value, Binding(OTHER))

    def leave_FunctionDef_body(self, node: cst.FunctionDef) -> None:
        self._pop()

    def visit_Lambda_body(self, node: cst.Lambda) -> None:
        scope = Scope("lambda", self.scope, qualname=self._qualname("<lambda>"), node=node)
        self._push(scope)
        params = node.params
        for param in (
            list(params.posonly_params) + list(params.params) + list(params.kwonly_params)
        ):
            scope.add(param.name.value, Binding(OTHER))
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                scope.add(star.name.value, Binding(OTHER))

    def leave_Lambda_body(self, node: cst.Lambda) -> None:
        self._pop()

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        qualname = self._qualname(node.name.value)
        self.scope.add(node.name.value, Binding(CLASS, qualname), node.name)
        scope = Scope("class", self.scope, name=node.name.value, qualname=qualname, node=node)
        self._pending[id(node)] = scope
        self.facts.resolver.local_classes[qualname] = scope

    def visit_ClassDef_body(self, node: cst.ClassDef) -> None:
        self._push(self._pending.pop(id(node)))

    def leave_ClassDef_body(self, node: cst.ClassDef) -> None:
        self._pop()

    def _visit_comprehension(self, node: cst.CSTNode) -> None:
        self._push(Scope("comprehension", self.scope, qualname=self.scope.qualname, node=node))

    def _leave_comprehension(self, node: cst.CSTNode) -> None:
        self._pop()

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _visit_comprehension
    leave_ListComp = leave_SetComp = leave_DictComp = leave_GeneratorExp = _leave_comprehension

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._bind_target(node.target, Binding(OTHER))

    def visit_CompFor_iter(self, node: cst.CompFor) -> None:
        # The first iterable of a comprehension is evaluated where the comprehension is.
        outermost = self.scope.kind == "comprehension" and getattr(self.scope.node, "for_in", None) is node
        self._iter_scopes.append(outermost)
        if outermost:
            self._push(self.scope.parent)

    def leave_CompFor_iter(self, node: cst.CompFor) -> None:
        if self._iter_scopes.pop():
            self._pop()

    def visit_Global(self, node: cst.Global) -> None:
        self.scope.global_names.update(item.name.value for item in node.names)

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        self.scope.nonlocal_names.update(item.name.value for item in node.names)

    # -- assignments ------------------------------------------------------------------
    def _visit_assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            if (
                isinstance(target.target, (cst.Tuple, cst.List))
                and isinstance(node.value, (cst.Tuple, cst.List))
                and len(target.target.elements) == len(node.value.elements)
                and not any(isinstance(e, cst.StarredElement) for e in (*target.target.elements, *node.value.elements))
            ):
                # ``a, b = A(), B()`` binds pairwise.
                for left, right in zip(target.target.elements, node.value.elements):
                    self._bind_target(left.value, Binding(ASSIGN, value=right.value, scope=self.scope))
                continue
            self._bind_target(target.target, Binding(ASSIGN, value=node.value, scope=self.scope))

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        annotated = _annotated_type(node.annotation.annotation)
        if annotated is not None and self.scope.kind == "class" and isinstance(node.target, cst.Name):
            self.scope.attr_annotations[node.target.value] = annotated
        if annotated is not None and (node.value is None or self.scope.kind != "class"):
            # ``client: httpx.Client = ...``: the annotation says what the name holds.
            if node.value is not None or self.scope.kind == "function":
                self._bind_target(node.target, Binding(ANNOTATED, value=annotated, scope=self.scope))
        elif node.value is not None:
            self._bind_target(node.target, Binding(ASSIGN, value=node.value, scope=self.scope))
        elif isinstance(node.target, cst.Name) and self.scope.kind == "function":
            self.scope.add(node.target.value, Binding(OTHER), node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if isinstance(node.target, cst.Attribute):
            self._bind_target(node.target, Binding(OTHER))

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        # The walrus binds in the enclosing function, even inside a comprehension.
        scope = self.scope
        while scope.kind == "comprehension" and scope.parent is not None:
            scope = scope.parent
        if isinstance(node.target, cst.Name):
            scope.add(node.target.value, Binding(ASSIGN, value=node.value, scope=self.scope), node.target)

    def visit_For(self, node: cst.For) -> None:
        self._bind_target(node.target, Binding(OTHER))

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._bind_target(node.asname.name, Binding(WITH, value=node.item, scope=self.scope))

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if node.name is not None:
            self._bind_target(node.name.name, Binding(OTHER))

    def visit_ExceptStarHandler(self, node: cst.ExceptStarHandler) -> None:
        if node.name is not None:
            self._bind_target(node.name.name, Binding(OTHER))

    def visit_MatchAs(self, node: cst.MatchAs) -> None:
        if node.name is not None:
            self.scope.add(node.name.value, Binding(OTHER), node.name)

    def visit_MatchStar(self, node: cst.MatchStar) -> None:
        if node.name is not None:
            self.scope.add(node.name.value, Binding(OTHER), node.name)

    def visit_MatchMapping(self, node: cst.MatchMapping) -> None:
        if node.rest is not None:
            self.scope.add(node.rest.value, Binding(OTHER), node.rest)

    def visit_Del(self, node: cst.Del) -> None:
        if isinstance(node.target, cst.Name):
            self.scope.add(node.target.value, Binding(OTHER), node.target)

    # -- calls ------------------------------------------------------------------------
    # -- statement contexts ----------------------------------------------------------------
    def visit_Expr(self, node: cst.Expr) -> None:
        self.facts.discarded.add(id(node.value))
        self.facts.statement_values.add(id(node.value))

    def visit_Assign(self, node: cst.Assign) -> None:
        self.facts.statement_values.add(id(node.value))
        self._visit_assign(node)

    def visit_Return(self, node: cst.Return) -> None:
        if node.value is not None:
            self.facts.statement_values.add(id(node.value))

    def visit_Await(self, node: cst.Await) -> None:
        self._awaited.add(id(node.expression))

    def visit_Call(self, node: cst.Call) -> None:
        self.facts.calls.append(CallSite(node, self.scope, awaited=id(node) in self._awaited))
        for arg in node.args:
            if isinstance(arg.value, cst.GeneratorExp):
                self.facts.executor_genexps[id(arg.value)] = (node, self.scope)


def _annotation(param: cst.Param) -> Optional[cst.BaseExpression]:
    if param.annotation is None:
        return None
    return _annotated_type(param.annotation.annotation)


def _annotated_type(annotation: cst.BaseExpression) -> Optional[cst.BaseExpression]:
    """The class an annotation names: ``X``, ``mod.X``, ``Optional[X]``, ``X | None``."""
    if isinstance(annotation, (cst.Name, cst.Attribute)):
        return annotation
    if isinstance(annotation, cst.BinaryOperation) and isinstance(annotation.operator, cst.BitOr):
        sides = [annotation.left, annotation.right]
        others = [side for side in sides if not (isinstance(side, cst.Name) and side.value == "None")]
        return _annotated_type(others[0]) if len(others) == 1 else None
    if (
        isinstance(annotation, cst.Subscript)
        and dotted_name(annotation.value) in ("Optional", "typing.Optional", "t.Optional")
        and len(annotation.slice) == 1
        and isinstance(annotation.slice[0].slice, cst.Index)
    ):
        return _annotated_type(annotation.slice[0].slice.value)
    return None
