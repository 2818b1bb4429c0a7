"""A module-level dict that a server thread fills while other code loops over it (CCL301,
CCL307).

Mistake: `sessions[addr] = conn` is one atomic step, but `broadcast()` loops over the
dict on another thread; when a client connects during that loop, the loop raises
`RuntimeError: dictionary changed size during iteration`.
Fix: change the dict and copy it under one lock, and loop over the copy.
"""

import threading

sessions = {}


def serve(listener):
    while True:
        conn, addr = listener.accept()
        sessions[addr] = conn  # the server thread adds ...


def broadcast(message):
    for conn in sessions.values():  # ... while this loop runs
        conn.sendall(message)


def start(listener):
    threading.Thread(target=serve, args=(listener,), daemon=True).start()


fixed_sessions = {}
fixed_lock = threading.Lock()


def serve_fixed(listener):
    while True:
        conn, addr = listener.accept()
        with fixed_lock:
            fixed_sessions[addr] = conn


def broadcast_fixed(message):
    with fixed_lock:
        conns = list(fixed_sessions.values())
    for conn in conns:
        conn.sendall(message)


def start_fixed(listener):
    threading.Thread(target=serve_fixed, args=(listener,), daemon=True).start()
