"""N concurrent SIP calls from sipp, carrying recorded speech, at real `agentassist serve` processes.

    python -m benchmarks.sip_load --calls 10 --seconds 60 [--phones 3] [--record]
    python -m benchmarks.sip_load --calls 4 --seconds 60 --soak-minutes 30 [--record]

sipp (benchmarks/sipp/uac_speech.xml) places ``--calls`` calls at once; each streams Asterisk's
English prompts (concatenated, 8 kHz u-law) as RTP for ``--seconds`` and hangs up. The calls go to
``--phones`` agentassist processes, each with its own sipp (default: as few as the pjsua2 build's
PJSUA_MAX_CALLS allows: one with the build `make` makes from source, which takes 64; 10 calls over
4, 3 and 3 with the PyPI wheel, which takes 4). Every server runs as in production
(transcription included). Checked afterwards: every call ended with a hangup and none was lost
(sipp's count, the servers' count, nothing left active; a call counts as ended once its pipeline has
transcribed what it heard, so under overload ``drain_s`` after the last BYE says how far
transcription was behind); every recording has the call's length in frames on both channels (one
20 ms frame per started minute of slack) and the caller's speech on the right channel. Measured: CPU
of the server processes from /proc (per call, as a share of one core), their RSS, threads and open
files (summed). ``--soak-minutes`` keeps ``--calls`` calls going back to back for that long and
samples RSS, threads and fds every 30 s. Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import wave
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from agentassist.audio.encode import read_stereo
from agentassist.sip.softphone import build_max_calls
from benchmarks.common import REPO, machine, write_results
from benchmarks.ports import free_port

SOUNDS = Path("/usr/share/asterisk/sounds/en")
SCENARIO = REPO / "benchmarks" / "sipp" / "uac_speech.xml"
AGENTASSIST = Path(sys.executable).parent / "agentassist"
RATE_HZ = 16000
FRAME_SAMPLES = RATE_HZ // 50
SAMPLE_EVERY_S = 30.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def speech_file(root: Path, seconds: float) -> tuple[Path, float]:
    """Asterisk's English prompts, in name order, joined to at least ``seconds`` as 8 kHz u-law WAV."""
    chosen: list[str] = []
    total = 0.0
    for path in sorted(SOUNDS.glob("*.wav")):
        with wave.open(str(path)) as w:
            total += w.getnframes() / w.getframerate()
        chosen.append(str(path))
        if total >= seconds:
            break
    out = root / "speech.wav"
    subprocess.run(["sox", *chosen, "-r", "8000", "-c", "1", "-e", "u-law", str(out)], check=True)
    return out, total


def write_config(root: Path, sip_port: int, http_port: int, calls: int, fmt: str) -> Path:
    config = root / "agentassist.toml"
    (root / "scripts").mkdir(exist_ok=True)
    config.write_text(
        f"""[sip]
listen = "127.0.0.1:{sip_port}"
max_calls = {calls}
second_call = "answer"  # a recorder on a trunk: every call answered at once

[audio]
input_device = "null"

[recorder]
format = "{fmt}"

[transcribe]
model = "tiny.en"
language = "en"

[assist]
scripts_dir = "{root / "scripts"}"
default_script = ""  # no script: what these figures have always measured

[server]
listen = "127.0.0.1:{http_port}"
data_dir = "{root / "data"}"
"""
    )
    return config


class Process:
    """What /proc says about the server process."""

    def __init__(self, pid: int) -> None:
        self.pid = pid

    def cpu_s(self) -> float:
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime

    def sample(self) -> dict[str, float]:
        status = dict(
            line.split(":", 1) for line in Path(f"/proc/{self.pid}/status").read_text().splitlines() if ":" in line
        )
        return {
            "rss_mb": round(int(status["VmRSS"].split()[0]) / 1024, 1),
            "threads": int(status["Threads"]),
            "fds": len(os.listdir(f"/proc/{self.pid}/fd")),
        }


MEMORY_METRICS = {  # /metrics name: sample key, scale
    "agentassist_malloc_in_use_bytes": ("malloc_in_use_mb", 1 / 2**20),
    "agentassist_malloc_free_bytes": ("malloc_free_mb", 1 / 2**20),
    "agentassist_python_allocated_blocks": ("python_blocks_k", 1 / 1000),
}


def memory_figures(client: httpx.Client) -> dict[str, float]:
    """What the server's malloc holds in use and keeps free, and Python's blocks (agentassist/memory.py)."""
    out: dict[str, float] = {}
    for line in client.get("/metrics").text.splitlines():
        name, _, value = line.partition(" ")
        if name in MEMORY_METRICS:
            key, scale = MEMORY_METRICS[name]
            out[key] = round(float(value) * scale, 1)
    return out


def start_server(
    root: Path, config: Path, http_port: int, user: str = "bench", serve: list[str] | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    """``agentassist serve`` on ``config``, healthy, and the token of a new admin ``user``; ``serve``: another
    command line that runs the server with the arguments of ``agentassist`` (benchmarks.threadcpu)."""
    env = {**os.environ, "AGENTASSIST_MODELS_DIR": str(REPO / "models")}
    add = subprocess.run(
        [str(AGENTASSIST), "users", "add", user, "--role", "admin", "--config", str(config)],
        cwd=REPO, capture_output=True, text=True, env=env, check=True,
    )  # fmt: skip
    token = add.stdout.strip().splitlines()[-1]
    log = open(root / "serve.log", "wb")  # noqa: SIM115 - handed to the child
    proc = subprocess.Popen(
        [*(serve or [str(AGENTASSIST)]), "serve", "--config", str(config)],
        cwd=REPO, stdout=log, stderr=subprocess.STDOUT, env=env,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"agentassist serve exited {proc.returncode}: see {root / 'serve.log'}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"http://127.0.0.1:{http_port}/healthz", timeout=1).status_code == 200:
                return proc, token
        time.sleep(0.5)
    proc.kill()
    raise SystemExit("agentassist serve not healthy within 120 s")


def all_calls(client: httpx.Client) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        params = {"cursor": cursor} if cursor else {}
        page = client.get("/api/calls", params=params).json()
        calls += page["items"]
        cursor = page.get("next")
        if not cursor:
            return calls


def check_recording(path: Path, seconds: float, frames: tuple[int, int] | None) -> dict[str, Any]:
    """A call's recording (WAV or Ogg Opus) and the frames its pipeline counted per channel, against the
    call's length ``seconds``; the caller's speech on the right channel."""
    _, pcm = read_stereo(path, RATE_HZ)
    channels, samples = pcm.shape[1], pcm.shape[0]
    expected = seconds * 50
    slack = max(1, math.ceil(seconds / 60))  # frames: one per started minute
    counted = [samples / FRAME_SAMPLES, *(frames or ())]
    customer_db = float(10 * np.log10((pcm[:, 1].astype(np.float64) ** 2).mean() + 1e-9)) if samples else 0.0
    return {
        "frames": counted[0],
        "agent_frames": frames[0] if frames else None,
        "customer_frames": frames[1] if frames else None,
        "frames_off": max(abs(c - expected) for c in counted),
        "ok": channels == 2
        and frames is not None
        and all(abs(c - expected) <= slack for c in counted)
        and customer_db > 40,
        "customer_db": round(customer_db, 1),
    }


_FRAMES = re.compile(
    r"call (?P<id>[0-9a-f-]+): (?P<agent>\d+) agent and (?P<customer>\d+) customer frames, "
    r"(?P<agent_filled>\d+) and (?P<customer_filled>\d+) of them silence filled in"
)


def pipeline_frames(log: str) -> dict[str, tuple[int, int, int, int]]:
    """Per call: agent and customer frames its pipeline took, and how many of each were filled-in silence."""
    return {
        m["id"]: (int(m["agent"]), int(m["customer"]), int(m["agent_filled"]), int(m["customer_filled"]))
        for m in _FRAMES.finditer(log)
    }


@dataclass
class Phone:
    """One `agentassist serve` (one agent's desk) with the sipp that calls it."""

    root: Path
    calls: int  # concurrent calls it takes
    sip_port: int = 0
    http_port: int = 0
    server: subprocess.Popen[bytes] | None = None
    token: str = ""
    caller: subprocess.Popen[bytes] | None = None
    client: httpx.Client = field(default_factory=httpx.Client)
    proc: Process | None = None

    def start(self, fmt: str) -> None:
        self.root.mkdir(parents=True)
        self.sip_port, self.http_port = free_port(), free_port()
        config = write_config(self.root, self.sip_port, self.http_port, self.calls, fmt)
        self.server, self.token = start_server(self.root, config, self.http_port)
        self.proc = Process(self.server.pid)
        self.client = httpx.Client(
            base_url=f"http://127.0.0.1:{self.http_port}", headers={"Authorization": f"Bearer {self.token}"}
        )

    def dial(self, seconds: int, rounds: int, speech: Path) -> None:
        """sipp places ``calls`` at once, ``rounds`` times back to back, each ``seconds`` long."""
        sipp = [
            "sipp", "-sf", str(SCENARIO), "-i", "127.0.0.1", "-p", str(free_port()),
            "-mp", str(free_port() // 2 * 2), "-m", str(self.calls * rounds), "-l", str(self.calls),
            "-r", str(self.calls), "-rp", "1000", "-d", str(seconds * 1000), "-s", "agent",
            f"127.0.0.1:{self.sip_port}",
            "-nostdin", "-trace_stat", "-trace_err", "-timeout", f"{seconds * rounds + 120}s",
        ]  # fmt: skip
        (self.root / "speech.wav").symlink_to(speech)  # the scenario streams ./speech.wav
        with open(self.root / "sipp.log", "wb") as out:
            self.caller = subprocess.Popen(sipp, cwd=self.root, stdout=out, stderr=subprocess.STDOUT)

    def active(self) -> int:
        return len(self.client.get("/api/calls", params={"status": "active"}).json()["items"])

    def stop(self) -> None:
        self.client.close()
        if self.caller is not None and self.caller.poll() is None:
            self.caller.kill()
        if self.server is not None:
            self.server.send_signal(signal.SIGTERM)
            try:
                self.server.wait(60)
            except subprocess.TimeoutExpired:
                self.server.kill()


def shares(calls: int, phones: int) -> list[int]:
    """``calls`` spread over ``phones`` as evenly as can be, larger shares first (10 over 3: 4 3 3)."""
    base, extra = divmod(calls, phones)
    return [base + (i < extra) for i in range(phones)]


def run(args: argparse.Namespace) -> dict[str, Any]:
    for program in ("sipp", "sox"):
        if shutil.which(program) is None:
            raise SystemExit(f"{program} is not installed: run `make install-test`")
    cap = build_max_calls()
    phones_n = args.phones or math.ceil(args.calls / cap)
    split = shares(args.calls, phones_n)
    if max(split) > cap:
        raise SystemExit(
            f"--calls {args.calls} over --phones {phones_n}: {max(split)} calls on one phone, but this pjsua2 "
            f"build takes at most {cap} (PJSUA_MAX_CALLS); use --phones {math.ceil(args.calls / cap)} "
            "or build pjsua2 from source (`make pjsua2`)"
        )
    root = Path(tempfile.mkdtemp(prefix="sip-load-", dir=args.workdir))
    soak_s = args.soak_minutes * 60
    rounds = max(1, round(soak_s / args.seconds)) if soak_s else 1
    total = args.calls * rounds
    speech, speech_s = speech_file(root, args.seconds + 5)
    phones = [Phone(root / f"phone-{i}", n) for i, n in enumerate(split)]
    samples: list[dict[str, float]] = []
    stop_sampling = threading.Event()
    started = time.monotonic()

    def active() -> int:
        return sum(p.active() for p in phones)

    def cpu_s() -> float:
        return sum(p.proc.cpu_s() for p in phones if p.proc is not None)

    def sample() -> dict[str, float]:
        each = [{**p.proc.sample(), **memory_figures(p.client)} for p in phones if p.proc is not None]
        return {k: round(sum(e.get(k, 0.0) for e in each), 1) for k in each[0]} if each else {}

    def sampler() -> None:
        while not stop_sampling.wait(0 if not samples else SAMPLE_EVERY_S):
            with contextlib.suppress(httpx.HTTPError, OSError):
                samples.append({"t_s": round(time.monotonic() - started), "active": active(), **sample()})

    calls: list[dict[str, Any]] = []
    try:
        for phone in phones:
            phone.start(args.format)
        thread = threading.Thread(target=sampler, daemon=True)
        cpu0, wall0 = cpu_s(), time.monotonic()
        for phone in phones:
            phone.dial(args.seconds, rounds, speech)
        thread.start()
        steady: dict[str, float] = {}
        if not soak_s:  # CPU while all calls run: from all answered to shortly before the first BYE
            deadline = time.monotonic() + 30
            up = 0
            while time.monotonic() < deadline:
                up = active()
                if up >= args.calls:
                    break
                time.sleep(0.2)
            c0, w0 = cpu_s(), time.monotonic()
            time.sleep(max(1.0, args.seconds - 8))
            steady = {"cpu_s": cpu_s() - c0, "wall_s": time.monotonic() - w0, "active": max(1, up)}
        sipp_rc = max(p.caller.wait() for p in phones if p.caller is not None)
        sipp_done = time.monotonic()
        # A call is marked ended once its pipeline has transcribed what it heard: under overload that
        # backlog drains after the last BYE. Wait for it, as long again as the calls took at most.
        deadline = sipp_done + max(120.0, args.seconds * rounds)
        while time.monotonic() < deadline and active():
            time.sleep(0.5)
        drain_s = time.monotonic() - sipp_done
        cpu_total_s, wall_s = cpu_s() - cpu0, time.monotonic() - wall0
        stop_sampling.set()
        thread.join()
        samples.append({"t_s": round(time.monotonic() - started), "active": active(), **sample()})
        for phone in phones:
            calls += [{**c, "phone": phone} for c in all_calls(phone.client)]
    finally:
        for phone in phones:
            phone.stop()
    checks = []
    per_call: dict[str, tuple[int, int, int, int]] = {}
    for phone in phones:
        per_call.update(pipeline_frames((phone.root / "serve.log").read_text(errors="replace")))
    for call in calls:
        recordings = call["phone"].root / "data" / "recordings"
        found = [p for p in (recordings / f"{call['id']}.ogg", recordings / f"{call['id']}.wav") if p.exists()]
        frames = per_call.get(call["id"])
        if found:
            # the reference is the call as the server timed it (media up to hangup): sipp's BYE comes a
            # little after its nominal --seconds on a busy machine, and the recording rightly follows it
            # (it also counts signalling, ~40 ms, on an idle one): right is within slack of either
            nominal = check_recording(found[0], args.seconds, frames[:2] if frames else None)
            check = check_recording(found[0], call.get("duration_s") or args.seconds, frames[:2] if frames else None)
            check["sipp_nominal_frames_off"] = round(nominal["frames_off"], 1)
            check["ok"] = check["ok"] or nominal["ok"]
            media = call.get("media") or {}
            check.update(rx_packets=media.get("rx_packets"), rx_lost=media.get("rx_lost"), codec=media.get("codec"))
            checks.append({"id": call["id"], **check})
        else:
            checks.append({"id": call["id"], "ok": False, "missing": True})
    ended = [c for c in calls if c["status"] == "ended" and c["end_reason"] == "hangup"]
    stats = [sipp_stats(p.root) for p in phones]
    filled = [sum(f[2] for f in per_call.values()), sum(f[3] for f in per_call.values())]
    frames_off = [c["frames_off"] for c in checks if "frames_off" in c]
    nominal_off = [c["sipp_nominal_frames_off"] for c in checks if "sipp_nominal_frames_off" in c]
    rx_lost = [c["rx_lost"] for c in checks if c.get("rx_lost") is not None]
    gaps = [float((c.get("media") or {}).get("recording_gap_s", 0.0)) for c in calls]
    summary: dict[str, Any] = {
        "calls": args.calls,
        "phones": phones_n,
        "calls_per_phone": split,
        "seconds": args.seconds,
        "soak_minutes": args.soak_minutes,
        "format": args.format,
        "placed": total,
        "sipp_successful": sum(int(s.get("SuccessfulCall(C)", 0)) for s in stats),
        "sipp_failed": sum(int(s.get("FailedCall(C)", 0)) for s in stats),
        "sipp_rc": sipp_rc,
        "ended_hangup": len(ended),
        "lost": total - len(ended),
        "recordings_ok": sum(1 for c in checks if c["ok"]),
        "frames_off_max": round(max(frames_off), 2) if frames_off else None,
        "frames_off_sipp_nominal_max": max(nominal_off) if nominal_off else None,
        "silence_filled_frames": {"agent": filled[0], "customer": filled[1]},
        "rx_lost_packets": sum(rx_lost),
        "recording_gap_max_s": round(max(gaps), 3) if gaps else None,
        "speech_source_s": round(speech_s, 1),
        "active_steady": steady.get("active"),
        "cpu_core_pct_per_call": round(100 * steady["cpu_s"] / steady["wall_s"] / steady["active"], 1)
        if steady
        else None,
        "cpu_core_pct_total_steady": round(100 * steady["cpu_s"] / steady["wall_s"], 1) if steady else None,
        "cpu_s_per_call": round(cpu_total_s / total, 2),
        "wall_s": round(wall_s, 1),
        "drain_s": round(drain_s, 1),
        "server": samples[-1] if samples else {},
        "samples": samples,
        "machine": machine(),
    }
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)
    else:
        summary["workdir"] = str(root)
    bad = [c for c in checks if not c["ok"]]
    if bad:
        summary["bad_recordings"] = bad[:5]
    return summary


def sipp_stats(root: Path) -> dict[str, str]:
    """The last line of sipp's -trace_stat CSV, by column."""
    files = sorted(root.glob("*_.csv"))
    if not files:
        return {}
    lines = [line for line in files[-1].read_text().splitlines() if line.strip()]
    if len(lines) < 2:
        return {}
    return dict(zip(lines[0].split(";"), lines[-1].split(";"), strict=False))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--calls", type=int, default=10, help="concurrent calls")
    p.add_argument("--seconds", type=int, default=60, help="length of each call")
    p.add_argument("--soak-minutes", type=float, default=0, help="back-to-back calls for this long")
    p.add_argument(
        "--phones",
        type=int,
        default=0,
        help="agentassist processes the calls are spread over, one per agent desk (default: as few as the "
        "pjsua2 build's PJSUA_MAX_CALLS allows)",
    )
    p.add_argument("--format", choices=["wav", "opus"], default="wav", help="[recorder] format")
    p.add_argument("--workdir", default=None, help="where the server's data goes (default: a temp dir)")
    p.add_argument("--keep", action="store_true", help="keep the server's data and logs")
    p.add_argument("--record", action="store_true", help="append the result to benchmarks/RESULTS.md")
    args = p.parse_args()
    summary = run(args)
    print(json.dumps(summary))
    if args.record:
        record(args, summary)
    ok = summary["lost"] == 0 and summary["recordings_ok"] == summary["placed"]
    return 0 if ok else 1


def record(args: argparse.Namespace, summary: dict[str, Any]) -> None:
    m = summary["machine"]
    realtime = os.sched_getscheduler(0) in (os.SCHED_RR, os.SCHED_FIFO)
    command = f"python -m benchmarks.sip_load --calls {args.calls} --seconds {args.seconds}"
    command = f"chrt -r 10 {command}" if realtime else command
    if args.phones:
        command += f" --phones {args.phones}"
    if args.format != "wav":
        command += f" --format {args.format}"
    if args.soak_minutes:
        command += f" --soak-minutes {args.soak_minutes:g}"
    figures = {k: v for k, v in summary.items() if k not in ("machine", "samples", "workdir")}
    lines = [
        f"- command: `{command}`",
        f"- machine: {m['cpu']}, {m['cores']} cores; "
        + (
            "run under `chrt -r 10` (real-time round robin: other work on the machine gets 5 %)"
            if realtime
            else "normal priority, nothing else running"
        ),
        f"- {summary['phones']} agentassist process(es), calls per process {summary['calls_per_phone']}",
        f"- result: `{json.dumps(figures)}`",
    ]
    if args.soak_minutes:
        lines += ["", *soak_table(summary["samples"])]
    title = "sip_load soak" if args.soak_minutes else "sip_load"
    write_results(f"{title} — {args.calls} calls x {args.seconds} s from sipp ({m['date']})", lines)


SOAK_WINDOW_S = 300
SOAK_COLUMNS = (
    ("rss_mb", "RSS MB"),
    ("malloc_in_use_mb", "malloc in use MB"),
    ("malloc_free_mb", "malloc free MB"),
    ("python_blocks_k", "Python blocks (k)"),
    ("threads", "threads"),
    ("fds", "fds"),
)


def soak_table(samples: list[dict[str, float]]) -> list[str]:
    """The server's figures while calls were up, as means over 5-minute windows (one row per figure),
    then the samples before the first call and after the last."""
    windows: dict[int, list[dict[str, float]]] = {}
    for s in samples:
        if s["active"]:
            windows.setdefault(int(s["t_s"] // SOAK_WINDOW_S), []).append(s)
    order = sorted(windows)
    head = [f"{w * SOAK_WINDOW_S // 60}–{(w + 1) * SOAK_WINDOW_S // 60} min" for w in order]
    lines = ["| mean while calls are up | " + " | ".join(head) + " |", "|---" * (len(head) + 1) + "|"]
    for key, label in SOAK_COLUMNS:
        if all(key in s for s in samples):
            means = [sum(s[key] for s in windows[w]) / len(windows[w]) for w in order]
            shown = [f"{v:g}" if key in ("threads", "fds") else f"{v:.1f}" for v in means]
            lines.append(f"| {label} | " + " | ".join(shown) + " |")
    idle = [s for s in samples if not s["active"]]
    if idle:
        lines += ["", "Idle: " + "; ".join(
            f"t {s['t_s']} s: " + ", ".join(f"{label} {s[k]}" for k, label in SOAK_COLUMNS if k in s) for s in idle
        )]  # fmt: skip
    return lines


if __name__ == "__main__":
    sys.exit(main())
