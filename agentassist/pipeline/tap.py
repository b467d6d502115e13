"""Listening in on a live call: its audio as it is recorded, mixed to mono, for each leader listening
(``WS /api/calls/{id}/listen``).

::

    media thread --AudioTap.channel()/.stereo()--> mono chunks --call_soon_threadsafe--> Listener x N (loop)
        Listener: its queue, bounded by dropping the oldest audio --> the socket's sender

The media thread never waits and does a small, constant amount of work per listener: with nobody
listening a frame costs a look at an empty tuple (and, on the softphone's per-channel path, the
pairing of the two channels: two deque operations); with listeners it mixes both channels (numpy)
and hands the bytes to each listener's loop, the one thread crossing. Each listener's queue is owned
by its loop, so its bound needs no lock: a socket that does not keep up loses its oldest audio,
counted. A listener gets what the recording gets, and during a card-data pause not even its silence:
a :class:`Paused` marker, in order with the audio, says where the pause begins and ends.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from agentassist.audio.frames import FRAME_BYTES, FRAME_MS
from agentassist.events import Channel

LISTEN_QUEUE_MS = 2000  # a listener this far behind loses its oldest audio (a stalled socket, not jitter)
CHUNK_FRAMES = 5  # the most audio one chunk (and one socket message) holds: 100 ms
_AHEAD_FRAMES = 25  # a channel 0.5 s ahead of the other (the aligner fills a lag of 10) is mixed with silence
_MONO_DTYPE = np.dtype("<i2")


@dataclass(frozen=True, slots=True)
class Paused:
    """In order with the audio: from here the recording is paused (``on``), or goes on again."""

    on: bool


Item = bytes | Paused


def mix(customer: bytes, agent: bytes) -> bytes:
    """Two channels of PCM16 as one: their sum, clipped (a conference bridge's mix, not halved)."""
    a = np.frombuffer(customer, _MONO_DTYPE).astype(np.int32)
    b = np.frombuffer(agent, _MONO_DTYPE).astype(np.int32)
    return (a + b).clip(-32768, 32767).astype(_MONO_DTYPE).tobytes()


def mix_stereo(pcm: bytes) -> bytes:
    """Interleaved stereo PCM16 (the wire's, the customer first) as mono: the channels' sum, clipped."""
    both = np.frombuffer(pcm, _MONO_DTYPE).reshape(-1, 2).astype(np.int32)
    mono: np.ndarray[Any, np.dtype[np.int32]] = both[:, 0] + both[:, 1]
    return mono.clip(-32768, 32767).astype(_MONO_DTYPE).tobytes()


class PauseState(Protocol):
    """The call's card-data pause (:class:`agentassist.pause.CardPause`)."""

    @property
    def paused(self) -> bool: ...


class Listener:
    """One listener's queue of mono chunks and pause markers, in order, owned by its event loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop, max_frames: int) -> None:
        if max_frames < CHUNK_FRAMES:
            raise ValueError(f"max_frames: expected {CHUNK_FRAMES} or more, got {max_frames}")
        self.max_frames = max_frames
        self.dropped_frames = 0  # the oldest audio, dropped for a listener that did not keep up
        self.ended = False
        self._loop = loop
        self._items: deque[Item] = deque()
        self._frames = 0  # audio frames in _items
        self._wake = asyncio.Event()

    def offer(self, item: Item | None) -> bool:
        """From the media thread: ``item`` for the loop (None: the call's audio is over). Never waits;
        False when the loop is gone (the server stopping)."""
        try:
            self._loop.call_soon_threadsafe(self.put, item)
        except RuntimeError:
            return False
        return True

    def put(self, item: Item | None) -> None:
        """On the loop: queue ``item`` (None: the end), dropping the oldest audio past the bound."""
        if item is None:
            self.ended = True
        else:
            self._items.append(item)
            if isinstance(item, bytes):
                self._frames += len(item) // FRAME_BYTES
                while self._frames > self.max_frames:
                    self._drop_oldest()
        self._wake.set()

    def _drop_oldest(self) -> None:
        """The oldest chunk goes; pause markers stay, in their place."""
        for n, item in enumerate(self._items):
            if isinstance(item, bytes):
                del self._items[n]
                self._frames -= len(item) // FRAME_BYTES
                self.dropped_frames += len(item) // FRAME_BYTES
                return

    async def next(self) -> Item | None:
        """The next marker, or the audio queued next (consecutive chunks joined, up to 100 ms); None
        once the call's audio is over and everything has been taken."""
        while not self._items:
            if self.ended:
                return None
            self._wake.clear()
            await self._wake.wait()
        item = self._items.popleft()
        if isinstance(item, Paused):
            return item
        chunks = [item]
        size = len(item)
        while (
            self._items and isinstance(nxt := self._items[0], bytes) and size + len(nxt) <= CHUNK_FRAMES * FRAME_BYTES
        ):
            self._items.popleft()
            chunks.append(nxt)
            size += len(nxt)
        self._frames -= size // FRAME_BYTES
        return b"".join(chunks)


class AudioTap:
    """A call's recorded audio for whoever listens in: fed by the media thread, read on a loop.

    ``pause``: the call's card-data pause, asked only while someone listens, without the media lock:
    the audio handed in is already what the recording got (silenced under the lock in a pause); the
    tap withholds even that silence, and marks the pause."""

    def __init__(self, pause: PauseState, max_frames: int = LISTEN_QUEUE_MS // FRAME_MS) -> None:
        self.max_frames = max_frames
        self.closed = False
        self._pause = pause
        self._paused = False  # what the listeners were last told (media thread)
        # replaced whole on the loop, read whole on the media thread: no lock between them
        self._listeners: tuple[Listener, ...] = ()
        self._ahead: dict[Channel, deque[bytes]] = {ch: deque() for ch in Channel}

    @property
    def listeners(self) -> int:
        return len(self._listeners)

    # ---- the loop ---------------------------------------------------------------------------------

    def listen(self, loop: asyncio.AbstractEventLoop) -> Listener:
        """A new listener (on ``loop``, the caller's): it gets the audio from now on."""
        listener = Listener(loop, self.max_frames)
        if self._paused:
            listener.put(Paused(True))
        self._listeners = (*self._listeners, listener)
        if self.closed:  # the call ended meanwhile: close() may not have seen this listener
            listener.put(None)
        return listener

    def leave(self, listener: Listener) -> None:
        self._listeners = tuple(each for each in self._listeners if each is not listener)

    # ---- the media thread ------------------------------------------------------------------------

    def channel(self, channel: Channel, pcm: bytes) -> None:
        """A 20 ms frame of one channel as recorded (the softphone's path): paired with the other
        channel's frame of the same time, then mixed."""
        mine, other = self._ahead[channel], self._ahead[_OTHER[channel]]
        if other:
            theirs = other.popleft()
            pair = (pcm, theirs) if channel is Channel.CUSTOMER else (theirs, pcm)
        elif len(mine) < _AHEAD_FRAMES:
            mine.append(pcm)
            return
        else:  # the other channel gets no frames: the oldest of this one goes on alone
            mine.append(pcm)
            oldest = mine.popleft()
            pair = (oldest, bytes(len(oldest))) if channel is Channel.CUSTOMER else (bytes(len(oldest)), oldest)
        if self._listeners:
            self._send(lambda: mix(*pair))

    def stereo(self, pcm: bytes) -> None:
        """Whole frames of both channels as recorded, interleaved, the customer first (a phone's)."""
        if self._listeners:
            self._send(lambda: mix_stereo(pcm))

    def close(self) -> None:
        """The call's audio is over: every listener gets what is queued, then the end."""
        self.closed = True
        for listener in self._listeners:
            listener.offer(None)

    def _send(self, mono: Callable[[], bytes]) -> None:
        listeners = self._listeners
        paused = self._pause.paused
        if paused != self._paused:
            self._paused = paused
            for listener in listeners:
                listener.offer(Paused(paused))
        if paused:
            return
        pcm = mono()
        step = CHUNK_FRAMES * FRAME_BYTES
        chunks = [pcm[at : at + step] for at in range(0, len(pcm), step)]
        for listener in listeners:  # a loop that is gone (the server stopping) refuses: its socket is too
            for chunk in chunks:
                listener.offer(chunk)


_OTHER = {Channel.CUSTOMER: Channel.AGENT, Channel.AGENT: Channel.CUSTOMER}
