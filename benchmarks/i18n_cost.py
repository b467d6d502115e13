"""What the pages' translation (static/i18n.js) costs in Chromium, on this machine.

- the agent page, signed in, from navigation to shown (its header filled, the page no longer hidden
  while the dictionary comes), in English and in Russian: median of 5 loads;
- 2000 elements added at once in Russian (text and title each a dictionary key), until the
  MutationObserver has translated them all: median of 5.

Run: PYTHONPATH=$PWD python benchmarks/i18n_cost.py (Debian's chromium, Playwright).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from agentassist.api.app import create_app
from agentassist.bus import EventBus
from agentassist.config import Settings
from agentassist.store.db import Store
from agentassist.store.recordings import RecordingStore
from benchmarks.ports import served
from tests.conftest import chromium_browser

SHOWN = "() => !document.documentElement.style.visibility && !!document.getElementById('who').textContent"
ADD_2000 = """async () => {
  const t0 = performance.now(), box = document.createElement("div");
  for (let i = 0; i < 2000; i++) {
    const s = document.createElement("span");
    s.textContent = i % 2 ? "Hold" : "Resume";
    s.title = "keypad (K)";
    box.append(s);
  }
  document.body.append(box);
  await new Promise((r) => setTimeout(r, 0));  // the observer's records are handled before this task
  const all = [...box.children].every((s) => s.textContent !== "Hold" && s.textContent !== "Resume");
  const ms = performance.now() - t0;
  box.remove();
  return [ms, all];
}"""


def main() -> None:
    tmp = Path(tempfile.mkdtemp())
    store = Store(f"sqlite:///{tmp / 'db.sqlite'}")
    store.migrate()
    token = store.add_user("sam", "agent")
    app = create_app(Settings(), store, EventBus(), RecordingStore(tmp / "rec"))
    with served(app) as port, chromium_browser() as browser:
        for lang, locale in (("en", "en-US"), ("ru", "ru-RU")):
            context = browser.new_context(locale=locale)
            loads, adds = [], []
            for _ in range(5):
                page = context.new_page()
                t0 = time.perf_counter()
                page.goto(f"http://127.0.0.1:{port}/agent?token={token}")
                while not page.evaluate(SHOWN):
                    page.wait_for_timeout(5)
                loads.append((time.perf_counter() - t0) * 1000)
                if lang == "ru":
                    adds.append(page.evaluate(ADD_2000))
                page.close()
            runs = ", ".join(f"{x:.0f}" for x in loads)
            print(f"{lang}: the agent page signed in and shown: median {statistics.median(loads):.0f} ms ({runs})")
            if adds:
                ms, every = statistics.median(a[0] for a in adds), all(a[1] for a in adds)
                print(f"{lang}: 2000 elements added at once, translated: median {ms:.1f} ms, all: {every}")
            context.close()


if __name__ == "__main__":
    main()
