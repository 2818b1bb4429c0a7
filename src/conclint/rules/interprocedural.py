"""CCL110: blocking reached through sync helpers, across modules (the project pass)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Iterator, List, Optional, Sequence, Tuple

from conclint.analysis.project import Hop, Project
from conclint.analysis.summary import Effect, FunctionSummary, ModuleSummary
from conclint.rules.base import Rule
from conclint.rules.blocking import ASYNC_ADVICE, display_name

CATEGORY_LABELS = {
    "sleep": "sleep",
    "network": "network I/O",
    "subprocess": "a subprocess",
    "file": "file I/O",
    "wait": "a thread wait",
    "database": "a database call",
}

OFFLOAD = {
    "asyncio": "await asyncio.to_thread({name}, ...)",
    "trio": "await trio.to_thread.run_sync({name}, ...)",
    "anyio": "await anyio.to_thread.run_sync({name}, ...)",
}

MAX_HOPS = 5


@dataclass(frozen=True)
class ProjectFinding:
    """A finding of the project pass, placed by call index; the engine finds positions."""

    path: str
    call: int
    code: str
    message: str
    trace: Tuple[Tuple[str, int, str], ...]  # (path, call index, text) per hop
    #: (description, applicability, text inserted before the call), e.g. adding ``await``.
    fix: Optional[Tuple[str, str, str]] = None


def short_name(function: FunctionSummary, module: ModuleSummary) -> str:
    """``Class.method`` or ``function`` (its name inside its module); a constructor is
    shown as the class it constructs."""
    prefix = module.module + "."
    name = function.qualname[len(prefix):] if function.qualname.startswith(prefix) else function.qualname
    return name[: -len(".__init__")] if name.endswith(".__init__") else name


def library_name(function: FunctionSummary) -> str:
    """A library function by its qualified name (``requests.sessions.Session.request``),
    a constructor by its class's."""
    name = function.qualname
    return name[: -len(".__init__")] if name.endswith(".__init__") else name


class IndirectBlockingCall(Rule):
    code = "CCL110"
    name = "indirect-blocking-call"
    triggers = (b"async",)  # the caller is an async def of the file
    project_rule: ClassVar[bool] = True
    #: Follows calls into installed libraries (``follow-libraries``).
    follows_libraries: ClassVar[bool] = True
    summary = "An `async def` calls a sync function that blocks, directly or through other helpers."
    advice = ASYNC_ADVICE
    what = """Follows calls from the body of an `async def` into the sync functions and
    methods of the project — across modules, through `self`, re-exports from a package
    `__init__`, inheritance and recursion — and reports the call whose callee (at any
    depth) makes a blocking call: file, network, subprocess, database, sleep or a thread
    wait. The message carries the call chain; JSON, SARIF and `full` output list each hop
    with its location. Callables handed to `asyncio.to_thread`, `run_in_executor` and
    the like are not calls and are not followed; `async def` callees are not followed
    (blocking inside them is reported there), and neither is an awaited call of a sync
    function or method (`await self.acquire()`): it returns an awaitable, as the APIs do
    that serve both sync and async callers and wait only when no loop runs. An awaited
    constructor (`await Server(...)`) is followed: its `__init__` runs in full first. Methods
    are looked up in Python's method resolution order. Functions with a decorator conclint does not
    know to be transparent are not followed. A chain is cut where a call passes a constant
    (`None`, a string, bytes or number literal, `True`/`False`, a dict, list, tuple or set
    display; or leaves out a parameter whose default is one) that makes the guard of the
    next step false: `load({})` does not reach an `open(src)` that `load` makes only under
    `if isinstance(src, str):`. The guards followed are simple conditions on one parameter
    of the callee: `if p:`, `if not p:`, `if p is None:`, `if p is not None:`,
    `if isinstance(p, T)` for built-in, `pathlib`, `os.PathLike` and `io` types (and tuples
    of them), `and` in the `if` branch, `or` in the `else` branch, and the rest of a block
    after `if p is None: return` (or `raise`, `continue`, `break`); a parameter assigned
    anywhere but inside the code its guard keeps from running is no guard. A parameter a
    helper passes on as it came (never bound again in the helper) carries its caller's
    constant: `lookup(name="primary")` does not reach a resolver that `lookup(host=None)`
    calls as `resolve(host, port)` under `if host and port:`. Each call is judged by what
    it passes: the same helper called with a file name is still reported, at that call.

    Calls into installed libraries are followed too (`follow-libraries`, on by default):
    a name no project module defines is looked for in the environment the project runs
    in — `library-paths`, then the `sys.path` of the `python` setting's interpreter, of
    `.venv` at the project root, or of the interpreter conclint runs in — and the library
    module is summarised with the same per-file pass, only when a call reaches it. The
    chain marks its steps: `requests.utils.get_netrc_auth() [library] -> os.path.exists()`. The catalogue wins over a library's code: a call it knows (a
    blocking call, a constructor that does no I/O such as `requests.Session()`, a method
    of a type it knows) is never followed into its implementation. In a library, only the
    path a function always takes is followed: a library is written for callers conclint
    does not see, and its branches are options (a client handed in or made here, a path
    or an open buffer, a cached value or a first load, a platform). So a step under an
    `if` or `while`, a conditional expression, the right of `and`/`or`, an `except`
    handler, a `match` case, a filtered comprehension, after an `if` that may `return`, or
    in a `try` importing an optional package (catching `ImportError`) is not followed.
    The one exception is an `if` on the function's own parameters, which is decided as in
    project code from what the call passes; there an argument that is not a constant
    counts as a value other than `None` (`connect(host, session=my_session)` does not
    reach the connection `connect` makes under `if session is None:`). The standard library
    is not followed: the catalogue says what in it blocks. A library that is not found,
    is compiled, or is a module over 512 KB (generated data), is silent; findings are never reported inside library files."""
    why = """Most real event-loop stalls are not a `time.sleep` written in a coroutine; they
    are a coroutine calling a small sync helper that, three calls down and in another
    module, opens a file or queries a database. The loop freezes just the same, and nothing
    at the call site says so."""
    example = """
    # config.py
    import json

    def read_config(path):
        with open(path) as f:
            return json.load(f)

    def load_state(path):
        return read_config(path)["state"]

    # service.py
    from config import load_state

    async def refresh(path):
        return load_state(path)
    """
    instead = """
    # service.py
    import asyncio
    from config import load_state

    async def refresh(path):
        return await asyncio.to_thread(load_state, path)
    """
    options = """`executor-wrappers` names more functions that run their callable argument
    off the event loop; `[tool.conclint.blocking]` extends what counts as blocking (and
    stops the search into a library function it names). `follow-libraries = false` turns
    following installed libraries off; `python` names the interpreter whose `sys.path`
    holds them and `library-paths` adds folders."""

    @classmethod
    def check_project(cls, project: Project, checked: Sequence[ModuleSummary]) -> Iterator[ProjectFinding]:
        project = project.with_libraries()
        for module, function, call, target in sync_calls_from_async(project, checked):
            chain = project.blocking_chain(target, call)
            if chain:
                yield cls._finding(module, function, call.call, chain, project)

    @classmethod
    def _finding(
        cls, module: ModuleSummary, caller: FunctionSummary, call: int, chain: List[Hop], project: Project
    ) -> ProjectFinding:
        names = [
            f"{library_name(hop.function)}() [library]" if project.is_library(hop.module) else f"{short_name(hop.function, hop.module)}()"
            for hop, _ in chain
        ]
        last = chain[-1][1]
        assert isinstance(last, Effect)
        names.append(f"{display_name(last.callee)}()")
        shown = names if len(names) <= MAX_HOPS + 1 else names[:3] + ["..."] + names[-2:]
        callee = chain[0][0]
        callee_name = (
            library_name(callee.function) if project.is_library(callee.module) else short_name(callee.function, callee.module)
        )
        if project.is_library(callee.module):
            is_method = callee.function.kind == "method" and not callee.function.qualname.endswith(".__init__")
        else:
            is_method = "." in callee_name and not callee.function.qualname.endswith(".__init__")
        target = "<object>." + callee_name.rsplit(".", 1)[-1] if is_method else callee_name.rsplit(".", 1)[-1]
        offload = OFFLOAD.get(module.framework, OFFLOAD["asyncio"]).format(name=target)
        message = (
            f"{short_name(caller, module)}() calls {callee_name}(), which blocks on "
            f"{CATEGORY_LABELS.get(last.category, last.category)}: {' -> '.join(shown)}; "
            f"move the call off the event loop: {offload}"
        )
        trace = tuple(
            (
                hop.module.path,
                step.call,
                f"{names[i]} calls {names[i + 1]}",
            )
            for i, (hop, step) in enumerate(chain)
        )
        return ProjectFinding(module.path, call, cls.code, message, trace)


def sync_calls_from_async(project: Project, checked: Sequence[ModuleSummary]):
    """(module, async function, call, sync project function it runs) for every call from
    the body of an ``async def`` into a sync function of the project: where CCL110 and
    CCL503 start their chains. An awaited call is left out unless it constructs an object
    (``await Server(...)`` runs ``__init__`` in full first): ``await obj.acquire()`` on a
    sync def returns an awaitable, as the sync/async APIs do whose blocking branch runs
    only without a loop."""
    for module in checked:
        for function in module.functions:
            if not function.is_async:
                continue
            for call in function.calls:
                target = project.callee(call, module)
                if target is None or target.function.is_async:
                    continue
                if call.awaited and not target.function.qualname.endswith(".__init__"):
                    continue
                yield module, function, call, target
