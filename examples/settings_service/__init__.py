"""A small service whose coroutine reaches a file read through two sync helpers (CCL110)."""
