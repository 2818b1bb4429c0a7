"""Worker threads filling a module-level dict (CCL301).

Mistake: every thread writes into the same module-level dict with no lock; Python makes
no promise about concurrent changes to a dict, and the code grows a second step sooner
or later.
Fix: let each task return its result and build the dict in the caller.
"""

import urllib.request
from concurrent.futures import ThreadPoolExecutor

pages = {}


def fetch(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        pages[url] = response.read()  # shared by every worker thread


def crawl(urls):
    with ThreadPoolExecutor() as pool:
        pool.map(fetch, urls)
    return pages


def fetch_fixed(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return url, response.read()


def crawl_fixed(urls):
    with ThreadPoolExecutor() as pool:
        return dict(pool.map(fetch_fixed, urls))
