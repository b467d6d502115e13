"""Screenshots of every page the server serves, with real data in it (benchmarks/showcase.py), at a
laptop's 1366 px and a phone's 390 px, in Debian's chromium: into docs/screenshots/, listed with the
command in its README.md. Each is the whole page's height (up to MAX_HEIGHT_PX), as PNG: lossless, and
the format the project's reviewing tools display; `--jpeg` writes JPEG of QUALITY, three quarters of the
size (measured: 16 pages, 1181 KB as PNG, 882 KB as JPEG) with smudged text.

    python -m benchmarks.screenshots [--out docs/screenshots] [--jpeg]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.showcase import USERS, Visit, showcase, visits
from tests.conftest import REPO, chromium_browser

WIDTHS_PX = {1366: 900, 390: 844}  # width: viewport height (a laptop; an iPhone 12-15)
PHONE_PX = 390  # the only width of the parts that open on demand (a visit's clicks): where they are likeliest
# to break; at 1366 px tests/test_axe.py checks them all the same, and the files stay fewer (28: 2.5 MB)
MAX_HEIGHT_PX = 2400  # a longer page is cut here: the top is what a reader looks at
QUALITY = 70
PREFIX = "page-"  # these files in docs/screenshots/ are this script's; the others come from the browser tests
README = """# Screenshots

Every page of agentassist with real data in it (benchmarks/showcase.py: calls with recordings,
transcripts and checklists, a call going on, a script with two versions, a scorecard, a calibration
session), at 1366 px (a laptop) and 390 px (a phone), in Debian's chromium. Made by

    python -m benchmarks.screenshots

which rewrites the `{prefix}*` files and this list; the other files here are written by the browser
tests when `AGENTASSIST_SCREENSHOTS` names this directory. The parts of a page that open on demand
(clicked open, as listed) are shown at 390 px only.

| page | signed in as | 1366 px | 390 px |
|---|---|---|---|
"""


def shoot(browser: Any, site: Any, visit: Visit, width_px: int, out: Path, kind: str = "png") -> Path:
    context = browser.new_context(viewport={"width": width_px, "height": WIDTHS_PX[width_px]})
    try:
        page = context.new_page()
        site.open(page, visit)
        page.evaluate("document.activeElement?.blur()")  # no focus ring where the page put the cursor
        height = min(MAX_HEIGHT_PX, int(page.evaluate("document.documentElement.scrollHeight")))
        path = out / f"{PREFIX}{visit.name}-{width_px}.{'jpg' if kind == 'jpeg' else kind}"
        clip = {"x": 0, "y": 0, "width": width_px, "height": max(height, WIDTHS_PX[width_px])}
        quality = {"quality": QUALITY} if kind == "jpeg" else {}
        page.screenshot(path=str(path), type=kind, full_page=True, clip=clip, animations="disabled", **quality)
        return path
    finally:
        context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    parser.add_argument("--jpeg", action="store_true", help=f"JPEG of quality {QUALITY} instead of PNG")
    args = parser.parse_args()
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob(f"{PREFIX}*"):
        old.unlink()
    rows = []
    with tempfile.TemporaryDirectory() as root, showcase(Path(root)) as site, chromium_browser() as browser:
        for visit in visits():
            widths = [PHONE_PX] if visit.clicks else list(WIDTHS_PX)
            shots = {w: shoot(browser, site, visit, w, out, "jpeg" if args.jpeg else "png") for w in widths}
            cells = " | ".join(f"[{shots[w].name}]({shots[w].name})" if w in shots else "" for w in WIDTHS_PX)
            who = f"{visit.user} ({USERS[visit.user][0]})" if visit.user else "(signed out)"
            opened = f" then {', '.join(f'`{c}`' for c in visit.clicks)}" if visit.clicks else ""
            rows.append(f"| {visit.name} (`{visit.path}`{opened}) | {who} | {cells} |")
            print(" ".join(f"{p.name} {p.stat().st_size // 1024} KB" for p in shots.values()))
    (out / "README.md").write_text(README.format(prefix=PREFIX) + "\n".join(rows) + "\n")
    files = list(out.glob(f"{PREFIX}*"))
    print(f"{len(files)} screenshots, {sum(p.stat().st_size for p in files) // 1024} KB in all, in {out}")


if __name__ == "__main__":
    main()
