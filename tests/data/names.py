"""Name-resolution cases for the oracle test (never run)."""
import os
import os.path
import time as t
from os import path as p
from time import sleep as nap
from pathlib import Path
import concurrent.futures as cf


async def uses():
    t.sleep(1)
    nap(1)
    p.exists("x")
    os.path.isdir("x")
    open("x")
    print("x")
    cf.wait([])


async def shadowed(open):
    open("x")

    def nap(x):
        return x

    nap(1)


def later():
    exists("x")


from os.path import exists  # noqa: E402


def sleep(x):
    return x


async def own():
    sleep(1)


class Box:
    def open(self):
        return 1

    async def run(self):
        self.open()
        open("y")


async def object_then_import():
    # The binding that reaches sleep(1) is the import, but the provider (like the
    # tracker for names of modules and functions) counts every binding before the use.
    sleep: Path = Path("x")
    sleep.exists()
    from time import sleep

    sleep(1)
