"""What counts as computation, for the CCL2xx summaries and CCL120.

* :class:`Work` tells what each call of a module is: known computation (``PURE``, and
  ``HEAVY`` when the call is real work by itself: JSON, regular expressions, sorting),
  bookkeeping (``CHEAP``), a blocking call, a call the project pass follows (``PROJECT``),
  computation that releases the GIL, or a call of unknown cost and effect.
* :func:`cpu_loops`: why each sync function computes (CCL201; CCL202 never calls it
  I/O-bound), and :func:`unknown_work_functions`: the functions that make a call which
  may do I/O, wait or release the GIL (CCL201 stays silent on what reaches them).
* :func:`opaque_functions`: functions with a call of unknown cost (CCL202).

The shape of each loop nest is :mod:`loop_nests`'s; CCL120's loops in ``async def`` are
:mod:`async_cpu`'s. The scans look at statements first and walk only loops,
comprehensions and the few function bodies whose data flow matters.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Dict, List, Optional, Set

import libcst as cst

from conclint.analysis.module import CallSite
from conclint.analysis.scopes import ASSIGN, Scope, Value
from conclint.analysis.threads.lookup import ModuleLookup
from conclint.analysis.threads.loop_nests import (
    COMPREHENSION_TYPES,
    STRINGS,
    LoopNest,
    find_loops,
    int_value,
    loop_header,
)
from conclint.analysis.threads.syntax import STDLIB, block_statements, child_nodes
from conclint.knowledge import cpu as K

# What a call is, for the computation around it (:meth:`Work.kind`).
HEAVY = "heavy"  # real computation by itself, the GIL held (json, re, sorted)
PURE = "pure"  # computation and nothing else
CHEAP = "cheap"  # bookkeeping: logging, paths, clocks, constructors
PROJECT = "project"  # may be project code: the project pass follows it
RELEASES = "releases"  # computation that releases the GIL (NumPy, hashlib)
BLOCKS = "blocks"  # a blocking call: I/O or a wait
UNKNOWN = "unknown"  # its cost and effects cannot be known

_LITERALS = (cst.List, cst.Tuple, cst.Set, cst.Dict)
#: Builtins that keep what they are given small or iterate it as it is.
_PASS_THROUGH = frozenset({"builtins.enumerate", "builtins.zip", "builtins.reversed", "builtins.sorted",
                           "builtins.list", "builtins.tuple", "builtins.set", "builtins.frozenset", "builtins.iter"})
#: Builtins that give a str or a container of the built-in types.
_DATA_BUILTINS = frozenset({"builtins.str", "builtins.repr", "builtins.list", "builtins.dict", "builtins.set",
                            "builtins.sorted", "builtins.tuple", "builtins.frozenset", "builtins.bytes"})
_PROPERTIES = frozenset({"property", "cached_property", "functools.cached_property"})


@dataclass(frozen=True)
class CpuLoop:
    reason: str
    call: int  # index of a call inside the loop, to point at it (-1: none)
    #: The loop's only work is calling project functions: the one that computes says more.
    delegates: bool = False


def cpu_loops(lookup: ModuleLookup) -> Dict[int, CpuLoop]:
    """Sync function scope id -> why the function computes, first found: a loop over its
    data that works, or a GIL-holding heavy call on its data (see CCL201)."""
    work = module_work(lookup)
    found: Dict[int, CpuLoop] = {}
    for scope in lookup.facts.functions:
        if not scope.is_async and isinstance(scope.node, cst.FunctionDef):
            loop = work.computation(scope)
            if loop is not None:
                found[id(scope)] = loop
    return found


def unknown_work_functions(lookup: ModuleLookup) -> Set[int]:
    """Sync function scope ids that make a call which may do I/O or wait, or releases the
    GIL, and which the project pass cannot follow (calls in a lambda count for the function
    the lambda is written in: ``sorted(key=lambda r: rank(r))`` runs there), or that read
    an attribute of an object of unknown type (it may be a property that does I/O: library
    clients load lazily). A function that blocks is one of them too: it is done with."""
    work = module_work(lookup)
    found: Set[int] = set()
    for index, site in enumerate(lookup.facts.calls):
        scope = site.scope.function_scope
        in_lambda = False
        while scope is not None and scope.kind == "lambda":
            in_lambda = True
            parent = scope.parent
            scope = parent.function_scope if parent is not None else None
        if scope is None or scope.kind != "function" or scope.is_async or id(scope) in found:
            continue
        if not lookup.facts.runs_in_caller(site):
            continue
        kind = work.kind(index)
        if kind in (UNKNOWN, RELEASES, BLOCKS) or (in_lambda and kind == PROJECT):
            found.add(id(scope))
    for scope in lookup.facts.functions:
        if id(scope) not in found and not scope.is_async and isinstance(scope.node, cst.FunctionDef):
            if work.reads_unknown_attribute(scope):
                found.add(id(scope))
    return found


def opaque_functions(lookup: ModuleLookup) -> Set[int]:
    """Function scope ids that make a call of unknown cost: not a blocking call, not a
    cheap builtin, and not a call the project pass may follow."""
    facts = lookup.facts
    found: Set[int] = set()
    for site in facts.calls:
        function = site.scope.function_scope
        if function is None or function.kind != "function" or id(function) in found:
            continue
        if not facts.runs_in_caller(site) or facts.blocking_category(site) is not None:
            continue
        value = facts.callee(site)
        if value is None or value.instance:
            found.add(id(function))
            continue
        name = value.qualname
        if name.startswith("builtins."):
            if name[9:] not in K.CHEAP_BUILTINS:
                found.add(id(function))
        elif name.split(".", 1)[0] in STDLIB and not cheap_call(facts.catalogue, value.qualname, value.bound):
            # Standard-library calls are left out of the summaries' calls: decide here.
            found.add(id(function))
    return found


def cheap_call(catalogue, qualname: str, bound: bool) -> bool:
    """A call that costs little whatever it is given, or is part of the I/O around it:
    bookkeeping (logging, paths, clocks), a constructor or method of a type the catalogue
    knows (clients, files, responses), or a method of what a blocking call returned
    (``urlopen(url).read()``)."""
    if qualname.startswith(K.CHEAP_STDLIB_PREFIXES):
        return True
    if not bound:
        return qualname in catalogue.types
    owner = qualname.rsplit(".", 1)[0]
    if owner.endswith("()"):
        owner = owner[:-2]
        return owner in catalogue.types or catalogue.category_of_call(owner) is not None
    return owner in catalogue.types


_GIL_EXACT = {key: what for key, what in K.GIL_HOLDING_CALLS.items() if not key.endswith(".")}
_GIL_PREFIXES = tuple(key for key in K.GIL_HOLDING_CALLS if key.endswith("."))


def gil_holding(qualname: str) -> str:
    """What a GIL-holding heavy library call does (``"decodes JSON"``), else ``""``."""
    found = _GIL_EXACT.get(qualname) or _GIL_EXACT.get(qualname.split("().", 1)[0])
    if found:
        return found
    if qualname.startswith(_GIL_PREFIXES):
        return next(K.GIL_HOLDING_CALLS[key] for key in _GIL_PREFIXES if qualname.startswith(key))
    return ""


# -- telling what a call is --------------------------------------------------------------------
class Work:
    """The computation facts of one module, each found on first use."""

    def __init__(self, lookup: ModuleLookup) -> None:
        self.lookup = lookup
        self._kinds: Dict[int, str] = {}
        self._calls_by_function: Optional[Dict[int, List[int]]] = None

    def kind(self, index: int) -> str:
        found = self._kinds.get(index)
        if found is None:
            found = self._kinds[index] = self._kind(self.lookup.facts.calls[index])
        return found

    def _kind(self, site: CallSite) -> str:
        facts = self.lookup.facts
        value = facts.callee(site)
        if value is None:
            return self._unresolved(site)  # (no blocking call has an unknown callee)
        if value.instance:
            return UNKNOWN  # calling an object: its __call__ may do anything
        kind = self._kind_of(value, site)
        if facts.blocking_category(site) is not None:
            return BLOCKS
        if kind in (PURE, HEAVY) and self._passes_code(site):
            return UNKNOWN
        return kind

    def _kind_of(self, value: Value, site: CallSite) -> str:
        name = value.qualname
        top = name.split(".", 1)[0]
        if gil_holding(name):
            return HEAVY
        if top in K.GIL_RELEASING_MODULES:
            return RELEASES
        if value.bound:
            owner, attr = value.owner, value.attr
            if owner.startswith("builtins."):
                base = owner[9:].rstrip("()")
                if base == "super":
                    return CHEAP if attr == "__init__" else UNKNOWN
                return PURE if base in K.DATA_TYPES else UNKNOWN
            if top not in STDLIB:
                return PROJECT
            if top in K.PURE_MODULES:
                return PURE
            if attr in K.NON_WAITING_QUEUE_METHODS and owner in K.THREAD_SAFE_TYPES:
                return CHEAP
            return CHEAP if cheap_call(self.lookup.facts.catalogue, name, True) else UNKNOWN
        if top == "builtins":
            short = name[9:]
            if short in K.PURE_BUILTINS:
                return PURE
            # ``next()`` runs whatever iterator it is given (a file, a generator that reads).
            return CHEAP if short in K.CHEAP_BUILTINS and short != "next" else UNKNOWN
        if top not in STDLIB:
            return PROJECT
        if top in K.PURE_MODULES:
            return PURE
        return CHEAP if cheap_call(self.lookup.facts.catalogue, name, False) else UNKNOWN

    def _unresolved(self, site: CallSite) -> str:
        """A method of an object whose type the name tracker does not know: a string or
        container method by its name, or one of a type made by a known call."""
        func = site.node.func
        if not isinstance(func, cst.Attribute):
            return UNKNOWN
        attr = func.attr.value
        if attr in K.STR_METHODS or attr in K.CONTAINER_METHODS:
            return PURE
        if attr in K.AMBIGUOUS_DATA_METHODS and self.is_data(func.value, site.scope):
            return PURE
        made = self.lookup.instance_type(func.value, site.scope)
        if made and (gil_holding(made) or made.split(".", 1)[0] in K.PURE_MODULES):
            return PURE  # ``re.compile(p).match(s).group(1)``
        return UNKNOWN

    def _passes_code(self, site: CallSite) -> bool:
        """Whether known computation is given a function of the project or of unknown
        code to call (``map(fetch, urls)``, ``sorted(rows, key=rank)``): that function's
        work is out of sight."""
        for arg in site.node.args:
            value = arg.value
            if not isinstance(value, (cst.Name, cst.Attribute)):
                continue
            resolved = self.lookup.resolve(value, site.scope)
            if resolved is None or resolved.instance:
                continue
            name = resolved.qualname
            top = name.split(".", 1)[0]
            if top == "builtins" or top in K.PURE_MODULES:
                continue
            if resolved.bound or self.lookup.function(name) is not None or top not in STDLIB:
                return True
        return False

    def is_data(self, expr: cst.BaseExpression, scope: Scope, depth: int = 0) -> bool:
        """Whether ``expr`` is known to be a string, list, dict or set."""
        if isinstance(expr, STRINGS) or isinstance(expr, _LITERALS) or type(expr) in COMPREHENSION_TYPES:
            return True
        if depth > 4:
            return False
        if isinstance(expr, cst.Call):
            callee = self.lookup.resolve(expr.func, scope)
            if callee is not None and not callee.instance and callee.qualname in _DATA_BUILTINS:
                return True
            func = expr.func
            if isinstance(func, cst.Attribute) and func.attr.value in K.STR_METHODS:
                return func.attr.value not in ("group", "groups", "groupdict", "span")
            return bool(self.lookup.container_type(expr, scope))
        if isinstance(expr, cst.Name):
            bindings = scope.lookup(expr.value)
            if not bindings:
                return False
            return all(
                b.kind == ASSIGN and b.value is not None and b.scope is not None and self.is_data(b.value, b.scope, depth + 1)
                for b in bindings
            )
        return bool(self.lookup.container_type(expr, scope))

    def reads_unknown_attribute(self, scope: Scope) -> bool:
        """Whether the function (or a lambda in it) reads an attribute of an object whose
        type is not known: neither a module, a class, a string or container, nor an object
        of a type conclint knows (a property of a class of the module counts as unknown)."""
        stack: List[cst.CSTNode] = list(block_statements(scope.node.body))
        calls_of: Set[int] = set()
        while stack:
            current = stack.pop()
            kind = type(current)
            if kind is cst.FunctionDef or kind is cst.ClassDef:
                continue
            if kind is cst.Call:
                calls_of.add(id(current.func))  # a method call is classified as a call
            elif kind is cst.Attribute and id(current) not in calls_of and not self._plain_attribute(current, scope):
                return True
            stack.extend(child_nodes(current))
        return False

    def _plain_attribute(self, node: cst.Attribute, scope: Scope) -> bool:
        value = self.lookup.resolve(node.value, scope)
        if value is None:
            return self.is_data(node.value, scope)
        if not value.instance:
            return True  # a module's or a class's attribute, or a method taken from one
        cls = self.lookup.facts.resolver.local_classes.get(value.qualname)
        if cls is not None:
            method = self.lookup.method(cls, node.attr.value)
            return method is None or not (set(method.decorators) & _PROPERTIES)
        return value.qualname in self.lookup.facts.catalogue.types or value.qualname.split(".", 1)[0] in STDLIB

    # -- the loops and calls of a function ---------------------------------------------------
    def calls_of(self, scope: Scope) -> List[int]:
        """Indexes of the calls that run in the function's own body (comprehensions too)."""
        if self._calls_by_function is None:
            table: Dict[int, List[int]] = {}
            for index, site in enumerate(self.lookup.facts.calls):
                function = site.scope.function_scope
                if function is not None:
                    table.setdefault(id(function), []).append(index)
            self._calls_by_function = table
        return self._calls_by_function.get(id(scope), [])

    def computation(self, scope: Scope) -> Optional[CpuLoop]:
        """Why a sync function computes (CCL201's sense), if it does."""
        candidates: List[cst.CSTNode] = []
        generator = [False]
        find_loops(block_statements(scope.node.body), candidates, generator)
        if generator[0]:
            return None  # calling a generator function computes nothing yet
        for candidate in candidates:
            nest = self.nest(candidate, scope)
            if nest.stops or not nest.works_for_threads or not self._over_data(nest, scope):
                continue
            kinds = {self.kind(located[0]) for located in map(self.lookup.site, nest.calls) if located is not None}
            delegates = kinds == {PROJECT} and not (nest.arithmetic or nest.strings)
            return CpuLoop(f"{nest.describe()}: {loop_header(candidate)}", self._first_call(nest), delegates)
        facts = self.lookup.facts
        for index in self.calls_of(scope):
            if self.kind(index) != HEAVY:
                continue
            site = facts.calls[index]
            if not any(not _is_constant(arg.value) for arg in site.node.args):
                continue  # ``re.compile("...")``, ``json.dumps({"ok": True})``: no data
            value = facts.callee(site)
            what = gil_holding(value.qualname) if value is not None else ""
            if what:
                return CpuLoop(f"{call_name(value)}() {what}, holding the GIL", index)
        return None

    def _over_data(self, nest: "LoopNest", scope: Scope) -> bool:
        """Some loop of the nest goes over data of unknown size (not a literal of the code,
        not a module-level constant), or over a big ``range``."""
        return nest.big_range or any(not self._small(expr, scope, 0) for _, expr in nest.levels)

    def _small(self, expr: cst.BaseExpression, scope: Scope, depth: int) -> bool:
        """A collection written out in the code, or a module constant: no input of the
        function, and small by nature (``while True:`` goes over nothing either)."""
        if isinstance(expr, _LITERALS) or isinstance(expr, STRINGS) or isinstance(expr, cst.Integer):
            return True
        if depth > 4:
            return False
        if isinstance(expr, cst.Name):
            if expr.value in ("True", "False", "None"):
                return True
            owner = _owner(scope, expr.value)
            if owner is None:
                return False
            if owner.kind in ("module", "class"):
                return True
            return all(
                b.kind == ASSIGN and b.value is not None and b.scope is not None and self._small(b.value, b.scope, depth + 1)
                for b in owner.bindings[expr.value]
            )
        if isinstance(expr, cst.Call):
            callee = self.lookup.resolve(expr.func, scope)
            if callee is not None and not callee.instance and callee.qualname == "builtins.range":
                return all(isinstance(a.value, cst.Integer) for a in expr.args) and not self.big_range(expr, scope)
            if callee is not None and not callee.instance and callee.qualname in _PASS_THROUGH and expr.args:
                return all(self._small(a.value, scope, depth + 1) for a in expr.args if a.keyword is None)
            func = expr.func
            if isinstance(func, cst.Attribute) and func.attr.value in ("items", "keys", "values") and not expr.args:
                return self._small(func.value, scope, depth + 1)
            return False
        if isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name):
            # ``self.FIELDS``, ``cls.FIELDS``: a class attribute written out in the class body.
            function = scope.function_scope
            cls = function.method_class() if function is not None else None
            node = function.node if function is not None else None
            if cls is None or not isinstance(node, cst.FunctionDef) or not node.params.params:
                return False
            if expr.value.value != node.params.params[0].name.value:
                return False
            bindings = cls.bindings.get(expr.attr.value)
            return bool(bindings) and all(
                b.kind == ASSIGN and b.value is not None and b.scope is not None and self._small(b.value, b.scope, depth + 1)
                for b in bindings
            )
        return False

    def big_range(self, iterable: cst.BaseExpression, scope: Scope) -> bool:
        """``range(...)`` with a literal bound of at least :data:`BIG_RANGE`."""
        if not isinstance(iterable, cst.Call) or not iterable.args:
            return False
        callee = self.lookup.resolve(iterable.func, scope)
        if callee is None or callee.instance or callee.qualname != "builtins.range":
            return False
        bound = int_value(iterable.args[-1 if len(iterable.args) < 3 else 1].value)
        return bound is not None and bound >= K.BIG_RANGE

    def _first_call(self, nest: "LoopNest") -> int:
        for call in nest.calls:
            located = self.lookup.site(call)
            if located is not None:
                return located[0]
        return -1

    def nest(self, loop: cst.CSTNode, scope: Scope) -> "LoopNest":
        nest = LoopNest(self, scope)
        nest.probe_loop(loop)
        return nest

_WORK: "weakref.WeakKeyDictionary[ModuleLookup, Work]" = weakref.WeakKeyDictionary()


def module_work(lookup: ModuleLookup) -> Work:
    """The computation facts of the module of ``lookup``, made once."""
    found = _WORK.get(lookup)
    if found is None:
        found = _WORK[lookup] = Work(weakref.proxy(lookup))
    return found


# -- small helpers -----------------------------------------------------------------------------
def _owner(scope: Scope, name: str) -> Optional[Scope]:
    """The scope whose binding of ``name`` a use in ``scope`` sees (as :meth:`Scope.lookup`)."""
    current: Optional[Scope] = scope.module_scope() if name in scope.global_names else scope
    first = True
    while current is not None:
        if (current.kind != "class" or first) and current.bindings.get(name):
            return current
        first = False
        current = current.parent
    return None


def _is_constant(expr: cst.BaseExpression) -> bool:
    """A literal with no names in it: ``"..."``, ``3``, ``{"ok": True}``."""
    if isinstance(expr, (cst.SimpleString, cst.ConcatenatedString, cst.Integer, cst.Float)):
        return True
    if isinstance(expr, cst.Name):
        return expr.value in ("True", "False", "None")
    if isinstance(expr, (cst.List, cst.Tuple, cst.Set)):
        return all(not isinstance(e, cst.StarredElement) and _is_constant(e.value) for e in expr.elements)
    if isinstance(expr, cst.Dict):
        return all(isinstance(e, cst.DictElement) and _is_constant(e.key) and _is_constant(e.value) for e in expr.elements)
    return False


def call_name(value: Value) -> str:
    """``json.dumps``, ``re.compile().sub``, ``sorted``: how a call reads in a message."""
    name = value.qualname
    return name[9:] if name.startswith("builtins.") else name

