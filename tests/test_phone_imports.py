"""The desk's process stays small: ``agentassist phone`` imports neither numpy nor webrtcvad nor the
recogniser, nor the store nor the tracker (issue 16: idle RSS <= 60 MB; numpy alone is about 15 MB of it,
SQLAlchemy 20 MB), and the options whose defaults the settings take stay importable where they always were."""

from __future__ import annotations

import subprocess
import sys

_HEAVY = ("numpy", "webrtcvad", "faster_whisper", "ctranslate2", "sqlalchemy", "fastapi", "uvicorn", "rapidfuzz")
# Packages of agentassist the phone has no use for: the tracker's tree, the store's tables
_NOT_ON_THE_DESK = ("agentassist.assist", "agentassist.store.models", "agentassist.transcribe.stream")


def test_the_phone_imports_no_numpy_and_no_recogniser() -> None:
    # What `agentassist phone` runs before its loop: the CLI's parser (built for every command), the
    # phone's modules, the settings. The parser's imports cost the phone 20 MB once (store.models for the
    # roles), with `import agentassist.cli` alone still clean.
    code = (
        "import sys, agentassist.cli, agentassist.sip.tap, agentassist.sip.softphone, agentassist.audio.devices\n"
        "agentassist.cli.build_parser().parse_args(['phone', '--server', 'ws://127.0.0.1:1'])\n"
        "from agentassist.phone import run\n"
        "from agentassist.config import Settings\n"
        "Settings().transcribe.segmenter_options()\n"
        f"heavy = {{m.split('.')[0] for m in sys.modules}} & set({_HEAVY!r})\n"
        f"ours = {{m for m in sys.modules if m.startswith({_NOT_ON_THE_DESK!r})}}\n"
        "print(sorted(heavy | ours))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_the_settings_still_give_the_trackers_options() -> None:
    from agentassist.assist.options import TrackerOptions
    from agentassist.config import Settings

    options = Settings().assist.tracker_options()
    assert isinstance(options, TrackerOptions) and options.match_threshold == 0.7
    assert options == TrackerOptions()  # each [assist] default is the tracker's own, written once


def test_the_options_are_importable_where_they_were() -> None:
    from agentassist.audio import frames, pcm, segmenter, segmenter_options
    from agentassist.transcribe import decoder, options, revise, stream, transcriber

    assert segmenter.SegmenterOptions is segmenter_options.SegmenterOptions
    assert stream.StreamOptions is options.StreamOptions
    assert transcriber.TranscriberOptions is options.TranscriberOptions
    assert (decoder.MAX_S, revise.TURN_MAX_S) == (options.MAX_S, options.TURN_MAX_S)
    assert frames.FRAME_BYTES == pcm.FRAME_BYTES == 640
