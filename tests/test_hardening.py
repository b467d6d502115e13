"""HTTP hardening against a real `agentassist serve`: request bodies refused (413) before they are
read, a bounded pool for argon2 (503 past it), login throttling (429), security headers and a
Content-Security-Policy that every page works under, and docs and metrics behind a sign-in.

Memory is read from /proc: the peak RSS (VmHWM) is reset before each burst (``clear_refs`` 5) so
that it measures that burst alone, against VmRSS just before it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from agentassist.api.app import create_app
from agentassist.api.headers import PAGE_POLICY, SecurityHeaders
from agentassist.api.limits import ROUTE_BODY_LIMITS, limit_for
from agentassist.api.throttle import LoginThrottle, ThrottleOptions
from agentassist.bus import EventBus
from agentassist.config import Settings
from agentassist.store.db import Store
from agentassist.store.recordings import RecordingStore
from benchmarks.ports import free_port
from tests.conftest import Server, add_user, chromium_browser, need_chromium, write_config

MIB = 1024 * 1024
WORKERS = 3  # argon2 hashes at once in the server under test (not a core count): the memory bound is in these
ARGON2_MIB = 64  # what one argon2 hash holds (argon2-cffi's default memory_cost)
PASSWORD = "alice-password"


def _kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(f"no {field} in /proc/{pid}/status")


class Peak:
    """The growth of a process's peak RSS over a block, in MiB."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.growth_mib = 0.0

    def __enter__(self) -> Peak:
        Path(f"/proc/{self.pid}/clear_refs").write_text("5")  # VmHWM := VmRSS
        self.before_kib = _kib(self.pid, "VmRSS")
        return self

    def __exit__(self, *exc: object) -> None:
        self.growth_mib = (_kib(self.pid, "VmHWM") - self.before_kib) / 1024


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("hardening")
    sip_port, http_port = free_port(), free_port()
    hardening = {
        "password_hash_workers": WORKERS,
        "login_lockout_s": 2.0,  # seconds, not the default minute: the test waits it out
        "login_window_s": 60.0,
    }
    config = write_config(root, sip_port, http_port, server=hardening)
    s = Server(root, config, sip_port, http_port)
    s.token = add_user(config, "Alex", "admin")
    s.start()
    with s.client() as admin:
        for name in ("alice", "bob"):
            r = admin.post("/api/users", json={"name": name, "role": "agent", "password": PASSWORD})
            assert r.status_code == 201, r.text
    yield s
    s.stop()


def _pid(server: Server) -> int:
    assert server.proc is not None and server.proc.poll() is None, server.log()
    return server.proc.pid


def test_thirty_wrong_passwords_are_throttled_and_the_right_one_works_after_the_wait(server: Server) -> None:
    with httpx.Client(base_url=server.url, timeout=30) as c:
        answers = [c.post("/api/login", json={"name": "alice", "password": f"wrong-{i}"}) for i in range(30)]
        codes = [r.status_code for r in answers]
        assert codes[:10] == [401] * 10 and codes[10:] == [429] * 20, codes
        throttled = answers[-1]
        wait_s = int(throttled.headers["retry-after"])
        assert 1 <= wait_s <= 2, throttled.headers
        assert "try again in" in throttled.json()["detail"]
        # throttled, even the right password waits: the check comes before any password work
        assert c.post("/api/login", json={"name": "alice", "password": PASSWORD}).status_code == 429
        assert c.post("/api/login", json={"name": "bob", "password": PASSWORD}).status_code == 200  # another name
        time.sleep(wait_s + 0.2)
        ok = c.post("/api/login", json={"name": "alice", "password": PASSWORD})
        assert ok.status_code == 200, ok.text
        # a success clears the name's count: the next wrong password is a plain 401 again
        assert c.post("/api/login", json={"name": "alice", "password": "wrong"}).status_code == 401
        metrics = c.get("/metrics", headers={"Authorization": f"Bearer {server.token}"}).text
        assert "agentassist_logins_throttled_total 21" in metrics, metrics


BIG = 20 * MIB


def _chunks(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    for _ in range(total // size):
        yield b"x" * size


def test_a_20_mib_body_is_refused_before_it_is_read(server: Server) -> None:
    admin = {"Authorization": f"Bearer {server.token}", "Content-Type": "application/json"}
    targets = [("POST", "/api/login"), ("POST", "/api/calls"), ("PUT", "/api/scripts/big"), ("POST", "/no/such/route")]
    with httpx.Client(base_url=server.url, timeout=60, headers=admin) as c:
        c.post("/api/login", content=b"x" * 20_000)  # warm: every code path below has run once
        with Peak(_pid(server)) as whole:
            for method, path in targets:
                r = c.request(method, path, content=b"x" * BIG)  # Content-Length: refused at once
                limit = limit_for(path, 1 * MIB)
                assert r.status_code == 413, (path, r.status_code, r.text[:200])
                assert r.json()["detail"] == f"request body too large: expected at most {limit} bytes for this route"
        with Peak(_pid(server)) as chunked:
            for method, path in targets[:3]:  # no Content-Length: counted as it streams, cut at the limit
                r = c.request(method, path, content=_chunks(BIG))
                assert r.status_code == 413, (path, r.status_code, r.text[:200])
                assert "expected at most" in r.json()["detail"]
    print(f"peak RSS growth: {whole.growth_mib:.1f} MiB (Content-Length), {chunked.growth_mib:.1f} MiB (chunked)")
    # before: a 100 MiB body to /api/login took +241 MiB; a body held whole here would be +20 MiB each
    assert whole.growth_mib < 8, whole.growth_mib
    assert chunked.growth_mib < 8, chunked.growth_mib


def test_two_hundred_logins_at_once_hold_the_pool_bound(server: Server) -> None:
    async def burst() -> list[httpx.Response]:
        limits = httpx.Limits(max_connections=200, max_keepalive_connections=0)
        async with httpx.AsyncClient(base_url=server.url, timeout=120, limits=limits) as c:
            body = {"name": "bob", "password": PASSWORD}
            return await asyncio.gather(*(c.post("/api/login", json=body) for _ in range(200)))

    asyncio.run(burst())  # warm: threads started, argon2 loaded
    with Peak(_pid(server)) as peak:
        answers = asyncio.run(burst())
    codes = sorted(r.status_code for r in answers)
    ok, busy = codes.count(200), codes.count(503)
    print(f"200 logins at once, {WORKERS} hash workers: {ok} in, {busy} busy, peak RSS +{peak.growth_mib:.1f} MiB")
    assert ok + busy == 200, codes
    assert ok >= WORKERS and busy > 0, codes
    assert all(r.headers.get("retry-after") for r in answers if r.status_code == 503)
    assert "checking passwords" in next(r for r in answers if r.status_code == 503).json()["detail"]
    assert httpx.get(server.url + "/healthz").status_code == 200  # still up
    metrics = httpx.get(server.url + "/metrics", headers={"Authorization": f"Bearer {server.token}"}).text
    assert f"agentassist_password_hash_workers {WORKERS}\n" in metrics  # the setting reached the store
    # the pool's hashes plus the requests, threads and answers of 200 clients; without the pool anyio's
    # 40 threads would each hold 64 MiB (+918 MiB measured for 16 logins at once)
    assert peak.growth_mib < WORKERS * ARGON2_MIB + 96, peak.growth_mib


def test_security_headers_on_pages_static_files_and_the_api(server: Server) -> None:
    admin = {"Authorization": f"Bearer {server.token}"}
    with httpx.Client(base_url=server.url, timeout=10) as c:
        answers = {
            "/": c.get("/"),
            "/static/calls.js": c.get("/static/calls.js"),
            "/api/me (401)": c.get("/api/me"),
            "/api/me": c.get("/api/me", headers=admin),
            "/api/calls": c.get("/api/calls", headers=admin),
            "/no/such/page": c.get("/no/such/page"),
            "/api/login (413)": c.post("/api/login", content=b"x" * 20_000),
        }
    for what, r in answers.items():
        assert r.headers["content-security-policy"] == PAGE_POLICY, what
        assert r.headers["x-frame-options"] == "DENY", what
        assert r.headers["x-content-type-options"] == "nosniff", what
        assert r.headers["referrer-policy"] == "no-referrer", what
        if what.startswith("/api/"):
            assert r.headers["cache-control"] == "no-store", what
    assert "frame-ancestors 'none'" in PAGE_POLICY and "unsafe" not in PAGE_POLICY


def test_an_unhandled_error_is_a_500_with_the_security_headers() -> None:
    """Starlette's outermost handler answers an exception no handler took with no headers of ours: the
    middleware answers it first (a fake app that fails; the real middleware and Starlette around it)."""
    app = FastAPI()

    @app.get("/api/broken")
    def broken() -> None:
        raise RuntimeError("the database went away")

    app.add_middleware(SecurityHeaders)
    with TestClient(app, raise_server_exceptions=False) as client:
        r = client.get("/api/broken")
    assert r.status_code == 500 and r.json() == {"detail": "internal error: see the server log"}, r.text
    assert r.headers["x-frame-options"] == "DENY" and r.headers["cache-control"] == "no-store", r.headers
    assert r.headers["content-security-policy"] == PAGE_POLICY


def test_every_page_works_under_its_content_security_policy(server: Server) -> None:
    """Each page signed in as an admin, with the policy enforced: no violation is reported."""
    need_chromium()
    record = """window.__csp = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));"""
    violations: dict[str, list[str]] = {}
    with chromium_browser() as browser:
        for path in ("/", "/agent", "/wall", "/scripts", "/calibrations", "/static/replay.html?call=none"):
            context = browser.new_context()
            context.add_init_script(record)
            page = context.new_page()
            console: list[str] = []
            page.on("console", lambda m: console.append(m.text))  # noqa: B023 - read before the next page
            page.goto(f"{server.url}{path}{'&' if '?' in path else '?'}token={server.token}")
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(500)  # the feeds' WebSockets open, the first polls answer
            found = page.evaluate("window.__csp") + [m for m in console if "Content Security Policy" in m]
            if found:
                violations[path] = found
            if not path.startswith("/static/replay"):
                assert page.inner_text("#who") == "Alex (admin)", path
            context.close()
    assert not violations, violations


def test_limits_table_matches_whole_path_segments() -> None:
    assert limit_for("/api/login", 1000) == ROUTE_BODY_LIMITS["/api/login"]
    assert limit_for("/api/prompts/7/audio", 1000) == 25 * MIB
    assert limit_for("/api/promptsx", 1000) == 1000
    assert limit_for("/api/scripts/s1", 1000) == ROUTE_BODY_LIMITS["/api/scripts"]


def test_throttle_grows_its_lockout_and_stays_bounded() -> None:
    t = LoginThrottle(
        ThrottleOptions(max_failures_per_name=3, max_failures_per_address=50, window_s=100, lockout_s=10, max_keys=5)
    )
    for _ in range(3):
        assert t.check("ann", "a", 0) == 0
        t.failed("ann", "a", 0)
    assert t.check("ann", "a", 0) == 10
    t.failed("ann", "a", 10)  # the first attempt after the lockout fails again: twice as long
    assert t.check("ann", "a", 10) == 20
    t.failed("ann", "a", 30)
    t.failed("ann", "a", 70)
    assert t.check("ann", "a", 70) == 80
    t.failed("ann", "a", 150)
    assert t.check("ann", "a", 150) == 100  # doubled up to the window, no further
    assert t.check("ann", "a", 251) == 0
    assert "ann" not in t.names.entries  # forgotten a window after the last failure, once unlocked
    for i in range(20):
        t.failed(f"user{i}", "b", 200)
    assert len(t.names.entries) == 5 and len(t.addresses.entries) <= 5  # least recently failed out first
    t.failed("cat", "c", 300)
    t.succeeded("cat")  # a right password clears the name
    assert "cat" not in t.names.entries and t.addresses.entries["c"].failures == 1


def test_docs_and_metrics_need_a_sign_in_unless_opened(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    store.migrate()
    admin = {"Authorization": f"Bearer {store.add_user('ada', 'admin')}"}
    agent = {"Authorization": f"Bearer {store.add_user('al', 'agent')}"}
    scraper = {"Authorization": "Bearer scrape-me"}

    def answers(**server: Any) -> dict[str, int]:
        app = create_app(Settings(server=server), store, EventBus(), RecordingStore(tmp_path / "rec"))  # type: ignore[arg-type]
        with TestClient(app) as c:
            return {
                "docs": c.get("/docs").status_code,
                "redoc": c.get("/redoc").status_code,
                "openapi": c.get("/openapi.json").status_code,
                "openapi agent": c.get("/openapi.json", headers=agent).status_code,
                "metrics": c.get("/metrics").status_code,
                "metrics agent": c.get("/metrics", headers=agent).status_code,
                "metrics admin": c.get("/metrics", headers=admin).status_code,
                "metrics scraper": c.get("/metrics", headers=scraper).status_code,
            }

    closed = {"docs": 401, "redoc": 401, "openapi": 401, "openapi agent": 200, "metrics": 401}
    assert answers() == {**closed, "metrics agent": 403, "metrics admin": 200, "metrics scraper": 401}
    assert answers(metrics_token="scrape-me")["metrics scraper"] == 200
    opened = answers(public_docs=True, public_metrics=True)
    assert opened["docs"] == opened["redoc"] == opened["openapi"] == opened["metrics"] == 200
    store.engine.dispose()
