"""The agent's microphone and earpiece: a headset through sounddevice, a WAV file, or nothing.

The softphone asks a :class:`MicrophoneFactory` for one :class:`Microphone` per
call and pulls a 20 ms frame from it on every media tick; a :class:`Speaker`
receives what the customer says. Pull and push run on the media thread, so
they only copy bytes.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from pathlib import Path
from typing import Any, Protocol

from agentassist.audio.frames import FRAME_BYTES, FRAME_SAMPLES, SAMPLE_RATE_HZ, SILENT_FRAME, read_wav_mono
from agentassist.config import AudioSettings

log = logging.getLogger(__name__)

_BUFFER_FRAMES = 25  # 0.5 s of device audio kept at most; older frames are dropped


class Microphone(Protocol):
    def read_frame(self) -> bytes:
        """Return the next 20 ms of the agent's voice (640 bytes, 16 kHz int16)."""
        ...


class Speaker(Protocol):
    def write_frame(self, pcm: bytes) -> None: ...


class SilentMicrophone:
    def read_frame(self) -> bytes:
        return SILENT_FRAME


class NullSpeaker:
    def write_frame(self, pcm: bytes) -> None:
        return None


class FileMicrophone:
    """Plays a preloaded recording once, then silence."""

    def __init__(self, pcm: bytes) -> None:
        self._pcm = pcm
        self._pos = 0

    def read_frame(self) -> bytes:
        chunk = self._pcm[self._pos : self._pos + FRAME_BYTES]
        self._pos += FRAME_BYTES
        if len(chunk) < FRAME_BYTES:
            chunk += bytes(FRAME_BYTES - len(chunk))
        return chunk


def file_microphone(path: Path) -> FileMicrophone:
    """A microphone that plays ``path`` (any PCM WAV, resampled to 16 kHz mono) once."""
    return FileMicrophone(read_wav_mono(path, SAMPLE_RATE_HZ).astype("<i2").tobytes())


class _DeviceStreams:
    """One full-duplex sounddevice stream shared by all calls; frames cross through deques."""

    def __init__(self, input_device: str, output_device: str) -> None:
        import sounddevice as sd  # optional native piece: imported only when a headset is used

        self.captured: deque[bytes] = deque(maxlen=_BUFFER_FRAMES)
        self.playback: deque[bytes] = deque(maxlen=_BUFFER_FRAMES)
        self.dropped = 0
        device: tuple[Any, Any] = (input_device or None, output_device or None)
        self._stream = sd.RawStream(
            samplerate=SAMPLE_RATE_HZ,
            blocksize=FRAME_SAMPLES,
            channels=1,
            dtype="int16",
            device=device,
            callback=self._callback,
        )
        self._stream.start()

    def _callback(self, indata: Any, outdata: Any, frames: int, time: Any, status: Any) -> None:
        self.captured.append(bytes(indata))
        try:
            outdata[:] = self.playback.popleft()
        except IndexError:
            outdata[:] = SILENT_FRAME[: len(outdata)]

    def close(self) -> None:
        self._stream.stop()
        self._stream.close()


class _DeviceMicrophone:
    def __init__(self, streams: _DeviceStreams) -> None:
        self._streams = streams

    def read_frame(self) -> bytes:
        try:
            return self._streams.captured.popleft()
        except IndexError:
            return SILENT_FRAME


class _DeviceSpeaker:
    def __init__(self, streams: _DeviceStreams) -> None:
        self._streams = streams

    def write_frame(self, pcm: bytes) -> None:
        self._streams.playback.append(pcm)


class AudioIO:
    """Chooses the agent's audio from ``[audio]`` settings; built once per process.

    ``agent_audio_file`` wins over devices (demos and tests); ``input_device = "null"``
    means no microphone. A missing PortAudio library or absent device falls back to
    silence with a warning: the call and its recording go on.
    """

    def __init__(self, settings: AudioSettings) -> None:
        self._file_pcm: bytes | None = None
        self._streams: _DeviceStreams | None = None
        self._lock = threading.Lock()
        if settings.agent_audio_file:
            samples = read_wav_mono(Path(settings.agent_audio_file), SAMPLE_RATE_HZ)
            self._file_pcm = samples.astype("<i2").tobytes()  # loaded once, replayed for every call
            log.info("agent audio from file %s (%.1f s)", settings.agent_audio_file, samples.size / SAMPLE_RATE_HZ)
        elif settings.input_device != "null":
            try:
                self._streams = _DeviceStreams(settings.input_device, settings.output_device)
                log.info(
                    "headset opened (input %r, output %r)",
                    settings.input_device or "default",
                    settings.output_device or "default",
                )
            except OSError as exc:  # PortAudio library missing
                log.warning("no headset: %s (install it with: apt-get install libportaudio2); using silence", exc)
            except Exception as exc:  # sounddevice raises PortAudioError or ValueError for absent devices
                log.warning("no headset: %s; using silence", exc)

    def microphone(self) -> Microphone:
        if self._file_pcm is not None:
            return FileMicrophone(self._file_pcm)
        if self._streams is not None:
            return _DeviceMicrophone(self._streams)
        return SilentMicrophone()

    def speaker(self) -> Speaker:
        if self._streams is not None:
            return _DeviceSpeaker(self._streams)
        return NullSpeaker()

    def close(self) -> None:
        if self._streams is not None:
            self._streams.close()
            self._streams = None


def list_devices() -> list[dict[str, Any]]:
    """Sound devices that sounddevice sees (empty when PortAudio or devices are missing)."""
    try:
        import sounddevice as sd

        return [dict(d) for d in sd.query_devices()]
    except Exception:
        return []


__all__ = ["AudioIO", "FileMicrophone", "Microphone", "Speaker", "list_devices"]
