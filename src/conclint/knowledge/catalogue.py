"""Lookup over the knowledge tables, merged with the user's ``[tool.conclint.blocking]``."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Dict, FrozenSet, Mapping, Optional, Tuple

from conclint.knowledge import alternatives, asyncio_api, blocking, threads

#: Which rule reports a blocking call of each category.
CATEGORY_CODES: Dict[str, str] = {
    blocking.SLEEP: "CCL101",
    blocking.NETWORK: "CCL102",
    blocking.SUBPROCESS: "CCL103",
    blocking.FILE: "CCL104",
    blocking.WAIT: "CCL105",
    blocking.DATABASE: "CCL106",
}

CATEGORIES: FrozenSet[str] = frozenset(CATEGORY_CODES)


@dataclass(frozen=True)
class Catalogue:
    calls: Mapping[str, str]
    methods: Mapping[str, str]
    factories: Mapping[str, str]
    types: FrozenSet[str] = field(default=frozenset())

    @classmethod
    def build(cls, extra: Optional[Mapping[str, str]] = None) -> "Catalogue":
        calls = dict(blocking.BLOCKING_CALLS)
        methods = dict(blocking.BLOCKING_METHODS)
        factories = dict(blocking.FACTORIES)
        factories.update(asyncio_api.LOOP_FACTORIES)
        types = {name.rsplit(".", 1)[0] for name in methods}
        types.update(factories.values())
        types.update(threads.THREAD_LOCK_TYPES)
        for name, category in (extra or {}).items():
            # A user entry naming a method of a type conclint already knows is a method;
            # anything else is a plain call.
            owner = name.rsplit(".", 1)[0]
            if owner in types:
                methods[name] = category
            else:
                calls[name] = category
        return cls(calls, methods, factories, frozenset(types))

    def category_of_call(self, qualname: str) -> Optional[str]:
        return self.calls.get(qualname)

    def category_of_method(self, type_name: str, method: str) -> Optional[str]:
        return self.methods.get(f"{type_name}.{method}")

    def result_type(self, qualname: str) -> Optional[str]:
        """The type of the object that calling ``qualname`` returns, if known."""
        if qualname in self.types:
            return qualname
        return self.factories.get(qualname)

    def file_object_argument(self, qualname: str) -> Optional[Tuple[str, int]]:
        """``(keyword, position)`` of the argument of an opener that may be a file object."""
        return blocking.FILE_OBJECT_ARGUMENTS.get(qualname)

    def touches_archive_only(self, type_name: str, method: str) -> bool:
        return method in blocking.ARCHIVE_DATA_METHODS.get(type_name, ())

    def is_in_memory_file(self, type_name: str) -> bool:
        return type_name in blocking.IN_MEMORY_FILES

    def alternative(self, qualname: str, category: str, framework: str) -> str:
        return alternatives.suggest(qualname, category, framework)


@lru_cache(maxsize=None)
def default_catalogue() -> Catalogue:
    return Catalogue.build()
