"""A memo cache shared by worker threads (CCL304).

Mistake: between `if path not in cache` and the store, another thread can do the same
check: both render the thumbnail, and one result silently replaces the other.
Fix: hold one lock around the check and the store.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

cache = {}
cache_lock = threading.Lock()


def render(path):
    return path.encode()[::-1]


def thumbnail(path):
    if path not in cache:  # check ...
        cache[path] = render(path)  # ... then act
    return cache[path]


def thumbnail_fixed(path):
    with cache_lock:
        if path not in cache:
            cache[path] = render(path)
        return cache[path]


def thumbnails(paths):
    with ThreadPoolExecutor() as pool:
        return list(pool.map(thumbnail, paths)) + list(pool.map(thumbnail_fixed, paths))
