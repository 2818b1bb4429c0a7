"""A hit counter bumped from several threads (CCL303).

Mistake: `hits += 1` reads, adds and stores; two threads that read the same value both
store value + 1, and increments are lost.
Fix: do the read-modify-write while holding a lock (and do it once per chunk, not per line).
"""

import threading

hits = 0
hits_lock = threading.Lock()


def count(lines):
    global hits
    for line in lines:
        if "GET" in line:
            hits += 1  # a lost update waiting to happen


def count_fixed(lines):
    global hits
    found = sum(1 for line in lines if "GET" in line)
    with hits_lock:
        hits += found


def main(chunks):
    threads = [threading.Thread(target=count, args=(chunk,)) for chunk in chunks]
    threads += [threading.Thread(target=count_fixed, args=(chunk,)) for chunk in chunks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return hits
