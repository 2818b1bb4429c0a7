"""Collecting results in a global list from child processes (CCL403).

Mistake: each Process works on its own copy of the parent's memory; its appends stay in
the child and vanish when it exits, so the parent prints an empty list.
Fix: let the workers return values and collect them through a Pool.
"""

from multiprocessing import Pool, Process

results = []


def square(n):
    results.append(n * n)  # appends to the child's copy


def square_fixed(n):
    return n * n


def main():
    workers = [Process(target=square, args=(n,)) for n in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    print(results)  # []
    with Pool() as pool:
        print(pool.map(square_fixed, range(4)))


if __name__ == "__main__":
    main()
