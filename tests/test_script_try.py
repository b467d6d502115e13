"""A project manager's script day in a real browser (Debian's chromium driven by Playwright) on a real
`agentassist serve`: open a script, edit it (typed into the code editor, its problems marked at their
lines as they are typed), try the unsaved text on a past call's transcript and on pasted dialogue (the
steps tick as the tracker ticks them on a call), see the diff against the saved version, save; compare
two versions; a save overtaken by someone else's shows the diff against theirs and merges both. The
same day runs in Russian (a Russian browser): everything found by id and data, the page's words from
the dictionary.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from agentassist.events import Channel, Utterance
from agentassist.store.db import Store
from tests.conftest import add_user, chromium_browser
from tests.i18n_strings import tr
from tests.scriptpage import component, editor_text, set_editor_text
from tests.test_script_try_api import DIALOGUE, EDITED, HELPDESK

pytestmark = [pytest.mark.slow]

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
STATIC = Path(__file__).resolve().parent.parent / "agentassist" / "api" / "static"
LOCALES = {"en": "en-US", "ru": "ru-RU"}  # the browser's language: the page's


def _statuses(page: Any) -> dict[str, str]:
    items = page.locator("#try-steps li")
    return {
        items.nth(i).get_attribute("data-step"): items.nth(i).get_attribute("data-status") for i in range(items.count())
    }


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_try_diff_save_and_merge_a_conflict(make_server: Any, lang: str) -> None:
    server = make_server(assist={"company": "Acme"})
    (server.root / "scripts" / "helpdesk.yaml").write_text(HELPDESK)
    pat = add_user(server.config, "Pat", "supervisor", "--all-teams")
    server.start(timeout_s=240)  # the migrations alone take a minute on a loaded machine
    store = Store(f"sqlite:///{(server.root / 'data' / 'agentassist.db').resolve()}")
    store.create_call("past-call", "inbound", "sip:customer@example.org", "Alex", "helpdesk", T0, "")
    store.end_call("past-call", T0 + timedelta(seconds=40))
    for u in (
        Utterance("past-a1", "past-call", Channel.AGENT, 1.0, 3.5, "Thank you for calling Acme, this is Alex."),
        Utterance("past-c1", "past-call", Channel.CUSTOMER, 4.0, 6.0, "My order never came."),
        Utterance("past-a2", "past-call", Channel.AGENT, 7.0, 9.5, "Can I have your account number please?"),
    ):
        store.add_utterance("past-call", u)
    store.engine.dispose()
    api = server.client()
    shots = Path(os.environ.get("AGENTASSIST_SCREENSHOTS", server.root))
    installed = (STATIC / "vendor" / "editor" / "codemirror.js").is_file()
    suffix = "" if lang == "en" else f"-{lang}"

    with chromium_browser() as browser:
        page = browser.new_context(viewport={"width": 1400, "height": 1000}, locale=LOCALES[lang]).new_page()
        page.goto(f"{server.url}/scripts?script=helpdesk&token={pat}")
        page.wait_for_selector('#editor[data-version="1"]', timeout=15_000)
        assert component(page) == ("codemirror" if installed else "textarea")
        if installed:  # the field that takes the keys is labelled as the textarea it replaced
            assert page.locator("#editor .CodeMirror textarea").get_attribute("aria-label") == "script YAML"

        # 1. edit: the new wording of verify, then a line typed at the end of the text
        set_editor_text(page, EDITED)
        if installed:
            page.click("#editor .CodeMirror-code")
            page.keyboard.press("Control+End")
            page.keyboard.type("forbidden: [whatever]\nbogus: 1")
            page.locator('#editor .problem-marker[data-line="14"]').wait_for(timeout=10_000)  # checked as typed
            assert "unknown key 'bogus'" in page.locator('#problems li[data-line="14"]').inner_text()
            page.keyboard.press("Shift+Home")
            page.keyboard.press("Backspace")
            page.keyboard.press("Backspace")  # the line and its line break: only the forbidden list stays
            page.locator("#problems-box").wait_for(state="hidden", timeout=10_000)
            assert page.locator("#editor .problem-marker").count() == 0
        else:
            set_editor_text(page, EDITED + "forbidden: [whatever]\n")
        assert page.locator("#dirty").is_visible()
        edited = editor_text(page)
        assert edited == EDITED + "forbidden: [whatever]\n" or edited == EDITED + "forbidden: [whatever]"

        # 2. try the unsaved text on the past call (the default source is pasted text: switch)
        page.check('input[name="try-source"][value="call"]')
        assert page.locator("#try-call option").count() == 1
        page.click("#try-run")
        page.locator('#try-lines li[data-utt="past-a2"] .tick[data-step="verify"]').wait_for(timeout=30_000)
        assert _statuses(page) == {"greet": "done", "verify": "done", "close": "pending"}
        assert page.locator('#try-lines li[data-utt="past-a1"] .tick').all_inner_texts() == ["✓ greet"]
        assert "0:07" in page.locator('#try-steps li[data-step="verify"] .when').inner_text()
        assert tr(lang, "call {call}", call="past-call") in page.locator("#try-score").inner_text()

        # ... and on pasted dialogue: lines 1 and 4 tick greet and verify
        page.check('input[name="try-source"][value="paste"]')
        page.fill("#try-text", DIALOGUE)
        page.press("#try-text", "Control+Enter")
        page.locator('#try-lines li[data-utt="line-4"] .tick[data-step="verify"]').wait_for(timeout=30_000)
        assert _statuses(page) == {"greet": "done", "verify": "done", "close": "pending"}
        assert tr(lang, "line {line}", line=1) in page.locator('#try-lines li[data-utt="line-1"] .who').inner_text()
        tried = tr(lang, "Tried on {lines} lines: {done} of {steps} steps would tick.", lines=4, done=2, steps=3)
        assert page.locator("#try-status").inner_text() == tried
        if lang == "ru":
            assert tried == "Проверено на 4 репликах: отметилось бы шагов — 2 из 3."
        page.screenshot(path=str(shots / f"scripts-try{suffix}.png"), full_page=True)
        assert api.get("/api/scripts/helpdesk").json()["current_version"] == 1  # trying saved nothing

        # 3. the diff against the saved version, then save
        page.click("#diff-saved")
        page.wait_for_selector('#diff-box[data-kind="saved"]')
        removed = page.locator("#diff tr.del td.t").all_inner_texts()
        added = page.locator("#diff tr.add td.t").all_inner_texts()
        assert removed == ['    say: ["Let me look at your details in our system."]'], removed
        assert added == ['    say: ["Can I have your account number please?"]', "forbidden: [whatever]"], added
        assert page.locator("#diff tr.del td.n").first.inner_text() == "9"  # the old side's line number
        page.screenshot(path=str(shots / f"scripts-diff{suffix}.png"), full_page=True)
        page.click("#save")
        page.wait_for_selector('#editor[data-version="2"]')
        assert "account number" in api.get("/api/scripts/helpdesk").json()["yaml"]

        # 4. compare two saved versions
        page.locator('#versions li[data-version="2"] button.changes').click()
        page.wait_for_selector('#diff-box[data-kind="versions"]')
        assert page.locator("#diff-title").inner_text() == tr(
            lang, "Version {from} → version {to}", **{"from": 1, "to": 2}
        )
        assert page.locator("#diff tr.add").count() == 3  # the version: line, verify's wording, forbidden

        # 5. a conflict: the page changes the close line while someone saves a new greeting
        mine = editor_text(page).replace("Is there anything else", "Anything else")
        set_editor_text(page, mine)
        theirs = editor_text(page).replace("Thank you for calling", "Thanks for calling")
        theirs = theirs.replace("Anything else", "Is there anything else")
        r = api.put("/api/scripts/helpdesk", content=theirs, headers={"Content-Type": "text/yaml", "If-Match": '"2"'})
        assert r.status_code == 200 and r.json()["version"] == 3, r.text
        page.click("#save")
        page.wait_for_selector('#diff-box[data-kind="conflict"]', timeout=10_000)
        conflict = tr(lang, "Yours against version {version}, saved meanwhile", version=3)
        assert page.locator("#diff-title").inner_text() == conflict
        conflict_rows = page.locator("#diff tr.del td.t, #diff tr.add td.t").all_inner_texts()
        assert any("Thanks for calling" in t for t in conflict_rows), conflict_rows  # theirs, not in mine
        page.screenshot(path=str(shots / f"scripts-conflict-diff{suffix}.png"), full_page=True)
        page.click("#conflict-merge")
        page.wait_for_selector('#editor[data-version="3"]')
        merged = editor_text(page)
        assert "Thanks for calling" in merged and "Anything else" in merged and "<<<<<<<" not in merged
        page.keyboard.press("Control+s")
        page.wait_for_selector('#editor[data-version="4"]')
        final = api.get("/api/scripts/helpdesk").json()["yaml"]
        assert "Thanks for calling" in final and "Anything else I can help" in final
