"""Which operations on a shared container are one atomic step, and which of them break
what another thread is doing with it at the same time (data only; CCL301-CCL304, CCL307).

The Python FAQ ("What kinds of global value mutation are thread-safe?") lists as atomic::

    L.append(x)    L1.extend(L2)    x = L[i]    x = L.pop()    L1[i:j] = L2    L.sort()
    x = y          x.field = y      D[x] = y    D1.update(D2)  D.keys()

and as not atomic::

    i = i+1        L.append(L[-1])  L[i] = L[j]  D[x] = D[x] + 1

So one change to a shared ``list``, ``dict`` or ``set`` loses nothing by itself: threads
that each ``append`` a result, read after ``join()``, are correct. What goes wrong is a
second step that another thread can run between: a read-modify-write (CCL303), a check and
then an act (CCL304), or a loop over the container while another thread adds or removes
items (CCL307: ``RuntimeError: dictionary changed size during iteration``). The tables
below say which changes break which of those.

``d.setdefault(k, []).append(v)`` is one step too: the default is made before the call,
and the lookup and the insert happen together in C, so several threads doing it lose
nothing (for keys with a builtin ``__hash__``/``__eq__``: ``str``, ``int``, tuples of
them). It is still an insert, which breaks another thread's loop over ``d``.

Changes are named by the method, or by a token for the statements: ``[]=`` (``d[k] = v``),
``del[]`` (``del d[k]``), ``[:]=`` (``L[i:j] = ...``), ``[]`` (reading a missing key of a
``defaultdict``, which inserts it) and ``+=`` (``s |= t``, ``L += t`` on a container).
"""

from __future__ import annotations

from typing import Dict, FrozenSet

#: Changes that do not disturb a loop over a container in progress, per type. Items added
#: at the end of a list, or stored into one of its slots, are simply seen or not, as if
#: the loop had run a moment earlier or later. Anything else on a list (``insert``,
#: ``remove``, ``pop``, ``del``, ``sort`` — during which the list looks empty to other
#: threads — ``reverse``, ``clear``) moves the items under the loop, which then skips or
#: repeats them. A dict, a set or a deque (types not listed) allows no change at all during
#: a loop: CPython raises ``RuntimeError`` (dictionary/set changed size, deque mutated,
#: OrderedDict mutated during iteration).
ITERATION_SAFE_CHANGES: Dict[str, FrozenSet[str]] = {
    "builtins.list": frozenset({"append", "extend", "+=", "[]="}),
    "builtins.bytearray": frozenset({"append", "extend", "+=", "[]="}),
}

#: Changes that take a key or an item away: between ``if k in d:`` and ``d[k]`` (or
#: ``if items:`` and ``items.pop()``), another thread running one of them turns the act
#: into a ``KeyError`` or ``IndexError``.
REMOVALS: FrozenSet[str] = frozenset({"pop", "popitem", "popleft", "remove", "discard", "clear", "del[]", "[:]="})

#: Methods of a container type that are Python code reading and then writing each value:
#: ``Counter.update`` and ``subtract`` add to the counts already there (for a mapping
#: argument, in a Python loop of ``self[elem] = count + self_get(elem, 0)``). Two threads
#: running them at once lose counts, like ``c[k] += 1`` (CCL303).
READ_MODIFY_WRITE_METHODS: Dict[str, FrozenSet[str]] = {
    "collections.Counter": frozenset({"update", "subtract"}),
}

#: Methods whose result is a live view of a dict: a loop over it later, anywhere, is a
#: loop over the dict itself.
VIEW_METHODS: FrozenSet[str] = frozenset({"keys", "values", "items"})

#: Builtins that loop over their argument in Python's eval loop, one step per item, when
#: the loop around them runs: ``for i, k in enumerate(d)`` loops over ``d``. (``list(d)``,
#: ``tuple(d)``, ``sorted(d)``, ``dict(d)``, ``d.copy()``, ``set(s)`` copy in one step of
#: C code and are the fix, not the race.)
LAZY_ITERATORS: FrozenSet[str] = frozenset(
    {"builtins.enumerate", "builtins.zip", "builtins.reversed", "builtins.iter", "builtins.filter", "builtins.map"}
)

#: Calls that copy their argument item by item in Python code, so that another thread's
#: change in between breaks them like a loop: ``copy.deepcopy`` raises "dictionary changed
#: size during iteration" on a dict another thread fills.
ITERATING_COPIES: FrozenSet[str] = frozenset({"copy.deepcopy"})

__all__ = [
    "ITERATING_COPIES",
    "ITERATION_SAFE_CHANGES",
    "LAZY_ITERATORS",
    "READ_MODIFY_WRITE_METHODS",
    "REMOVALS",
    "VIEW_METHODS",
]
