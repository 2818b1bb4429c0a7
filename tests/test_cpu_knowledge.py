"""The computation tables of knowledge/cpu.py name things that exist, and claim nothing the
standard library contradicts."""

import collections
import importlib
import re

import pytest

from conclint.analysis.threads.syntax import STDLIB
from conclint.knowledge import cpu as K
from conftest import lookup_name



@pytest.mark.parametrize("name", sorted(K.GIL_HOLDING_CALLS))
def test_gil_holding_calls_exist(name):
    base = name.rstrip(".")
    if base.split(".", 1)[0] not in STDLIB:
        pytest.skip("a third-party package")
    found = lookup_name(base)
    assert callable(found) or name.endswith("."), name


def test_no_gil_holding_call_reads_a_file():
    # json.load, pickle.load and ElementTree.parse take a file: they are I/O, not listed.
    for name in ("json.load", "pickle.load", "xml.etree.ElementTree.parse", "xml.etree.ElementTree.iterparse"):
        assert name not in K.GIL_HOLDING_CALLS


@pytest.mark.parametrize("module", sorted(K.PURE_MODULES))
def test_pure_modules_exist(module):
    importlib.import_module(module)
    assert module not in K.GIL_RELEASING_MODULES


def test_data_methods_are_methods_of_data():
    strings = set(dir(str)) | set(dir(bytes)) | set(dir(re.Match))
    containers = set(dir(list)) | set(dir(dict)) | set(dir(set)) | set(dir(collections.deque)) | set(dir(collections.Counter))
    assert K.STR_METHODS <= strings
    assert K.CONTAINER_METHODS <= containers
    assert K.AMBIGUOUS_DATA_METHODS <= strings | containers
    assert not (K.STR_METHODS | K.CONTAINER_METHODS) & K.AMBIGUOUS_DATA_METHODS

