"""The script editor (/scripts) in a real browser (Debian's chromium driven by Playwright) on a real
`agentassist serve` with one script file: save a change (Ctrl+S), a refused script (its errors by
line, in the list and in the code editor's gutter, the text kept), restore an earlier version, and a
save overtaken by someone else's (412). The page runs on CodeMirror when `tools/vendor-js.sh codemirror`
has installed it (`make install`), on the plain textarea otherwise: both are driven the same way.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import add_user, chromium_browser
from tests.scriptpage import component, editor_text, selected_text, set_editor_text

STATIC = Path(__file__).resolve().parent.parent / "agentassist" / "api" / "static"

pytestmark = [pytest.mark.slow]

V1 = """id: helpdesk
title: Helpdesk
version: 1
language: en
campaign: support
steps:
  - id: greet
    say: ["Hello, thank you for calling."]
    mandatory: true
  - id: close
    say: ["Goodbye."]
"""
BROKEN_TAIL = """  - id: greet
    say: ["Hi again."]
  - say: ["a step with no id"]
"""


def _without_version(text: str) -> str:
    return re.sub(r"(?m)^version: \d+\n", "", text)


def test_edit_save_refuse_restore_and_conflict(make_server: Any) -> None:
    server = make_server()
    (server.root / "scripts" / "helpdesk.yaml").write_text(V1)
    leader = add_user(server.config, "Tess", "team_leader")
    agent = add_user(server.config, "Casey", "agent")
    server.start(timeout_s=240)  # the migrations alone take a minute on a loaded machine
    api = server.client()
    shots = Path(os.environ.get("AGENTASSIST_SCREENSHOTS", server.root))

    def current() -> dict[str, Any]:
        r = api.get("/api/scripts/helpdesk")
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        assert r.headers["etag"] == f'"{body["current_version"]}"'
        return body

    with chromium_browser() as browser:
        # an agent may read scripts through the API, but the editor is not for them
        page = browser.new_context().new_page()
        page.goto(f"{server.url}/scripts?token={agent}")
        page.locator("#not-allowed").wait_for(timeout=10_000)
        assert "team leaders, supervisors and admins" in page.locator("#not-allowed").inner_text()
        assert page.locator("#yaml").count() == 0

        page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        page.goto(f"{server.url}/scripts?token={leader}")
        row = page.locator('#scripts tr[data-script="helpdesk"]')
        row.wait_for(timeout=10_000)
        assert [c.strip() for c in row.locator("td").all_inner_texts()] == [
            "helpdesk", "Helpdesk", "support", "en", "1", "2",
        ]  # fmt: skip
        row.click()
        page.wait_for_selector('#editor[data-version="1"]')
        installed = (STATIC / "vendor" / "editor" / "codemirror.js").is_file()
        assert component(page) == ("codemirror" if installed else "textarea")
        if installed:  # line numbers and YAML highlighting
            assert page.locator("#editor .CodeMirror-code .CodeMirror-linenumber").first.inner_text() == "1"
            assert page.locator("#editor .CodeMirror .cm-atom").count() > 0  # YAML keys
        assert editor_text(page) == V1
        page.locator('#versions li[data-version="1"]').wait_for()

        # 1. edit and save with Ctrl+S: version 2 with the change
        v2_text = V1.replace('"Goodbye."', '"Goodbye, and have a nice day."')
        set_editor_text(page, v2_text)
        assert page.locator("#dirty").is_visible()
        page.keyboard.press("Control+s")
        page.wait_for_selector('#editor[data-version="2"]')
        assert "Saved as version 2" in page.locator("#save-status").inner_text()
        saved = current()
        assert saved["current_version"] == 2
        assert "have a nice day" in saved["yaml"]
        assert editor_text(page) == saved["yaml"]  # with the version: line the server set
        assert page.locator("#dirty").is_hidden()
        assert page.locator('#scripts tr[data-script="helpdesk"] td').nth(4).inner_text() == "2"
        page.locator('#versions li[data-version="2"]').wait_for()

        # 2. a broken script: each error by its line, the text kept, nothing saved
        broken = saved["yaml"] + BROKEN_TAIL
        set_editor_text(page, broken)
        page.click("#save")
        problems = page.locator("#problems li")
        problems.first.wait_for(timeout=10_000)
        texts = problems.all_inner_texts()
        assert any("line 12" in t and "duplicate step id 'greet'" in t for t in texts), texts
        assert any("line 14" in t and "without 'id'" in t for t in texts), texts
        assert page.locator('#problems li[data-line="12"]').count() == 1
        if installed:  # each marked in the gutter, at its line
            page.locator('#editor .problem-marker[data-line="14"]').wait_for(timeout=10_000)
            assert page.locator('#editor .problem-marker[data-line="12"]').count() == 1
        page.screenshot(path=str(shots / "scripts-errors.png"), full_page=True)
        assert editor_text(page) == broken
        assert "Not saved" in page.locator("#save-status").inner_text()
        assert current()["current_version"] == 2
        page.locator('#problems li[data-line="12"]').click()  # selects the line in the editor
        assert selected_text(page) == "  - id: greet"

        # 3. view version 1 (read only) and restore it: version 3 is version 1's content
        page.click('#versions li[data-version="1"] button.view')
        page.wait_for_selector('#old-box[data-version="1"]')
        assert page.locator("#old-yaml").input_value() == V1
        assert page.locator("#old-yaml").get_attribute("readonly") is not None
        page.click("#restore")
        assert editor_text(page) == V1
        page.locator("#problems-box").wait_for(state="hidden")  # checked as it changed: no problems left
        page.click("#save")
        page.wait_for_selector('#editor[data-version="3"]')
        assert page.locator("#problems-box").is_hidden()
        v3 = current()
        assert v3["current_version"] == 3
        assert _without_version(v3["yaml"]) == _without_version(V1)
        v1 = api.get("/api/scripts/helpdesk", params={"version": 1}).json()
        assert v3["summary"] == v1["summary"]
        page.locator('#versions li[data-version="3"].current').wait_for()

        # 4. someone else saves meanwhile: the page's save is refused, its text kept
        mine = v3["yaml"].replace('"Goodbye."', '"Goodbye from the page."')
        set_editor_text(page, mine)
        theirs = v3["yaml"].replace('"Goodbye."', '"Goodbye from the API."')
        r = api.put("/api/scripts/helpdesk", content=theirs, headers={"Content-Type": "text/yaml", "If-Match": '"3"'})
        assert r.status_code == 200 and r.json()["version"] == 4, r.text
        page.keyboard.press("Control+s")
        page.locator("#conflict").wait_for(timeout=10_000)
        assert "someone else saved" in page.locator("#conflict-text").inner_text()
        assert "version" in page.locator("#conflict-text").inner_text()
        assert editor_text(page) == mine
        assert current()["current_version"] == 4
        assert "from the API" in current()["yaml"]

        # reload: the editor gets version 4, the page's text waits below and goes back into the editor
        page.click("#conflict-reload")
        page.wait_for_selector('#editor[data-version="4"]')
        assert "from the API" in editor_text(page)
        assert page.locator("#mine").input_value() == mine
        page.screenshot(path=str(shots / "scripts-conflict.png"), full_page=True)
        page.click("#mine-restore")
        assert editor_text(page) == mine
        page.keyboard.press("Control+s")
        page.wait_for_selector('#editor[data-version="5"]')
        final = current()
        assert final["current_version"] == 5 and "from the page" in final["yaml"]
        versions = api.get("/api/scripts/helpdesk/versions").json()
        assert [v["version"] for v in versions["items"]] == [1, 2, 3, 4, 5]
        assert [v["by"] for v in versions["items"][1:]] == ["Tess", "Tess", "Alex", "Tess"]

        # a new script from the page: created as version 1
        page.click("#new-script")
        page.fill("#new-id", "sales")
        page.click("#new-form button[type=submit]")
        page.wait_for_selector("#editor:not([data-version])")
        assert editor_text(page).startswith("id: sales\n")
        page.click("#save")
        page.wait_for_selector('#editor[data-version="1"]')
        page.locator('#scripts tr[data-script="sales"]').wait_for()
        assert api.get("/api/scripts/sales").json()["current_version"] == 1
