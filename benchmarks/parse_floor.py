"""The floor: parse every file once with LibCST, in N worker processes, and nothing else.

Usage::

    python benchmarks/parse_floor.py FILELIST [--jobs N]

``FILELIST`` holds one path a line (relative to the working directory). Each worker reads a
file's bytes and calls ``libcst.parse_module`` on them; the parent only hands out paths
in chunks and counts. No linter can do a full per-file pass for less than this, so
``conclint / parse floor`` is the overhead of conclint's analysis on top of the parse
(the design bar is 1.7x; demand-driven analysis can go below 1.0x by not parsing at all
the files that cannot hold a finding).

Run it with the interpreter conclint runs on, so that both use the same LibCST build.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
from typing import List, Sequence, Tuple

# Imported before the pool starts, as conclint's engine does, so forked workers inherit it.
import libcst


def _parse_chunk(paths: Sequence[str]) -> Tuple[int, int]:
    parsed = failed = 0
    for path in paths:
        try:
            with open(path, "rb") as handle:
                source = handle.read()
            libcst.parse_module(source)
            parsed += 1
        except Exception:  # syntax errors, odd encodings, RecursionError: counted, not fatal
            failed += 1
    return parsed, failed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Parse files with LibCST in N processes (the speed floor).")
    parser.add_argument("filelist", help="a file with one path a line")
    parser.add_argument("--jobs", "-j", type=int, default=multiprocessing.cpu_count())
    args = parser.parse_args(argv)
    with open(args.filelist, encoding="utf-8") as handle:
        files: List[str] = [line.rstrip("\n") for line in handle if line.strip()]
    # The same chunking as conclint's engine: a few chunks per worker, at most 64 files each.
    size = max(1, min(64, len(files) // (max(args.jobs, 1) * 8)))
    chunks = [files[i : i + size] for i in range(0, len(files), size)]
    if args.jobs <= 1:
        results = [_parse_chunk(chunk) for chunk in chunks]
    else:
        with multiprocessing.Pool(args.jobs) as pool:
            results = pool.map(_parse_chunk, chunks, chunksize=1)
            pool.close()
            pool.join()
    parsed = sum(r[0] for r in results)
    failed = sum(r[1] for r in results)
    print(f"parsed {parsed} files, {failed} failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
