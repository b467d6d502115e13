"""docs/api.md stays true: every route of the app and every settings key is in it, and nothing that
is gone is still listed there.

Routes are enumerated from the app itself (as the authorization matrix does), keys from the settings
models of agentassist/config.py, so a new route or key that is not written down fails here, naming it.
"""

from __future__ import annotations

import re
from pathlib import Path

from agentassist.api.app import create_app
from agentassist.bus import EventBus
from agentassist.config import Settings
from agentassist.store.db import Store
from agentassist.store.recordings import RecordingStore
from tests.test_authz import app_routes

ROOT = Path(__file__).resolve().parent.parent
API_MD = ROOT / "docs" / "api.md"
# a route in the first cell of a table row: | `GET /api/calls` | ...
ROUTE_ROW = re.compile(r"^\| `((?:GET|POST|PUT|PATCH|DELETE|WS) /[^`\s]*)` \|", re.M)
SECTION = re.compile(r"^### `\[(\w+)\]`$", re.M)
KEY_ROW = re.compile(r"^\| `(\w+)` \|", re.M)


def documented_routes(text: str) -> set[str]:
    return set(ROUTE_ROW.findall(text))


def documented_keys(text: str) -> dict[str, set[str]]:
    """The keys in each settings section's table: from its ``### `[section]` `` heading to the next heading."""
    found: dict[str, set[str]] = {}
    heads = list(SECTION.finditer(text))
    for head in heads:
        rest = text[head.end() :]
        end = re.search(r"^#", rest, re.M)
        found[head.group(1)] = set(KEY_ROW.findall(rest[: end.start() if end else len(rest)]))
    return found


def test_every_route_of_the_app_is_in_api_md(tmp_path: Path) -> None:
    settings = Settings(server={"data_dir": str(tmp_path)})  # type: ignore[arg-type]
    app = create_app(
        settings, Store(f"sqlite:///{tmp_path / 'db.sqlite'}"), EventBus(), RecordingStore(tmp_path / "rec")
    )
    routes = {key for key, _ in app_routes(app)}
    mounts = {key for key in routes if key.startswith("MOUNT ")}
    text = API_MD.read_text(encoding="utf-8")
    documented = documented_routes(text)
    missing = sorted(routes - mounts - documented)
    assert not missing, f"routes of the app missing from a table row of docs/api.md: {missing}"
    stale = sorted(documented - routes)
    assert not stale, f"docs/api.md lists routes the app does not have: {stale}"
    for mount in mounts:
        assert f"`{mount.removeprefix('MOUNT ')}/" in text, f"docs/api.md does not say what {mount} serves"


def test_every_settings_key_is_in_api_md() -> None:
    expected = {
        section: set(field.annotation.model_fields)  # type: ignore[union-attr]
        for section, field in Settings.model_fields.items()
    }
    documented = documented_keys(API_MD.read_text(encoding="utf-8"))
    assert set(documented) == set(expected), (
        f"settings sections: expected {sorted(expected)} as '### `[section]`' headings, got {sorted(documented)}"
    )
    for section, keys in expected.items():
        missing, stale = sorted(keys - documented[section]), sorted(documented[section] - keys)
        assert not missing, f"[{section}] keys missing from docs/api.md: {missing}"
        assert not stale, f"docs/api.md lists [{section}] keys that agentassist/config.py does not have: {stale}"


def test_the_parsers_see_what_they_should() -> None:
    """A table row the regexes skip would let a route or key go undocumented unnoticed."""
    text = "### `[sip]`\n\n| key | default |\n|---|---|\n| `listen` | `1` |\n\n## HTTP\n\n| `GET /a/{id}` | x |\n"
    assert documented_keys(text) == {"sip": {"listen"}}
    assert documented_routes(text) == {"GET /a/{id}"}
