"""`agentassist users`: every command prints its result and nothing else (no Alembic lines: issue 23), and
list, delete and reset-password do what they say, on a real SQLite database through real subprocesses."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import write_config
from tests.test_passwords import _cli, _store


def test_every_users_command_prints_only_its_result(tmp_path: Path) -> None:
    config = write_config(tmp_path, 5060, 8000)
    made = _cli(
        config, "users", "add", "ann", "--role", "agent", "--team", "red", "--password-stdin", stdin="ann-pw-01\n"
    )
    assert made.returncode == 0 and made.stderr == "", made.stderr  # the first command migrates the new database
    first, token = made.stdout.splitlines()
    assert first == "user 'ann' (agent in red) created; API token:" and len(token) > 30, made.stdout
    added = _cli(config, "users", "add", "sue", "--role", "supervisor", "--all-teams")
    assert added.returncode == 0 and added.stderr == "", added.stderr

    listed = _cli(config, "users", "list")
    assert listed.returncode == 0 and listed.stderr == "", listed.stderr
    head, *rows = listed.stdout.splitlines()
    assert head.split() == ["name", "role", "password", "token_expires_at", "teams"], head
    assert [r.split()[:3] for r in rows] == [["ann", "agent", "yes"], ["sue", "supervisor", "no"]], listed.stdout
    assert rows[0].endswith("  red") and rows[1].endswith("  (sees all teams)"), listed.stdout

    store = _store(tmp_path)
    login = store.login("ann", "ann-pw-01")
    assert login is not None
    reset = _cli(config, "users", "reset-password", "ann")
    assert reset.returncode == 0 and reset.stderr == "", reset.stderr
    said, password = reset.stdout.splitlines()
    assert said.startswith("password of 'ann' reset; 1 login session(s) ended, API token unchanged"), said
    assert len(password) >= 16 and store.login("ann", password) is not None
    assert store.login("ann", "ann-pw-01") is None and store.user_for_token(login[0]) is None
    assert store.user_for_token(token) is not None  # the API token stays

    deleted = _cli(config, "users", "delete", "ann")
    assert deleted.returncode == 0 and deleted.stderr == "", deleted.stderr
    assert deleted.stdout == "user 'ann' deleted: their API token and login sessions no longer work\n"
    assert store.user_for_token(token) is None and store.login("ann", password) is None
    assert [r.split()[0] for r in _cli(config, "users", "list").stdout.splitlines()[1:]] == ["sue"]

    for command in ("delete", "reset-password"):
        nobody = _cli(config, "users", command, "nobody")
        assert nobody.returncode == 2 and nobody.stderr == "error: no user named 'nobody'\n", nobody.stderr
