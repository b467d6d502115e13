"""The agent's microphone and earpiece: a headset through sounddevice (PortAudio), a WAV file, or nothing.

The softphone asks a :class:`MicrophoneFactory` for one :class:`Microphone` per
call and pulls a 20 ms frame from it on every media tick; a :class:`Speaker`
receives what the customer says. Pull and push run on the media thread, so
they only copy bytes.
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from agentassist import cpu
from agentassist.audio.pcm import FRAME_BYTES, FRAME_SAMPLES, SAMPLE_RATE_HZ, SILENT_FRAME
from agentassist.config import AudioSettings
from agentassist.errors import AudioError

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
    from agentassist.audio.frames import read_wav_mono  # numpy: not imported by a phone that plays no file

    return FileMicrophone(read_wav_mono(path, SAMPLE_RATE_HZ).astype("<i2").tobytes())


PORTAUDIO_HINT = "PortAudio is missing: install it with `apt-get install libportaudio2` (Debian, Ubuntu)"


@dataclass(frozen=True, slots=True)
class AudioDevice:
    """A sound device as PortAudio sees it."""

    index: int
    name: str
    hostapi: str
    input_channels: int
    output_channels: int
    default_rate_hz: int
    default_input: bool = False
    default_output: bool = False

    def channels(self, kind: str) -> int:
        return self.input_channels if kind == "input" else self.output_channels

    def describe(self) -> str:
        return f"{self.name!r} (#{self.index}, {self.input_channels} in, {self.output_channels} out)"


def _sounddevice() -> Any:
    """The sounddevice module; AudioError with the install hint when PortAudio cannot be loaded."""
    try:
        import sounddevice as sd  # optional native piece: imported only when a headset is used
    except OSError as exc:
        raise AudioError(f"{PORTAUDIO_HINT} ({exc})") from None
    return sd


def list_devices() -> list[AudioDevice]:
    """Every sound device PortAudio sees; AudioError (with the install hint) when PortAudio is missing."""
    sd = _sounddevice()
    hostapis = [str(h["name"]) for h in sd.query_hostapis()]
    default_in, default_out = (int(d) for d in sd.default.device)
    return [
        AudioDevice(
            index=int(d["index"]),
            name=str(d["name"]),
            hostapi=hostapis[int(d["hostapi"])] if int(d["hostapi"]) < len(hostapis) else "",
            input_channels=int(d["max_input_channels"]),
            output_channels=int(d["max_output_channels"]),
            default_rate_hz=int(d["default_samplerate"]),
            default_input=int(d["index"]) == default_in,
            default_output=int(d["index"]) == default_out,
        )
        for d in sd.query_devices()
    ]


def find_device(devices: list[AudioDevice], name: str, kind: str) -> AudioDevice | str:
    """The ``kind`` ("input" | "output") device that ``name`` chooses, or why there is none.

    ``""`` is the system default; otherwise the exact name, else the one device whose name contains
    ``name`` (case-insensitive).
    """
    usable = [d for d in devices if d.channels(kind) > 0]
    if not name:
        default = [d for d in usable if (d.default_input if kind == "input" else d.default_output)]
        return default[0] if default else f"there is no default {kind} device"
    exact = [d for d in usable if d.name == name]
    if exact:
        return exact[0]
    near = [d for d in usable if name.lower() in d.name.lower()]
    if len(near) == 1:
        return near[0]
    if near:
        return f"{kind} {name!r} is ambiguous: it matches {', '.join(d.describe() for d in near)}"
    return f"{kind} {name!r} not found"


def _choose(devices: list[AudioDevice], name: str, kind: str) -> AudioDevice | None:
    if name == "null":
        return None
    found = find_device(devices, name, kind)
    if isinstance(found, AudioDevice):
        return found
    usable = [d.describe() for d in devices if d.channels(kind) > 0]
    log.warning(
        "headset: %s; %s devices available: %s; the %s is the null device",
        found,
        kind,
        ", ".join(usable) or "none",
        "microphone is silent" if kind == "input" else "earpiece plays nowhere",
    )
    return None


class _DeviceStreams:
    """One sounddevice stream (duplex, or one way) shared by all calls; frames cross through deques."""

    def __init__(self, sd: Any, microphone: AudioDevice | None, earpiece: AudioDevice | None) -> None:
        self.captured: deque[bytes] = deque(maxlen=_BUFFER_FRAMES)
        self.playback: deque[bytes] = deque(maxlen=_BUFFER_FRAMES)
        self.has_input = microphone is not None
        self.has_output = earpiece is not None
        common = {"samplerate": SAMPLE_RATE_HZ, "blocksize": FRAME_SAMPLES, "channels": 1, "dtype": "int16"}
        if microphone is not None and earpiece is not None:
            self._stream = sd.RawStream(device=(microphone.index, earpiece.index), callback=self._duplex, **common)
        elif microphone is not None:
            self._stream = sd.RawInputStream(device=microphone.index, callback=self._capture, **common)
        else:
            assert earpiece is not None
            self._stream = sd.RawOutputStream(device=earpiece.index, callback=self._play, **common)
        with cpu.interactive():  # PortAudio's callback thread, started here, carries what the agent hears
            self._stream.start()

    def _duplex(self, indata: Any, outdata: Any, frames: int, time: Any, status: Any) -> None:
        self._capture(indata, frames, time, status)
        self._play(outdata, frames, time, status)

    def _capture(self, indata: Any, frames: int, time: Any, status: Any) -> None:
        self.captured.append(bytes(indata))

    def _play(self, outdata: Any, frames: int, time: Any, status: Any) -> None:
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

    ``agent_audio_file`` wins over devices (demos and tests). A device is chosen by name (see
    :func:`find_device`); ``"null"`` means none. A missing PortAudio library, an absent or ambiguous
    device, or one that does not open falls back to the null device with a WARNING naming what is
    available: the call and its recording go on.
    """

    def __init__(self, settings: AudioSettings) -> None:
        self._file_pcm: bytes | None = None
        self._streams: _DeviceStreams | None = None
        if settings.agent_audio_file:
            from agentassist.audio.frames import read_wav_mono  # numpy: only for a file as the agent's voice

            samples = read_wav_mono(Path(settings.agent_audio_file), SAMPLE_RATE_HZ)
            self._file_pcm = samples.astype("<i2").tobytes()  # loaded once, replayed for every call
            log.info("agent audio from file %s (%.1f s)", settings.agent_audio_file, samples.size / SAMPLE_RATE_HZ)
        else:
            # An empty output_device follows the input: "null" there has always meant no headset at all.
            output = settings.output_device or ("null" if settings.input_device == "null" else "")
            if settings.input_device != "null" or output != "null":
                self._open(settings.input_device, output)

    def _open(self, input_name: str, output_name: str) -> None:
        try:
            sd = _sounddevice()
            devices = list_devices()
        except AudioError as exc:
            log.warning("no headset: %s; using the null device", exc)
            return
        microphone = _choose(devices, input_name, "input")
        earpiece = _choose(devices, output_name, "output")
        if microphone is None and earpiece is None:
            return
        try:
            self._streams = _DeviceStreams(sd, microphone, earpiece)
        except Exception as exc:  # sounddevice raises PortAudioError or ValueError for a device that will not open
            log.warning("headset would not open at %d Hz: %s; using the null device", SAMPLE_RATE_HZ, exc)
            return
        log.info(
            "headset opened: input %s, output %s",
            microphone.describe() if microphone else "null",
            earpiece.describe() if earpiece else "null",
        )

    def microphone(self) -> Microphone:
        if self._file_pcm is not None:
            return FileMicrophone(self._file_pcm)
        if self._streams is not None and self._streams.has_input:
            return _DeviceMicrophone(self._streams)
        return SilentMicrophone()

    def speaker(self) -> Speaker:
        if self._streams is not None and self._streams.has_output:
            return _DeviceSpeaker(self._streams)
        return NullSpeaker()

    def close(self) -> None:
        if self._streams is not None:
            self._streams.close()
            self._streams = None


__all__ = ["AudioDevice", "AudioIO", "FileMicrophone", "Microphone", "Speaker", "find_device", "list_devices"]
