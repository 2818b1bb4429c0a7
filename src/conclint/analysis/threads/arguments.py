"""Call arguments as a hand-off sees them: positional and keyword lookup, ``args=``/
``kwargs=`` literals unpacked into arguments, and which parameter receives which argument."""

from __future__ import annotations

from typing import Iterator, List, Optional, Sequence, Tuple, Union

import libcst as cst


def _positional(call: cst.Call) -> Tuple[List[cst.Arg], bool]:
    """Positional arguments up to the first ``*args``, and whether there was one."""
    found = []
    for arg in call.args:
        if arg.star:
            return found, True
        if arg.keyword is None:
            found.append(arg)
    return found, False


def argument(call: cst.Call, keyword: Optional[str], position: int) -> Optional[cst.BaseExpression]:
    """The argument given by ``keyword`` or at ``position`` (before any ``*args``)."""
    return _argument(call, keyword, position)


def _argument(call: cst.Call, keyword: Optional[str], position: int) -> Optional[cst.BaseExpression]:
    if keyword is not None:
        for arg in call.args:
            if arg.keyword is not None and arg.keyword.value == keyword:
                return arg.value
    found, _ = _positional(call)
    return found[position].value if 0 <= position < len(found) else None


def _packed(args: Optional[cst.BaseExpression], kwargs: Optional[cst.BaseExpression]) -> Optional[Tuple[cst.Arg, ...]]:
    """``args=(a, b), kwargs={"k": v}`` as call arguments; ``None`` when not literal."""
    found: List[cst.Arg] = []
    if args is not None:
        if not isinstance(args, (cst.Tuple, cst.List)):
            return None
        for element in args.elements:
            if isinstance(element, cst.StarredElement):
                return None
            found.append(cst.Arg(value=element.value))
    if kwargs is not None:
        if not isinstance(kwargs, cst.Dict):
            return None
        for element in kwargs.elements:
            if not isinstance(element, cst.DictElement) or not isinstance(element.key, cst.SimpleString):
                return None
            key = element.key.evaluated_value
            if not isinstance(key, str) or not key.isidentifier():
                return None
            found.append(cst.Arg(value=element.value, keyword=cst.Name(key)))
    return tuple(found)


def parameters(node: Union[cst.FunctionDef, cst.Lambda], skip_self: bool) -> List[cst.Param]:
    """The parameters that positional arguments fill, in order; without the first one
    (``self``) when ``skip_self``."""
    found = list(node.params.posonly_params) + list(node.params.params)
    return found[1:] if skip_self else found


def receivers(
    node: Union[cst.FunctionDef, cst.Lambda], skip_self: bool, args: Sequence[cst.Arg]
) -> Iterator[Tuple[int, cst.Arg, cst.Param]]:
    """(index, argument, parameter) for each of the call arguments ``args`` that a
    parameter receives, up to the first ``*args`` or ``**kwargs``."""
    params = parameters(node, skip_self)
    by_name = {p.name.value: p for p in params + list(node.params.kwonly_params)}
    position = 0
    for index, arg in enumerate(args):
        if arg.star:
            break
        if arg.keyword is not None:
            param = by_name.get(arg.keyword.value)
        else:
            param = params[position] if position < len(params) else None
            position += 1
        if param is not None:
            yield index, arg, param
