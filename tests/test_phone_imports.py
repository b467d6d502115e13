"""The desk's process stays small: ``agentassist phone`` imports neither numpy nor webrtcvad nor the
recogniser (issue 16: idle RSS <= 60 MB; numpy alone is about 15 MB of it), and the options whose
defaults the settings take stay importable where they always were."""

from __future__ import annotations

import subprocess
import sys

_HEAVY = ("numpy", "webrtcvad", "faster_whisper", "ctranslate2", "sqlalchemy", "fastapi", "uvicorn")


def test_the_phone_imports_no_numpy_and_no_recogniser() -> None:
    code = (
        "import sys, agentassist.cli, agentassist.sip.tap, agentassist.audio.devices\n"
        "from agentassist.phone import run\n"
        "from agentassist.config import Settings\n"
        "Settings().transcribe.segmenter_options()\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({_HEAVY!r})))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_the_options_are_importable_where_they_were() -> None:
    from agentassist.audio import frames, pcm, segmenter, segmenter_options
    from agentassist.transcribe import decoder, options, revise, stream, transcriber

    assert segmenter.SegmenterOptions is segmenter_options.SegmenterOptions
    assert stream.StreamOptions is options.StreamOptions
    assert transcriber.TranscriberOptions is options.TranscriberOptions
    assert (decoder.MAX_S, revise.TURN_MAX_S) == (options.MAX_S, options.TURN_MAX_S)
    assert frames.FRAME_BYTES == pcm.FRAME_BYTES == 640
