"""Changing passwords: `agentassist users passwd` and `users add --password-stdin` (a real subprocess fed
on stdin, never argv), and the routes PUT /api/me/password and PUT /api/users/{name}/password through
the app's lifespan (TestClient) on a real SQLite database."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from agentassist.api.app import create_app
from agentassist.bus import EventBus
from agentassist.config import Settings
from agentassist.store.db import Store
from agentassist.store.recordings import RecordingStore
from tests.conftest import AGENTASSIST, REPO, _env, write_config
from tests.test_api import FakeRuntime


def _cli(config: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(AGENTASSIST), *args, "--config", str(config)],
        cwd=REPO,
        input=stdin,
        capture_output=True,
        text=True,
        env=_env(),
        timeout=60,
        check=False,
    )


def _store(root: Path) -> Store:
    return Store(f"sqlite:///{(root / 'data' / 'agentassist.db').resolve()}")


def test_cli_sets_passwords_from_stdin_never_argv(tmp_path: Path) -> None:
    config = write_config(tmp_path, 5060, 8000)
    made = _cli(config, "users", "add", "bob", "--role", "agent", "--password-stdin", stdin="first-secret\n")
    assert made.returncode == 0, made.stderr
    assert "WARNING" not in made.stderr
    store = _store(tmp_path)
    assert store.check_password("bob", "first-secret")
    login = store.login("bob", "first-secret")
    assert login is not None
    session, _ = login

    changed = _cli(config, "users", "passwd", "bob", stdin="second-secret\n")
    assert changed.returncode == 0, changed.stderr
    assert "1 login session(s) ended" in changed.stdout, changed.stdout
    assert store.login("bob", "first-secret") is None and store.login("bob", "second-secret") is not None
    assert store.user_for_token(session) is None  # the old login ended with the old password

    short = _cli(config, "users", "passwd", "bob", stdin="short\n")
    assert short.returncode == 2 and "at least 8 characters" in short.stderr, short.stderr
    nothing = _cli(config, "users", "passwd", "bob")
    assert nothing.returncode == 2 and "one line on stdin" in nothing.stderr, nothing.stderr
    nobody = _cli(config, "users", "passwd", "nobody", stdin="third-secret\n")
    assert nobody.returncode == 2 and "no user named 'nobody'" in nobody.stderr, nobody.stderr
    assert store.check_password("bob", "second-secret")

    argv = _cli(config, "users", "add", "eve", "--role", "agent", "--password", "visible-secret")
    assert argv.returncode == 0, argv.stderr
    assert "WARNING" in argv.stderr and "--password-stdin" in argv.stderr, argv.stderr
    both = _cli(config, "users", "add", "max", "--role", "agent", "--password", "x" * 8, "--password-stdin")
    assert both.returncode == 2 and "got both" in both.stderr, both.stderr


@pytest.fixture
def app(tmp_path: Path) -> Iterator[dict[str, Any]]:
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    store.migrate()
    tokens = {"bob": store.add_user("bob", "agent", password="bob-old-secret"), "ada": store.add_user("ada", "admin")}
    app = create_app(Settings(), store, EventBus(), RecordingStore(tmp_path / "rec"), FakeRuntime())  # type: ignore[arg-type]
    with TestClient(app) as client:
        yield {"client": client, "store": store, "tokens": tokens}


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _login(client: TestClient, name: str, password: str) -> str | None:
    r = client.post("/api/login", json={"name": name, "password": password})
    return str(r.json()["token"]) if r.status_code == 200 else None


def test_a_user_changes_their_own_password(app: dict[str, Any]) -> None:
    c = app["client"]
    here, elsewhere = _login(c, "bob", "bob-old-secret"), _login(c, "bob", "bob-old-secret")
    assert here and elsewhere
    url = "/api/me/password"
    wrong = c.put(url, json={"current": "not-it-at-all", "new": "bob-new-secret"}, headers=_bearer(here))
    assert wrong.status_code == 403 and "current password is wrong" in wrong.text, wrong.text
    short = c.put(url, json={"current": "bob-old-secret", "new": "short"}, headers=_bearer(here))
    assert short.status_code == 422, short.text
    assert c.put(url, json={"current": "x", "new": "bob-new-secret"}).status_code == 401  # no token
    ok = c.put(url, json={"current": "bob-old-secret", "new": "bob-new-secret"}, headers=_bearer(here))
    assert ok.status_code == 204, ok.text
    assert c.get("/api/me", headers=_bearer(here)).status_code == 200  # this login goes on
    assert c.get("/api/me", headers=_bearer(elsewhere)).status_code == 401  # every other one ended
    assert c.get("/api/me", headers=_bearer(app["tokens"]["bob"])).status_code == 200  # the API token stays
    assert _login(c, "bob", "bob-old-secret") is None and _login(c, "bob", "bob-new-secret")
    audit = c.get("/api/audit", headers=_bearer(app["tokens"]["ada"])).json()["items"]
    assert any(e["action"] == "password.change" and e["user"] == "bob" for e in audit), audit


def test_guessing_the_current_password_is_throttled_as_logins_are(tmp_path: Path) -> None:
    """A stolen session cannot guess the password faster through PUT /api/me/password than at the login:
    its failures count against the same name, and the lockout covers both routes."""
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    store.migrate()
    store.add_user("bob", "agent", password="bob-old-secret")
    settings = Settings(server={"login_max_failures": 3, "login_lockout_s": 30})  # type: ignore[arg-type]
    app = create_app(settings, store, EventBus(), RecordingStore(tmp_path / "rec"), FakeRuntime())  # type: ignore[arg-type]
    with TestClient(app) as c:
        session = _login(c, "bob", "bob-old-secret")
        assert session
        guess = {"current": "not-it-at-all", "new": "bob-new-secret"}
        codes = [c.put("/api/me/password", json=guess, headers=_bearer(session)).status_code for _ in range(5)]
        assert codes == [403, 403, 403, 429, 429], codes
        right = {"current": "bob-old-secret", "new": "bob-new-secret"}
        locked = c.put("/api/me/password", json=right, headers=_bearer(session))
        assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 0, locked.text
        assert c.post("/api/login", json={"name": "bob", "password": "bob-old-secret"}).status_code == 429


def test_an_admin_sets_another_users_password(app: dict[str, Any]) -> None:
    c = app["client"]
    bob_login = _login(c, "bob", "bob-old-secret")
    assert bob_login
    url = "/api/users/bob/password"
    assert c.put(url, json={"new": "set-by-admin"}, headers=_bearer(app["tokens"]["bob"])).status_code == 403
    assert c.put(url, json={"new": "short"}, headers=_bearer(app["tokens"]["ada"])).status_code == 422
    missing = c.put("/api/users/nobody/password", json={"new": "set-by-admin"}, headers=_bearer(app["tokens"]["ada"]))
    assert missing.status_code == 404, missing.text
    ok = c.put(url, json={"new": "set-by-admin"}, headers=_bearer(app["tokens"]["ada"]))
    assert ok.status_code == 204, ok.text
    assert c.get("/api/me", headers=_bearer(bob_login)).status_code == 401  # a reset ends every login
    assert _login(c, "bob", "bob-old-secret") is None and _login(c, "bob", "set-by-admin")
    ada_login = _login(c, "ada", "whatever-it-is")
    assert ada_login is None  # ada has no password: the route for one's own needs a current one
    no_password = c.put(
        "/api/me/password",
        json={"current": "anything-at-all", "new": "ada-new-secret"},
        headers=_bearer(app["tokens"]["ada"]),
    )
    assert no_password.status_code == 403, no_password.text
