"""Checksumming file blocks on a thread pool (CCL201).

Mistake: the checksum is a pure-Python loop, and the GIL lets only one thread run Python
code at a time: eight threads take as long as one, plus the switching.
Fix: a process pool; each process has its own interpreter and they run in parallel.
"""

from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor


def checksum(block):
    total = 0
    for row in block:
        for byte in row:
            total = (total * 31 + byte) % 1_000_003
    return total


def checksums(blocks):
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(checksum, blocks))  # serialised by the GIL


def checksums_fixed(blocks):
    with ProcessPoolExecutor() as pool:
        return list(pool.map(checksum, blocks))
