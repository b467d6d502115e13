"""``python -m benchmarks.load`` reports quality beside latency: WER of the live finals, of the stored
transcript and offline (cached), partial freshness and CTranslate2's ISA, on the held-out prompts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from agentassist.config import TranscribeSettings
from benchmarks.common import DEFAULT_MANIFEST, REPO, half_of, load_manifest
from benchmarks.isa import parse
from benchmarks.load import plans
from benchmarks.quality import Shown, Spoken, fresh_share

MANIFEST = next(
    (p for p in (DEFAULT_MANIFEST, REPO.parent.parent / "shared/speech/asterisk/manifest.jsonl") if p.is_file()),
    None,
)


def test_the_halves_split_the_prompts_by_name_the_same_everywhere() -> None:
    assert half_of(Path("/a/en/for.wav")) == half_of(Path("/elsewhere/en/for.wav"))
    if MANIFEST is None:
        pytest.skip(f"no speech manifest at {DEFAULT_MANIFEST}")
    every = load_manifest(MANIFEST, "en")
    tune, held = load_manifest(MANIFEST, "en", half="tune"), load_manifest(MANIFEST, "en", half="heldout")
    assert len(tune) + len(held) == len(every) and not {i.file for i in tune} & {i.file for i in held}
    assert 0.4 < len(held) / len(every) < 0.6
    with pytest.raises(ValueError, match="half: expected one of tune, heldout, all, got 'both'"):
        load_manifest(MANIFEST, half="both")


def test_the_first_call_speaks_the_same_prompts_at_every_number_of_calls() -> None:
    if MANIFEST is None:
        pytest.skip(f"no speech manifest at {DEFAULT_MANIFEST}")
    _, _, one = plans(MANIFEST, "en", 12, 1, 30.0)
    _, _, four = plans(MANIFEST, "en", 12, 4, 30.0)
    assert one[0] == four[0] and four[1] != four[0]  # so load.py's first_call compares loads on one speech


def test_fresh_share_counts_speech_whose_shown_text_is_at_most_a_second_behind() -> None:
    spoken = [Spoken(10.0, 14.0, 0)]
    # nothing shown: the first second is fresh by definition, the other three are not
    assert fresh_share(spoken, []) == pytest.approx((1.0, 4.0), abs=0.03)
    # a partial at 11.5 covering up to 11.2, one at 13.0 up to 12.9: stale 11.0-11.5, 12.2-13.0 and 13.9-14.0
    shown = [Shown(11.5, 11.2), Shown(13.0, 12.9)]
    fresh, total = fresh_share(spoken, shown)
    assert total == pytest.approx(4.0, abs=0.03) and fresh == pytest.approx(2.6, abs=0.08)  # a 20 ms step at each edge


def test_the_isa_is_read_from_ctranslate2s_verbose_log() -> None:
    log = "[info] CPU: AuthenticAMD (AVX2=true)\n[info]  - Selected ISA: AVX2\n"
    log += "[info]  - Selected compute type: int8_float32\n"
    assert parse(log) == ("AVX2", "int8_float32")
    assert parse("nothing") == (None, None)


def test_a_short_load_run_reports_quality_beside_latency(tmp_path: Path) -> None:
    if MANIFEST is None:
        pytest.skip(f"no speech manifest at {DEFAULT_MANIFEST}")
    cache = tmp_path / "offline.json"
    command = [sys.executable, "-m", "benchmarks.load", "--calls", "1", "--seconds", "12", "--limit", "8"]
    command += ["--manifest", str(MANIFEST), "--offline-cache", str(cache)]
    env = {**os.environ, "AGENTASSIST_MODELS_DIR": str(REPO / "models")}
    out = subprocess.run(command, cwd=REPO, capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-3000:]
    summary = json.loads(out.stdout.strip().splitlines()[-1])
    for key in ("wer_live_finals", "wer_stored", "wer_offline", "partial_fresh_share"):
        assert isinstance(summary[key], float) and 0.0 <= summary[key] <= 1.0, (key, summary[key])
    assert summary["wer_offline"] <= 0.5 and summary["wer_stored"] <= 0.5  # real speech, the real model
    assert summary["isa"] in ("GENERIC", "AVX", "AVX2", "AVX512", "NEON")  # ctranslate2's names (CT2_VERBOSE)
    assert summary["half"] == "heldout" and summary["finals"] >= 1
    # the first call speaks the same prompts at every --calls: with one call it is the whole run
    first = summary["first_call"]
    assert first["reference_words"] == summary["reference_words"]
    for key in ("wer_live_finals", "wer_stored", "wer_offline"):
        assert first[key] == summary[key], key
    defaults = TranscribeSettings()  # a plain run measures what a new install runs
    assert (summary["partial_batch"], summary["window"]) == (defaults.partial_batch, defaults.window)
    assert (summary["final_batch"], summary["revise_due_s"]) == (defaults.final_batch, defaults.revise_due_s)
    entries = json.loads(cache.read_text())
    assert entries and all(k.startswith("tiny.en|en|beam5|") for k in entries)
