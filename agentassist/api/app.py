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
    audiohook,
    audit,
    calibrations,
    calls,
    coaching,
    control,
    distribution,
    docs,
    evaluations,
    health,
    listen,
    live,
    offers,
    outcomes,
    phone,
    privacy,
    prompts,
    queue,
    reports,
    retention,
    scorecards,
    scripts,
    scripttools,
    sharing,
    tokens,
    wall,
    wallagents,
)
from agentassist.api.deps import NullRuntime, Runtime
from agentassist.api.headers import SecurityHeaders
from agentassist.api.limits import BodyLimit
from agentassist.api.phonecalls import PhoneCalls
from agentassist.api.signing import Signer, load_secret
from agentassist.api.sockets import SocketRegistry
from agentassist.api.throttle import LoginThrottle
from agentassist.bus import EventBus
from agentassist.config import Settings
from agentassist.store.db import Store
from agentassist.store.passwords import HashingBusyError
from agentassist.store.prompts import PromptStore
from agentassist.store.recordings import RecordingStore

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
# the web pages, each one HTML file whose scripts sign in and call the API
PAGES = {
    "/": "calls.html",
    "/agent": "agent.html",
    "/wall": "wall.html",
    "/scripts": "scripts.html",
    "/calibrations": "calibrations.html",
    "/privacy": "privacy.html",
    "/outcomes": "outcomes.html",
    "/coaching": "coaching.html",
    "/scorecards": "scorecards.html",
    "/distribution": "distribution.html",
    "/reports": "reports.html",
}


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
    and stops it at shutdown. Without one the app carries no calls (:class:`NullRuntime`)."""
    carrier: Runtime = runtime if runtime is not None else NullRuntime(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        bus.bind(asyncio.get_running_loop())
        bus.follow_scripts(carrier)  # versions saved on other nodes ([bus] url): docs/bus.md
        sockets.bind(asyncio.get_running_loop())
        hub.start()
        await asyncio.to_thread(store.migrate)
        sweep = asyncio.create_task(sockets.sweep(store), name="sockets-sweep")
        deletions = asyncio.create_task(
            retention.retention_loop(store, recordings, settings.retention), name="retention"
        )
        if start_runtime:
            await asyncio.to_thread(carrier.start)  # the model loads before the first request
        try:
            yield
        finally:
            sweep.cancel()
            deletions.cancel()
            await asyncio.to_thread(carrier.stop)
            await hub.stop()
            await bus.aclose()

    store.api_token_ttl = settings.server.api_token_ttl
    if store.api_token_ttl is None:
        log.warning("[server] api_token_ttl_days = 0: API tokens never expire; a leaked one works until rotated")
    sockets = SocketRegistry(settings.server.max_sockets_per_user)

    # subscribed before the loop binds: no call is missed
    hub = wall.WallHub(store, bus, settings, scripts=carrier.scripts, lag=carrier.transcription_lag)
    # the schema and docs pages are served by agentassist/api/docs.py: behind a sign-in by default
    app = FastAPI(
        title="agentassist", version=__version__, lifespan=lifespan, openapi_url=None, docs_url=None, redoc_url=None
    )
    app.state.settings = settings
    app.state.store = store
    app.state.bus = bus
    app.state.recordings = recordings
    app.state.prompts = PromptStore(settings.data_dir / "prompts")
    app.state.runtime = carrier
    app.state.wall = hub
    app.state.sockets = sockets
    app.state.listen_counts = listen.ListenCounts()
    app.state.signer = Signer(load_secret(settings))
    app.state.login_throttle = LoginThrottle(settings.server.throttle_options())
    app.state.phone_calls = PhoneCalls(settings.center.phone_timeout_s)  # calls streamed over the wire

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

    @app.exception_handler(HashingBusyError)
    async def hashing_busy(request: Request, exc: HashingBusyError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, 503, headers={"Retry-After": str(exc.retry_after_s)})

    docs_pages = docs.pages(app.title)
    app.include_router(docs.router(docs_pages))
    app.include_router(calls.router)
    app.include_router(prompts.router)
    app.include_router(control.router)
    app.include_router(control.ringing_router)
    app.include_router(assist.router)
    app.include_router(scripts.router)
    app.include_router(scripttools.router)
    app.include_router(offers.router)
    app.include_router(accounts.router)
    app.include_router(tokens.router)
    app.include_router(live.router)
    app.include_router(listen.router)
    app.include_router(phone.router)
    app.include_router(audiohook.router)
    app.include_router(wall.router)
    app.include_router(wallagents.router)
    app.include_router(health.router)
    app.include_router(scorecards.router)
    app.include_router(evaluations.router)
    app.include_router(calibrations.router)
    app.include_router(distribution.router)
    app.include_router(queue.router)
    app.include_router(reports.router)
    app.include_router(audit.router)
    app.include_router(privacy.router)
    app.include_router(retention.router)
    app.include_router(outcomes.router)
    app.include_router(sharing.router)
    app.include_router(coaching.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    def page(path: str, html: str) -> None:
        def serve() -> FileResponse:
            return FileResponse(STATIC / html, media_type="text/html")

        app.add_api_route(path, serve, methods=["GET"], include_in_schema=False, name=f"page:{html}")

    for path, html in PAGES.items():
        page(path, html)

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> FileResponse:  # asked for by every browser, on every page
        return FileResponse(STATIC / "favicon.ico", media_type="image/x-icon")

    # outermost last: the headers go on every answer, the body limit's 413 included
    app.add_middleware(BodyLimit, default_bytes=settings.server.max_body_bytes)
    app.add_middleware(SecurityHeaders, policies=docs.policies(docs_pages))
    return app
