"""Querying sqlite3 from an async request handler (CCL106).

Mistake: every `sqlite3` call (connect, execute, commit, fetch) waits for the database
on the event loop's thread, so one slow query stalls every other request.
Fix: an async driver such as aiosqlite (or asyncpg, redis.asyncio, motor), or run the
query in a thread.
"""

import sqlite3

import aiosqlite

DB_PATH = "app.db"


async def get_user(user_id: int):
    with sqlite3.connect(DB_PATH) as db:
        return db.execute("select * from users where id = ?", (user_id,)).fetchone()


async def get_user_fixed(user_id: int):
    async with aiosqlite.connect(DB_PATH) as db:
        async with db.execute("select * from users where id = ?", (user_id,)) as cursor:
            return await cursor.fetchone()
