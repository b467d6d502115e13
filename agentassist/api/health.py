"""Health and metrics."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.responses import JSONResponse, PlainTextResponse

from agentassist.api.deps import BusDep, RuntimeDep, StoreDep, current_user, token_from
from agentassist.api.engines import Engines

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz(request: Request, runtime: RuntimeDep) -> JSONResponse:
    """``status`` and ``checks`` say whether this node is ready (the model, SIP); ``engines`` whether it
    reaches its database, bus and object store (docs/deploy.md): reported, not part of ``status``, as a
    node serves its own calls through a bus or store outage."""
    checks = runtime.health()
    engines = _engines(request).report()
    waiting = [name for name, ok in checks.items() if not ok]
    if waiting:
        detail = f"not ready: {', '.join(waiting)}"
        return JSONResponse({"status": "starting", "checks": checks, "detail": detail, "engines": engines}, 503)
    return JSONResponse({"status": "ok", "checks": checks, "engines": engines})


def _engines(request: Request) -> Engines:
    """The app's probes, made at the first /healthz (app.state is the app's one place for such things)."""
    state = request.app.state
    if getattr(state, "engines", None) is None:
        state.engines = Engines(state.store, state.bus, state.recordings)
    engines: Engines = state.engines
    return engines


def metrics_reader(request: Request, store: StoreDep) -> None:
    """/metrics for anyone with ``public_metrics``, else a Prometheus scraper sending
    ``[server] metrics_token`` as its bearer token, or an admin."""
    server = request.app.state.settings.server
    if server.public_metrics:
        return
    token = token_from(request.headers.get("authorization"))
    if server.metrics_token and token and secrets.compare_digest(token.encode(), server.metrics_token.encode()):
        return
    user = current_user(request, store)
    if user.role != "admin":
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, f"a {user.role} may not read /metrics: allowed to admin or the metrics_token"
        )


@router.get("/metrics", response_class=PlainTextResponse, dependencies=[Depends(metrics_reader)])
def metrics(request: Request, runtime: RuntimeDep, bus: BusDep, store: StoreDep) -> str:
    values: dict[str, float] = {
        "agentassist_active_calls": float(len(store.active_calls())),
        "agentassist_live_subscribers": float(bus.subscribers),
        "agentassist_events_published_total": float(bus.published),
        "agentassist_events_dropped_total": float(bus.dropped),
    }
    values.update(bus.metrics())
    values.update(request.app.state.wall.metrics())
    values.update(request.app.state.sockets.metrics())
    values.update(request.app.state.listen_counts.metrics())
    values.update(request.app.state.phone_calls.metrics())
    values["agentassist_logins_throttled_total"] = float(request.app.state.login_throttle.throttled)
    values["agentassist_password_hashes_refused_total"] = float(store.passwords.refused)
    values["agentassist_password_hash_workers"] = float(store.passwords.workers)
    values.update(runtime.metrics())
    return "".join(f"{name} {value:g}\n" for name, value in sorted(values.items()))
