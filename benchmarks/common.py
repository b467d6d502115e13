"""Shared pieces of the benchmarks: manifests, the machine, and live audio simulated from files.

Every benchmark runs the production streaming path (Segmenter -> StreamingTranscriber)
on audio fed frame by frame, either at the pace of a live call (``realtime``) or
as fast as it is consumed (``--fast``: each segment is transcribed before more
audio is fed, so the numbers measure compute, not waiting).
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import platform
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from agentassist.audio.frames import FRAME_BYTES, SAMPLE_RATE_HZ, read_wav_mono
from agentassist.audio.segmenter import SegmenterOptions
from agentassist.events import Channel, Utterance
from agentassist.transcribe.engine import StreamingTranscriber, Transcriber, TranscriberOptions
from agentassist.transcribe.stream import ChannelStream, StreamOptions
from agentassist.transcribe.transcriber import one_blas_thread

REPO = Path(__file__).resolve().parent.parent
DEFAULT_MANIFEST = REPO.parent / "shared" / "speech" / "asterisk" / "manifest.jsonl"


@dataclass(frozen=True)
class Item:
    file: Path
    text: str
    lang: str
    duration_s: float


HALVES = ("tune", "heldout", "all")


def half_of(file: Path) -> str:
    """The half of the prompts a file is in, ``"tune"`` or ``"heldout"``: from a hash of its name within
    its folder (``en/for.wav``), so the split is the same on every machine, for every manifest holding
    the file, and unrelated to what the file says. Figures to trust are taken on the held-out half;
    settings are tuned on the other."""
    digest = hashlib.sha256(f"{file.parent.name}/{file.name}".encode()).digest()
    return "heldout" if digest[0] & 1 else "tune"


def load_manifest(path: Path, lang: str | None = None, limit: int | None = None, half: str = "all") -> list[Item]:
    """The manifest's single-speaker items (of ``lang``; of ``half``: ``"tune"``, ``"heldout"`` or
    ``"all"``), the first ``limit`` of them."""
    if half not in HALVES:
        raise ValueError(f"half: expected one of {', '.join(HALVES)}, got {half!r}")
    items: list[Item] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        obj = json.loads(line)
        if lang and obj.get("lang") != lang:
            continue
        if obj.get("channels", 1) != 1 or "speaker_texts" in obj:
            continue  # multi-speaker items are scored per speaker elsewhere
        if half != "all" and half_of(Path(obj["file"])) != half:
            continue
        items.append(Item(path.parent / obj["file"], obj["text"], obj.get("lang", ""), float(obj.get("duration_s", 0))))
        if limit and len(items) >= limit:
            break
    return items


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "date": datetime.now(UTC).date().isoformat(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
    }


def base_parser(description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--manifest", type=Path, default=DEFAULT_MANIFEST, help="JSONL manifest (../shared/speech format)")
    p.add_argument("--model", default="tiny.en")
    p.add_argument("--lang", default=None, help="only items of this language (default: the model's)")
    p.add_argument("--limit", type=int, default=None, help="first N items only")
    p.add_argument("--fast", action="store_true", help="feed audio as fast as it is consumed")
    p.add_argument("--workers", type=int, default=0, help="decode workers (0: one per core)")
    p.add_argument("--beam", type=int, default=1, help="beam size of finals (partials are greedy)")
    p.add_argument("--threads", type=int, default=0, help="threads inside one decode (0: one per core)")
    p.add_argument("--end-silence-ms", type=int, default=None, help="segmenter: silence that ends an utterance")
    p.add_argument("--min-speech-ms", type=int, default=None, help="segmenter: shorter bursts are not utterances")
    p.add_argument(
        "--split-after-s", type=float, default=None, help="segmenter: longer speech ends at a pause (0: never)"
    )
    p.add_argument("--split-pause-ms", type=int, default=None, help="segmenter: the pause that ends long speech")
    p.add_argument(
        "--split-dip-db", type=float, default=None, help="segmenter: a dip this deep is a pause in long speech (0: off)"
    )
    p.add_argument("--speculative-ms", type=int, default=None, help="stream: speculative decode at this silence")
    p.add_argument("--no-partials", action="store_true", help="finals only")
    p.add_argument("--partial-every-s", type=float, default=None, help="stream: a partial this often during speech")
    p.add_argument("--no-revise", action="store_true", help="stream: no background revision of closed turns")
    p.add_argument("--revise-gap-s", type=float, default=None, help="stream: a pause this long closes a turn")
    return p


def segmenter_options(args: argparse.Namespace) -> SegmenterOptions:
    """The production defaults ([transcribe] settings), with what the command line changed."""
    from agentassist.config import TranscribeSettings

    s = TranscribeSettings()
    if args.end_silence_ms is not None:
        s.end_silence_ms = args.end_silence_ms
        s.post_pad_ms = min(s.post_pad_ms, args.end_silence_ms)
    if args.min_speech_ms is not None:
        s.min_speech_ms = args.min_speech_ms
    if args.split_after_s is not None:
        s.split_after_s = args.split_after_s
    if args.split_pause_ms is not None:
        s.split_pause_ms = args.split_pause_ms
    if args.split_dip_db is not None:
        s.split_dip_db = args.split_dip_db
    return s.segmenter_options()


def stream_options(args: argparse.Namespace) -> StreamOptions:
    from agentassist.config import TranscribeSettings

    s = TranscribeSettings(partials=not args.no_partials, revise=not args.no_revise)
    if args.speculative_ms is not None:
        s.speculative_silence_ms = args.speculative_ms
    if args.partial_every_s is not None:
        s.partial_every_s = args.partial_every_s
    if getattr(args, "revise_gap_s", None) is not None:
        s.revise_gap_s = args.revise_gap_s
    return s.stream_options()


def make_transcriber(
    model: str, language: str, workers: int = 0, beam_size: int = 1, threads: int = 0, **options: Any
) -> Transcriber:
    """The model with the benchmark's options; ``options``: more TranscriberOptions fields (final_batch...)."""
    base = TranscriberOptions(model=model, language=language, workers=workers, beam_size=beam_size)
    one_blas_thread()  # as the center does before its first model (agentassist.callmodels)
    return Transcriber(dataclasses.replace(base, cpu_threads=threads, **options))


def _loud_windows(samples: np.ndarray, threshold_dbfs: float) -> np.ndarray:
    win = SAMPLE_RATE_HZ // 100
    n = samples.size // win
    if n == 0:
        return np.zeros(0, np.int64)
    frames = samples[: n * win].astype(np.float64).reshape(n, win)
    db = 20 * np.log10(np.sqrt((frames**2).mean(axis=1)) / 32768 + 1e-9)
    return np.nonzero(db > threshold_dbfs)[0]


def speech_start_s(samples: np.ndarray, threshold_dbfs: float = -45.0) -> float:
    """Where speech really starts in a recording: the first 10 ms window above ``threshold_dbfs``."""
    loud = _loud_windows(samples, threshold_dbfs)
    return float(loud[0] * (SAMPLE_RATE_HZ // 100) / SAMPLE_RATE_HZ) if loud.size else 0.0


def speech_end_s(samples: np.ndarray, threshold_dbfs: float = -45.0) -> float:
    """Where speech really ends in a recording: the last 10 ms window above ``threshold_dbfs``."""
    win = SAMPLE_RATE_HZ // 100
    n = samples.size // win
    if n == 0:
        return 0.0
    frames = samples[: n * win].astype(np.float64).reshape(n, win)
    db = 20 * np.log10(np.sqrt((frames**2).mean(axis=1)) / 32768 + 1e-9)
    loud = np.nonzero(db > threshold_dbfs)[0]
    return float((loud[-1] + 1) * win / SAMPLE_RATE_HZ) if loud.size else 0.0


@dataclass
class StreamResult:
    utterances: list[Utterance] = field(default_factory=list)  # finals, as first emitted
    emitted_at_s: list[float] = field(default_factory=list)  # when each final came, on the simulated call's clock
    partials: list[tuple[float, Utterance]] = field(default_factory=list)  # (when, partial)
    revisions: list[tuple[float, Utterance]] = field(default_factory=list)  # (when, revised final)
    retracted: int = 0  # stable words that a later partial or the final did not keep

    def transcript(self) -> list[Utterance]:
        """The finals with their revisions applied, in time order: what the store keeps (a revision to no
        text removes its utterance)."""
        latest = {u.id: u for u in self.utterances}
        latest.update((u.id, u) for _, u in self.revisions)
        return sorted((u for u in latest.values() if u.text), key=lambda u: u.start_s)


def stream_audio(
    samples: np.ndarray,
    streaming: StreamingTranscriber,
    *,
    realtime: bool,
    call_id: str = "bench",
    channel: Channel = Channel.CUSTOMER,
    options: SegmenterOptions | None = None,
    stream_options: StreamOptions | None = None,
    language: str | None = None,
) -> StreamResult:
    """Feed 16 kHz int16 ``samples`` as 20 ms frames through the production ChannelStream.

    ``realtime``: at the pace of a live call, times on the wall clock. Otherwise as fast as it is
    consumed: after each frame every job it caused is finished, and times are audio time."""
    pcm = samples.astype("<i2").tobytes()
    pcm += bytes(-len(pcm) % FRAME_BYTES)
    result = StreamResult()
    lock = threading.Lock()
    fed = [0]
    t0 = time.monotonic()

    def clock() -> float:
        return time.monotonic() - t0 if realtime else fed[0] * FRAME_BYTES / 2 / SAMPLE_RATE_HZ

    stable: dict[str, list[str]] = {}

    def emit(u: Utterance) -> None:
        now = clock()
        with lock:
            if u.revised:
                result.revisions.append((now, u))
                return
            words = [w.lower().strip(".,?!;:") for w in u.text.split()]  # punctuation may change
            before = stable.get(u.id, [])
            if words[: len(before)] != before:
                result.retracted += len(before)
            if u.final:
                result.utterances.append(u)
                result.emitted_at_s.append(now)
            else:
                result.partials.append((now, u))
                stable[u.id] = words[: u.stable_words]

    stream = ChannelStream(
        call_id,
        channel,
        streaming,
        emit,
        segmenter_options=options,
        options=stream_options,
        language=language,
        clock=clock,
    )
    for i in range(0, len(pcm), FRAME_BYTES):
        if realtime:
            delay = t0 + i / 2 / SAMPLE_RATE_HZ - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        stream.push(pcm[i : i + FRAME_BYTES])
        fed[0] += 1
        if not realtime:
            streaming.wait_idle()
    stream.finish()
    for f in stream.futures:
        f.result()
    streaming.wait_idle()
    return result


def load_16k(path: Path) -> np.ndarray:
    return read_wav_mono(path, SAMPLE_RATE_HZ)


def write_results(section: str, lines: list[str]) -> None:
    """Append a dated section to benchmarks/RESULTS.md."""
    path = REPO / "benchmarks" / "RESULTS.md"
    if not path.exists():
        path.write_text("# Benchmark results\n\nEach section: what ran, on which machine, when.\n")
    with path.open("a", encoding="utf-8") as f:
        f.write(f"\n## {section}\n\n" + "\n".join(lines) + "\n")


def record(title: str, command: str, summary: dict[str, Any]) -> None:
    """Append one run's command, machine and figures to RESULTS.md."""
    m = summary["machine"]
    figures = {k: v for k, v in summary.items() if k != "machine"}
    write_results(
        f"{title} ({m['date']})",
        [
            f"- command: `{command}`",
            f"- machine: {m['cpu']}, {m['cores']} cores",
            f"- result: `{json.dumps(figures, ensure_ascii=False)}`",
        ],
    )


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")
