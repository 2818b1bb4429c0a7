"""A requests.Session kept on the object and used from async methods (CCL102).

Mistake: the session is created in `__init__` (which is fine: the constructor does no
I/O), but every `self._session.get()` in an `async def` blocks the event loop.
Fix: keep an `httpx.AsyncClient` instead and await its methods.
"""

import httpx
import requests


class GitHubClient:
    def __init__(self, token: str):
        self._session = requests.Session()
        self._session.headers["Authorization"] = f"Bearer {token}"

    async def repo(self, name: str) -> dict:
        return self._session.get(f"https://api.github.com/repos/{name}").json()


class GitHubClientFixed:
    def __init__(self, token: str):
        self._client = httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"})

    async def repo(self, name: str) -> dict:
        return (await self._client.get(f"https://api.github.com/repos/{name}")).json()
