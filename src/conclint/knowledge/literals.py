"""What a constant is an instance of (data only): which kinds of literal and display pass
``isinstance(value, T)`` for the types a guard names.

A constant's kind is its exact type (a string literal is a ``str``, never a subclass), so
``isinstance`` on it is decided for the types below; for any other type (a class of the
project, an ABC that other types register with) it is not, and the guard stays open.
"""

from __future__ import annotations

from typing import Dict, FrozenSet

#: The kinds of constant a call can pass: ``None``, literals and displays.
KINDS: FrozenSet[str] = frozenset(
    {"None", "bool", "int", "float", "complex", "str", "bytes", "dict", "list", "tuple", "set"}
)

_PATHS = ("Path", "PurePath", "PosixPath", "WindowsPath", "PurePosixPath", "PureWindowsPath")
_STREAMS = ("IOBase", "RawIOBase", "BufferedIOBase", "TextIOBase", "TextIOWrapper", "BufferedReader",
            "BufferedWriter", "BytesIO", "StringIO", "FileIO")

#: Type -> the kinds of constant that are instances of it.
INSTANCES: Dict[str, FrozenSet[str]] = {
    "builtins.object": KINDS,
    "builtins.bool": frozenset({"bool"}),
    "builtins.int": frozenset({"int", "bool"}),
    "builtins.float": frozenset({"float"}),
    "builtins.complex": frozenset({"complex"}),
    "builtins.str": frozenset({"str"}),
    "builtins.bytes": frozenset({"bytes"}),
    "builtins.bytearray": frozenset(),
    "builtins.memoryview": frozenset(),
    "builtins.dict": frozenset({"dict"}),
    "builtins.list": frozenset({"list"}),
    "builtins.tuple": frozenset({"tuple"}),
    "builtins.set": frozenset({"set"}),
    "builtins.frozenset": frozenset(),
    "os.PathLike": frozenset(),
    "collections.abc.Mapping": frozenset({"dict"}),
    "collections.abc.MutableMapping": frozenset({"dict"}),
    "collections.abc.Sequence": frozenset({"str", "bytes", "list", "tuple"}),
    **{f"pathlib.{name}": frozenset() for name in _PATHS},
    **{f"io.{name}": frozenset() for name in _STREAMS},
}
