"""Offline transcription of a file through the same streaming code as live calls.

The file is decoded (any format PyAV reads), resampled to 16 kHz and fed frame by
frame through a :class:`ChannelStream` per channel, as fast as it is consumed:
the segments, guards, decoding and revisions are those of a live call. A stereo file is
taken as a call recording (left: agent, right: customer); anything else as one
speaker.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import numpy as np

from agentassist.audio.frames import FRAME_BYTES, SAMPLE_RATE_HZ
from agentassist.config import TranscribeSettings
from agentassist.errors import AudioError
from agentassist.events import Channel, Utterance
from agentassist.subtitles import subtitles
from agentassist.transcribe.engine import StreamingTranscriber, Transcriber
from agentassist.transcribe.stream import ChannelStream


def _decode(path: Path) -> tuple[np.ndarray[Any, Any], int]:
    """float32 samples (frames x channels) at 16 kHz and the number of channels (1 or 2)."""
    import av
    from faster_whisper import decode_audio

    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                raise AudioError(f"{path}: no audio stream in the file")
            stereo = container.streams.audio[0].codec_context.channels == 2
        if stereo:
            left, right = decode_audio(str(path), sampling_rate=SAMPLE_RATE_HZ, split_stereo=True)
            return np.stack([left, right], axis=1), 2
        mono = decode_audio(str(path), sampling_rate=SAMPLE_RATE_HZ)
    except AudioError:
        raise
    except Exception as exc:
        raise AudioError(f"{path}: cannot decode audio ({exc})") from None
    return np.asarray(mono)[:, None], 1


def transcribe_samples(
    channels: dict[Channel, np.ndarray[Any, Any]],
    streaming: StreamingTranscriber,
    *,
    call_id: str = "file",
    settings: TranscribeSettings | None = None,
    language: str | None = None,
) -> list[Utterance]:
    """Final utterances of float32 16 kHz channels, fed through ChannelStream as fast as consumed, with
    their turns' revisions applied (``streaming`` should not drop revisions: ``revise_max_wait_s=None``)."""
    s = settings or TranscribeSettings()
    finals: dict[str, Utterance] = {}
    fed = [0]

    def clock() -> float:
        return fed[0] * FRAME_BYTES / 2 / SAMPLE_RATE_HZ

    def emit(u: Utterance) -> None:
        if u.final:
            finals[u.id] = u  # a revision replaces its final

    streams = {
        ch: ChannelStream(
            call_id,
            ch,
            streaming,
            emit,
            segmenter_options=s.segmenter_options(),
            options=dataclasses.replace(s.stream_options(), partials=False, speculative_silence_ms=0),  # nobody waits
            language=language,
            clock=clock,
        )
        for ch in channels
    }
    pcm = {ch: np.clip(np.round(x * 32768.0), -32768, 32767).astype("<i2").tobytes() for ch, x in channels.items()}
    n = max(len(b) for b in pcm.values())
    for off in range(0, n, FRAME_BYTES):
        for ch, stream in streams.items():
            frame = pcm[ch][off : off + FRAME_BYTES]
            stream.push(frame + bytes(FRAME_BYTES - len(frame)))
        fed[0] += 1
    for stream in streams.values():
        stream.finish()
    streaming.wait_idle()
    return sorted(finals.values(), key=lambda u: (u.start_s, u.channel.value))


def transcribe_file(path: Path, settings: TranscribeSettings, language: str | None = None) -> dict[str, Any]:
    if not path.is_file():
        raise AudioError(f"{path}: audio file not found")
    samples, n_channels = _decode(path)
    options = settings.transcriber_options()
    transcriber = Transcriber(options)
    streaming = StreamingTranscriber(transcriber, workers=1, revise_max_wait_s=None)
    try:
        if n_channels == 2:
            channels = {Channel.AGENT: samples[:, 0], Channel.CUSTOMER: samples[:, 1]}
        else:
            channels = {Channel.CUSTOMER: samples[:, 0]}
        finals = transcribe_samples(channels, streaming, settings=settings, language=language)
    finally:
        streaming.close()
    segments = []
    for u in finals:
        seg: dict[str, Any] = {
            "start": round(u.start_s, 3),
            "end": round(u.end_s, 3),
            "text": u.text,
            "words": [
                {
                    "start": round(w.start_s, 3),
                    "end": round(w.end_s, 3),
                    "word": w.text,
                    "probability": round(w.probability, 3),
                }
                for w in u.words
            ],
        }
        if n_channels == 2:
            seg["channel"] = u.channel.value
        segments.append(seg)
    languages = [u.language for u in finals if u.language]
    return {
        "file": str(path),
        "language": max(set(languages), key=languages.count) if languages else (language or transcriber.language or ""),
        "duration_s": round(samples.shape[0] / SAMPLE_RATE_HZ, 3),
        "channels": n_channels,
        "text": " ".join(s["text"] for s in segments).strip(),
        "segments": segments,
    }


def format_transcript(result: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(result, ensure_ascii=False, indent=2) + "\n"
    return subtitles(((seg["start"], seg["end"], seg["text"]) for seg in result["segments"]), fmt)
