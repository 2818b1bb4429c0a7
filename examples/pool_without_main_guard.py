"""A process pool started at import time (CCL401).

Mistake: under the spawn start method (Windows, macOS) and forkserver (Linux from Python
3.14) every child process imports this module again, and so starts a pool of its own:
RuntimeError, or a fan-out of processes.
Fix: start processes only under `if __name__ == "__main__":`.

This file is only linted (it is the quick-start target), never imported or run.
"""

from multiprocessing import Pool


def square(n):
    return n * n


with Pool() as pool:  # runs again in every child
    print(pool.map(square, range(10)))

if __name__ == "__main__":
    with Pool() as pool:
        print(pool.map(square, range(10)))
