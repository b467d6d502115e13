"""Open WebSockets that end with their token: database queries while 300 sockets sit open, and how
long a logout, a rotation and a deletion take to close the sockets they concern.

The app runs under a real uvicorn in this process (SQLite store, no softphone); ``--users`` users
each open ``--per-user`` sockets on ``/api/live`` (their password login's token, through tickets as
the pages do). Every SQL statement the store's engine runs is counted while the sockets sit idle
for ``--idle-s`` (the only ones expected: the sweep's two per SWEEP_S, whatever the number of
sockets). Then one user logs out and another is deleted; the time from the request to the last of
their sockets' 4401 is measured. Last line: JSON.

    python -m benchmarks.sockets [--users 15] [--per-user 20] [--idle-s 10]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from benchmarks.common import machine
from benchmarks.ports import served


async def _open(http: str, ws: str, token: str, n: int) -> list[ClientConnection]:
    out = []
    async with httpx.AsyncClient(base_url=http, headers={"Authorization": f"Bearer {token}"}) as client:
        for _ in range(n):
            ticket = (await client.post("/api/ws-ticket")).json()["ticket"]
            out.append(await connect(f"{ws}/api/live?ticket={ticket}", proxy=None))
    return out


async def _closed_after(sockets: list[ClientConnection]) -> list[float]:
    """Seconds from now until each socket is closed by the server with 4401."""
    start = time.monotonic()

    async def one(s: ClientConnection) -> float:
        try:
            while True:
                await s.recv()
        except ConnectionClosed as exc:
            assert exc.rcvd is not None and exc.rcvd.code == 4401, exc
        return time.monotonic() - start

    return list(await asyncio.wait_for(asyncio.gather(*(one(s) for s in sockets)), 10))


async def run(
    args: argparse.Namespace, http: str, ws: str, tokens: dict[str, str], queries: list[int]
) -> dict[str, Any]:
    sockets = {name: await _open(http, ws, token, args.per_user) for name, token in tokens.items()}
    opened = sum(len(s) for s in sockets.values())
    await asyncio.sleep(1)
    before = queries[0]
    await asyncio.sleep(args.idle_s)
    idle_queries = queries[0] - before
    names = list(tokens)
    async with httpx.AsyncClient(base_url=http) as client:
        waiting = asyncio.create_task(_closed_after(sockets[names[0]]))
        await asyncio.sleep(0)
        await client.post("/api/logout", headers={"Authorization": f"Bearer {tokens[names[0]]}"})
        logout_s = await waiting
        waiting = asyncio.create_task(_closed_after(sockets[names[1]]))
        await asyncio.sleep(0)
        await client.delete(f"/api/users/{names[1]}", headers={"Authorization": f"Bearer {args.admin_token}"})
        delete_s = await waiting
    for rest in names[2:]:
        for s in sockets[rest]:
            await s.close()
    return {
        "sockets": opened,
        "idle_s": args.idle_s,
        "idle_queries": idle_queries,
        "logout_close_max_s": round(max(logout_s), 3),
        "delete_close_max_s": round(max(delete_s), 3),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--users", type=int, default=15)
    p.add_argument("--per-user", type=int, default=20)
    p.add_argument("--idle-s", type=float, default=10.0)
    args = p.parse_args()

    from agentassist.api.app import create_app
    from agentassist.bus import EventBus
    from agentassist.config import Settings
    from agentassist.store.db import Store
    from agentassist.store.recordings import RecordingStore

    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{Path(tmp) / 'db.sqlite'}")
        store.migrate()
        args.admin_token = store.add_user("admin", "admin")
        for i in range(args.users):
            store.add_user(f"sup{i:02d}", "supervisor", password="password-1234")
        queries = [0]

        @event.listens_for(store.engine, "before_cursor_execute")
        def count(*_: Any) -> None:
            queries[0] += 1

        app = create_app(Settings(), store, EventBus(), RecordingStore(Path(tmp) / "rec"))
        with served(app) as port:
            http = f"http://127.0.0.1:{port}"
            tokens = {}
            for i in range(args.users):
                name = f"sup{i:02d}"
                tokens[name] = httpx.post(f"{http}/api/login", json={"name": name, "password": "password-1234"}).json()[
                    "token"
                ]
            result = asyncio.run(run(args, http, f"ws://127.0.0.1:{port}", tokens, queries))
    print(json.dumps({**result, "machine": machine()}))


if __name__ == "__main__":
    main()
