"""Every page the server serves, with real data in it, in a real browser (Debian's chromium driven by
Playwright) against the real app under a real uvicorn (benchmarks/showcase.py): axe-core (from the npm
registry, pinned and checked by tools/vendor-js.sh) finds no serious or critical violation at 1366 px nor
at 390 px, controls included at 24 px at least (axe's target-size, off by default), and at 390 px no
page is wider than the screen (a table scrolls in its own box).

The pages are found from the app (its routes and static directory), so a page added later is checked
too, by the admin unless benchmarks/showcase.py says how to open it; the parts that open on demand
(forms, drill-downs, help, the inline player) are clicked open and checked as well. The keyboard
reaches every control of every page by Tab, and shows where the focus is."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from agentassist.api.app import STATIC
from benchmarks.showcase import VISITS, Showcase, Visit, route, showcase, visits
from tests.conftest import REPO, chromium_browser, need_chromium

pytestmark = [pytest.mark.slow]

AXE = REPO / "build" / "js" / "axe.min.js"
PHONE_PX = 390
SEVERE = ("serious", "critical")
# axe's own rules (WCAG 2.0-2.2 A and AA, and its best practices) plus target-size (WCAG 2.2's 24 px), which
# axe leaves off by default; what it finds of a lesser impact is listed in the failure, not failed.
RUN = """async () => {
  const r = await axe.run(document, { rules: { "target-size": { enabled: true } }, resultTypes: ["violations"] });
  return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => `${n.target.join(" ")}: ${n.failureSummary.replace(/\\s+/g, " ")}`) }));
}"""
# How wide the document is, and the elements that stick out of a page `width` px wide where no box scrolls
# or clips them (its causes).
OVERFLOW = """(width) => {
  const clipped = (e) => {
    for (let p = e.parentElement; p && p !== document.body; p = p.parentElement)
      if (getComputedStyle(p).overflowX !== "visible") return true;
    return false;
  };
  const name = (e) => e.localName + (e.id ? "#" + e.id : "") + [...e.classList].map((c) => "." + c).join("");
  const right = (e) => {  // its box's edge, or its content's when that sticks out (a word longer than its line)
    const box = e.getBoundingClientRect(), spills = getComputedStyle(e).overflowX === "visible";
    return Math.round(Math.max(box.right, spills ? box.left + e.scrollWidth : 0));
  };
  const over = [...document.body.querySelectorAll("*")].filter((e) => right(e) > width);
  const free = over.filter((e) => !clipped(e));
  const wide = free.length ? free : over;  // none free: one is placed outside the box that clips it
  const causes = wide.filter((e) => !wide.includes(e.parentElement)).slice(0, 8);
  return { scroll: document.documentElement.scrollWidth, causes: causes.map((e) => `${name(e)} to ${right(e)} px`) };
}"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Showcase]:
    need_chromium()
    if not AXE.exists():
        pytest.skip("axe-core not installed: run `make install-test` (tools/vendor-js.sh axe-core)")
    with showcase(tmp_path_factory.mktemp("showcase")) as floor:
        yield floor


@pytest.fixture(scope="module")
def browser(site: Showcase) -> Iterator[Any]:
    with chromium_browser() as chromium:
        yield chromium


def _opened(browser: Any, site: Showcase, visit: Visit, width_px: int) -> Any:
    context = browser.new_context(viewport={"width": width_px, "height": 900})
    page = context.new_page()
    site.open(page, visit)
    return page


def _axe(page: Any) -> list[dict[str, Any]]:
    page.evaluate(AXE.read_text())  # through the DevTools protocol: the pages' policy refuses inline scripts
    violations: list[dict[str, Any]] = page.evaluate(RUN)
    return violations


def _described(violations: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"[{v['impact']}] {v['id']}: {v['help']}\n    " + "\n    ".join(v["nodes"][:6]) for v in violations
    )


def test_every_page_is_opened_and_every_visit_is_a_page() -> None:
    pages = {p.name for p in STATIC.glob("*.html")}
    assert {v.page for v in visits()} == pages
    assert {v.page for v in VISITS} <= pages, "a visit of benchmarks/showcase.py opens a page that is gone"
    assert route("calls.html") == "/" and route("replay.html") == "/static/replay.html"
    assert len({v.name for v in visits()}) == len(visits()), "two visits would share a screenshot"


@pytest.mark.parametrize("width_px", [1366, PHONE_PX])
@pytest.mark.parametrize("visit", visits(), ids=lambda v: v.name)
def test_axe_finds_nothing_serious(browser: Any, site: Showcase, visit: Visit, width_px: int) -> None:
    page = _opened(browser, site, visit, width_px)
    try:
        violations = _axe(page)
    finally:
        page.context.close()
    severe = [v for v in violations if v["impact"] in SEVERE]
    lesser = [v for v in violations if v["impact"] not in SEVERE]
    assert not severe, (
        f"{visit.path} at {width_px} px:\n{_described(severe)}\nand of lesser impact:\n{_described(lesser)}"
    )


@pytest.mark.parametrize("visit", visits(), ids=lambda v: v.name)
def test_no_page_is_wider_than_a_phone(browser: Any, site: Showcase, visit: Visit) -> None:
    page = _opened(browser, site, visit, PHONE_PX)
    try:
        found = page.evaluate(OVERFLOW, PHONE_PX)
    finally:
        page.context.close()
    assert found["scroll"] <= PHONE_PX, f"{visit.path} is {found['scroll']} px wide at {PHONE_PX} px: {found['causes']}"


def test_axe_is_the_pinned_one() -> None:
    """build/js holds what tools/vendor-js.sh pinned (a stale copy would check by older rules)."""
    if not AXE.exists():
        pytest.skip("axe-core not installed: run `make install-test` (tools/vendor-js.sh axe-core)")
    pinned = next(
        line.split()[1]
        for line in (REPO / "tools" / "vendor-js.sh").read_text().splitlines()
        if line.strip().startswith('"axe-core ')
    )
    assert AXE.read_text().splitlines()[0] == f"/*! axe v{pinned}"


def test_table_rows_open_with_the_keyboard(browser: Any, site: Showcase) -> None:
    """A row that opens something on a click takes the focus and opens it on Enter or Space."""
    by_name = {v.name: v for v in visits()}
    page = _opened(browser, site, by_name["calls"], 1366)
    try:
        page.locator("#search-clear").focus()
        for _ in range(20):  # tab from the search form's last button to the first past call
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.matches('#past tbody tr')"):
                break
        page.keyboard.press("Enter")
        page.locator("#replay:not([hidden]) #replay-transcript li").first.wait_for(timeout=10_000)
        page.goto(f"{site.url}/calibrations")  # signed in: the token stays in this browser
        page.locator("#calibrations tbody tr[data-calibration]").first.focus()
        page.keyboard.press(" ")
        page.locator("#session:not([hidden]) #session-calls tbody tr").first.wait_for(timeout=10_000)
    finally:
        page.context.close()


# A name for element e: "#id", or its place in its parent's, up to one with an id or the body.
PATH = """
  const path = (e) => e.id ? "#" + e.id : [...e.parentElement.children].indexOf(e) + ">" + e.localName
    + (e.parentElement === document.body ? "" : " in " + path(e.parentElement));
  // the script editor (CodeMirror): its hidden textarea takes the keys, its box is what a user sees
  const boxOf = (e) => e.closest(".CodeMirror") || e;
"""
# Every control a keyboard can reach (shown, enabled, not taken out of the tab order), as "#id" or its
# path; a radio group counts once (Tab stops on one radio of a group, the arrows move within it).
CONTROLS = (
    "() => {"
    + PATH
    + """
  const all = [...document.querySelectorAll(
    "a[href], button, input, select, textarea, summary, audio[controls], [tabindex]")];
  const seen = new Set();
  return all.filter((e) => e.checkVisibility() && !e.disabled && e.tabIndex >= 0 && !e.closest("[inert]"))
    .filter((e) => !e.closest(".CodeMirror") || e.localName === "textarea")
    .filter((e) => e.type !== "radio" || (!seen.has(e.name) && seen.add(e.name)))
    .map((e) => e.type === "radio" ? "radio " + e.name : path(boxOf(e)));
}"""
)
# The element that has the focus, named as CONTROLS names it, and whether it shows where the focus is.
FOCUSED = (
    "() => {"
    + PATH
    + """
  const active = document.activeElement;
  if (!active || active === document.body) return null;
  const e = boxOf(active);
  const style = getComputedStyle(e);
  const ring = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0 || style.boxShadow !== "none";
  const shown = (e === active ? e.matches(":focus-visible") : e.matches(":focus-within")) && ring;
  return { name: e.type === "radio" ? "radio " + e.name : path(e), shown };
}"""
)


@pytest.mark.parametrize("visit", visits(), ids=lambda v: v.name)
def test_the_keyboard_reaches_every_control_and_shows_where_it_is(browser: Any, site: Showcase, visit: Visit) -> None:
    page = _opened(browser, site, visit, 1366)
    try:
        controls: list[str] = page.evaluate(CONTROLS)
        reached: dict[str, bool] = {}
        for _ in range(len(controls) + 20):  # the audio player's own buttons and scroll boxes are stops too
            page.keyboard.press("Tab")
            focused = page.evaluate(FOCUSED)
            if focused is not None:
                reached.setdefault(focused["name"], focused["shown"])
    finally:
        page.context.close()
    missed = [c for c in controls if c not in reached]
    unseen = [name for name, shown in reached.items() if not shown and name in controls]
    assert not missed, f"{visit.path}: Tab never reaches {missed}"
    assert not unseen, f"{visit.path}: the focus does not show on {unseen}"


# Controls smaller than 24 px either way (WCAG 2.5.8's minimum, which axe's target-size lets pass when they
# stand apart): a box's target is its label; a link within a line of text is exempt, as WCAG says.
SMALL = (
    "() => {"
    + PATH
    + """
  const text = (n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim();
  const inText = (e) => e.localName === "a" && [...e.parentElement.childNodes].some(text);
  return [...document.querySelectorAll("a[href], button, input, select, textarea, summary, [tabindex]")]
    .filter((e) => e.checkVisibility() && !inText(e) && !e.closest(".CodeMirror"))
    .map((e) => [path(e), (["checkbox", "radio"].includes(e.type) && e.closest("label") || e).getBoundingClientRect()])
    .filter(([, r]) => r.width < 23.5 || r.height < 23.5)
    .map(([name, r]) => `${name}: ${Math.round(r.width)}x${Math.round(r.height)}`);
}"""
)


@pytest.mark.parametrize("visit", visits(), ids=lambda v: v.name)
def test_every_control_is_24_px_or_more_on_a_phone(browser: Any, site: Showcase, visit: Visit) -> None:
    page = _opened(browser, site, visit, PHONE_PX)
    try:
        small = page.evaluate(SMALL)
    finally:
        page.context.close()
    assert not small, f"{visit.path} at {PHONE_PX} px: under 24 px: {small}"
