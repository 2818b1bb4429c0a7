"""What a call passes to its callee's parameters, for the project pass to decide the
callee's guards (:mod:`conclint.analysis.guards`): constants, parameters of the caller
passed on, and the ``self`` a bound call fills."""

from __future__ import annotations

from typing import Optional, Tuple

from conclint.analysis.summary import Call, Constant, Forward, FunctionSummary

#: The constants a function's forwarded parameters hold on one path: (name, constant).
Env = Tuple[Tuple[str, Constant], ...]


def receiver_offset(call: Call, function: FunctionSummary) -> int:
    """How many positional parameters the call fills without an argument: ``self`` of
    ``obj.method(...)`` and of a constructor, ``cls`` of a classmethod."""
    if function.kind in ("", "staticmethod"):
        return 0
    if call.bound or function.kind == "classmethod":
        return 1
    # ``Klass(...)`` runs ``__init__`` with a new ``self``; ``Klass.method(obj, ...)`` passes it.
    return 1 if function.qualname.endswith(".__init__") and not call.callee.endswith(".__init__") else 0


def passed_value(
    call: Call,
    param: str,
    position: int,
    default: Optional[Constant],
    offset: int,
    env: Env,
    given: Optional[Constant] = None,
) -> Optional[Constant]:
    """The constant the call gives a parameter of its callee (its default when it gives
    none): an argument that is a constant, or a parameter of the caller passed on, whose
    constant ``env`` holds; for another argument, ``given`` (``None``: not known)."""
    args = call.arguments
    assert args is not None
    if param and param in args.keywords:
        return args.constant(param) or _forwarded(args.forward(param), env, given)
    if position >= 0:
        index = position - offset
        if index < 0:
            return None
        if index < args.positional:
            return args.constant(index) or _forwarded(args.forward(index), env, given)
    return default


def _forwarded(forward: Optional[Forward], env: Env, given: Optional[Constant] = None) -> Optional[Constant]:
    if forward is None:
        return given
    name = forward.param or f"#{forward.position}"
    for held, value in env:
        if held == name:
            return value
    return None
