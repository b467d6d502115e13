"""The manager's pages in Chromium: a supervisor builds a scorecard of two sections and a sampling rule on
the pages (both read back through the API), distributes calls, and reads the reports page, whose tables,
chart data and CSV hold the figures of calls written to the store; every page fits 390 px. The day's
building runs in Russian too (a Russian browser, on a center of its own): everything found by id, role
and data, the page's words from the dictionary."""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from agentassist.api.app import STATIC, create_app
from agentassist.bus import EventBus
from agentassist.config import Settings
from agentassist.store.db import Store
from agentassist.store.recordings import RecordingStore
from benchmarks.ports import served
from tests.conftest import chromium_browser, need_chromium
from tests.i18n_strings import dictionary, fixed, tr

pytestmark = pytest.mark.slow

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
DAY = "2026-11-02"
PERIOD = "from=2026-11-01&to=2026-11-03"  # the reports page's days, the last included
RANGE = {"from": "2026-11-01T00:00:00Z", "to": "2026-11-04T00:00:00Z"}  # the same, as the API's half-open range
VENDOR = STATIC / "vendor" / "chart.umd.js"
# (call id, agent, campaign, seconds, adherence)
CALLS = [
    ("a1", "alice", "acme", 100, 0.8),
    ("a2", "alice", "acme", 50, 0.6),
    ("a3", "alice", "acme", 60, 0.9),
    ("b1", "bob", "acme", 40, 1.0),
    ("b2", "bob", "acme", 80, 0.5),
    ("c1", "carl", "beta", 30, None),
]
SCRIPT = 'id: promo\nversion: 1\nlanguage: en\ncampaign: spring-promo\nsteps:\n  - id: greet\n    say: ["Hello"]\n'
LOCALES = {"en": "en-US", "ru": "ru-RU"}  # the browser's language: the page's


@dataclass
class World:
    base: str
    tokens: dict[str, str]
    browser: Any
    locale: str = "en-US"

    def api(self, path: str, **params: Any) -> Any:
        r = httpx.get(f"{self.base}{path}", params=params, headers={"Authorization": f"Bearer {self.tokens['sam']}"})
        assert r.status_code == 200, f"{path}: {r.status_code} {r.text}"
        return r.json() if "json" in r.headers["content-type"] else r.text

    def page(self, path: str, width: int = 1366) -> Any:
        page = self.browser.new_page(
            viewport={"width": width, "height": 900}, accept_downloads=True, locale=self.locale
        )
        errors: list[str] = []
        # the browser logs each refused request; the 422s the tests provoke are no script's error
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" and "of 422" not in m.text else None)
        page.errors = errors
        sep = "&" if "?" in path else "?"
        page.goto(f"{self.base}{path}{sep}token={self.tokens['sam']}")
        page.wait_for_selector("body[data-ready]", timeout=30_000)
        return page


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    need_chromium()
    with chromium_browser() as chromium:
        yield chromium


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, browser: Any) -> Iterator[World]:
    with _center(tmp_path_factory.mktemp("manager"), browser) as world:
        yield world


@pytest.fixture(params=["en", "ru"])
def day(request: pytest.FixtureRequest, tmp_path: Path, browser: Any) -> Iterator[tuple[World, str]]:
    """A center of its own for each language: the day's tests add scorecards, rules and assignments."""
    with _center(tmp_path, browser, LOCALES[request.param]) as world:
        yield world, request.param


@contextmanager
def _center(tmp: Path, browser: Any, locale: str = "en-US") -> Iterator[World]:
    store = Store(f"sqlite:///{tmp / 'db.sqlite'}")
    store.migrate()
    users = [
        ("sam", "supervisor", [], True),
        ("alice", "agent", ["red"], False),
        ("bob", "agent", ["red"], False),
        ("carl", "agent", ["blue"], False),
        ("quinn", "quality_checker", [], False),
        ("quentin", "quality_checker", [], False),
    ]
    tokens = {n: store.add_user(n, role, teams=teams, all_teams=every) for n, role, teams, every in users}
    for n, (call_id, agent, campaign, seconds, adherence) in enumerate(CALLS):
        started = T0 + timedelta(minutes=10 * n)
        store.create_call(call_id, "inbound", "sip:c@x", agent, "promo", started, "", campaign=campaign)
        if adherence is not None:
            store.save_adherence(call_id, {"script_id": "promo", "version": 1, "score": adherence, "steps": []})
        store.end_call(call_id, started + timedelta(seconds=seconds))
    (tmp / "scripts").mkdir()
    (tmp / "scripts" / "promo.yaml").write_text(SCRIPT)
    settings = Settings(server={"data_dir": str(tmp / "data")}, assist={"scripts_dir": str(tmp / "scripts")})  # type: ignore[arg-type]
    app = create_app(settings, store, EventBus(), RecordingStore(tmp / "rec"))
    with served(app) as port:
        yield World(f"http://127.0.0.1:{port}", tokens, browser, locale)
    store.engine.dispose()


def _fits(page: Any) -> None:
    """No page-level horizontal overflow (tables scroll in their own box)."""
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url}: {width} px wide"


def _fill(page: Any, fields: dict[str, str | bool]) -> None:
    """Type into the scorecard form's fields by their data-path (True ticks a checkbox)."""
    for path, value in fields.items():
        field = f'[data-path="{path}"]'
        if value is True:
            page.check(field)
        else:
            page.fill(field, str(value))


def test_a_manager_builds_a_scorecard_of_two_sections(day: tuple[World, str]) -> None:
    world, lang = day
    page = world.page("/scorecards")
    # by keyboard: Enter opens the form at its first field, Escape closes it and goes back
    page.focus("#new-card")
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "card-name"
    page.keyboard.press("Escape")
    assert page.locator("#editor").is_hidden() and page.evaluate("() => document.activeElement.id") == "new-card"
    page.keyboard.press("Enter")
    page.keyboard.type("Inbound quality")
    _fill(page, {"sections.0.id": "open", "sections.0.title": "Opening", "sections.0.questions.0.id": "greet",
                 "sections.0.questions.0.text": "Greeted the customer by name?",
                 "sections.0.questions.0.auto_fail": True,
                 "sections.0.questions.0.adherence_step": "greet"})  # fmt: skip
    page.click("#add-section")
    page.select_option('[data-path="sections.1.questions.0.kind"]', "scale")
    _fill(page, {"sections.1.id": "tone", "sections.1.title": "Tone", "sections.1.questions.0.id": "calm",
                 "sections.1.questions.0.text": "Calm and friendly?", "sections.1.questions.0.weight": "2",
                 "sections.1.questions.0.min": "5", "sections.1.questions.0.max": "1"})  # fmt: skip
    page.click('[data-add-question="1"]')
    # the fields that do not apply to a question's kind are disabled
    assert page.is_disabled('[data-path="sections.1.questions.1.min"]')
    assert page.is_disabled('[data-path="sections.1.questions.0.auto_fail"]')
    _fill(page, {"sections.1.questions.1.id": "pace", "sections.1.questions.1.text": "Kept a good pace?",
                 "sections.1.questions.1.na_allowed": True})  # fmt: skip
    # the server's check fails at one field: the message shows under it, the field is marked and focused
    page.click("#save-card")
    error = page.wait_for_selector('.field-error[data-for="sections.1.questions.0.max"]')
    assert "expected more than min (5), got 1" in error.text_content()
    assert page.get_attribute('[data-path="sections.1.questions.0.max"]', "aria-invalid") == "true"
    assert page.evaluate("() => document.activeElement.dataset.path") == "sections.1.questions.0.max"
    assert world.api("/api/scorecards") == []
    page.fill('[data-path="sections.1.questions.0.min"]', "1")
    page.fill('[data-path="sections.1.questions.0.max"]', "5")
    page.click("#save-card")
    saved = "Saved: {name}, version {version}."
    page.locator("#saved", has_text=tr(lang, saved, name="Inbound quality", version=1)).wait_for()
    assert page.locator(".field-error").count() == 0
    [card] = world.api("/api/scorecards")
    assert card["name"] == "Inbound quality" and card["version"] == 1
    assert [(s["id"], s["title"]) for s in card["sections"]] == [("open", "Opening"), ("tone", "Tone")]
    greet, calm, pace = (q for s in card["sections"] for q in s["questions"])
    assert (greet["kind"], greet["auto_fail"], greet["adherence_step"]) == ("yes_no", True, "greet")
    assert (calm["kind"], calm["weight"], calm["min"], calm["max"]) == ("scale", 2.0, 1, 5)
    assert (pace["id"], pace["kind"], pace["na_allowed"], pace["min"]) == ("pace", "yes_no", True, None)
    assert page.locator(f'#cards tbody tr[data-id="{card["id"]}"] td').nth(3).text_content() == "3"
    # editing saves a new version
    page.fill('[data-path="sections.0.title"]', "Opening and ID")
    page.click("#save-card")
    page.locator("#saved", has_text=tr(lang, saved, name="Inbound quality", version=2)).wait_for()
    if lang == "ru":
        assert page.inner_text("#saved") == "Сохранено: Inbound quality, версия 2."
    assert world.api(f"/api/scorecards/{card['id']}")["sections"][0]["title"] == "Opening and ID"
    assert not page.errors, page.errors


def test_a_manager_adds_a_sampling_rule_and_distributes(day: tuple[World, str]) -> None:
    world, lang = day
    page = world.page("/distribution")
    page.select_option("#rule-scope", "team")
    assert "red" in page.eval_on_selector_all("#targets option", "os => os.map((o) => o.value)")
    page.fill("#rule-target", "")
    page.click("#save-rule")
    assert page.wait_for_selector('.field-error[data-for="target"]').text_content()
    page.fill("#rule-target", "red")
    page.fill("#rule-count", "3")
    page.press("#rule-count", "Enter")  # the keyboard submits
    page.wait_for_selector("#rules tbody tr[data-id]")
    [rule] = world.api("/api/assignment-rules")
    assert {k: rule[k] for k in ("scope", "target", "per_period", "period", "allow_own_team", "created_by")} == {
        "scope": "team", "target": "red", "per_period": 3, "period": "day", "allow_own_team": False,
        "created_by": "sam",
    }  # fmt: skip
    # edit: the changed rule replaces the old one
    edit = page.locator(f'#rules tr[data-id="{rule["id"]}"]').get_by_role(
        "button", name=tr(lang, "edit the rule for {target}", target="red"), exact=True
    )
    assert edit.inner_text() == tr(lang, "Edit")
    edit.click()
    page.fill("#rule-count", "2")
    page.click("#save-rule")
    page.wait_for_selector(f'#rules tbody tr[data-id]:not([data-id="{rule["id"]}"])')
    [changed] = world.api("/api/assignment-rules")
    assert changed["per_period"] == 2 and changed["id"] != rule["id"]
    # distributing the day: two of the red team's calls, split between the checkers
    page.fill("#dist-from", DAY)
    page.fill("#dist-to", DAY)
    page.click("#distribute")
    pattern = re.escape(tr(lang, "{assigned} calls assigned, {skipped} skipped.")).replace(r"\{assigned\}", "2")
    page.locator("#distribute-result", has_text=re.compile(pattern.replace(r"\{skipped\}", r"\d+"))).wait_for()
    assigned = world.api("/api/assignments")
    assert len(assigned) == 2 and {a["call_id"][0] for a in assigned} <= {"a", "b"}
    counts: dict[str, int] = {}
    for a in assigned:
        counts[a["checker"]] = counts.get(a["checker"], 0) + 1
    # the checkers' load is fetched after the result is shown: wait for its rows
    page.wait_for_function(
        "n => document.querySelectorAll('#load tbody tr[data-checker]').length === n", arg=len(counts)
    )
    shown = page.eval_on_selector_all(
        "#load tbody tr[data-checker]", "rs => rs.map((r) => [r.dataset.checker, +r.cells[1].dataset.value])"
    )
    assert dict(shown) == counts
    assert not page.errors, page.errors


def _report_values(page: Any) -> dict[str, Any]:
    return page.evaluate(
        """() => ({
        agents: Object.fromEntries([...document.querySelectorAll('#agents tbody tr[data-agent]')].map((tr) =>
            [tr.dataset.agent, Object.fromEntries([...tr.querySelectorAll('td[data-key]')].map((td) =>
                [td.dataset.key, td.dataset.value === '' ? null : +td.dataset.value]))])),
        teams: [...document.querySelectorAll('#teams tbody tr[data-team]')].map((tr) => tr.dataset.team),
        days: [...document.querySelectorAll('#days tbody tr[data-day]')].map((tr) => [tr.dataset.day,
            ...[...tr.querySelectorAll('td[data-key]')].map((td) => td.dataset.value ? +td.dataset.value : null)]),
        chart: ['adherence-chart', 'aht-chart', 'team-calls-chart', 'days-chart'].map((id) => {
            const c = document.getElementById(id);
            return [JSON.parse(c.dataset.labels), JSON.parse(c.dataset.values), c.dataset.drawn || null];
        }),
        missing: !document.getElementById('chart-missing').hidden,
    })"""
    )


def test_the_reports_page_shows_the_stores_figures(world: World, tmp_path: Path) -> None:
    query = f"campaign=acme&{PERIOD}"
    page = world.page(f"/reports?{query}")
    # the picker lists the scripts' campaigns as well as those of calls
    options = page.eval_on_selector_all("#campaign option", "os => os.map((o) => o.value)")
    assert {"acme", "beta", "spring-promo"} <= set(options)
    got = _report_values(page)
    want = world.api("/api/reports/agents", campaign="acme", **RANGE)
    assert set(got["agents"]) == {"alice", "bob"}  # carl's call is of another campaign
    for row in want["items"]:
        shown = got["agents"][row["agent"]]
        for key in ("calls", "handle_time_s_mean", "adherence_mean", "failed_calls"):
            assert shown[key] == pytest.approx(row[key]), (row["agent"], key)
    # by hand: alice 3 calls of 100, 50, 60 s at 0.8, 0.6, 0.9; bob 2 of 40, 80 s at 1.0, 0.5
    assert got["agents"]["alice"]["calls"] == 3 and got["agents"]["alice"]["handle_time_s_mean"] == pytest.approx(70)
    assert got["agents"]["bob"]["adherence_mean"] == pytest.approx(0.75)
    names, adherence, _ = got["chart"][0]
    assert dict(zip(names, adherence, strict=True)) == pytest.approx({"alice": 0.7667, "bob": 0.75}, abs=1e-3)
    assert dict(zip(got["chart"][1][0], got["chart"][1][1], strict=True)) == pytest.approx({"alice": 70, "bob": 60})
    assert got["chart"][2][:2] == [["blue", "red"], [0, 5]] and got["teams"] == ["blue", "red"]  # blue: no acme call
    # per day: the five acme calls on the 2nd, handle time and adherence over them all
    # (the page weighs the agents' means, which the API rounds to 4 places: 0.76002, not 0.76)
    assert got["days"] == [["2026-11-01", 0, None, None], ["2026-11-02", 5, 66.0, pytest.approx(0.76, abs=1e-4)],
                           ["2026-11-03", 0, None, None]]  # fmt: skip
    assert got["chart"][3][:2] == [["2026-11-01", "2026-11-02", "2026-11-03"], [0, 5, 0]]
    if VENDOR.exists():  # `make install` puts it there (tools/vendor-js.sh)
        assert [c[2] for c in got["chart"]] == ["1", "1", "1", "1"] and not got["missing"]
    shots = Path(os.environ.get("AGENTASSIST_SCREENSHOTS", tmp_path))
    page.screenshot(path=str(shots / "reports-1366.png"), full_page=True)
    # the CSV button downloads the agents' rows, as the API's CSV has them
    with page.expect_download() as download:
        page.click("#csv-agents")
    text = Path(download.value.path()).read_bytes().decode()  # as sent: CSV rows end in CRLF
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["agent"] for r in rows] == ["alice", "bob"] and [r["calls"] for r in rows] == ["3", "2"]
    assert text == world.api("/api/reports/agents", campaign="acme", format="csv", **RANGE)
    assert not page.errors, page.errors

    # without the chart library the page says so and shows the same tables
    bare = world.browser.new_page(viewport={"width": 1366, "height": 900})
    bare.route("**/static/vendor/chart.umd.js", lambda route: route.fulfill(status=404, body=""))
    bare.goto(f"{world.base}/reports?{query}&token={world.tokens['sam']}")
    bare.wait_for_selector("body[data-ready]", timeout=30_000)
    without = _report_values(bare)
    assert without["missing"] and without["agents"] == got["agents"]
    assert bare.locator("#charts").is_hidden()


@pytest.mark.parametrize("width", [390, 1366])
@pytest.mark.parametrize("path", ["/scorecards", "/distribution", f"/reports?{PERIOD}"])
def test_the_pages_fit_a_phone_and_link_each_other(world: World, path: str, width: int, tmp_path: Path) -> None:
    page = world.page(path, width=width)
    _fits(page)
    links = page.eval_on_selector_all("header nav a:not([hidden])", "as => as.map((a) => a.getAttribute('href'))")
    mine = {"/scorecards", "/distribution", "/reports"} - {path.split("?")[0]}
    assert mine <= set(links)
    if path == "/scorecards":
        page.click("#new-card")
        page.click("#add-section")
        _fits(page)
    shots = Path(os.environ.get("AGENTASSIST_SCREENSHOTS", tmp_path))
    page.screenshot(path=str(shots / f"{path.split('?')[0].strip('/')}-{width}.png"), full_page=True)


# the labels, headings and buttons whose text is cut or spills out of its box (tables scroll in theirs)
SPILLED = """() => [...document.querySelectorAll('button, label, th, h1, h2, h3, legend, select, nav a')]
  .filter((n) => n.offsetParent && n.scrollWidth > n.clientWidth + 1 && !n.closest('.scroll'))
  .map((n) => `${n.tagName} ${n.scrollWidth} > ${n.clientWidth} px: ${n.innerText.slice(0, 40)}`)"""


@pytest.mark.parametrize("width", [390, 1366])
def test_the_pages_in_russian(world: World, width: int, tmp_path: Path) -> None:
    """A Russian browser: every page and the texts it builds with values are Russian and fit their boxes."""
    ctx = world.browser.new_context(
        locale="ru-RU", timezone_id="Europe/Warsaw", viewport={"width": width, "height": 900}
    )
    shots = Path(os.environ.get("AGENTASSIST_SCREENSHOTS", tmp_path))
    expect = {
        "/scorecards": [("#new-card", "New scorecard"), ("#sections legend", tr("ru", "Section {n}", n=1))],
        "/distribution": [
            ("#save-rule", "Add rule"),
            ("#rule-period option", "per day"),
            ("#distribute-result", fixed("ru", "{assigned} calls assigned, {skipped} skipped.")),
        ],
        f"/reports?campaign=acme&{PERIOD}": [
            ("#summary", fixed("ru", "Ended calls: {calls}, agents: {agents}, campaign {campaign}; days in UTC.")),
            ("#agents th:last-child", "outbound calls"),
        ],
    }
    for path, texts in expect.items():
        page = ctx.new_page()
        page.goto(f"{world.base}{path}{'&' if '?' in path else '?'}token={world.tokens['sam']}")
        page.wait_for_selector("body[data-ready]", timeout=30_000)
        if path == "/scorecards":
            page.click("#new-card")
            page.click("#add-section")
        if path == "/distribution":
            page.click("#distribute")
            page.wait_for_selector("#distribute-result:not(:empty)")
        for selector, text in texts:
            want = tr("ru", text) if text in dictionary("ru") else text
            assert want in page.locator(selector).first.inner_text(), (path, selector, want)
        _fits(page)
        assert page.evaluate(SPILLED) == [], path
        page.screenshot(path=str(shots / f"ru-{path.split('?')[0].strip('/')}-{width}.png"), full_page=True)
    ctx.close()
