"""What runs on another thread (analysis/threads/entries.py), and the thread-callbacks
setting that names library calls which call what they are given on a thread of their own."""

import textwrap

import libcst as cst

from conclint.analysis.analyzer import ModuleAnalyzer
from conclint.analysis.module import ModuleFacts
from conclint.analysis.threads import thread_facts
from conclint.analysis.traversal import walk
from conclint.config import Config
from conclint.engine import check_source
from conclint.knowledge.catalogue import default_catalogue

WATCHDOG = textwrap.dedent(
    """
    import asyncio
    from watchdog.observers import Observer

    changed = asyncio.Event()

    class Handler:
        def on_modified(self, event):
            changed.set()

        def pending(self):
            changed.clear()

    def on_any(event):
        changed.clear()

    def watch(path):
        observer = Observer()
        observer.schedule(Handler(), path)
        observer.schedule(on_any, path)
        Handler().pending()
    """
)
CALLBACKS = ("watchdog.observers.Observer.schedule",)


def facts_of(source, callbacks=()):
    module = cst.parse_module(textwrap.dedent(source))
    facts = ModuleFacts(module, "m.py", "m", default_catalogue(), (), callbacks)
    walk(module, [ModuleAnalyzer(facts)])
    return facts


def test_thread_callbacks_make_thread_code():
    found = check_source(WATCHDOG, "w.py", Config(select=("CCL306",), thread_callbacks=CALLBACKS))
    assert [(d.line, d.code) for d in found] == [(9, "CCL306"), (15, "CCL306")]
    assert "Observer.schedule() on a thread of its own" in found[0].message
    # Without the setting nothing says the handler runs on a thread; the method the module
    # calls itself (pending) is not the library's to call.
    assert check_source(WATCHDOG, "w.py", Config(select=("CCL306",))) == []


def test_entries_beyond_handoffs():
    source = """
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from joblib import Parallel, delayed

    class Poller(threading.Thread):
        def run(self):
            self.step()

        def step(self):
            pass

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            pass

        @staticmethod
        def helper():
            pass

    def work(x):
        return x

    def main(xs):
        ThreadingHTTPServer(("", 0), Handler)
        Parallel(n_jobs=2, prefer="threads")(delayed(work)(x) for x in xs)
    """
    facts = facts_of(source)  # the thread facts hold it weakly
    tf = thread_facts(facts)
    entries = {e.name: e for e in tf.thread_entries()}
    assert set(entries) == {"work()", "Poller.run()", "Handler.do_GET()"}
    assert entries["Poller.run()"].self_class is not None and entries["Handler.do_GET()"].self_class is None
    assert "ThreadingHTTPServer() handles each request" in entries["Handler.do_GET()"].several
    reached = [" -> ".join(f.chain) for f in tf.thread_code().functions()]
    assert "Poller.run() -> Poller.step()" in reached


def test_cross_thread_attributes():
    source = """
    import threading

    class Worker(threading.Thread):
        def __init__(self):
            super().__init__()
            self.ready = False
            self.count = 0
            self.name_only_here = "w"

        def run(self):
            while not self.stopped:
                self._tick()
            print(self.name_only_here)

        def _tick(self):
            self.count += 1

        def stop(self):
            self.stopped = True

        def progress(self):
            return self.count
    """
    facts = facts_of(source)  # the thread facts hold it weakly
    tf = thread_facts(facts)
    (entry,) = tf.thread_entries()
    shared = tf.cross_thread_attributes(entry)
    # __init__ runs before start(); _tick is called through self; methods are not state.
    assert set(shared) == {"stopped", "count"}
