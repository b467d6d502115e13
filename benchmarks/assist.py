"""Script following quality: steps, cards and alerts against a human judge's answers, per language.

    python -m benchmarks.assist --cases benchmarks/assist_cases [--out FILE] [--lexical]
    python -m benchmarks.assist --cases benchmarks/assist_cases_v2   # its tune/ and heldout/ halves apart

Each case directory holds ``script.yaml`` (the contract's script format),
``transcript.jsonl`` (one final utterance per line: ``{"channel", "start",
"end", "text"}``) and ``expected.json`` (``{"steps": {id: "done"|"missed"},
"cards": [ids], "alerts": [types]}``). The transcript is fed to a real
ScriptTracker in time order, as finals, with ``tick`` called every second of
call time in between, then ``finish`` at the end of the last utterance.

Scored per language (the script's ``language``): steps as a "done" detector
(precision: of the steps ticked, how many a judge says were said; recall: of
the steps said, how many ticked; an ``unsure`` step is not ticked), cards and
alerts as sets per case (alert types; a ``compliance_unsure`` alert counts as
the ``compliance_missed`` a judge writes: the judge has no "unsure").

Compliance alerts, per compliance step the judge decided (defined before any
figure was looked at, session 15): a step the judge says was *not* said is
alerted when the tracker left it ``missed`` or ``unsure`` (either raised an
alert: ``compliance_missed`` or ``compliance_unsure``, "said in other words?")
and silent when the tracker ticked it; ``missed_alert_recall`` = alerted /
(alerted + silent), 1.0 when no real miss is ever silent. A step the judge says
*was* said is a false "missed" when the tracker left it ``missed`` (cost 1: a
wrong alert and a wrong score) and a false "unsure" when it left it ``unsure``
(cost 0.5: a checker looks at one sentence shown to them);
``compliance_alert_precision`` = alerted / (alerted + false missed + 0.5 x
false unsure). Tick delay: wall time from handing a final agent utterance to the
tracker to its events (p50/p95 over every final agent utterance: the cost per
utterance; and over those that ticked a step). A cases directory whose
subdirectories are themselves directories of cases (``tune/``, ``heldout/``)
is scored per subdirectory: each half apart. ``--lexical`` turns the meaning
path off (the lexical matcher alone). Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agentassist.assist.parsing import load_script
from agentassist.assist.tracker import ScriptTracker, TrackerOptions
from agentassist.errors import ScriptError
from agentassist.events import Channel, EventType, Utterance

DEFAULT_CASES = Path(__file__).resolve().parent / "assist_cases"
_TICK_S = 1.0


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, predicted: set[str], expected: set[str]) -> None:
        self.tp += len(predicted & expected)
        self.fp += len(predicted - expected)
        self.fn += len(expected - predicted)

    def to_json(self) -> dict[str, Any]:
        precision = self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0
        recall = self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0
        return {
            "precision": round(precision, 3),
            "recall": round(recall, 3),
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
        }


@dataclass
class Language:
    cases: int = 0
    steps: Counts = field(default_factory=Counts)
    cards: Counts = field(default_factory=Counts)
    alerts: Counts = field(default_factory=Counts)
    compliance_false_missed: int = 0
    compliance_false_unsure: int = 0
    compliance_alerted: int = 0  # real misses the tracker alerted (missed or unsure)
    compliance_silent: int = 0  # real misses the tracker ticked: no alert
    delays_s: list[float] = field(default_factory=list)
    cpu_s: list[float] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        alerted, real = self.compliance_alerted, self.compliance_alerted + self.compliance_silent
        cost = alerted + self.compliance_false_missed + 0.5 * self.compliance_false_unsure
        return {
            "cases": self.cases,
            "steps": self.steps.to_json(),
            "cards": self.cards.to_json(),
            "alerts": self.alerts.to_json(),
            "compliance_false_missed": self.compliance_false_missed,
            "compliance_false_unsure": self.compliance_false_unsure,
            "compliance_silent_misses": self.compliance_silent,
            "missed_alert_recall": round(alerted / (alerted + self.compliance_silent), 3) if real else 1.0,
            "compliance_alert_precision": round(alerted / cost, 3) if cost else 1.0,
            **_percentiles(self.delays_s, "utterance_delay"),
            **_percentiles(self.cpu_s, "utterance_cpu"),
        }


def _percentiles(values: list[float], name: str) -> dict[str, float | None]:
    v = sorted(values)
    if not v:
        return {f"{name}_p50_s": None, f"{name}_p95_s": None}
    return {f"{name}_p50_s": round(statistics.median(v), 6), f"{name}_p95_s": round(v[int(0.95 * (len(v) - 1))], 6)}


@dataclass
class CaseResult:
    name: str
    language: str
    steps: dict[str, str]
    cards: list[str]
    alerts: list[str]
    tick_delays_s: list[float]
    expected: dict[str, Any]
    utterance_delays_s: list[float] = field(default_factory=list)
    utterance_cpu_s: list[float] = field(default_factory=list)  # the tracker thread's CPU time per final
    compliance: frozenset[str] = frozenset()  # the script's compliance step ids


class CaseError(Exception):
    pass


def _read_transcript(path: Path, call_id: str) -> list[Utterance]:
    out: list[Utterance] = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            channel = Channel(obj["channel"])
            start, end, text = float(obj["start"]), float(obj["end"]), str(obj["text"])
        except (ValueError, KeyError, TypeError) as exc:
            raise CaseError(f"{path}:{n}: expected {{channel, start, end, text}}, got {line!r} ({exc})") from None
        if end < start:
            raise CaseError(f"{path}:{n}: end {end} before start {start}")
        out.append(Utterance(f"{call_id}-{n}", call_id, channel, start, end, text))
    return sorted(out, key=lambda u: (u.end_s, u.start_s))


def run_case(directory: Path, lexical: bool = False, trackers: list[ScriptTracker] | None = None) -> CaseResult:
    """``trackers``: the case's tracker is appended to it, for a caller that looks inside (assist_misses)."""
    try:
        script = load_script(directory / "script.yaml")
    except ScriptError as exc:
        raise CaseError(str(exc)) from None
    try:
        expected = json.loads((directory / "expected.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CaseError(f"{directory / 'expected.json'}: {exc}") from None
    unknown = set(expected.get("steps", {})) - {s.id for s in script.steps}
    if unknown:
        raise CaseError(f"{directory / 'expected.json'}: steps not in the script: {sorted(unknown)}")
    utterances = _read_transcript(directory / "transcript.jsonl", directory.name)
    options = TrackerOptions(semantic=False) if lexical else None
    tracker = ScriptTracker(script, {}, directory.name, options=options)
    if trackers is not None:
        trackers.append(tracker)
    delays: list[float] = []
    per_utterance: list[float] = []
    cpu: list[float] = []
    clock = 0.0
    # Finals arrive when their speech ends; the clock ticks every second in between.
    for u in utterances:
        while clock + _TICK_S <= u.end_s:
            clock += _TICK_S
            speaking = any(v.start_s <= clock <= v.end_s for v in utterances)  # what voice activity detection sees
            tracker.tick(clock, speaking)
        started, cpu_started = time.perf_counter(), time.thread_time()
        events = tracker.on_utterance(u)
        elapsed = time.perf_counter() - started
        if u.channel is Channel.AGENT:
            per_utterance.append(elapsed)
            cpu.append(time.thread_time() - cpu_started)
        if any(e.type is EventType.ASSIST_STEP for e in events):
            delays.append(elapsed)
    end_s = max((u.end_s for u in utterances), default=0.0)
    tracker.tick(end_s)
    tracker.finish(end_s)
    state = tracker.state()
    return CaseResult(
        name=directory.name,
        language=script.language,
        steps={s["id"]: s["status"] for s in state["steps"]},
        cards=sorted({c["id"] for c in state["cards"]}),
        alerts=sorted({a["type"] for a in state["alerts"]}),
        tick_delays_s=delays,
        expected=expected,
        utterance_delays_s=per_utterance,
        utterance_cpu_s=cpu,
        compliance=frozenset(s.id for s in script.steps if s.compliance),
    )


def score(results: list[CaseResult]) -> dict[str, Any]:
    languages: dict[str, Language] = {}
    for r in results:
        lang = languages.setdefault(r.language, Language())
        lang.cases += 1
        judged = r.expected.get("steps", {})
        lang.steps.add(
            {k for k in judged if r.steps.get(k) == "done"},
            {k for k, v in judged.items() if v == "done"},
        )
        lang.cards.add(set(r.cards), set(r.expected.get("cards", [])))
        raised = {"compliance_missed" if a == "compliance_unsure" else a for a in r.alerts}
        lang.alerts.add(raised, set(r.expected.get("alerts", [])))
        for k in r.compliance:
            got = r.steps.get(k)
            if judged.get(k) == "done":
                lang.compliance_false_missed += got == "missed"
                lang.compliance_false_unsure += got == "unsure"
            elif judged.get(k) == "missed":
                lang.compliance_alerted += got in ("missed", "unsure")
                lang.compliance_silent += got == "done"
        lang.delays_s += r.utterance_delays_s
        lang.cpu_s += r.utterance_cpu_s
    delays = sorted(d for r in results for d in r.tick_delays_s)
    return {
        "cases": len(results),
        "languages": {k: languages[k].to_json() for k in sorted(languages)},
        "tick_delay_p50_s": round(statistics.median(delays), 6) if delays else None,
        "tick_delay_max_s": round(delays[-1], 6) if delays else None,
        "ticks": len(delays),
        **_percentiles(delays, "tick_delay"),
        **_percentiles([d for r in results for d in r.utterance_delays_s], "utterance_delay"),
        **_percentiles([d for r in results for d in r.utterance_cpu_s], "utterance_cpu"),
    }


def case_dirs(root: Path) -> list[Path]:
    if not root.is_dir():
        raise CaseError(f"{root}: not a directory of cases")
    dirs = sorted(p for p in root.iterdir() if (p / "script.yaml").is_file())
    if not dirs:
        raise CaseError(f"{root}: no case directories (each needs script.yaml, transcript.jsonl, expected.json)")
    return dirs


def halves(root: Path) -> dict[str, Path]:
    """``{name: directory of cases}``: the root itself, or each subdirectory holding cases (tune, heldout)."""
    if root.is_dir() and not any((p / "script.yaml").is_file() for p in root.iterdir()):
        subs = {p.name: p for p in sorted(root.iterdir()) if p.is_dir() and any(p.glob("*/script.yaml"))}
        if subs:
            return subs
    return {root.name: root}


def run(root: Path, lexical: bool = False) -> tuple[list[CaseResult], dict[str, Any]]:
    results = [run_case(d, lexical) for d in case_dirs(root)]
    return results, score(results)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--cases", type=Path, default=DEFAULT_CASES, help="directory of case directories")
    p.add_argument("--out", type=Path, default=None, help="write one JSON line per case here")
    p.add_argument("--lexical", action="store_true", help="the lexical matcher alone (no meaning path)")
    args = p.parse_args(argv)
    try:
        runs = {name: run(path, args.lexical) for name, path in halves(args.cases).items()}
    except CaseError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    if args.out is not None:
        with args.out.open("w", encoding="utf-8") as f:
            for results, _ in runs.values():
                for r in results:
                    f.write(json.dumps({"case": r.name, "steps": r.steps, "cards": r.cards, "alerts": r.alerts}) + "\n")
    for name, (results, summary) in runs.items():
        _print(name if len(runs) > 1 else "", results, summary)
    if len(runs) == 1:
        sys.stdout.write(json.dumps(next(iter(runs.values()))[1]) + "\n")
    else:
        sys.stdout.write(json.dumps({name: summary for name, (_, summary) in runs.items()}) + "\n")
    return 0


def _print(half: str, results: list[CaseResult], summary: dict[str, Any]) -> None:
    prefix = f"[{half}] " if half else ""
    for r in results:
        judged = r.expected.get("steps", {})
        wrong = [
            f"{k}: got {r.steps.get(k)}, judge {v}"
            for k, v in judged.items()
            if (r.steps.get(k) == "done") != (v == "done")
        ]
        if set(r.cards) != set(r.expected.get("cards", [])):
            wrong.append(f"cards: got {r.cards}, judge {sorted(r.expected.get('cards', []))}")
        if set(r.alerts) != set(r.expected.get("alerts", [])):
            wrong.append(f"alerts: got {r.alerts}, judge {sorted(r.expected.get('alerts', []))}")
        sys.stdout.write(f"{prefix}{r.name} [{r.language}]: {'ok' if not wrong else '; '.join(wrong)}\n")
    for lang, s in summary["languages"].items():
        line = "  ".join(f"{k} P={s[k]['precision']:.3f} R={s[k]['recall']:.3f}" for k in ("steps", "cards", "alerts"))
        p50, p95 = s["utterance_delay_p50_s"], s["utterance_delay_p95_s"]
        c50, c95 = s["utterance_cpu_p50_s"], s["utterance_cpu_p95_s"]
        delay = (
            f"delay p50={p50 * 1000:.1f} ms p95={p95 * 1000:.1f} ms (cpu p50={c50 * 1000:.1f} p95={c95 * 1000:.1f})"
            if p50 is not None and c50 is not None and c95 is not None
            else "delay -"
        )
        false_missed = (
            f"compliance false missed={s['compliance_false_missed']} unsure={s['compliance_false_unsure']}"
            f" missed-alert R={s['missed_alert_recall']:.3f} P={s['compliance_alert_precision']:.3f}"
        )
        sys.stdout.write(f"{prefix}{lang} ({s['cases']} cases): {line}  {false_missed}  {delay}\n")


if __name__ == "__main__":
    sys.exit(main())
