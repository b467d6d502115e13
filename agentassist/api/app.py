"""The FastAPI application: routers, error shape, lifespan owning the runtime."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from agentassist import __version__
from agentassist.api import (
    accounts,
    assist,
    calibrations,
    calls,
    control,
    distribution,
    evaluations,
    health,
    live,
    reports,
    scorecards,
    scripts,
    wall,
)
from agentassist.api.deps import Runtime
from agentassist.bus import EventBus
from agentassist.config import Settings
from agentassist.store.db import Store
from agentassist.store.recordings import RecordingStore

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"


def create_app(
    settings: Settings,
    store: Store,
    bus: EventBus,
    recordings: RecordingStore,
    runtime: Runtime | None = None,
    *,
    start_runtime: bool = True,
) -> FastAPI:
    """The app; its lifespan starts ``runtime`` unless the caller already did (``start_runtime=False``)
    and stops it at shutdown."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        bus.bind(asyncio.get_running_loop())
        hub.start()
        await asyncio.to_thread(store.migrate)
        if runtime is not None and start_runtime:
            await asyncio.to_thread(runtime.start)  # the model loads before the first request
        try:
            yield
        finally:
            if runtime is not None:
                await asyncio.to_thread(runtime.stop)
            await hub.stop()

    hub = wall.WallHub(store, bus, settings)  # subscribed before the loop binds: no call is missed
    app = FastAPI(title="agentassist", version=__version__, lifespan=lifespan)
    app.state.settings = settings
    app.state.store = store
    app.state.bus = bus
    app.state.recordings = recordings
    app.state.runtime = runtime
    app.state.wall = hub

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        return JSONResponse({"detail": exc.detail}, exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {**e, "ctx": {k: str(v) for k, v in e["ctx"].items()}} if "ctx" in e else e for e in exc.errors()
        ]  # a validator's own ValueError sits in ctx: its message is what a client can read
        problems = "; ".join(f"{'.'.join(str(x) for x in e['loc'])}: {e['msg']}" for e in errors)
        return JSONResponse({"detail": f"invalid request: {problems}", "errors": jsonable_encoder(errors)}, 422)

    app.include_router(calls.router)
    app.include_router(control.router)
    app.include_router(control.ringing_router)
    app.include_router(assist.router)
    app.include_router(scripts.router)
    app.include_router(accounts.router)
    app.include_router(live.router)
    app.include_router(wall.router)
    app.include_router(health.router)
    app.include_router(scorecards.router)
    app.include_router(evaluations.router)
    app.include_router(calibrations.router)
    app.include_router(distribution.router)
    app.include_router(reports.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    @app.get("/agent", include_in_schema=False)
    def agent_panel() -> FileResponse:
        return FileResponse(STATIC / "agent.html", media_type="text/html")

    @app.get("/wall", include_in_schema=False)
    def wall_page() -> FileResponse:
        return FileResponse(STATIC / "wall.html", media_type="text/html")

    @app.get("/scripts", include_in_schema=False)
    def scripts_page() -> FileResponse:
        return FileResponse(STATIC / "scripts.html", media_type="text/html")

    @app.get("/calibrations", include_in_schema=False)
    def calibrations_page() -> FileResponse:
        return FileResponse(STATIC / "calibrations.html", media_type="text/html")

    return app
