"""benchmarks.budget27 counts the jobs the load targets demand through the production stream and
scheduler, with a recorder for a model (issue 27): no model needed, so it runs anywhere."""

from __future__ import annotations

import pytest

from agentassist.events import Channel
from benchmarks.budget27 import demand, parser
from benchmarks.load import plans
from tests.test_benchmarks_load import MANIFEST


def test_the_budget_counts_the_finals_more_partials_at_a_shorter_hop_fewer_revisions_at_a_longer_gap() -> None:
    if MANIFEST is None:
        pytest.skip("no speech manifest")
    args = parser().parse_args(["--manifest", str(MANIFEST), "--calls", "1", "--seconds", "30", "--no-cost"])
    every_s, jobs = demand(args, 1.0, 1.0)
    often, _ = demand(args, 0.35, 1.0)
    long_turns, _ = demand(args, 1.0, 10.0)
    _, _, placed = plans(MANIFEST, "en", None, 1, 30.0, "heldout")
    prompts = sum(len(placed[0][ch]) for ch in Channel)
    finals = round((every_s["final"] + every_s["speculative"]) * 30)
    # a decode at each pause of 100 ms: the final at the cut, a hypothesis when the speech went on (9 for 7)
    assert prompts <= finals <= 1.5 * prompts, (finals, prompts)
    assert often["partial"] > 2 * every_s["partial"] > 0
    assert 0 < long_turns["revision"] < every_s["revision"]
    assert every_s["same_audio_as_earlier_job"]["exact"] == 0
    assert {j.kind for j in jobs} >= {"speculative", "partial", "revision"}
