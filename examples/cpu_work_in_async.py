"""Number crunching inside a request handler (CCL120).

Mistake: a nested loop doing arithmetic never awaits, so while it runs the event loop
serves nobody else. A thread would not help: the GIL serialises CPU-bound Python code.
Fix: hand the work to a process pool and await the result.
"""

import asyncio
from concurrent.futures import ProcessPoolExecutor


async def similarity(request):
    vectors = await request.json()
    scores = []
    for left in vectors:  # O(n^2) work on the event loop
        for right in vectors:
            scores.append(sum(a * b for a, b in zip(left, right)))
    return scores


def _similarity(vectors):
    return [sum(a * b for a, b in zip(left, right)) for left in vectors for right in vectors]


async def similarity_fixed(request, pool: ProcessPoolExecutor):
    vectors = await request.json()
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(pool, _similarity, vectors)
