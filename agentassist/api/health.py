"""Health and metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse

from agentassist.api.deps import BusDep, RuntimeDep, StoreDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz(runtime: RuntimeDep) -> JSONResponse:
    checks = runtime.health() if runtime is not None else {}
    waiting = [name for name, ok in checks.items() if not ok]
    if waiting:
        return JSONResponse({"status": "starting", "checks": checks, "detail": f"not ready: {', '.join(waiting)}"}, 503)
    return JSONResponse({"status": "ok", "checks": checks})


@router.get("/metrics", response_class=PlainTextResponse)
def metrics(request: Request, runtime: RuntimeDep, bus: BusDep, store: StoreDep) -> str:
    values: dict[str, float] = {
        "agentassist_active_calls": float(len(store.active_calls())),
        "agentassist_live_subscribers": float(bus.subscribers),
        "agentassist_events_published_total": float(bus.published),
        "agentassist_events_dropped_total": float(bus.dropped),
    }
    values.update(request.app.state.wall.metrics())
    values.update(request.app.state.sockets.metrics())
    if runtime is not None:
        values.update(runtime.metrics())
    return "".join(f"{name} {value:g}\n" for name, value in sorted(values.items()))
