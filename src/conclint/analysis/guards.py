"""Guards and constants, for the project pass to cut chains no caller can take.

A *guard* is a simple condition on one parameter of a function that a call in it runs
under: ``if p:``, ``if not p:``, ``if p is None:``, ``if p is not None:``,
``if isinstance(p, str):`` (or a tuple of types), conjunctions of these in the ``if``
branch (``and``) and disjunctions in the ``else`` branch (``or``), the ``else`` branch,
and the rest of a block after an ``if`` whose branch always leaves it (``if p is None:
return``). A *constant* is what a call passes: ``None``, a literal, a dict, list, tuple or
set display.

Exact, or nothing: a guard is kept only when the parameter cannot have changed when the
test runs (every other binding of it is inside the code the guard keeps from running, so
when the test first fails it fails for good), and anything that is not one of these forms
(a call, a comparison with a value, an attribute) is no guard at all.
"""

from __future__ import annotations

import itertools
from typing import Dict, List, Optional, Sequence, Set, Tuple, Union

import libcst as cst

from conclint.analysis.module import ModuleFacts
from conclint.analysis.scopes import PARAM, Scope
from conclint.analysis.summary import Arguments, Constant, Forward, Guard
from conclint.analysis.threads.syntax import child_nodes
from conclint.knowledge.literals import INSTANCES

_DISPLAYS = {cst.Dict: "dict", cst.List: "list", cst.Set: "set", cst.Tuple: "tuple",
             cst.DictComp: "dict", cst.ListComp: "list", cst.SetComp: "set"}
#: Displays whose truth value cannot change once made (the callee may fill an empty list).
_IMMUTABLE = ("tuple",)
_NUMBERS = {cst.Integer: "int", cst.Float: "float", cst.Imaginary: "complex"}
_KEYWORDS = {"None": Constant("None", False), "True": Constant("bool", True), "False": Constant("bool", False)}
_EXITS = (cst.Return, cst.Raise, cst.Continue, cst.Break)


def constant(expr: cst.BaseExpression) -> Optional[Constant]:
    """The constant ``expr`` is, if it is one."""
    if isinstance(expr, cst.Name):
        return _KEYWORDS.get(expr.value)
    if isinstance(expr, (cst.SimpleString, cst.ConcatenatedString)):
        value = expr.evaluated_value
        if isinstance(value, (str, bytes)):
            return Constant("bytes" if isinstance(value, bytes) else "str", bool(value))
        return Constant("str") if _has_prefix(expr, "f") else None
    if isinstance(expr, cst.FormattedString):
        return Constant("str")
    kind = _NUMBERS.get(type(expr))
    if kind is not None:
        value = expr.evaluated_value  # type: ignore[attr-defined]
        return Constant(kind, bool(value))
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, (cst.Minus, cst.Plus)):
        inner = constant(expr.expression)
        return inner if inner is not None and inner.kind in ("int", "float", "complex") else None
    kind = _DISPLAYS.get(type(expr))
    if kind is not None:
        elements = getattr(expr, "elements", None)
        if kind in _IMMUTABLE and elements is not None and not any(isinstance(e, cst.StarredElement) for e in elements):
            return Constant(kind, bool(elements))
        return Constant(kind)
    return None


def _has_prefix(expr: cst.ConcatenatedString, letter: str) -> bool:
    parts = [expr.left, expr.right]
    while parts:
        part = parts.pop()
        if isinstance(part, cst.ConcatenatedString):
            parts.extend((part.left, part.right))
        elif isinstance(part, cst.FormattedString) and letter in part.prefix.lower():
            return True
    return False


_ARGUMENTS: Dict[tuple, Arguments] = {}
_NO_ARGUMENTS = Arguments(0, ())


def arguments(call: cst.Call, forwards: Optional[Dict[str, Forward]] = None) -> Optional[Arguments]:
    """What ``call`` passes; ``None`` with ``*args`` or ``**kwargs``. ``forwards``: the
    parameters of the calling function that it passes on unchanged (:func:`forwardable`).
    Equal records are one object, so that a summary pickles each only once."""
    if not call.args:
        return _NO_ARGUMENTS
    positional = 0
    keywords: List[str] = []
    constants: List[Tuple[Union[int, str], Constant]] = []
    forwarded: List[Tuple[Union[int, str], Forward]] = []
    for arg in call.args:
        if arg.star:
            return None
        slot: Union[int, str] = positional if arg.keyword is None else arg.keyword.value
        value = constant(arg.value)
        if value is not None:
            constants.append((slot, value))
        elif forwards and isinstance(arg.value, cst.Name) and arg.value.value in forwards:
            forwarded.append((slot, forwards[arg.value.value]))
        if arg.keyword is None:
            positional += 1
        else:
            keywords.append(arg.keyword.value)
    key = (positional, tuple(keywords), tuple(constants), tuple(forwarded))
    found = _ARGUMENTS.get(key)
    if found is None:
        if len(_ARGUMENTS) > 4096:
            _ARGUMENTS.clear()
        found = _ARGUMENTS[key] = Arguments(*key)
    return found


def forwardable(scope: Scope) -> Dict[str, Forward]:
    """The parameters of a function (``self``/``cls`` aside) that it never binds again:
    an argument naming one passes on what the function was given. The scope's bindings
    tell (assignments, loops, ``with``/``except`` names, ``:=``, ``nonlocal`` writes of
    nested functions); ``p += ...``, which binds no new name there, is looked for in the
    statements."""
    node = scope.node
    if not isinstance(node, cst.FunctionDef):
        return {}
    params = _parameters(scope, node)
    candidates = {
        name for name in params if len(scope.bindings.get(name, ())) == 1 and scope.bindings[name][0].kind == PARAM
    }
    if not candidates:
        return {}
    candidates -= _augmented(node.body)
    return {name: Forward(params[name].name, params[name].position, params[name].default) for name in candidates}


def _augmented(body: cst.BaseSuite) -> Set[str]:
    """Names given ``name += ...`` in a function's own statements (nested defs aside)."""
    found: Set[str] = set()
    stack: List[cst.CSTNode] = [body]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.SimpleStatementLine):
            for small in node.body:
                if isinstance(small, cst.AugAssign) and isinstance(small.target, cst.Name):
                    found.add(small.target.value)
        elif isinstance(node, cst.SimpleStatementSuite):
            for small in node.body:
                if isinstance(small, cst.AugAssign) and isinstance(small.target, cst.Name):
                    found.add(small.target.value)
        elif isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            continue
        elif isinstance(node, cst.IndentedBlock):
            stack.extend(node.body)
        else:
            for attr in ("body", "orelse", "finalbody", "handlers", "cases"):
                part = getattr(node, attr, None)
                if isinstance(part, (list, tuple)):
                    stack.extend(part)
                elif isinstance(part, cst.CSTNode):
                    stack.append(part)
    return found


#: An argument that is not a constant, taken to be some value other than ``None`` (its
#: type and truth value unknown): how the project's arguments to a library are read.
PASSED = Constant("value")


def instance_of(kind: str, types: Sequence[str]) -> Optional[bool]:
    """``isinstance(value, types)`` for a constant of ``kind``; ``None`` when not decided."""
    if kind == PASSED.kind:
        return None
    open_ = False
    for name in types:
        instances = INSTANCES.get(name)
        if instances is None:
            open_ = True
        elif kind in instances:
            return True
    return None if open_ else False


def falsified(guard: Guard, value: Optional[Constant]) -> bool:
    """Whether ``value``, passed for the guard's parameter, makes the guard fail."""
    if value is None:
        return False
    if guard.test == "none":
        result: Optional[bool] = value.kind == "None"
    elif guard.test == "truthy":
        result = value.truthy
    else:
        result = instance_of(value.kind, guard.types)
    return result is not None and result != guard.holds


# -- guards of a function's calls ---------------------------------------------------------------
class _Param:
    __slots__ = ("name", "position", "default")

    def __init__(self, name: str, position: int, default: Optional[Constant]) -> None:
        self.name = name
        self.position = position
        self.default = default


#: One condition from one ``if``: a token (which ``if`` and branch), the parameter's name,
#: the guard.
_Atom = Tuple[int, str, Guard]


def call_guards(facts: ModuleFacts, scope: Scope) -> Dict[int, Tuple[Guard, ...]]:
    """``id`` of each call node of the function -> the guards it runs under (only calls
    under at least one)."""
    node = scope.node
    if not isinstance(node, cst.FunctionDef):
        return {}
    params = _parameters(scope, node)
    if not params:
        return {}
    walker = _Walker(facts, scope, params)
    walker.block(node.body, ())
    return walker.result(node)


def _parameters(scope: Scope, node: cst.FunctionDef) -> Dict[str, _Param]:
    found: Dict[str, _Param] = {}
    positional = list(node.params.posonly_params) + list(node.params.params)
    posonly = len(node.params.posonly_params)
    skip = 1 if scope.method_class() is not None and "staticmethod" not in scope.decorators else 0
    listed = [(p, i, i < posonly) for i, p in enumerate(positional)] + [(p, -1, False) for p in node.params.kwonly_params]
    for param, position, only in listed:
        if 0 <= position < skip:
            continue  # ``self`` or ``cls``
        default = constant(param.default) if param.default is not None else None
        found[param.name.value] = _Param("" if only else param.name.value, position, default)
    return found


class _Walker:
    def __init__(self, facts: ModuleFacts, scope: Scope, params: Dict[str, _Param]) -> None:
        self.facts = facts
        self.scope = scope
        self.params = params
        self.tokens = itertools.count()
        self.calls: Dict[int, Tuple[_Atom, ...]] = {}
        #: ``id`` of a name of a parameter in guarded code -> the tokens active there.
        self.names: Dict[int, Set[int]] = {}

    def result(self, node: cst.FunctionDef) -> Dict[int, Tuple[Guard, ...]]:
        if not self.calls:
            return {}
        sites = _binding_sites(node, set(self.params))
        found: Dict[int, Tuple[Guard, ...]] = {}
        for call, atoms in self.calls.items():
            kept = tuple(dict.fromkeys(guard for token, name, guard in atoms if self._stable(token, sites.get(name, ()))))
            if kept:
                found[call] = kept
        return found

    def _stable(self, token: int, sites: Optional[Sequence[int]]) -> bool:
        """Every statement that binds the parameter again is inside the code this guard
        keeps from running: when the test fails, it fails for good."""
        return sites is not None and all(token in self.names.get(site, ()) for site in sites)

    # -- statements ----------------------------------------------------------------------------
    def block(self, suite: cst.BaseSuite, atoms: Tuple[_Atom, ...]) -> None:
        body = suite.body if isinstance(suite, (cst.IndentedBlock, cst.SimpleStatementSuite)) else ()
        for statement in body:
            self.statement(statement, atoms)
            if isinstance(statement, cst.If):
                # ``if p is None: return`` -- what follows runs only when the test failed.
                if _exits(statement.body):
                    atoms = atoms + self.conditions(statement.test, False)
                elif isinstance(statement.orelse, cst.Else) and _exits(statement.orelse.body):
                    atoms = atoms + self.conditions(statement.test, True)

    def statement(self, node: cst.CSTNode, atoms: Tuple[_Atom, ...]) -> None:
        if isinstance(node, cst.If):
            self.expression(node.test, atoms)
            self.block(node.body, atoms + self.conditions(node.test, True))
            otherwise = atoms + self.conditions(node.test, False)
            if isinstance(node.orelse, cst.If):
                self.statement(node.orelse, otherwise)
            elif isinstance(node.orelse, cst.Else):
                self.block(node.orelse.body, otherwise)
        elif isinstance(node, (cst.For, cst.While, cst.With, cst.Try, cst.TryStar, cst.Match)):
            for child in _headers(node):
                self.expression(child, atoms)
            for suite in _suites(node):
                self.block(suite, atoms)
        else:
            self.expression(node, atoms)

    def expression(self, node: cst.CSTNode, atoms: Tuple[_Atom, ...]) -> None:
        """Every call and rebinding under ``node`` runs under ``atoms``."""
        if not atoms:
            return
        tokens = {token for token, _, _ in atoms}
        stack = [node]
        while stack:
            current = stack.pop()
            if isinstance(current, cst.Call):
                self.calls[id(current)] = atoms
            elif isinstance(current, cst.Name) and current.value in self.params:
                self.names[id(current)] = tokens
            stack.extend(child_nodes(current))

    # -- tests ---------------------------------------------------------------------------------
    def conditions(self, test: cst.BaseExpression, outcome: bool) -> Tuple[_Atom, ...]:
        """The guards that hold wherever ``test`` evaluated to ``outcome``."""
        token = next(self.tokens)
        return tuple((token, name, guard) for name, guard in self._conditions(test, outcome))

    def _conditions(self, test: cst.BaseExpression, outcome: bool) -> List[Tuple[str, Guard]]:
        if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            return self._conditions(test.expression, not outcome)
        if isinstance(test, cst.BooleanOperation):
            # Both sides hold after a true ``and``; neither after a false ``or``.
            if isinstance(test.operator, cst.And) == outcome:
                return self._conditions(test.left, outcome) + self._conditions(test.right, outcome)
            return []
        if isinstance(test, cst.Name):
            return self._guard(test, "truthy", outcome)
        if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
            comparison = test.comparisons[0]
            if isinstance(comparison.operator, (cst.Is, cst.IsNot)):
                left, right = test.left, comparison.comparator
                name = left if _is_none(right) else right if _is_none(left) else None
                if isinstance(name, cst.Name):
                    holds = outcome if isinstance(comparison.operator, cst.Is) else not outcome
                    return self._guard(name, "none", holds)
            return []
        if isinstance(test, cst.Call) and len(test.args) == 2 and not any(a.star or a.keyword for a in test.args):
            callee = self.facts.resolve(test.func, self.scope)
            subject = test.args[0].value
            if callee is not None and callee.qualname == "builtins.isinstance" and isinstance(subject, cst.Name):
                types = self._types(test.args[1].value)
                if types:
                    return self._guard(subject, "isinstance", outcome, types)
        return []

    def _guard(self, name: cst.Name, test: str, holds: bool, types: Tuple[str, ...] = ()) -> List[Tuple[str, Guard]]:
        param = self.params.get(name.value)
        if param is None:
            return []
        return [(name.value, Guard(param.name, param.position, test, holds, types, param.default))]

    def _types(self, expr: cst.BaseExpression) -> Tuple[str, ...]:
        elements = [e.value for e in expr.elements] if isinstance(expr, cst.Tuple) else [expr]
        found = []
        for element in elements:
            value = self.facts.resolve(element, self.scope) if not isinstance(element, cst.StarredElement) else None
            found.append(value.qualname if value is not None and not value.instance and not value.bound else "?")
        return tuple(found)


def _binding_sites(function: cst.FunctionDef, names: Set[str]) -> Dict[str, Optional[List[int]]]:
    """``id`` of every name node that binds one of ``names`` again in the function's own
    scope (assignments of every kind, ``for``, ``with ... as``, ``except ... as``, imports,
    ``def``/``class``, ``del``, ``match`` captures); ``None`` for a name that a nested
    function rebinds through ``nonlocal``."""
    found: Dict[str, Optional[List[int]]] = {name: [] for name in names}

    def bind(target: Optional[cst.CSTNode]) -> None:
        if isinstance(target, cst.Name):
            sites = found.get(target.value)
            if sites is not None:
                sites.append(id(target))
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                bind(element.value)
        elif isinstance(target, cst.StarredElement):
            bind(target.value)

    stack: List[cst.CSTNode] = [function.body]
    while stack:
        node = stack.pop()
        if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            bind(node.name)
            for inner in _nonlocal_names(node.body):
                if inner in found:
                    found[inner] = None
            # Its decorators, defaults and bases run here; its body does not.
            stack.extend(d.decorator for d in node.decorators)
            stack.extend([node.params] if isinstance(node, cst.FunctionDef) else [a.value for a in (*node.bases, *node.keywords)])
            continue
        if isinstance(node, cst.Assign):
            for target in node.targets:
                bind(target.target)
        elif isinstance(node, (cst.AugAssign, cst.AnnAssign, cst.For, cst.NamedExpr, cst.Del)):
            bind(node.target)
        elif isinstance(node, (cst.WithItem, cst.ImportAlias)):
            bind(node.asname.name if node.asname is not None else node.name if isinstance(node, cst.ImportAlias) else None)
        elif isinstance(node, (cst.ExceptHandler, cst.ExceptStarHandler)) and node.name is not None:
            bind(node.name.name)
        elif isinstance(node, (cst.MatchAs, cst.MatchStar)):
            bind(node.name)
        elif isinstance(node, cst.MatchMapping):
            bind(node.rest)
        if not isinstance(node, cst.Lambda):
            stack.extend(child_nodes(node))
    return found


def _nonlocal_names(node: cst.CSTNode) -> Set[str]:
    names: Set[str] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Nonlocal):
            names.update(item.name.value for item in current.names)
        stack.extend(child_nodes(current))
    return names


def _is_none(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "None"


def _exits(suite: cst.BaseSuite) -> bool:
    """Whether a branch always leaves the block it is in: it ends in ``return``, ``raise``,
    ``continue`` or ``break``."""
    if isinstance(suite, cst.SimpleStatementSuite):
        last: Optional[cst.CSTNode] = suite.body[-1] if suite.body else None
    elif isinstance(suite, cst.IndentedBlock) and suite.body:
        line = suite.body[-1]
        last = line.body[-1] if isinstance(line, cst.SimpleStatementLine) and line.body else None
    else:
        last = None
    return isinstance(last, _EXITS)


def _headers(node: cst.CSTNode) -> List[cst.CSTNode]:
    """The parts of a compound statement that run in the function itself, blocks aside."""
    if isinstance(node, cst.For):
        return [node.target, node.iter]
    if isinstance(node, cst.While):
        return [node.test]
    if isinstance(node, cst.With):
        return list(node.items)
    if isinstance(node, (cst.Try, cst.TryStar)):
        return [h.type for h in node.handlers if h.type is not None] + [h.name for h in node.handlers if h.name is not None]
    if isinstance(node, cst.Match):
        return [node.subject] + [case.pattern for case in node.cases] + [case.guard for case in node.cases if case.guard is not None]
    return []


def _suites(node: cst.CSTNode) -> List[cst.BaseSuite]:
    if isinstance(node, (cst.For, cst.While)):
        return [node.body] + ([node.orelse.body] if node.orelse is not None else [])
    if isinstance(node, cst.With):
        return [node.body]
    if isinstance(node, (cst.Try, cst.TryStar)):
        found = [node.body] + [h.body for h in node.handlers]
        found += [node.orelse.body] if node.orelse is not None else []
        return found + ([node.finalbody.body] if node.finalbody is not None else [])
    if isinstance(node, cst.Match):
        return [case.body for case in node.cases]
    return []

