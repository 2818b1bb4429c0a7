"""A lock made inside the function it should protect (CCL305).

Mistake: each call creates its own Lock, so no caller ever waits for another: the
"protected" update runs unprotected.
Fix: create the lock once, next to the state it guards.
"""

import threading

balances = {}
balances_lock = threading.Lock()


def deposit(account, amount):
    lock = threading.Lock()  # a new lock on every call
    with lock:
        balances[account] = balances.get(account, 0) + amount


def deposit_fixed(account, amount):
    with balances_lock:
        balances[account] = balances.get(account, 0) + amount
