"""Utterances handed to their consumer on one delivery thread (agentassist/transcribe/delivery.py): in the
order they were made, from any number of decode workers; a consumer that raises costs its item only; a
call's close waits for its deliveries, the revisions at hangup included.

The decodes come from a stand-in model that obeys Transcriber's interface (segment in, utterance out,
one word for every 0.1 s of audio, with word times) behind the real StreamingTranscriber with two
workers; the segmenting, drafts, records, store (SQLite) and session are the real ones, fed real speech."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from agentassist.audio.frames import FRAME_BYTES, read_wav_mono
from agentassist.audio.segmenter import SegmenterOptions
from agentassist.events import Channel, Event, EventType, SpeechSegment, Utterance, Word
from agentassist.pipeline import CallSession, SessionInfo
from agentassist.transcribe.delivery import Delivery, handed_at
from agentassist.transcribe.engine import StreamingTranscriber
from agentassist.transcribe.stream import ChannelStream, StreamOptions
from agentassist.wire.audio import FRAME_BYTES_STEREO
from tests.conftest import SOUNDS_EN
from tests.test_media_thread import _store

PROMPTS = ("confbridge-only-participant.wav", "vm-invalidpassword.wav", "vm-intro.wav", "vm-goodbye.wav")


class WordModel:
    """One word a 0.1 s of the segment, ``wa wb wc ...`` (a revision's ``ra rb rc ...``: every revised line
    differs; no digits, which card-data masking would take for a number), each decode a few milliseconds
    so that two workers overlap."""

    language = "en"
    multilingual = False
    workers = 2

    def transcribe(self, segment: SpeechSegment, **_: object) -> Utterance:
        return self._utterance(segment, "w")

    def transcribe_long(self, segment: SpeechSegment, **_: object) -> Utterance:
        return self._utterance(segment, "r")

    @staticmethod
    def _utterance(segment: SpeechSegment, prefix: str) -> Utterance:
        time.sleep(0.003)
        n = max(1, int((segment.end_s - segment.start_s) * 10))
        words = tuple(
            Word(segment.start_s + i * 0.1, segment.start_s + (i + 1) * 0.1, f"{prefix}{chr(97 + i % 26)}", 0.9)
            for i in range(n)
        )
        text = " ".join(w.text for w in words)
        return Utterance(
            segment.utterance_id, segment.call_id, segment.channel, segment.start_s, segment.end_s, text, words=words
        )


def _speech() -> bytes:
    if not all((SOUNDS_EN / p).is_file() for p in PROMPTS):
        pytest.skip("asterisk-core-sounds-en-wav not installed")
    pause = np.zeros(8000, np.int16)  # half a second between prompts: finals, and turns for revision
    audio = np.concatenate([x for p in PROMPTS for x in (read_wav_mono(SOUNDS_EN / p), pause)] + [pause] * 4)
    pcm = audio.astype("<i2").tobytes()
    return pcm[: len(pcm) - len(pcm) % FRAME_BYTES]


def _utterance(n: int) -> Utterance:
    return Utterance(f"u{n}", "c1", Channel.AGENT, 0.0, 1.0, str(n), final=False)


def test_items_put_from_two_workers_arrive_in_the_order_they_were_put() -> None:
    delivery = Delivery("deliver-test-order")
    lock = threading.Lock()  # the channel stream's: puts are made under it
    put: list[str] = []
    got: list[str] = []

    def consume(u: Utterance) -> None:
        if len(got) % 97 == 0:
            time.sleep(0.002)  # the thread falls behind now and then: the queue fills
        got.append(u.text)

    def worker(k: int) -> None:
        for i in range(2000):
            with lock:
                u = _utterance(k * 10000 + i)
                put.append(u.text)
                delivery.put(consume, u)

    workers = [threading.Thread(target=worker, args=(k,)) for k in range(2)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    assert delivery.flush(10)
    assert len(got) == 4000 and got == put
    assert delivery.pending == 0 and delivery.failed == 0


def test_a_consumer_that_raises_costs_only_its_item() -> None:
    delivery = Delivery("deliver-test-raise")
    got: list[str] = []

    def consume(u: Utterance) -> None:
        if u.text == "3":
            raise RuntimeError("the database refused a write")
        got.append(u.text)

    for n in range(6):
        delivery.put(consume, _utterance(n))
    assert delivery.flush(5)
    delivery.put(consume, _utterance(6))  # the thread is still there for what comes after
    assert delivery.flush(5)
    assert got == ["0", "1", "2", "4", "5", "6"] and delivery.failed == 1


def test_flush_waits_for_a_slow_consumer_and_handed_at_is_the_put_time() -> None:
    delivery = Delivery("deliver-test-flush")
    gate = threading.Event()
    waited: list[float] = []

    def consume(u: Utterance) -> None:
        gate.wait(10)
        waited.append(time.monotonic() - handed_at())

    before = time.monotonic()
    for n in range(3):
        delivery.put(consume, _utterance(n))
    assert not delivery.flush(0.2) and delivery.pending == 3
    gate.set()
    assert delivery.flush(5) and delivery.pending == 0
    # the first item waited behind the gate for the flush above: its hand-over counts from its put
    assert len(waited) == 3 and waited[0] >= 0.2 and waited[0] <= time.monotonic() - before
    assert time.monotonic() - handed_at() < 0.01  # not on the delivery thread: now


def test_the_thread_ends_when_idle_and_a_put_starts_another() -> None:
    delivery = Delivery("deliver-test-idle", linger_s=0.05)

    def threads() -> list[threading.Thread]:
        return [t for t in threading.enumerate() if t.name == delivery.name]

    got: list[str] = []
    delivery.put(lambda u: got.append(u.text), _utterance(1))
    assert delivery.flush(5)
    for _ in range(100):
        if not threads():
            break
        time.sleep(0.01)
    assert not threads()
    delivery.put(lambda u: got.append(u.text), _utterance(2))
    assert delivery.flush(5) and got == ["1", "2"]


def test_a_channels_partials_finals_and_revisions_arrive_in_order_from_two_workers() -> None:
    pcm = _speech()
    streaming = StreamingTranscriber(WordModel(), workers=2)  # type: ignore[arg-type]
    delivery = Delivery("deliver-test-stream")
    got: list[Utterance] = []

    def consume(u: Utterance) -> None:
        time.sleep(0.001)  # slower than the decodes: the results queue up behind the consumer
        got.append(u)

    fed = [0]
    stream = ChannelStream(
        "c1",
        Channel.CUSTOMER,
        streaming,
        consume,
        segmenter_options=SegmenterOptions(end_silence_ms=300),
        options=StreamOptions(revise=True, revise_gap_s=0.4),
        clock=lambda: fed[0] * 0.02,
        delivery=delivery,
    )
    try:
        for i in range(0, len(pcm), FRAME_BYTES):
            stream.push(pcm[i : i + FRAME_BYTES])
            fed[0] += 1
            if fed[0] % 5 == 0:
                time.sleep(0.001)  # both workers get jobs while the stream goes on
        stream.finish()
        streaming.wait_idle()
        assert stream.delivered(10)
    finally:
        streaming.close()
    finals = [u for u in got if u.final and not u.revised]
    assert len(finals) == stream.finals >= len(PROMPTS) and stream.partials > len(PROMPTS)
    assert [u.start_s for u in finals] == sorted(u.start_s for u in finals)
    assert len({u.id for u in finals}) == len(finals)
    final_at = {u.id: i for i, u in enumerate(got) if u.final and not u.revised}
    stable: dict[str, int] = {}
    for i, u in enumerate(got):
        if not u.final:  # every partial before its final, none retracting what an earlier one made stable
            assert i < final_at[u.id], f"partial {u.text!r} after the final of {u.id}"
            assert u.stable_words >= stable.get(u.id, 0), f"partials of {u.id} out of order"
            stable[u.id] = u.stable_words
        elif u.revised:
            assert i > final_at[u.id], f"revision of {u.id} before its final"
    assert stream.revised >= 1 and sum(u.revised for u in got) == stream.revised


class SlowFeed:
    """The bus: every event kept in order, an utterance's publish 20 ms (a loaded center's bus and store):
    the deliveries fall far behind the decodes."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def publish(self, event: Event) -> None:
        if event.type.value.startswith("utterance."):
            time.sleep(0.02)
        self.events.append(event)


def test_a_calls_close_waits_for_its_deliveries_revisions_at_hangup_included(tmp_path: Path) -> None:
    pcm, store, started = _speech(), _store(tmp_path), datetime.now(UTC)
    store.create_call("c1", "inbound", "sip:cust@x", "alice", None, started, "")
    streaming = StreamingTranscriber(WordModel(), workers=2)  # type: ignore[arg-type]
    feed = SlowFeed()
    info = SessionInfo("c1", started, tmp_path / "c1.wav")
    options = StreamOptions(revise=True, revise_gap_s=0.4)
    segmenting = SegmenterOptions(end_silence_ms=300)
    delivery = Delivery("deliver-test-close")
    session = CallSession(
        info, streaming, store, feed, None, segmenter_options=segmenting, stream_options=options, delivery=delivery
    )
    streams = dict(session.streams)
    customer = np.frombuffer(pcm, "<i2")
    stereo = np.stack([customer, np.zeros_like(customer)], axis=1).tobytes()  # a phone's: the customer first
    try:
        for k in range(0, len(stereo), FRAME_BYTES_STEREO):  # faster than real time: the deliveries fall behind
            session.push_stereo(stereo[k : k + FRAME_BYTES_STEREO])
        session.end()
        session.join(60)
    finally:
        streaming.close()
    types = [e.type for e in feed.events]
    finals = streams[Channel.CUSTOMER].finals
    revised = streams[Channel.CUSTOMER].revised
    assert finals >= len(PROMPTS) and revised >= 1
    # every final and every revision made before the close was published before call.ended, and stored
    assert types[-1] is EventType.CALL_ENDED and types.count(EventType.CALL_ENDED) == 1, types
    assert types.count(EventType.UTTERANCE_FINAL) == finals and types.count(EventType.UTTERANCE_REVISED) == revised
    stored = {u["id"]: u["text"] for u in store.transcript("c1")}
    assert len(stored) == finals
    revisions = {
        e.data["utterance"]["id"]: e.data["utterance"]["text"]
        for e in feed.events
        if e.type is EventType.UTTERANCE_REVISED
    }
    assert all(stored[uid] == text for uid, text in revisions.items())
