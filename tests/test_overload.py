"""Overload is visible: shed work counted per kind in /metrics, and the wall marks a call whose transcript
is behind. A real uvicorn serves the app; its runtime carries a real StreamingTranscriber whose model is
the scheduling tests' stand-in (tests/test_stream.py's GatedModel), so a test decides when a decode ends."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from agentassist.api.app import create_app
from agentassist.api.deps import NullRuntime
from agentassist.bus import EventBus
from agentassist.config import Settings
from agentassist.store.db import Store
from agentassist.store.recordings import RecordingStore
from agentassist.transcribe.engine import JobKind, StreamingTranscriber
from benchmarks.ports import served
from tests.conftest import chromium_browser, need_chromium
from tests.test_stream import GatedModel, _seg
from tests.test_wall_api import METRICS_TOKEN, SCRIPT, Wall, _recv, _until


class CarryingRuntime(NullRuntime):
    """A runtime with no SIP that carries a transcriber: its metrics and lag are the transcriber's."""

    def __init__(self, settings: Settings, streaming: StreamingTranscriber) -> None:
        super().__init__(settings)
        self.streaming = streaming

    def metrics(self) -> dict[str, float]:
        return self.streaming.metrics()

    def transcription_lag(self) -> dict[str, float]:
        return self.streaming.lag_s()


@dataclass
class Served(Wall):
    model: GatedModel
    streaming: StreamingTranscriber

    def metrics(self) -> dict[str, float]:
        url = self.url.replace("ws://", "http://") + "/metrics"
        text = httpx.get(url, headers={"Authorization": f"Bearer {METRICS_TOKEN}"}, timeout=10).text
        return {line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1]) for line in text.splitlines()}


@pytest.fixture
def served_app(tmp_path: Path) -> Iterator[Served]:
    scripts = tmp_path / "scripts"
    settings = Settings.model_validate(
        {"assist": {"scripts_dir": str(scripts)}, "server": {"metrics_token": METRICS_TOKEN}}
    )
    scripts.mkdir()
    (scripts / "wall.yaml").write_text(SCRIPT)
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    store.migrate()
    tokens = {"sue": store.add_user("sue", "supervisor", all_teams=True)}
    model = GatedModel()
    streaming = StreamingTranscriber(model, workers=1, partial_max_wait_s=0.2, revise_max_wait_s=0.2)  # type: ignore[arg-type]
    bus = EventBus()
    app = create_app(settings, store, bus, RecordingStore(tmp_path / "rec"), CarryingRuntime(settings, streaming))
    try:
        with served(app) as port:
            yield Served(f"ws://127.0.0.1:{port}", bus, store, tokens, model, streaming)
    finally:
        model.gate.set()
        streaming.close()


def test_shed_work_is_counted_per_kind_and_reason(served_app: Served) -> None:
    s, model = served_app.streaming, served_app.model
    model.gate.clear()
    done = lambda job, u: None  # noqa: E731
    s.submit(_seg("final", "a"), done)
    assert model.started.wait(10)  # the only worker is busy with the final
    s.submit_partial(_seg("partial", "old"), done)
    s.submit_partial(_seg("partial", "new"), done)  # replaces the queued one of the same channel
    s.submit(_seg("revise", "late"), done, kind=JobKind.REVISE)
    time.sleep(0.3)  # past both limits: the partial is stale and the revision waited too long
    model.gate.set()
    s.wait_idle()
    m = served_app.metrics()
    shed = "agentassist_transcription_shed_total"
    assert m[f'{shed}{{kind="partial",reason="replaced"}}'] == 1
    assert m[f'{shed}{{kind="partial",reason="stale"}}'] == 1
    assert m[f'{shed}{{kind="revision",reason="waited"}}'] == 1
    assert m[f'{shed}{{kind="revision",reason="closed"}}'] == 0
    assert m["agentassist_partials_dropped_total"] == 2 and m["agentassist_revisions_dropped_total"] == 1
    assert model.order == ["final:a"]


def test_the_wall_marks_a_call_whose_transcript_is_behind(served_app: Served) -> None:
    s, model = served_app.streaming, served_app.model
    served_app.start_call("c-slow", "sue", "wall")
    with served_app.connect("sue") as sue:
        snap = _recv(sue)
        tile = snap["calls"][0] if snap["calls"] else _until(sue, "wall.call", "c-slow")["call"]
        assert (tile["behind"], tile["lag_s"]) == (False, 0.0)
        model.gate.clear()
        s.submit(_seg("final", "stuck", call="c-slow"), lambda job, u: None)
        behind = _until(sue, "wall.lag", "c-slow")  # 2 s of waiting, read once a second
        assert behind["behind"] is True and behind["lag_s"] >= 2.0
        m = served_app.metrics()
        assert (
            m["agentassist_wall_calls_behind"] == 1 and m['agentassist_transcription_lag_seconds{call="c-slow"}'] >= 2
        )
        model.gate.set()
        caught_up = _until(sue, "wall.lag", "c-slow")
        while caught_up["behind"]:  # its lag may have moved by a second before the decode ended
            caught_up = _until(sue, "wall.lag", "c-slow")
        assert caught_up == {"type": "wall.lag", "call_id": "c-slow", "behind": False, "lag_s": 0.0}
    with served_app.connect("sue") as again:
        assert _recv(again)["calls"][0]["behind"] is False


def test_the_wall_page_shows_the_mark_and_takes_it_off(served_app: Served) -> None:
    need_chromium()
    s, model = served_app.streaming, served_app.model
    http = served_app.url.replace("ws://", "http://")
    served_app.start_call("c-page", "sue", "wall")
    with chromium_browser() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{http}/?token={served_app.tokens['sue']}")
        page.wait_for_selector("#conn.on", timeout=10_000)
        page.goto(f"{http}/wall")
        tile = page.locator("#wall article.tile[data-call]")
        tile.wait_for(timeout=10_000)
        assert "behind" not in (tile.get_attribute("class") or "")
        model.gate.clear()
        s.submit(_seg("final", "stuck", call="c-page"), lambda job, u: None)
        page.wait_for_selector("#wall article.tile[data-call].behind", timeout=10_000)
        assert "s behind" in tile.locator(".badge").inner_text()
        model.gate.set()
        page.wait_for_selector("#wall article.tile[data-call]:not(.behind)", timeout=10_000)
        assert tile.locator(".badge").inner_text() == ""
