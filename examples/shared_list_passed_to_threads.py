"""One list handed to every worker thread (CCL302).

Mistake: `args=(chunk, found)` does not copy `found`: all threads append to the one list
with no lock, in whatever order the scheduler picks.
Fix: give each task its own result and combine them after.
"""

import threading
from concurrent.futures import ThreadPoolExecutor


def find_errors(lines, found):
    for line in lines:
        if "ERROR" in line:
            found.append(line)  # every thread writes here


def scan(chunks):
    found = []
    threads = [threading.Thread(target=find_errors, args=(chunk, found)) for chunk in chunks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return found


def find_errors_fixed(lines):
    return [line for line in lines if "ERROR" in line]


def scan_fixed(chunks):
    with ThreadPoolExecutor() as pool:
        return [line for part in pool.map(find_errors_fixed, chunks) for line in part]
