"""Calling requests from an async view (CCL102).

Mistake: `requests.get()` waits for the whole HTTP round trip on the event loop's
thread; an async web server cannot serve any other request in the meantime.
Fix: use an async client (`httpx.AsyncClient`, aiohttp) and `await` the request.
"""

import httpx
import requests

WEATHER_API = "https://api.example.com/weather"


async def weather_view(city: str) -> dict:
    response = requests.get(WEATHER_API, params={"city": city}, timeout=10)
    response.raise_for_status()
    return response.json()


async def weather_view_fixed(city: str) -> dict:
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.get(WEATHER_API, params={"city": city})
    response.raise_for_status()
    return response.json()
