"""The checklist's tick delay inside a loaded center (issue 18: "tick delay p95 <= 0.3 s after the final
utterance with the center at the most calls it holds").

    python -m benchmarks.tickload --calls 4 --seconds 60

benchmarks.assist times the tracker alone, idle. Here the tracker runs where it runs in production: one
``agentassist serve`` with no softphone (``[sip] listen = ""``), started as benchmarks.floor starts it, N
phones (benchmarks/floorphones.py) streaming the calls benchmarks.floor streams (the manifest's prompts,
both channels speaking in turns, real time), and an active script, the campaign ``tickload``'s default,
whose steps are the reference texts of the prompts the agents say, in the order first said (no ``after``:
each call ticks the steps its agent says, as it hears them). The center's speech model, the checklist's
embedder and every call's tracker share the machine's cores, as on a floor.

Measured:

- ``tick_delay_*``: the center's ``agentassist_assist_tick_delay_seconds`` histogram (/metrics): each final
  that moved a step, from the channel stream handing it over to its ``assist.step`` events published
  (``ticks``: how many such finals; one final may tick two steps).
  p50 and p95 are interpolated within the buckets, as Prometheus' ``histogram_quantile`` does;
  ``tick_delay_le_0_3_share`` is exact (0.3 s is a bound) and says whether the target is met;
  ``tick_delay_max_le_s`` is the smallest bound holding every observation (a histogram keeps no maximum).
  The feed cannot time this itself: a final and the step events it causes go out together, after the
  decision.
- ``tick_after_speech_*``: what the agent sees, from the feed: the first ``assist.step`` done of a step
  arriving, less the true end of the agent's prompt that said it (benchmarks.load's rule for finals).
- ``steps_said`` (a call's agent saying a step's prompt; once a call and step), ``steps_ticked`` (of those,
  done in the call's adherence at its end), ``steps_ticked_unsaid`` (done without the agent saying it).
- final latency p50/p95 (benchmarks.floor's), the center's drop counters and call failures by stage, the
  ISA CTranslate2 selected.

The agents are named 00desk, 01desk, ... (``desks``): benchmarks.floor's desk000, desk001, ... make call
ids alike in their first 8 characters, which the utterance ids are made of (see ``desks``).

Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import connect

from agentassist.events import Channel
from agentassist.store.db import Store
from agentassist.store.phones import add_phone
from benchmarks.common import Item, machine, percentile, record
from benchmarks.floor import center_parser, latencies, metrics, probe_isa, selected_isa, wire_pcm, write_config
from benchmarks.floorphones import CallFigures, Phone, run_floor
from benchmarks.load import model_language, plans, render
from benchmarks.ports import free_port
from benchmarks.quality import Spoken
from benchmarks.sip_load import start_server

SCRIPT_ID = "tickload"
HISTOGRAM = "agentassist_assist_tick_delay_seconds"
TARGET_S = 0.3  # the p95 bound
_BUCKET = re.compile(HISTOGRAM + r'_bucket\{le="([^"]+)"\}')

Plan = dict[Channel, list[Spoken]]
Ticks = dict[tuple[str, str], float]  # (call id, step id): the first "done" of the step arrived (monotonic)


def steps_of(items: list[Item], placed: list[Plan]) -> tuple[list[str], dict[int, str]]:
    """The script's say-lines (the reference texts the agents say, in the order first said, each once)
    and each such prompt's step id."""
    lines: list[str] = []
    ids: dict[str, str] = {}  # a line as compared (case and end punctuation aside): its step id
    step: dict[int, str] = {}
    for plan in placed:
        for sp in plan[Channel.AGENT]:
            text = " ".join(items[sp.prompt].text.split())
            key = text.lower().rstrip(".!?")
            if key not in ids:
                ids[key] = f"s{len(ids) + 1:02d}"
                lines.append(text)
            step[sp.prompt] = ids[key]
    return lines, step


def script_text(lines: list[str], lang: str | None) -> str:
    steps = "".join(f"  - id: s{n:02d}\n    say: [{json.dumps(line)}]\n" for n, line in enumerate(lines, 1))
    language = f"language: {lang}\n" if lang else ""
    return f"id: {SCRIPT_ID}\nversion: 1\n{language}campaign: {SCRIPT_ID}\nsteps:\n{steps}"


def desks(database_url: str, n: int) -> list[tuple[str, str]]:
    """N agents with a phone credential each, named so that their calls' ids (floorphones:
    ``floor-<agent>-<ms>``) differ in the first 8 characters. The segmenter's utterance ids are a call id's
    first 8 characters and a count, and the store keys utterances by that id alone: with benchmarks.floor's
    desk000, desk001, ... every call after the first loses its transcript rows to UNIQUE failures (a
    store failure reported in each call), which is not what a center with random call ids does."""
    if n > 100:
        raise SystemExit(f"--calls: at most 100 (two digits tell the calls' ids apart), got {n}")
    names = [f"{i:02d}desk" for i in range(n)]
    store = Store(database_url)
    for name in names:
        store.add_user(name, "agent")
    credentials = [add_phone(store, name)[1] for name in names]
    store.engine.dispose()
    return list(zip(names, credentials, strict=True))


def center_config(root: Path, http_port: int, model: str, lang: str | None) -> Path:
    """benchmarks.floor's center, with the script as the campaign's default."""
    config = write_config(root, http_port, model, lang, transcribe=True)
    text, n = re.subn(r'default_script = "[^"\n]*"[^\n]*', f'default_script = "{SCRIPT_ID}"', config.read_text())
    if n != 1:
        raise SystemExit(f"{config}: expected one [assist] default_script line to set, found {n}")
    config.write_text(text)
    return config


class StepTicks:
    """When each step of each call was first done, as the feed (``/api/live``) brought it."""

    def __init__(self) -> None:
        self.first: Ticks = {}

    def heard(self, event: dict[str, Any], at: float) -> None:
        if event.get("type") == "assist.step" and event["step"]["status"] == "done":
            self.first.setdefault((event["call_id"], event["step"]["id"]), at)

    async def follow(self, port: int, token: str, ready: asyncio.Event) -> None:
        """Until cancelled."""
        headers = {"Authorization": f"Bearer {token}"}
        async with connect(f"ws://127.0.0.1:{port}/api/live", additional_headers=headers, max_size=None) as ws:
            ready.set()
            async for raw in ws:
                self.heard(json.loads(raw), time.monotonic())


async def run(port: int, token: str, phones: list[Phone]) -> tuple[list[CallFigures | BaseException], Any, Ticks]:
    """benchmarks.floor's run of the phones, with the steps' ticks watched beside it."""
    ticks = StepTicks()
    ready = asyncio.Event()
    watcher = asyncio.create_task(ticks.follow(port, token, ready))
    await asyncio.wait_for(ready.wait(), 30)
    results, feed, _, _ = await run_floor(port, token, phones, lambda: None)
    await asyncio.sleep(1.0)  # the last calls' closing events
    watcher.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await watcher
    return results, feed, ticks.first


def histogram(text: str) -> tuple[list[tuple[float, float]], float, float]:
    """The tick delay histogram of a /metrics text: cumulative (bound, count) pairs, sum, count."""
    buckets: list[tuple[float, float]] = []
    total = count = 0.0
    for line in text.splitlines():
        name, _, value = line.rpartition(" ")
        found = _BUCKET.fullmatch(name)
        if found:
            buckets.append((math.inf if found[1] == "+Inf" else float(found[1]), float(value)))
        elif name == f"{HISTOGRAM}_sum":
            total = float(value)
        elif name == f"{HISTOGRAM}_count":
            count = float(value)
    if not buckets:
        raise SystemExit(f"/metrics has no {HISTOGRAM}: is the center this checkout's?")
    return sorted(buckets), total, count


def quantile(buckets: list[tuple[float, float]], q: float) -> float | None:
    """Prometheus' histogram_quantile: linear within the bucket the rank falls in (the highest finite
    bound when it falls in +Inf)."""
    n = buckets[-1][1]
    if n == 0:
        return None
    rank, low, below = q * n, 0.0, 0.0
    for bound, cumulative in buckets:
        if cumulative >= rank:
            if math.isinf(bound):
                return low
            return low + (bound - low) * (rank - below) / (cumulative - below) if cumulative > below else bound
        low, below = bound, cumulative
    return low


def tick_figures(text: str) -> dict[str, Any]:
    buckets, total, n = histogram(text)
    at_target = next((c for b, c in buckets if b == TARGET_S), None)
    top = next((b for b, c in buckets if c == n), math.inf)
    p50, p95 = quantile(buckets, 0.50), quantile(buckets, 0.95)
    return {
        "ticks": int(n),
        "tick_delay_p50_s": round(p50, 4) if p50 is not None else None,
        "tick_delay_p95_s": round(p95, 4) if p95 is not None else None,
        "tick_delay_mean_s": round(total / n, 4) if n else None,
        "tick_delay_max_le_s": (None if math.isinf(top) else top) if n else None,
        "tick_delay_le_0_3_share": round(at_target / n, 4) if n and at_target is not None else None,
        "tick_delay_buckets": {("+Inf" if math.isinf(b) else f"{b:g}"): int(c) for b, c in buckets},
    }


def failures(text: str) -> dict[str, int]:
    """The center's call failures by stage (agentassist.failures), those above 0."""
    found = re.findall(r'^agentassist_call_failures_total\{stage="(\w+)"\} (\S+)$', text, re.MULTILINE)
    return {stage: int(float(n)) for stage, n in found if float(n)}


def said_and_ticked(
    client: httpx.Client,
    figures: list[tuple[CallFigures, Plan]],
    step: dict[int, str],
    ticks: Ticks,
) -> dict[str, Any]:
    """Per call, the steps its agent said against those its adherence has done; the feed's tick times
    against the true end of the prompt that said each."""
    said_n = ticked_n = unsaid_n = 0
    after: list[float] = []
    missed: list[str] = []  # "call step": said by the agent, not done at the end
    unsaid: list[str] = []  # "call step": done, never said by the agent (the customer's line, a near one)
    for f, plan in figures:
        ends: dict[str, float] = {}
        for sp in plan[Channel.AGENT]:
            ends.setdefault(step[sp.prompt], sp.end_s)  # the first time the agent says it
        adherence = client.get(f"/api/calls/{f.call_id}/adherence").json()
        done = {s["id"] for s in adherence.get("steps", []) if s["status"] == "done"}
        said_n += len(ends)
        ticked_n += len(done & set(ends))
        unsaid_n += len(done - set(ends))
        missed += [f"{f.call_id} {s}" for s in sorted(set(ends) - done)]
        unsaid += [f"{f.call_id} {s}" for s in sorted(done - set(ends))]
        for step_id, end_s in ends.items():
            arrived = ticks.get((f.call_id, step_id))
            if arrived is not None and step_id in done:
                after.append(arrived - f.started - end_s)
    return {
        "steps_said": said_n,
        "steps_ticked": ticked_n,
        "steps_ticked_unsaid": unsaid_n,
        "steps_missed_first": missed[:5],
        "steps_ticked_unsaid_first": unsaid[:5],
        "tick_after_speech_p50_s": round(percentile(after, 50), 3) if after else None,
        "tick_after_speech_p95_s": round(percentile(after, 95), 3) if after else None,
        "tick_after_speech_max_s": round(max(after), 3) if after else None,
    }


def tickload(args: argparse.Namespace) -> dict[str, Any]:
    lang = model_language(args.model, args.lang)
    items, prompts, placed = plans(args.manifest, lang, args.limit, args.calls, args.seconds)
    calls = [render(prompts, p, args.seconds) for p in placed]
    lines, step = steps_of(items, placed)
    root = Path(tempfile.mkdtemp(prefix="tickload-"))
    http_port = free_port()
    config = center_config(root, http_port, args.model, lang)
    (root / "scripts" / f"{SCRIPT_ID}.yaml").write_text(script_text(lines, lang))
    proc, token = start_server(root, config, http_port)
    try:
        agents = desks(f"sqlite:///{root / 'data' / 'agentassist.db'}", args.calls)
        phones = [Phone(http_port, cred, name, wire_pcm(calls[i])) for i, (name, cred) in enumerate(agents)]
        results, feed, ticks = asyncio.run(run(http_port, token, phones))
        paired = [(r, i) for i, r in enumerate(results) if isinstance(r, CallFigures)]
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=f"http://127.0.0.1:{http_port}", headers=headers, timeout=30) as c:
            text = c.get("/metrics").text
            figures = tick_figures(text)
            steps = said_and_ticked(c, [(f, placed[i]) for f, i in paired], step, ticks)
            counters, _ = metrics(c)
    finally:
        proc.terminate()
        proc.wait(30)
    lat = latencies(feed, [(f, calls[i]) for f, i in paired])
    return {
        "calls": args.calls,
        "seconds": args.seconds,
        "calls_failed": [repr(r) for r in results if not isinstance(r, CallFigures)][:5],
        "script_steps": len(lines),
        "script": str(root / "scripts" / f"{SCRIPT_ID}.yaml"),  # the step ids' lines
        **figures,
        "target_met": figures["tick_delay_le_0_3_share"] is not None and figures["tick_delay_le_0_3_share"] >= 0.95,
        **steps,
        "final_latency_p50_s": round(percentile(lat, 50), 3) if lat else None,
        "final_latency_p95_s": round(percentile(lat, 95), 3) if lat else None,
        "finals": len(feed.finals),
        "center_metrics": counters,
        "call_failures": failures(text),  # by stage: a failing store or tracker would time something else
        "isa": selected_isa((root / "serve.log").read_text(errors="replace")) or probe_isa(args.model),
        "model": args.model,
        "machine": machine(),
    }


def main() -> int:
    p = center_parser(__doc__, seconds=60.0)
    p.add_argument("--record", action="store_true")
    args = p.parse_args()
    os.environ["CT2_VERBOSE"] = "1"  # CTranslate2 logs the ISA it selects (the center inherits it)
    summary = tickload(args)
    if args.record:
        record(
            "tickload — the tick delay in a loaded center",
            "python -m benchmarks.tickload " + " ".join(sys.argv[1:]),
            summary,
        )
    print(json.dumps(summary))
    return 0 if not summary["calls_failed"] else 1


if __name__ == "__main__":
    sys.exit(main())
