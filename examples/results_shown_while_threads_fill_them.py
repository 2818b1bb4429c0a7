"""A dict handed to worker threads and looped over while they fill it (CCL302, CCL307).

Mistake: `args=(url, sizes)` does not copy `sizes`: every thread stores into the one dict
(one atomic step each, which is fine), but the progress loop walks the same dict while
they do, and raises `RuntimeError: dictionary changed size during iteration`.
Fix: let each task return its result, and show progress from what has come back.
"""

import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor, as_completed


def fetch_size(url, sizes):
    with urllib.request.urlopen(url, timeout=10) as response:
        sizes[url] = len(response.read())  # every thread writes here ...


def download(urls):
    sizes = {}
    threads = [threading.Thread(target=fetch_size, args=(url, sizes)) for url in urls]
    for thread in threads:
        thread.start()
    while any(thread.is_alive() for thread in threads):
        print(", ".join(url for url in sizes))  # ... while this loop walks the dict
        time.sleep(1)
    return sizes


def fetch_size_fixed(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return url, len(response.read())


def download_fixed(urls):
    sizes = {}
    with ThreadPoolExecutor() as pool:
        for future in as_completed([pool.submit(fetch_size_fixed, url) for url in urls]):
            url, size = future.result()
            sizes[url] = size
            print(", ".join(sizes))
    return sizes
