"""Sync helpers: fine on their own, blocking when an async def calls them directly."""

import json


def read_config(path):
    with open(path) as handle:
        return json.load(handle)


def load_state(path):
    return read_config(path)["state"]
