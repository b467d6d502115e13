"""The privacy page in a real browser (Debian's chromium driven by Playwright) against the app under a
real uvicorn, over the 50 calls of tests/test_person_data.py: an admin finds the person by number, saves
the export (a zip the browser downloads), erases them after the confirmation and reads the receipt (the
held call kept), releases the hold and erases again; the audit log on the page shows the erasures and
exports as CSV; an agent is told the page is not theirs."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest

from agentassist.api.app import create_app
from agentassist.bus import EventBus
from agentassist.config import Settings
from agentassist.store.db import Store
from agentassist.store.recordings import RecordingStore
from benchmarks.ports import served
from tests.conftest import chromium_browser, wait_js
from tests.test_person_data import NUMBER, PARTY, seed_people

pytestmark = [pytest.mark.slow]


def test_an_admin_finds_exports_and_erases_a_caller_in_the_browser(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    store.migrate()
    recordings = RecordingStore(tmp_path / "recordings")
    tokens = seed_people(store, recordings)
    settings = Settings.model_validate({"server": {"data_dir": str(tmp_path / "data")}})
    app = create_app(settings, store, EventBus(), recordings)
    with served(app) as port, chromium_browser() as browser:
        page = browser.new_page(accept_downloads=True)
        page.goto(f"http://127.0.0.1:{port}/privacy?token={tokens['ada']}")
        page.wait_for_selector("#person-q")
        wait_js(page, "document.querySelectorAll('#hold-list tr[data-hold]').length === 1")
        page.fill("#person-q", NUMBER)
        page.click("#person-find")
        wait_js(page, "document.querySelectorAll('#person-calls tr[data-call]').length === 15")
        assert "10 theirs, 5 mentioning them, 1 held" in page.inner_text("#person-counts")
        assert page.inner_text("#person-calls tr[data-call='p09'] td.held") == "held"

        with page.expect_download() as info:
            page.click("#person-export")
        saved = tmp_path / "export.zip"
        info.value.save_as(saved)
        assert info.value.suggested_filename.startswith("personal-data-")
        assert "calls/p00/recording.wav" in zipfile.ZipFile(saved).namelist()

        page.once("dialog", lambda d: d.accept() if "Erase for good: 10 of their calls" in d.message else d.dismiss())
        page.click("#person-erase")
        wait_js(page, "!document.getElementById('receipt-box').hidden")
        assert "9 calls erased, 5 lines in other calls, 1 kept by a legal hold." in page.inner_text("#receipt-summary")
        wait_js(page, "document.querySelectorAll('#person-calls tr[data-call]').length === 1")

        page.click("#hold-list tr[data-hold] button")
        wait_js(page, "document.querySelectorAll('#hold-list tr[data-hold]').length === 0")
        page.once("dialog", lambda d: d.accept())
        page.click("#person-erase")
        wait_js(page, "document.getElementById('receipt-summary').textContent.startsWith('1 calls erased')")
        wait_js(page, "document.querySelectorAll('#person-calls tr[data-call]').length === 0")
        assert page.inner_text("#person-counts") == "Nothing about this person."
        assert all(store.get_call(call_id) is None for call_id, _ in PARTY)

        page.fill("#audit-action", "privacy.erase")
        page.click("#audit-form button[type=submit]")
        wait_js(page, "document.querySelectorAll('#audit-lines tr[data-audit]').length === 12")
        with page.expect_download() as info:
            page.click("#audit-csv")
        rows = list(csv.DictReader(io.StringIO(Path(info.value.path()).read_text())))
        assert len(rows) == 12 and {r["action"] for r in rows} == {"privacy.erase"}

        agent = browser.new_page()
        agent.goto(f"http://127.0.0.1:{port}/privacy?token={tokens['alice']}")
        agent.wait_for_selector("#not-admin:not([hidden])")
        assert agent.is_hidden("#person")
