"""A call-center floor on the wire: N desks streaming real speech in real time into one real center.

    python -m benchmarks.floor --calls 4 --seconds 30 [--compare-load] [--record]
    python -m benchmarks.floor --calls 50 --seconds 30 --no-transcribe [--record]
    python -m benchmarks.floor --nodes 2 --calls 4 --seconds 30   (benchmarks/floor_nodes.py)

One ``agentassist serve`` with no softphone (``[sip] listen = ""``) is the center; N agents each get a
phone credential, and N phones (benchmarks/floorphones.py, one WebSocket each, no pjsua) stream the
calls benchmarks.load makes from the same manifest and seed (both channels speaking in turns), one
20 ms frame a message on the frame's clock, then ``close`` and wait for ``closed``.

Measured: final latency p50/p95 (each prompt's true end to its ``utterance.final`` on ``/api/live``, as
benchmarks.load defines it); frames sent against each recording (count and SHA-256 of both channels:
0 lost); acks; the capture-to-pipeline delay (ping after a frame, see floorphones.py); the center
process's CPU over the calls (from /proc) and its peak RSS; while the frames stream (no start-up, no
drain), the center's CPU by thread (``center_threads_cpu_s``: event loop, call threads and the media
thread, decode workers, CTranslate2's native threads; its ``wakes``: how often each group's threads
blocked and were woken; benchmarks/threadcpu.py) and a call-second's CPU (``center_cpu_per_call_s``,
beside benchmarks.load's ``cpu_per_call_s``); ``--profile DIR``: the center's event loop and call
threads under cProfile. ``--no-transcribe``: the center with
``[transcribe] enabled = false``, a recorder only. ``--compare-load``: afterwards, benchmarks.load on
the same calls in its own process; its CPU (less a 1 s run's: start-up and model load) against the
center's says what the wire, the recording and the store cost; and the same calls into a second center
that records only, whose CPU is what they cost without transcription (on a machine short of CPU the
first comparison misleads: a pipeline behind real time drops partials, so does less work); ``stage_gap_s``:
the transcription stage's means (queue wait, decode, last voiced frame to final), the center's less load's,
which say how much of the final latency's gap is made before a final exists. The ISA CTranslate2 selected
(``CT2_VERBOSE=1``) is in the JSON. Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import io
import json
import os
import re
import resource
import signal
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from agentassist import cpu
from agentassist.config import TranscribeSettings
from agentassist.events import Channel
from agentassist.store.db import Store
from agentassist.store.phones import add_phone
from benchmarks.common import DEFAULT_MANIFEST, REPO, machine, percentile, record
from benchmarks.floorphones import CallFigures, Feed, Phone, run_floor
from benchmarks.load import conversations, model_language
from benchmarks.ports import free_port
from benchmarks.sip_load import Process, start_server
from benchmarks.stages import means, wanted
from benchmarks.threadcpu import read_split

_ISA = re.compile(r"Selected ISA: (\S+)")
_METRICS = (
    "agentassist_dropped_frames_total",
    "agentassist_phone_messages_refused_total",
    "agentassist_phone_calls_abnormal_total",
    "agentassist_partials_dropped_total",
)


def write_config(
    root: Path, http_port: int, model: str, lang: str | None, transcribe: bool,
    database_url: str = "", bus_url: str = "", frame_wait_ms: int | None = None, threads: int | None = None,
    scheduling: str | None = None,
) -> Path:  # fmt: skip
    """A center's config; ``database_url`` "" is SQLite under ``root``, ``bus_url`` "" the in-process bus,
    ``frame_wait_ms``, ``threads`` ([transcribe] cpu_threads) and ``scheduling`` None the center's default."""
    database_url = database_url or f"sqlite:///{root / 'data' / 'agentassist.db'}"
    config = root / "agentassist.toml"
    (root / "scripts").mkdir(exist_ok=True)
    config.write_text(
        f"""[sip]
listen = ""  # a center only: the calls come from phones on the wire

[audio]
input_device = "null"
agent_audio_file = ""

[recorder]
format = "wav"  # compared sample for sample with what the phones sent

[transcribe]
enabled = {"true" if transcribe else "false"}
model = "{model}"
language = "{lang or "auto"}"
{"" if frame_wait_ms is None else f"frame_wait_ms = {frame_wait_ms}"}
{"" if threads is None else f"cpu_threads = {threads}"}
{"" if scheduling is None else f'scheduling = "{scheduling}"'}

[assist]
scripts_dir = "{root / "scripts"}"
default_script = ""  # no script: what these figures have always measured

[server]
listen = "127.0.0.1:{http_port}"
data_dir = "{root / "data"}"
database_url = "{database_url}"

[bus]
url = "{bus_url}"
"""
    )
    return config


def agents(database_url: str, n: int) -> list[tuple[str, str]]:
    """N agent users, each with a phone credential (the store's functions: N CLI runs take minutes)."""
    store = Store(database_url)
    out = []
    for i in range(n):
        name = f"desk{i:03d}"
        store.add_user(name, "agent")
        out.append((name, add_phone(store, name)[1]))
    store.engine.dispose()
    return out


def wire_pcm(call: dict[Channel, tuple[bytes, list[float]]]) -> bytes:
    """The call as the wire carries it: ``external`` (the customer) then ``internal`` (the agent)."""
    customer = np.frombuffer(call[Channel.CUSTOMER][0], "<i2")
    agent = np.frombuffer(call[Channel.AGENT][0], "<i2")
    return np.stack([customer, agent], axis=1).astype("<i2").tobytes()


def check_recording(client: httpx.Client, figures: CallFigures, call: dict[Channel, tuple[bytes, list[float]]]) -> bool:
    """The recording holds exactly what the phone sent: frame count and SHA-256 of each channel."""
    r = client.get(f"/api/calls/{figures.call_id}/recording")
    if r.status_code != 200:
        return False
    with wave.open(io.BytesIO(r.content)) as w:
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").reshape(-1, 2)
    n = figures.frames * 320
    for column, channel in ((0, Channel.AGENT), (1, Channel.CUSTOMER)):  # left: the agent
        got, sent = pcm[:, column].tobytes(), call[channel][0][: n * 2]
        if len(got) != len(sent) or hashlib.sha256(got).digest() != hashlib.sha256(sent).digest():
            return False
    return True


def latencies(feed: Feed, paired: list[tuple[CallFigures, dict[Channel, tuple[bytes, list[float]]]]]) -> list[float]:
    """Each final's arrival less the true end of the prompts it covers (benchmarks.load's rule)."""
    index = {f.call_id: (f, call) for f, call in paired}
    out: list[float] = []
    for call_id, channel, start, end, arrived in feed.finals:
        if call_id not in index:
            continue
        f, call = index[call_id]
        ends = [e for e in call[Channel(channel)][1] if start - 0.5 <= e <= end + 1.0]
        if ends:
            out.append(arrived - f.started - max(ends))
    return out


def selected_isa(text: str) -> str | None:
    found = _ISA.findall(text)
    return found[-1] if found else None


def probe_isa(model: str) -> str | None:
    """What CTranslate2 selects on this CPU, from a model load of its own (a center with no model)."""
    code = f"import ctranslate2; ctranslate2.models.Whisper({str(REPO / 'models' / model)!r}, compute_type='int8')"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ})
    return selected_isa(out.stdout + out.stderr)


def run_load(args: argparse.Namespace, seconds: float) -> tuple[float, dict[str, Any], str]:
    """benchmarks.load on the same calls in a process of its own: its CPU seconds, JSON and log."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    command = [sys.executable, "-m", "benchmarks.load", "--calls", str(args.calls), "--seconds", str(seconds)]
    if args.threads is not None:
        command += ["--threads", str(args.threads)]
    command += ["--scheduling", args.scheduling or TranscribeSettings().scheduling]
    command += ["--model", args.model, "--manifest", str(args.manifest)]
    out = subprocess.run(command, cwd=REPO, capture_output=True, text=True, env={**os.environ})
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_s = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    lines = out.stdout.strip().splitlines()
    if out.returncode != 0 or not lines:
        raise SystemExit(f"benchmarks.load failed ({out.returncode}): {out.stderr[-2000:]}")
    return cpu_s, json.loads(lines[-1]), out.stderr


def metrics(client: httpx.Client) -> tuple[dict[str, float], dict[str, object]]:
    """The center's counters of _METRICS, and its transcription stage's means (benchmarks/stages.py)."""
    out: dict[str, float] = {}
    stage: dict[str, float] = {}
    for line in client.get("/metrics").text.splitlines():
        name, _, value = line.rpartition(" ")
        if name in _METRICS:
            out[name.removeprefix("agentassist_")] = float(value)
        elif wanted(name):
            stage[name] = float(value)
    return out, means(stage)


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def summarize(
    args: argparse.Namespace,
    transcribe: bool,
    results: list[CallFigures | BaseException],
    feed: Feed,
    calls: list[dict[Channel, tuple[bytes, list[float]]]],
    client: httpx.Client,
) -> dict[str, Any]:
    # each call's figures beside its audio (results are in the calls' order; a failed call has none)
    paired = [(r, calls[i]) for i, r in enumerate(results) if isinstance(r, CallFigures)]
    figures = [f for f, _ in paired]
    failed = [repr(r) for r in results if not isinstance(r, CallFigures)]
    whole = [f for f, call in paired if f.closed and check_recording(client, f, call)]
    lat = latencies(feed, paired) if transcribe else []
    delays = [d for f in figures for d in f.delays_s]
    spool = [s for f in figures for s in f.spool_s]
    return {
        "calls": args.calls,
        "frame_wait_ms": TranscribeSettings().frame_wait_ms if args.frame_wait_ms is None else args.frame_wait_ms,
        "cpu_threads": TranscribeSettings().cpu_threads if args.threads is None else args.threads,
        "scheduling": args.scheduling or TranscribeSettings().scheduling,
        "seconds": args.seconds,
        "transcribe": transcribe,
        "calls_failed": failed[:5],
        "frames_sent": sum(f.frames for f in figures),
        "recordings_exact": len(whole),
        "frames_lost": sum(f.frames for f in figures) - sum(f.frames for f in whole),
        "acks": sum(f.acks for f in figures),
        "last_ack_is_every_frame": sum(f.last_ack == f.frames for f in figures),
        "spool_p95_s": round(percentile(spool, 95), 3),
        "errors": [e for f in figures for e in f.errors][:5],
        "final_latency_p50_s": round(percentile(lat, 50), 3) if lat else None,
        "final_latency_p95_s": round(percentile(lat, 95), 3) if lat else None,
        "final_latency_max_s": round(max(lat), 3) if lat else None,
        "finals": len(feed.finals),
        "feed_events": dict(feed.events.most_common()),
        "feed_bytes": feed.event_bytes,
        "prompts_spoken": sum(len(c[ch][1]) for c in calls for ch in Channel),
        "pipeline_delay_p50_ms": round(percentile(delays, 50) * 1000, 2),
        "pipeline_delay_p95_ms": round(percentile(delays, 95) * 1000, 2),
        "pipeline_delay_max_ms": round(max(delays, default=0.0) * 1000, 2),
        "pipeline_probes": len(delays),
        "phone_late_max_s": round(max((f.late_s for f in figures), default=0.0), 3),
    }


def floor(
    args: argparse.Namespace, calls: list[dict[Channel, tuple[bytes, list[float]]]], lang: str | None, transcribe: bool
) -> tuple[dict[str, Any], str]:
    """One center, ``calls`` streamed into it by as many phones: the figures, and the center's log."""
    root = Path(tempfile.mkdtemp(prefix="floor-"))
    http_port = free_port()
    config = write_config(
        root, http_port, args.model, lang, transcribe, frame_wait_ms=args.frame_wait_ms, threads=args.threads,
        scheduling=args.scheduling,
    )  # fmt: skip
    threads = root / "threads.jsonl"  # the center's CPU by thread as the first frame is due and after the last
    profile = ["--profile", str(args.profile / ("center" if transcribe else "recorder"))] if args.profile else []
    serve = [sys.executable, "-m", "benchmarks.threadcpu", "--out", str(threads), *profile]
    proc, token = start_server(root, config, http_port, serve=serve)
    center = Process(proc.pid)
    try:
        desks = agents(f"sqlite:///{root / 'data' / 'agentassist.db'}", args.calls)
        phones = [Phone(http_port, cred, name, wire_pcm(calls[i])) for i, (name, cred) in enumerate(desks)]
        at_start: list[float] = []  # the center's and this process's CPU seconds as the first frame is due
        streamed: list[float] = []  # this process's CPU seconds as the last frame is sent

        def started() -> None:
            at_start.extend((center.cpu_s(), time.process_time()))
            os.kill(proc.pid, signal.SIGUSR1)

        def all_sent() -> None:
            os.kill(proc.pid, signal.SIGUSR1)
            streamed.append(time.process_time())

        results, feed, start, done = asyncio.run(run_floor(http_port, token, phones, started, all_sent))
        cpu_s, own_s = center.cpu_s() - at_start[0], time.process_time() - at_start[1]
        with httpx.Client(base_url=f"http://127.0.0.1:{http_port}", headers={"Authorization": f"Bearer {token}"}) as c:
            summary = summarize(args, transcribe, results, feed, calls, c)
            summary["center_metrics"], stage = metrics(c)
            if transcribe:
                summary["center_stage"] = stage
        summary["center_cpu_s"] = round(cpu_s, 2)
        summary["center_cores"] = round(cpu_s / (done - start), 3)  # from the first frame to the last closed
        summary["center_core_per_call"] = round(cpu_s / (done - start) / max(1, args.calls), 4)
        summary["center_peak_rss_mb"] = peak_rss_mb(proc.pid)
        summary["phones_cpu_s"] = round(own_s, 2)  # this process: the phones and the feed watcher
        summary["drain_s"] = round(done - start - args.seconds, 2)  # last frame's clock to the last closed
        summary["phones_cpu_per_call_s"] = round((streamed[0] - at_start[1]) / (args.calls * args.seconds), 5)
    finally:
        proc.terminate()
        proc.wait(30)
    by_thread = read_split(threads)  # while the frames streamed: the steady state, no start-up and no drain
    if by_thread is not None:
        summary["center_threads_cpu_s"] = by_thread
        # CPU seconds a call-second of audio costs the center (the wire, the recording, the pipeline)
        summary["center_cpu_per_call_s"] = round(by_thread["process"] / (args.calls * args.seconds), 5)
    return summary, (root / "serve.log").read_text(errors="replace")


def compare(
    args: argparse.Namespace,
    calls: list[dict[Channel, tuple[bytes, list[float]]]],
    lang: str | None,
    summary: dict[str, Any],
) -> str:
    """benchmarks.load on the same calls, and the same center recording only: what the wire costs; load's log."""
    cpu_s = summary["center_cpu_s"]
    load_cpu, load_json, load_log = run_load(args, args.seconds)
    base_cpu, _, _ = run_load(args, 1.0)
    streaming_cpu = (load_cpu - base_cpu) * args.seconds / max(args.seconds - 1.0, 1.0)
    # finals and dropped partials too: a pipeline behind real time drops partials, and so does less work
    keys = ("final_latency_p50_s", "final_latency_p95_s", "max_lag_s", "finals", "partials_dropped", "revisions")
    keys += ("cpu_per_call_s", "threads_cpu_s", "stage")  # as the center's: threads while fed, the stage's means
    summary["load"] = {k: load_json[k] for k in keys}
    # where the finals' extra time goes before they exist (the transcription stage's means, center less load);
    # what is left of the p50 gap is the way out: the store, the bus, /api/live and this process reading it
    center_stage, load_stage = summary.get("center_stage") or {}, load_json["stage"]
    summary["stage_gap_s"] = {
        k: round(center_stage[k] - load_stage[k], 3)
        for k in ("final_queue_wait_mean_s", "decode_mean_s", "final_latency_mean_s")
        if center_stage.get(k) is not None and load_stage.get(k) is not None
    }
    summary["load_cpu_s"] = round(streaming_cpu, 2)
    summary["wire_recording_store_cpu_share"] = round((cpu_s - streaming_cpu) / cpu_s, 3) if cpu_s else None
    # the same calls into a center that only records: the wire, the recording and the store, nothing else
    recorder, _ = floor(args, calls, lang, transcribe=False)
    kept = ("center_cpu_s", "center_core_per_call", "frames_lost", "center_cpu_per_call_s", "center_threads_cpu_s")
    summary["recorder_only"] = {k: recorder.get(k) for k in kept}
    summary["recorder_cpu_share"] = round(recorder["center_cpu_s"] / cpu_s, 3) if cpu_s else None
    return load_log


def no_wire(
    args: argparse.Namespace, calls: list[dict[Channel, tuple[bytes, list[float]]]], lang: str | None, transcribe: bool
) -> dict[str, Any]:
    """``--no-wire``: the same calls pushed into an in-process center's sessions (floor_nowire.py)."""
    from benchmarks.floor_nowire import floor_nowire

    def config_for(root: Path) -> Path:
        return write_config(
            root, free_port(), args.model, lang, transcribe, frame_wait_ms=args.frame_wait_ms, threads=args.threads,
            scheduling=args.scheduling,
        )  # fmt: skip

    own, feed, figures = floor_nowire(args, calls, [wire_pcm(c) for c in calls], config_for, transcribe)
    lat = latencies(feed, list(zip(figures, calls, strict=True))) if transcribe else []
    return {
        "calls": args.calls,
        "seconds": args.seconds,
        "transcribe": transcribe,
        "no_wire": True,
        "final_latency_p50_s": round(percentile(lat, 50), 3) if lat else None,
        "final_latency_p95_s": round(percentile(lat, 95), 3) if lat else None,
        "final_latency_max_s": round(max(lat), 3) if lat else None,
        "finals": len(feed.finals),
        "prompts_spoken": sum(len(c[ch][1]) for c in calls for ch in Channel),
        **own,
    }


def center_parser(description: str | None, seconds: float) -> argparse.ArgumentParser:
    """The options of a benchmark that streams N calls of the manifest's speech into a center."""
    p = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--calls", type=int, default=4)
    p.add_argument("--seconds", type=float, default=seconds)
    p.add_argument("--model", default="tiny.en")
    p.add_argument("--lang", default=None)
    p.add_argument("--manifest", type=Path, default=DEFAULT_MANIFEST)
    p.add_argument("--limit", type=int, default=None, help="first N manifest items (default 60, as load)")
    return p


def main() -> int:
    p = center_parser(__doc__, seconds=30.0)
    p.add_argument("--no-transcribe", action="store_true", help="the center records only")
    p.add_argument("--no-wire", action="store_true", help="the calls pushed into an in-process center's sessions")
    p.add_argument("--frame-wait-ms", type=int, default=None, help="the center's [transcribe] frame_wait_ms")
    p.add_argument("--threads", type=int, default=None, help="[transcribe] cpu_threads of the center (and of load)")
    p.add_argument(
        "--scheduling",
        choices=cpu.POLICIES,
        default=None,
        help="[transcribe] scheduling (and load's)",
    )
    p.add_argument("--compare-load", action="store_true", help="then benchmarks.load on the same calls")
    p.add_argument("--nodes", type=int, default=1, help="centers on one PostgreSQL and NATS (floor_nodes.py)")
    p.add_argument("--profile", type=Path, default=None, help="the center's cProfile statistics here (threadcpu.py)")
    p.add_argument("--record", action="store_true")
    args = p.parse_args()
    os.environ["CT2_VERBOSE"] = "1"  # CTranslate2 logs the ISA it selects (the center and load inherit it)
    lang = model_language(args.model, args.lang)
    calls = conversations(args.manifest, lang, args.limit, args.calls, args.seconds)
    if args.no_wire:
        summary = no_wire(args, calls, lang, not args.no_transcribe)
        summary["isa"], summary["machine"] = probe_isa(args.model), machine()
        print(json.dumps(summary))
        return 0
    if args.nodes > 1:
        from benchmarks.floor_nodes import floor_nodes

        summary, serve_log = floor_nodes(args, calls, lang, not args.no_transcribe)
    else:
        summary, serve_log = floor(args, calls, lang, not args.no_transcribe)
    summary["isa"] = selected_isa(serve_log)
    if args.compare_load and not args.no_transcribe:
        load_log = compare(args, calls, lang, summary)
        summary["isa"] = summary["isa"] or selected_isa(load_log)
    summary["isa"] = summary["isa"] or probe_isa(args.model)
    summary["model"] = None if args.no_transcribe else args.model
    summary["machine"] = machine()
    if args.record:
        record("floor — smoke run on a loaded machine", "python -m benchmarks.floor " + " ".join(sys.argv[1:]), summary)
    print(json.dumps(summary))
    ok = summary["frames_lost"] == 0 and summary["recordings_exact"] == args.calls
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
