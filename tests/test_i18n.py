"""The pages in English, Russian, Ukrainian and Polish (static/i18n.js, static/i18n/*.json).

Every English text the pages show is in every dictionary (tests/i18n_strings.py finds them in the
pages' files), so a new text without its translations fails here, naming it and where it is; plural
keys carry the forms their language's plural rules ask for; a translation keeps its key's
{placeholders}. The user's language is remembered on the server (PUT /api/me/language, migration
0011), and in a real browser (Debian's chromium via Playwright) a Russian browser gets Russian pages,
the header's select changes the language for the user everywhere, and dates show their time zone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, get_args

import httpx
import pytest
from fastapi.testclient import TestClient

from agentassist.api.accounts import Language
from agentassist.api.app import create_app
from agentassist.bus import EventBus
from agentassist.config import Settings
from agentassist.store.db import Store
from agentassist.store.holds import place_hold
from agentassist.store.recordings import RecordingStore
from benchmarks.ports import served
from tests.conftest import chromium_browser, need_chromium, wait_js
from tests.i18n_strings import STATIC, category, dictionary, page_strings, tr

TRANSLATED = ("ru", "uk", "pl")
# the plural categories of Intl.PluralRules(lang).select for integers and fractions (CLDR)
PLURAL_FORMS = {"ru": {"one", "few", "many", "other"}, "uk": {"one", "few", "many", "other"},
                "pl": {"one", "few", "many", "other"}}  # fmt: skip
PLACEHOLDER = re.compile(r"\{(\w+)\}")


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_text_the_pages_show_is_in_the_dictionary(lang: str) -> None:
    shown, words = page_strings(), dictionary(lang)
    missing = {text: sorted(where) for text, where in shown.items() if text not in words}
    assert not missing, f"texts the pages show with no {lang} translation in static/i18n/{lang}.json: {missing}"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_a_translation_keeps_its_placeholders_and_its_plural_forms(lang: str) -> None:
    for key, entry in dictionary(lang).items():
        wanted = set(PLACEHOLDER.findall(key))
        if "|" in key:
            assert isinstance(entry, dict), f"{lang}: {key!r} has plural forms, expected an object, got {entry!r}"
            forms_wanted = PLURAL_FORMS[lang]
            assert set(entry) == forms_wanted, f"{lang}: {key!r} expected forms {forms_wanted}, got {set(entry)}"
            forms = list(entry.values())
        else:
            assert isinstance(entry, str) and entry.strip(), f"{lang}: {key!r} expected a text, got {entry!r}"
            forms = [entry]
        for form in forms:
            assert set(PLACEHOLDER.findall(form)) == wanted, f"{lang}: {key!r} -> {form!r} changes its placeholders"


def test_the_languages_agree_between_the_api_the_script_and_the_dictionaries() -> None:
    script = (STATIC / "i18n.js").read_text(encoding="utf-8")
    declared = re.search(r"const LANGUAGES = \{([^}]*)\}", script)
    assert declared, "i18n.js: expected `const LANGUAGES = { code: name, ... }`"
    in_script = set(re.findall(r"(\w+):", declared.group(1)))
    assert in_script == set(get_args(Language)) == {"en", *(p.stem for p in (STATIC / "i18n").glob("*.json"))}


def test_every_page_loads_i18n_before_common() -> None:
    for html in STATIC.glob("*.html"):
        text = html.read_text(encoding="utf-8")
        at = text.find('src="/static/i18n.js"')
        assert 0 <= at < text.find('src="/static/common.js"'), f"{html.name}: i18n.js must come before common.js"


def test_plural_categories_as_intl_chooses_them() -> None:
    """tr()'s rule is CLDR's: ru 1 one, 3 few, 5 many, 21 one, 11 many; pl 1 one, 22 few, 21 many."""
    assert [category("ru", n) for n in (1, 3, 5, 11, 21, 22)] == ["one", "few", "many", "many", "one", "few"]
    assert [category("pl", n) for n in (1, 2, 5, 12, 21, 22)] == ["one", "few", "many", "many", "many", "few"]
    assert tr("ru", "{n} alert|{n} alerts", 3) == "3 оповещения"
    assert tr("en", "{n} alert|{n} alerts", 1) == "1 alert"


# ---- the user's language on the server -----------------------------------------------------------
@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    s.migrate()
    yield s
    s.engine.dispose()


def test_the_language_is_remembered_for_the_user(store: Store, tmp_path: Path) -> None:
    token = store.add_user("olga", "agent", password="olga-secret")
    auth = {"Authorization": f"Bearer {token}"}
    app = create_app(Settings(), store, EventBus(), RecordingStore(tmp_path / "rec"))
    with TestClient(app) as client:
        assert client.get("/api/me", headers=auth).json()["language"] is None  # the browser's, until chosen
        r = client.put("/api/me/language", json={"language": "uk"}, headers=auth)
        assert r.status_code == 200 and r.json()["language"] == "uk", r.text
        assert client.get("/api/me", headers=auth).json()["language"] == "uk"
        login = client.post("/api/login", json={"name": "olga", "password": "olga-secret"}).json()
        assert login["user"]["language"] == "uk"  # another browser signs in to the same language
        wrong = client.put("/api/me/language", json={"language": "de"}, headers=auth)
        assert wrong.status_code == 422 and "de" in wrong.text, wrong.text
        assert client.put("/api/me/language", json={"language": None}, headers=auth).json()["language"] is None
        assert client.put("/api/me/language", json={"language": "pl"}, headers={}).status_code == 401


CSP_WATCH = """window.__csp = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));"""


def in_language(page: Any, lang: str) -> None:
    """Wait until ``page`` shows ``lang``: i18n.js sets <html lang> and shows the page once translated."""
    wait_js(page, "(l) => document.documentElement.lang === l && !document.documentElement.style.visibility", lang)


# ---- in a browser ----------------------------------------------------------------------------------
def test_a_russian_browser_gets_russian_pages_and_the_choice_follows_the_user(store: Store, tmp_path: Path) -> None:
    need_chromium()
    token = store.add_user("lea", "team_leader", teams=["red"], password="lea-secret-1")
    started = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    store.create_call("c1", "inbound", "sip:ann@x", "lea", None, started, "")
    store.end_call("c1", started + timedelta(seconds=30))
    app = create_app(Settings(), store, EventBus(), RecordingStore(tmp_path / "rec"))
    with served(app) as port, chromium_browser() as browser:
        url = f"http://127.0.0.1:{port}"
        ru = browser.new_context(locale="ru-RU", timezone_id="Europe/Warsaw")
        ru.add_init_script(CSP_WATCH)  # hiding the page until it is translated is CSSOM: the policy allows it
        page = ru.new_page()
        page.goto(f"{url}/")
        page.wait_for_selector("#login-form", timeout=15_000)
        in_language(page, "ru")
        assert page.inner_text("#login-form button[type=submit]") == "Войти"
        assert page.get_attribute("#token-input", "placeholder") == "из `agentassist users add`"
        assert page.title() == "agentassist"
        page.fill("#login-name", "lea")
        page.fill("#login-password", "lea-secret-1")
        page.click("#login-form button[type=submit]")
        page.wait_for_selector('#past tr[data-call="c1"]', timeout=15_000)
        assert page.inner_text("#active-box h2").startswith("Активные звонки")
        assert page.inner_text("#who") == "lea (руководитель группы)"
        assert page.inner_text('#past tr[data-call="c1"] td.status') == "завершён"
        started_cell = page.inner_text('#past tr[data-call="c1"] td:first-child')
        assert "10:00" in started_cell and ("CET" in started_cell or "GMT+1" in started_cell), started_cell
        assert "нояб" in started_cell, started_cell  # the month as Russian writes it
        # a static <option> sends its English value in any language
        page.select_option("#search select[name=direction]", label="исходящий")
        assert page.eval_on_selector("#search select[name=direction]", "s => s.value") == "outbound"

        # the header's select: Polish, for this user, on every page and in every browser
        assert page.input_value("#language") == "ru"
        with page.expect_navigation():
            page.select_option("#language", "pl")
        in_language(page, "pl")
        page.wait_for_selector('#past tr[data-call="c1"]', timeout=15_000)
        assert page.inner_text("#active-box h2").startswith("Aktywne rozmowy")
        me = httpx.get(f"{url}/api/me", headers={"Authorization": f"Bearer {token}"}).json()
        assert me["language"] == "pl"
        page.goto(f"{url}/wall")
        page.wait_for_selector("#kpis", timeout=15_000)
        assert page.inner_text('[data-kpi="calls"] .k') == "rozmowy dzisiaj"
        assert page.evaluate("window.__csp") == []
        ru.close()

        en = browser.new_context(locale="en-US")  # an English browser, the same user: Polish
        other = en.new_page()
        other.goto(f"{url}/?token={token}")
        in_language(other, "pl")
        other.wait_for_selector('#past tr[data-call="c1"]', timeout=15_000)
        assert other.inner_text("#sign-out") == "Wyloguj się"
        en.close()


def test_the_texts_pages_build_from_values_come_in_russian(store: Store, tmp_path: Path) -> None:
    """privacy.js and outcomes.js put values into sentences with t(): a hold, the retention rules, a count
    with its plural form, the outcomes' table heads (where the page once hid t() behind a table named t)."""
    need_chromium()
    token = store.add_user("ada", "admin", password="ada-secret-12")
    started = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    store.create_call("c1", "inbound", "sip:ann@x", "ada", None, started, "", campaign="acme")
    store.end_call("c1", started + timedelta(seconds=30))
    place_hold(store, "ada", "case 17", call_id="c1")
    app = create_app(Settings(), store, EventBus(), RecordingStore(tmp_path / "rec"))
    with served(app) as port, chromium_browser() as browser:
        url = f"http://127.0.0.1:{port}"
        page = browser.new_context(locale="ru-RU", timezone_id="Europe/Warsaw").new_page()
        page.goto(f"{url}/privacy?token={token}")
        in_language(page, "ru")
        page.wait_for_selector("#hold-list tr[data-hold]", timeout=15_000)
        assert page.inner_text("#hold-list tr[data-hold] td:nth-child(2)") == "звонок c1"
        wait_js(page, "document.getElementById('retention-rules').textContent !== ''")
        assert page.inner_text("#retention-rules").startswith("По умолчанию: записи хранятся бессрочно")
        page.goto(f"{url}/outcomes?campaign=acme&from=2026-11-01&to=2026-11-03")
        in_language(page, "ru")
        wait_js(page, "document.getElementById('summary').textContent !== ''", timeout=15_000)
        assert page.inner_text("#summary").startswith("1 завершённый звонок кампании acme")
        assert page.inner_text("#steps thead th:first-child") == "шаг"
