"""Hand-offs: the calls that run a callable on another thread or in another process, and
what that callable is.

``threading.Thread(target=...)``, ``threading.Timer``, executor ``submit``/``map``,
``asyncio.to_thread``, ``loop.run_in_executor``, anyio/trio ``to_thread.run_sync``,
configured executor wrappers and thread callbacks, ``multiprocessing.Process``, ``Pool``
methods (``multiprocessing.dummy`` ones run on threads), ``get_context(...)`` variants,
``joblib.Parallel(...)(delayed(f)(x) for x in xs)``, and the construction of
``Thread``/``Process`` subclasses; the callable is resolved through ``functools.partial``
(also one bound to a name), methods and imports. An executor whose kind (threads or
processes) cannot be told is no hand-off.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Tuple

import libcst as cst

from conclint.analysis.module import CallSite
from conclint.analysis.scopes import Scope, Value
from conclint.analysis.threads.arguments import _argument, _packed, _positional
from conclint.analysis.threads.arguments import argument, parameters, receivers  # noqa: F401 (their old home)
from conclint.analysis.threads.lookup import ModuleLookup
from conclint.analysis.threads.syntax import COMPREHENSIONS
from conclint.knowledge import cpu as K
from conclint.knowledge import threads as T

# Where a hand-off runs its callable.
THREAD = "thread"
PROCESS = "process"
PROCESS_POOL = "process_pool"

# What the callable is (:attr:`Target.kind`).
FUNCTION = "function"
LAMBDA = "lambda"
CLASS = "class"
#: An object of a class of this module (given to a thread callback: the library calls its
#: methods on its thread).
INSTANCE = "instance"
EXTERNAL = "external"
UNKNOWN = "unknown"

#: Last names of the calls that can be hand-offs (a cheap filter before resolving).
_HANDOFF_TAILS = frozenset(
    {"Thread", "Timer", "start_new_thread", "start_new", "Process", "to_thread", "run_sync", "run_in_executor"}
    | K.EXECUTOR_METHODS
    | set(K.POOL_METHODS)
)


@dataclass
class Target:
    """The callable of a hand-off, as far as it can be known."""

    kind: str
    node: Optional[cst.CSTNode] = None  # FunctionDef, Lambda or ClassDef
    scope: Optional[Scope] = None  # the function's (or class's) scope; for a lambda, its own
    qualname: str = ""
    #: A method looked up on an instance (``self.work``): that instance is shared by every
    #: call; ``receiver`` is the expression it was looked up on.
    bound: bool = False
    receiver: Optional[cst.BaseExpression] = None
    #: Arguments bound by ``functools.partial``: every call receives these same objects.
    partial_args: Tuple[cst.Arg, ...] = ()
    #: ``run`` of a Thread/Process subclass: ``self`` is the thread object itself.
    own_instance: bool = False

    @property
    def key(self) -> Tuple[str, int]:
        return (self.kind, id(self.node) if self.node is not None else hash(self.qualname))

    @property
    def display(self) -> str:
        if self.kind == LAMBDA:
            return "a lambda"
        name = self.qualname.rsplit(".", 1)[-1] if self.qualname else "?"
        if self.scope is not None and self.scope.method_class() is not None:
            name = f"{self.scope.method_class().name}.{name}"
        return f"{name}()"


@dataclass
class HandoffSite:
    """One call that hands a callable to a thread or a process."""

    site: CallSite
    index: int
    kind: str  # THREAD, PROCESS or PROCESS_POOL
    via: str  # how, for messages: "ThreadPoolExecutor.map()"
    callable: Optional[cst.BaseExpression]
    target: Target
    #: The arguments each call gets after the partial ones (``None``: not known). For a
    #: map-like hand-off they are the iterables.
    args: Optional[Tuple[cst.Arg, ...]] = ()
    per_item: bool = False  # map-like: called once per element
    #: The callable travels by cloudpickle (joblib's loky backend), which pickles lambdas
    #: and nested functions by value: no "Can't pickle local object".
    cloudpickle: bool = False
    #: A configured thread callback: the library calls the callable on a thread of its own,
    #: maybe long after this call, and once or many times.
    callback: bool = False

    @property
    def scope(self) -> Scope:
        return self.site.scope


def find_handoffs(lookup: ModuleLookup) -> List[HandoffSite]:
    """The hand-offs of a module, in source order."""
    finder = _HandoffFinder(lookup)
    found = []
    for index, site in enumerate(lookup.facts.calls):
        handoff = finder.classify(index, site)
        if handoff is not None:
            found.append(handoff)
    return found


def target_of(lookup: ModuleLookup, expr: cst.BaseExpression, scope: Scope) -> Target:
    """What a callable (or class) expression passed somewhere runs, as for a hand-off."""
    return _HandoffFinder(lookup).target(expr, scope)


def _pool_kind(pool: Optional[str]) -> Optional[str]:
    """THREAD or PROCESS_POOL for a known executor or pool type; else ``None``."""
    if pool in K.THREAD_POOLS:
        return THREAD
    if pool in K.PROCESS_POOLS:
        return PROCESS_POOL
    return None


class _HandoffFinder:
    """Tells whether a call is a hand-off, through which API, and of what callable."""

    def __init__(self, lookup: ModuleLookup) -> None:
        self.lookup = lookup
        self.facts = lookup.facts
        self.callbacks = self.facts.thread_callbacks
        self.wrapper_tails = frozenset(name.rsplit(".", 1)[-1] for name in self.facts.executors | self.callbacks)

    def classify(self, index: int, site: CallSite) -> Optional[HandoffSite]:
        func = site.node.func
        if isinstance(func, cst.Call):
            return self._joblib(index, site, func)
        tail = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else None
        if tail is None or not (tail in _HANDOFF_TAILS or tail in self.wrapper_tails or tail[:1].isupper()):
            return None
        if tail == "run_in_executor" and isinstance(func, cst.Attribute):
            return self._run_in_executor(index, site, func)
        value = self.facts.callee(site)
        if value is None and isinstance(func, cst.Attribute):
            # ``ctx.Pool()`` objects: the receiver's type is found from its constructor.
            value = Value(f"?.{tail}", bound=True)
        if value is None or value.instance:
            return None
        name = value.qualname
        if not value.bound:
            if name in K.THREAD_STARTERS:
                short = name if name.startswith("multiprocessing.dummy.") else name.rsplit(".", 1)[-1]
                return self._starter(index, site, THREAD, short, K.THREAD_STARTERS[name])
            if name in K.PROCESS_TYPES:
                return self._starter(index, site, PROCESS, "Process", ("target", 1, 3, 4))
            if name in self.facts.executors:
                return self._wrapper(index, site, name)
            if self._is_callback(name):
                return self._callback(index, site, name)
            cls = self.facts.resolver.local_classes.get(name)
            if cls is not None:
                return self._subclass(index, site, cls)
            return None
        if value.owner == "multiprocessing.get_context()" and value.attr == "Process" and isinstance(func, cst.Attribute):
            return self._starter(index, site, PROCESS, "Process", ("target", 1, 3, 4))
        if name in self.facts.executors:
            return self._wrapper(index, site, name)
        if self._is_callback(name):
            return self._callback(index, site, name)
        if not isinstance(func, cst.Attribute):
            return None
        pool = self.lookup.instance_type(func.value, site.scope)
        kind = _pool_kind(pool)
        if kind is None:
            return None
        # ``multiprocessing.dummy.Pool`` says threads where a bare ``Pool`` would say processes.
        short = "multiprocessing.dummy.Pool" if pool == "multiprocessing.dummy.Pool" else pool.rsplit(".", 1)[-1]
        if pool.startswith("concurrent.futures"):
            if tail not in K.EXECUTOR_METHODS:
                return None
            return self._executor_method(index, site, kind, f"{short}.{tail}()", tail == "map")
        style = K.POOL_METHODS.get(tail)
        if style is None:
            return None
        return self._pool_method(index, site, kind, f"{short}.{tail}()", style)

    def _starter(self, index, site, kind, short, spec) -> Optional[HandoffSite]:
        keyword, position, args_position, kwargs_position = spec
        call = site.node
        target_expr = _argument(call, keyword, position)
        if target_expr is None:
            return None
        args = _packed(_argument(call, "args", args_position), _argument(call, "kwargs", kwargs_position))
        via = f"{short}(target=...)" if keyword == "target" else f"{short}()"
        target = self.target(target_expr, site.scope)
        return HandoffSite(site, index, kind, via, target_expr, target, args)

    def _wrapper(self, index, site, name) -> Optional[HandoffSite]:
        found, star = _positional(site.node)
        if not found:
            return None
        short = ".".join(name.split(".")[-2:]) if name.startswith(("asyncio.", "anyio.", "trio.")) else name.rsplit(".", 1)[-1]
        if name == "asyncio.to_thread":
            short = "asyncio.to_thread"
        rest = None if star else tuple(a for a in site.node.args[1:] if not (name != "asyncio.to_thread" and a.keyword is not None))
        expr = found[0].value
        return HandoffSite(site, index, THREAD, f"{short}()", expr, self.target(expr, site.scope), rest)

    def _is_callback(self, name: str) -> bool:
        # ``Observer().schedule``: what ``Observer()`` returns; the setting names the
        # method of the class, ``Observer.schedule``.
        return bool(self.callbacks) and (name in self.callbacks or name.replace("().", ".") in self.callbacks)

    def _callback(self, index, site, name) -> Optional[HandoffSite]:
        found, _ = _positional(site.node)
        if not found:
            return None
        expr = found[0].value
        short = ".".join(name.replace("().", ".").split(".")[-2:])
        return HandoffSite(site, index, THREAD, f"{short}()", expr, self.target(expr, site.scope), None, callback=True)

    def _joblib(self, index, site, func: cst.Call) -> Optional[HandoffSite]:
        """``delayed(f)(x, shared)``, an element of the tasks a ``joblib.Parallel`` object
        is called with: one hand-off of ``f`` per element, whose arguments are evaluated in
        the comprehension (its variables are new for each task, other names are not)."""
        inner = func.func
        name = inner.attr if isinstance(inner, cst.Attribute) else inner
        if not isinstance(name, cst.Name) or name.value != "delayed":
            return None
        found, star = _positional(func)
        if len(found) != 1 or star or len(func.args) != 1:
            return None
        delayed = self.lookup.resolve(inner, site.scope)
        if delayed is None or delayed.instance or delayed.qualname not in T.JOBLIB_DELAYED:
            return None
        parents = self.lookup.parents(self.lookup.container_node(site.scope))
        tasks = parents.get(id(site.node))
        if not isinstance(tasks, COMPREHENSIONS) or tasks.elt is not site.node:
            return None
        runner = parents.get(id(tasks))
        if isinstance(runner, cst.Arg):
            runner = parents.get(id(runner))
        if not isinstance(runner, cst.Call) or len(runner.args) != 1 or runner.args[0].value is not tasks:
            return None
        parallel = self._parallel(runner.func, site.scope)
        if parallel is None:
            return None
        kind, via, cloudpickle = parallel
        if kind == PROCESS_POOL and self._in_backend_context(runner, parents):
            return None
        expr = found[0].value
        rest = None if any(a.star for a in site.node.args) else tuple(site.node.args)
        return HandoffSite(site, index, kind, via, expr, self.target(expr, site.scope), rest, cloudpickle=cloudpickle)

    def _parallel(self, expr: cst.BaseExpression, scope: Scope) -> Optional[Tuple[str, str, bool]]:
        """(kind, how, cloudpickle) for a ``joblib.Parallel`` object that runs its tasks at
        once (an ``n_jobs`` other than 1 that conclint can read), by its backend: given by
        name, ``prefer="threads"`` or ``require="sharedmem"`` (threads), or the default
        (loky's processes)."""
        made = self.lookup.constructor(expr, scope)
        if made is None:
            return None
        call, call_scope = made
        callee = self.lookup.resolve(call.func, call_scope)
        if callee is None or callee.instance or callee.qualname not in T.JOBLIB_PARALLEL:
            return None
        if any(a.star for a in call.args) or not self._parallel_jobs(_argument(call, "n_jobs", 0), call_scope):
            return None
        words = {}
        for keyword in ("backend", "prefer", "require"):
            value = _argument(call, keyword, 1 if keyword == "backend" else -1)
            if value is not None:
                if not isinstance(value, cst.SimpleString) or not isinstance(value.evaluated_value, str):
                    return None  # chosen at run time
                words[keyword] = value.evaluated_value
        backend = words.get("backend")
        shown = ", ".join(f'{k}="{v}"' for k, v in words.items())
        via = f"joblib.Parallel({shown})" if shown else "joblib.Parallel()"
        if words.get("require") == "sharedmem" or backend in T.JOBLIB_THREAD_BACKENDS:
            return THREAD, via, False
        if backend is None and words.get("prefer") == "threads":
            return THREAD, via, False
        if backend is None or backend == "loky":
            return PROCESS_POOL, via, True
        if backend in T.JOBLIB_PROCESS_BACKENDS:
            return PROCESS_POOL, via, False
        return None

    def _parallel_jobs(self, value: Optional[cst.BaseExpression], scope: Scope) -> bool:
        """``n_jobs`` runs several tasks at once: a literal other than 1 (``-1``: one per
        CPU) or a CPU count. Unset (``None``) means 1 outside a ``parallel_config``, and a
        variable may well be 1."""
        if isinstance(value, cst.UnaryOperation) and isinstance(value.operator, cst.Minus):
            return isinstance(value.expression, cst.Integer)
        if isinstance(value, cst.Integer):
            return value.evaluated_value != 1
        if isinstance(value, cst.Call):
            callee = self.lookup.resolve(value.func, scope)
            return callee is not None and not callee.instance and callee.qualname in T.CPU_COUNTS
        return False

    def _in_backend_context(self, node: cst.CSTNode, parents) -> bool:
        """Inside ``with parallel_config(...)`` or ``parallel_backend(...)``, which choose
        the default backend."""
        current = parents.get(id(node))
        while current is not None:
            if isinstance(current, cst.With):
                for item in current.items:
                    located = self.lookup.site(item.item) if isinstance(item.item, cst.Call) else None
                    value = self.lookup.facts.callee(located[1]) if located is not None else None
                    if value is not None and value.qualname in T.JOBLIB_BACKEND_CONTEXTS:
                        return True
            current = parents.get(id(current))
        return False

    def _run_in_executor(self, index, site, func: cst.Attribute) -> Optional[HandoffSite]:
        receiver = self.lookup.resolve(func.value, site.scope)
        if receiver is not None:
            if not receiver.instance and not receiver.bound:
                return None  # a module or a class
            if receiver.instance and receiver.qualname in self.facts.catalogue.types and receiver.qualname != "asyncio.AbstractEventLoop":
                return None  # a known object that is not an event loop
        found, star = _positional(site.node)
        if len(found) < 2:
            return None
        executor = found[0].value
        if isinstance(executor, cst.Name) and executor.value == "None":
            kind, via = THREAD, "loop.run_in_executor(None, ...)"
        else:
            pool = self.lookup.instance_type(executor, site.scope)
            kind = _pool_kind(pool)
            if kind is None:
                return None
            via = f"loop.run_in_executor({pool.rsplit('.', 1)[-1]}, ...)"
        expr = found[1].value
        rest = None if star else tuple(found[2:])
        return HandoffSite(site, index, kind, via, expr, self.target(expr, site.scope), rest)

    def _executor_method(self, index, site, kind, via, per_item) -> Optional[HandoffSite]:
        found, star = _positional(site.node)
        if not found:
            return None
        expr = found[0].value
        rest = None if star else tuple(a for a in site.node.args[1:] if not (per_item and a.keyword is not None))
        return HandoffSite(site, index, kind, via, expr, self.target(expr, site.scope), rest, per_item=per_item)

    def _pool_method(self, index, site, kind, via, style) -> Optional[HandoffSite]:
        call = site.node
        expr = _argument(call, "func", 0)
        if expr is None:
            return None
        if style == "args":
            args = _packed(_argument(call, "args", 1), _argument(call, "kwds", 2))
            return HandoffSite(site, index, kind, via, expr, self.target(expr, site.scope), args)
        iterable = _argument(call, "iterable", 1)
        args = (cst.Arg(value=iterable),) if iterable is not None and style == "iterable" else None
        return HandoffSite(site, index, kind, via, expr, self.target(expr, site.scope), args, per_item=True)

    def _subclass(self, index, site, cls: Scope) -> Optional[HandoffSite]:
        ancestry = self.lookup.local_class_ancestry(cls)
        if K.THREAD_CLASS in ancestry:
            kind, base = THREAD, "Thread"
        elif ancestry & K.PROCESS_CLASSES:
            kind, base = PROCESS, "Process"
        else:
            return None
        run = self.lookup.method(cls, "run")
        if run is None or not isinstance(run.node, cst.FunctionDef):
            return None
        target = Target(FUNCTION, run.node, run, run.qualname, own_instance=True)
        return HandoffSite(site, index, kind, f"{cls.name}(), a {base} subclass", None, target, None)

    def target(self, expr: cst.BaseExpression, scope: Scope, depth: int = 0) -> Target:
        """What a callable expression runs: a function or method of this module, a lambda,
        a class, something imported (``EXTERNAL``), or ``UNKNOWN``."""
        if isinstance(expr, cst.Lambda):
            return Target(LAMBDA, expr, None, "<lambda>")
        if isinstance(expr, cst.Call):
            callee = self.lookup.resolve(expr.func, scope)
            found, star = _positional(expr)
            if (
                depth < 4
                and callee is not None
                and callee.qualname == "functools.partial"
                and not callee.instance
                and found
                and found[0] is expr.args[0]
                and not star
                and not any(a.star for a in expr.args)
            ):
                inner = self.target(expr.args[0].value, scope, depth + 1)
                inner.partial_args = inner.partial_args + tuple(expr.args[1:])
                return inner
            if callee is not None and not callee.instance and not callee.bound and callee.qualname in self.facts.resolver.local_classes:
                cls = self.facts.resolver.local_classes[callee.qualname]
                return Target(INSTANCE, cls.node, cls, cls.qualname, receiver=expr)
            return Target(UNKNOWN)
        value = self.lookup.resolve(expr, scope)
        if isinstance(expr, cst.Name) and depth < 4 and (value is None or value.instance):
            # ``work = functools.partial(f, shared)`` ... ``pool.map(work, items)``.
            made = self.lookup.constructor(expr, scope)
            if made is not None:
                callee = self.lookup.resolve(made[0].func, made[1])
                if callee is not None and callee.qualname == "functools.partial" and not callee.instance:
                    return self.target(made[0], made[1], depth + 1)
        if value is not None and value.instance and value.qualname in self.facts.resolver.local_classes:
            cls = self.facts.resolver.local_classes[value.qualname]
            return Target(INSTANCE, cls.node, cls, cls.qualname, receiver=expr)
        if value is None or value.instance:
            return Target(UNKNOWN)
        receiver = expr.value if isinstance(expr, cst.Attribute) else None
        if value.bound:
            cls = self.facts.resolver.local_classes.get(value.owner)
            method = self.lookup.method(cls, value.attr) if cls is not None else None
            if method is not None and isinstance(method.node, cst.FunctionDef):
                if "staticmethod" in method.decorators or "classmethod" in method.decorators:
                    return Target(FUNCTION, method.node, method, method.qualname)
                return Target(FUNCTION, method.node, method, method.qualname, bound=True, receiver=receiver)
            return Target(EXTERNAL, qualname=value.qualname, bound=True, receiver=receiver)
        function = self.lookup.function(value.qualname)
        if function is not None and isinstance(function.node, cst.FunctionDef):
            return Target(FUNCTION, function.node, function, function.qualname)
        cls = self.facts.resolver.local_classes.get(value.qualname)
        if cls is not None:
            return Target(CLASS, cls.node, cls, cls.qualname)
        if value.qualname.startswith("builtins.") or value.qualname in self.lookup.functions:
            return Target(UNKNOWN)
        return Target(EXTERNAL, qualname=value.qualname)
