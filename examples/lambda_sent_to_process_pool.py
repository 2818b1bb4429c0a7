"""A lambda handed to a process pool (CCL402).

Mistake: a pool sends each task to a worker process by pickle, and pickle can only
refer to functions by their module-level name: a lambda (or a nested function) fails
with "Can't pickle local object".
Fix: a module-level function, with the extra argument bound by functools.partial.
"""

from concurrent.futures import ProcessPoolExecutor
from functools import partial


def scale_all(values, factor):
    with ProcessPoolExecutor() as pool:
        return list(pool.map(lambda v: v * factor, values))  # cannot be pickled


def scale(value, factor):
    return value * factor


def scale_all_fixed(values, factor):
    with ProcessPoolExecutor() as pool:
        return list(pool.map(partial(scale, factor=factor), values))
