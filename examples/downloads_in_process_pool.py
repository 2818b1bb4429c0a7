"""Downloading pages with a process pool (CCL202).

Mistake: a download only waits on the network. A process pool adds a process start, a
worker's memory and a pickle of every result for work that needs no CPU.
Fix: threads wait just as well (they release the GIL while they wait).
"""

import urllib.request
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor


def download(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read()


def download_all(urls):
    with ProcessPoolExecutor() as pool:
        return list(pool.map(download, urls))  # processes for waiting


def download_all_fixed(urls):
    with ThreadPoolExecutor(max_workers=16) as pool:
        return list(pool.map(download, urls))
