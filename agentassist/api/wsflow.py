"""uvicorn's sans-I/O WebSocket protocol, with its reading paused only when messages pile up.

uvicorn pauses a connection's reading after every message it hands to the app and resumes it when the
app takes the message: two ``epoll_ctl`` calls a message, each letting go of the GIL. A phone sends 50
messages a second a call; at 32 calls that pair was the largest item of the center's event loop under
cProfile (the floor benchmark; the loop's CPU at 32 calls fell 26-33 % without it: CHANGELOG.md, "The center at
32 calls"), and every GIL release let a call thread in ahead of the loop.
Here a connection's reading is paused once :data:`QUEUED` messages wait for the app, and resumed (as
uvicorn does) when the app has taken them all: a connection buffers at most that many messages beyond
what one read brings, each bounded by ``ws_max_size``, and a slow app still stops the peer.
"""

from __future__ import annotations

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

QUEUED = 16  # messages waiting for the app before reading pauses (a phone's is 1.3 KB; at most 64 KiB)


class QueuedReading(WebSocketsSansIOProtocol):
    """``uvicorn.Config(ws=QueuedReading)``: as ``ws="websockets-sansio"``, reading paused less often."""

    def send_receive_event_to_app(self) -> None:
        paused = self.read_paused
        self.read_paused = True  # uvicorn pauses when this is False: it is not to, on every message
        try:
            super().send_receive_event_to_app()
        finally:
            self.read_paused = paused
        if not paused and self.queue.qsize() >= QUEUED:
            self.read_paused = True
            self.transport.pause_reading()  # uvicorn's receive() resumes it once the queue is empty
