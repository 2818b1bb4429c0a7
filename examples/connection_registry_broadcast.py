"""A registry of connections that a server thread changes while its users loop over it
(CCL307, CCL302).

Mistake: the accept thread adds and removes connections one atomic step at a time, but
`broadcast()` and the live view `connections()` hands out are loops over the same dict,
run on other threads: `RuntimeError: dictionary changed size during iteration`, now and
then, under load.
Fix: change the dict under a lock, and hand out copies made under that lock.
"""

import threading


class Hub:
    def __init__(self, listener):
        self.listener = listener
        self.clients = {}

    def start(self):
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            conn, addr = self.listener.accept()
            self.clients[addr] = conn  # the accept thread changes the dict ...

    def drop(self, addr):
        self.clients.pop(addr, None)

    def broadcast(self, message):
        for conn in self.clients.values():  # ... while a user's thread loops over it
            conn.sendall(message)

    def connections(self):
        return self.clients.values()  # a live view: the caller's loop has the same problem


class FixedHub:
    def __init__(self, listener):
        self.listener = listener
        self.clients = {}
        self.lock = threading.Lock()

    def start(self):
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            conn, addr = self.listener.accept()
            with self.lock:
                self.clients[addr] = conn

    def drop(self, addr):
        with self.lock:
            self.clients.pop(addr, None)

    def broadcast(self, message):
        for conn in self.connections():
            conn.sendall(message)

    def connections(self):
        with self.lock:
            return list(self.clients.values())
