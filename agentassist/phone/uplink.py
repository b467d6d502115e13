"""The phone's one connection to the center: the :class:`~agentassist.desk.CallHandler` the softphone
reports to in ``agentassist phone``, and the executor of the center's commands on the desk.

Threads (each crossing with one primitive):

- the softphone's threads (pj thread, pjmedia's clock) call the CallHandler and the sinks' ``push``:
  they only append to a bounded deque (a frame beyond it is dropped and counted, never waited for)
  and wake the loop with ``call_soon_threadsafe`` when it sleeps;
- ``uplink``, one asyncio loop: pairs, gates and spools the frames, keeps the WebSocket to the center
  (websockets' asyncio client), reconnects with backoff and sends what the center lacks;
- the loop's default executor runs the Desk's commands (the softphone's blocking methods).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import ssl
import threading
import time
from collections import deque
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import websockets
from websockets.asyncio.client import ClientConnection, connect

from agentassist import __version__
from agentassist.desk import CallChange, CallInfo, Desk
from agentassist.errors import AgentassistError, ConfigError
from agentassist.events import Channel
from agentassist.pause import DtmfPauseOptions
from agentassist.phone.calls import CallFeed, failed_message, ringing_list
from agentassist.phone.spool import Spool
from agentassist.wire import DESK, MAX_AUDIO_BYTES, Message, WireError, decode_text, encode_text

log = logging.getLogger(__name__)

_QUEUE_FRAMES = 3000  # 30 s of both channels of one call: the loop never lags that far unless stopped
# The first delay after a failed connection, and the most it grows to: a center back from a restart
# has its phones again within 10 s (a floor of 20 desks then reconnects spread over 5-10 s).
_BACKOFF_S = (0.5, 10.0)
_WELCOME_S = 10.0  # a center that accepts the socket but says nothing for this long is tried again
_RINGING_POLL_S = 1.0  # the softphone reports no ringing changes: its list is read this often
_CLOSE_REVOKED = 4401  # the center's close code for a credential revoked while connected


def center_urls(servers: str) -> list[str]:
    """``[phone] server`` or ``--server``: comma-separated center URLs (http(s):// or ws(s)://; the path
    ``/api/phone`` when none is given) as WebSocket URLs."""
    urls = []
    for raw in (s.strip() for s in servers.split(",")):
        if not raw:
            continue
        parts = urlsplit(raw)
        scheme = {"http": "ws", "https": "wss", "ws": "ws", "wss": "wss"}.get(parts.scheme)
        if scheme is None or not parts.netloc:
            raise ConfigError(f"[phone] server: expected a URL like wss://center:8000, got {raw!r}")
        urls.append(urlunsplit((scheme, parts.netloc, parts.path.rstrip("/") or "/api/phone", parts.query, "")))
    if not urls:
        raise ConfigError("no center to connect to: pass --server URL or set [phone] server")
    return urls


def backoff_delays(first_s: float = _BACKOFF_S[0], most_s: float = _BACKOFF_S[1]) -> Iterator[float]:
    """Exponential backoff with jitter: each delay drawn between half and all of the doubled one, so a
    floor of phones cut at once does not reconnect in step."""
    delay = first_s
    while True:
        yield random.uniform(delay / 2, delay)
        delay = min(delay * 2, most_s)


class _Sink:
    def __init__(self, uplink: Uplink, call_id: str) -> None:
        self._uplink, self._call_id = uplink, call_id

    def push(self, channel: Channel, pcm: bytes) -> None:
        self._uplink._post(("frame", self._call_id, channel, bytes(pcm)), frame=True)


class Uplink:
    """One desk's calls to the center; ``start`` it, ``attach`` the desk, ``stop`` it last."""

    def __init__(
        self,
        servers: list[str],
        token: str,
        spool: Spool,
        *,
        ca_file: str = "",
        dtmf_pause: DtmfPauseOptions | None = None,
        store_dtmf_digits: bool = False,
        backoff_s: tuple[float, float] = _BACKOFF_S,
    ) -> None:
        if not token:
            raise ConfigError("no phone credential: set $AGENTASSIST_PHONE_TOKEN or [phone] token")
        self.servers, self._token, self.spool = servers, token, spool
        self._ssl: ssl.SSLContext | None = None
        if any(u.startswith("wss:") for u in servers):
            try:
                self._ssl = ssl.create_default_context(cafile=ca_file or None)
            except (OSError, ssl.SSLError) as exc:
                raise ConfigError(f"[phone] ca_file {ca_file!r}: cannot load it: {exc}") from None
        self._dtmf_pause, self._store_digits, self._backoff_s = dtmf_pause, store_dtmf_digits, backoff_s
        self.desk: Desk | None = None
        self.agent = ""  # the credential's agent, from the center's welcome
        self.dropped_frames = 0
        self._dropped_said, self._drop_log_at = 0, 0.0
        self.connected = threading.Event()
        self._inbox: deque[tuple[Any, ...]] = deque()
        self._wake_pending = False
        self._feeds: dict[str, CallFeed] = {}
        self._failed: list[tuple[CallInfo, str]] = []  # calls that never had media, waiting for a connection
        self._ws: ClientConnection | None = None
        self._seq = self._serverseq = 0
        self._dirty: asyncio.Event | None = None
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="uplink", daemon=True)
        self._main: asyncio.Task[None] | None = None
        self._commands: set[asyncio.Task[None]] = set()
        self._stopping = False

    # ---- lifecycle: any thread ------------------------------------------------------------------

    def start(self) -> None:
        for spooled in self.spool.recover():
            log.info("call %s: %d frame(s) spooled by an earlier run, to upload", spooled.call_id, spooled.frames)
            self._feeds[spooled.call_id] = CallFeed(spooled, live=False)
        self._thread.start()

    def attach(self, desk: Desk) -> None:
        self.desk = desk

    def stop(self, grace_s: float = 3.0) -> None:
        """Send what can be sent within ``grace_s``, then close; the spool keeps the rest for next time."""
        if not self._thread.is_alive():
            return
        asyncio.run_coroutine_threadsafe(self._drain_out(grace_s), self._loop)
        self._thread.join(grace_s + 5)  # the loop ends when _drain_out cancels the connection's task

    # ---- CallHandler: the softphone's threads -----------------------------------------------------

    def call_started(self, info: CallInfo) -> _Sink:
        self._post(("start", info))
        return _Sink(self, info.call_id)

    def call_ended(self, call_id: str, reason: str) -> None:
        self._post(("end", call_id, reason))

    def call_failed(self, info: CallInfo, reason: str) -> None:
        self._post(("failed", info, reason))

    def call_changed(self, call_id: str, change: CallChange) -> None:
        self._post(("changed", call_id, change))

    def _post(self, item: tuple[Any, ...], frame: bool = False) -> None:
        if frame and len(self._inbox) >= _QUEUE_FRAMES * max(1, len(self._feeds)):
            self.dropped_frames += 1  # the loop is stuck: the media thread never waits for it
            return
        self._inbox.append(item)  # deque.append is atomic: no lock on the media thread
        if not self._wake_pending:
            self._wake_pending = True
            with contextlib.suppress(RuntimeError):  # the loop has closed: the phone is stopping
                self._loop.call_soon_threadsafe(self._take)

    # ---- the loop ---------------------------------------------------------------------------------

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._dirty = asyncio.Event()
        self._main = self._loop.create_task(self._connect_forever())
        with contextlib.suppress(asyncio.CancelledError):
            self._loop.run_until_complete(self._main)
        self._loop.run_until_complete(self._loop.shutdown_asyncgens())
        self._loop.close()

    def _take(self) -> None:
        """Everything the desk posted, in order: frames paired, gated and spooled; calls opened, ended."""
        self._wake_pending = False
        if self.dropped_frames > self._dropped_said and time.monotonic() >= self._drop_log_at:
            log.warning("%d frame(s) dropped: the uplink fell behind the media thread", self.dropped_frames)
            self._dropped_said, self._drop_log_at = self.dropped_frames, time.monotonic() + 10  # at most every 10 s
        while self._inbox:
            item = self._inbox.popleft()
            try:
                self._handle(item)
            except Exception:  # report and keep going: the next frame may well work
                log.exception("uplink: %s failed", item[0])
        assert self._dirty is not None
        self._dirty.set()

    def _handle(self, item: tuple[Any, ...]) -> None:
        kind = item[0]
        if kind == "frame":
            feed = self._feeds.get(item[1])
            if feed is not None and feed.live:
                feed.frame(item[2], item[3])
        elif kind == "start":
            info: CallInfo = item[1]
            self._feeds[info.call_id] = CallFeed.start(self.spool, info, self._dtmf_pause, self._store_digits)
            log.info("call %s: started (%s %s), spooled and streamed", info.call_id, info.direction, info.remote)
        elif kind == "changed":
            feed = self._feeds.get(item[1])
            if feed is not None and feed.live:
                feed.changed(item[2])
        elif kind == "end":
            feed = self._feeds.get(item[1])
            if feed is not None and feed.live:
                feed.end(item[2])
                log.info("call %s: ended (%s) after %d frame(s)", feed.call_id, item[2], feed.frames)
                if feed.center_ended:
                    self._forget(feed)
        elif kind == "failed":
            self._failed.append((item[1], item[2]))

    async def _connect_forever(self) -> None:
        delays = backoff_delays(*self._backoff_s)
        attempt = 0
        while True:
            url = self.servers[attempt % len(self.servers)]
            attempt += 1
            try:
                await self._session(url)
                if self._stopping:
                    return
            except websockets.InvalidStatus as exc:
                status = exc.response.status_code
                body = exc.response.body.decode(errors="replace")[:200] if exc.response.body else ""
                if status == 401:
                    log.error("center %s refused the phone credential (401: %s); trying again", url, body)
                else:
                    log.warning("center %s refused the connection (%d: %s)", url, status, body)
            except (OSError, TimeoutError, websockets.WebSocketException, WireError) as exc:
                if self._stopping:
                    return
                closed = exc.rcvd if isinstance(exc, websockets.ConnectionClosed) else None
                if closed is not None and closed.code == _CLOSE_REVOKED:
                    log.error("center %s: the phone credential was revoked (%s); trying again", url, closed.reason)
                elif self.connected.is_set():
                    log.warning("center %s: connection lost (%s); reconnecting", url, exc or type(exc).__name__)
                else:
                    log.warning("center %s unreachable (%s)", url, exc or type(exc).__name__)
            else:
                log.warning("center %s closed the connection; reconnecting", url)
            if self._ws is not None and self.connected.is_set():
                delays = backoff_delays(*self._backoff_s)  # it worked for a while: start small again
            self._ws = None
            self.connected.clear()
            await asyncio.sleep(next(delays))

    async def _session(self, url: str) -> None:
        headers = {"Authorization": f"Bearer {self._token}"}
        async with connect(
            url,
            additional_headers=headers,
            ssl=self._ssl if url.startswith("wss:") else None,
            open_timeout=10,
            max_size=MAX_AUDIO_BYTES,
            user_agent_header=f"agentassist-phone/{__version__}",
        ) as ws:
            self._seq = self._serverseq = 0
            await self._send(ws, Message("hello", DESK, {"software": f"agentassist {__version__}"}))
            welcome = await asyncio.wait_for(self._receive(ws), _WELCOME_S)
            if welcome.type != "welcome":
                raise WireError("bad-message", f"expected welcome from the center, got {welcome.type}")
            self.agent = welcome.parameters["agent"]
            self._ws = ws
            self.connected.set()
            log.info("connected to %s as agent %r; %d call(s) to stream", url, self.agent, len(self._feeds))
            for feed in self._feeds.values():
                feed.reset()
            assert self._dirty is not None
            self._dirty.set()  # calls spooled while away (or by an earlier run) go up now
            pump = asyncio.create_task(self._pump(ws))
            ringing = asyncio.create_task(self._watch_ringing(ws))
            try:
                while True:
                    await self._on_message(ws, await self._receive(ws))
            finally:
                pump.cancel()
                ringing.cancel()

    async def _receive(self, ws: ClientConnection) -> Message:
        while True:
            raw = await ws.recv()
            if isinstance(raw, bytes):
                log.warning("center sent %d bytes of binary: expected none, ignored", len(raw))
                continue
            message = decode_text(raw, sender="center")
            self._serverseq = message.seq
            return message

    async def _send(self, ws: ClientConnection, item: Message | bytes) -> None:
        if isinstance(item, bytes):
            await ws.send(item)
            return
        self._seq += 1
        text = encode_text(Message(item.type, item.id, item.parameters, self._seq, self._serverseq))
        await ws.send(text)

    async def _pump(self, ws: ClientConnection) -> None:
        """Send what the center lacks: every call's messages in turn, one audio message each per round."""
        assert self._dirty is not None
        while True:
            await self._dirty.wait()
            self._dirty.clear()
            while self._failed:
                info, reason = self._failed[0]
                await self._send(ws, failed_message(info, self.agent, reason))  # the agent known by now
                self._failed.pop(0)
            for feed in list(self._feeds.values()):
                out = feed.next_messages(self.agent)
                for item in out:
                    await self._send(ws, item)
                if out:
                    self._dirty.set()  # there may be more: another round after the other calls

    async def _on_message(self, ws: ClientConnection, m: Message) -> None:
        assert self._dirty is not None
        feed = self._feeds.get(m.id)
        if m.type == "ping":
            await self._send(ws, Message("pong", DESK))
        elif m.type == "command":
            task = asyncio.create_task(self._command(ws, m))  # a slow command holds up nothing else
            self._commands.add(task)
            task.add_done_callback(self._commands.discard)
        elif m.type == "opened" and feed is not None:
            feed.opened(m.parameters["stream"], m.parameters["frame"])
            self._dirty.set()
        elif m.type == "ack" and feed is not None:
            feed.spooled.ack(m.parameters["frame"])
        elif m.type == "closed" and feed is not None:
            log.info("call %s: complete at the center (%d frames); spool deleted", m.id, feed.frames)
            self._forget(feed)
        elif m.type == "error":
            self._on_error(m, feed)
        elif m.type not in ("pong", "welcome"):
            log.debug("center sent %s for %s: nothing to do", m.type, m.id)

    def _on_error(self, m: Message, feed: CallFeed | None) -> None:
        code, text = m.parameters["code"], m.parameters["message"]
        if feed is None:
            log.error("center: %s (%s)", text, code)
        elif code == "elsewhere":  # another node of the center carries the call: that node is the one to reach
            log.warning("call %s: %s; connecting to the next center", m.id, text)
            feed.close_sent, feed.stream = True, None
            if self._ws is not None:
                task = asyncio.create_task(self._ws.close(1000, "call carried by another node"))
                self._commands.add(task)
                task.add_done_callback(self._commands.discard)
        elif code in ("ended", "timeout"):
            unsent = feed.frames - feed.spooled.acked
            log.warning("call %s: the center ended it already (%s); %d frame(s) not acknowledged", m.id, text, unsent)
            feed.center_ended = True
            self._forget(feed)  # a call still up goes when it ends on the desk
        else:
            log.error("call %s: the center refused it (%s: %s); kept in the spool", m.id, code, text)
            feed.close_sent, feed.stream = True, None  # nothing more of it on this connection

    def _forget(self, feed: CallFeed) -> None:
        if not feed.live:
            feed.spooled.delete()
            self._feeds.pop(feed.call_id, None)

    async def _watch_ringing(self, ws: ClientConnection) -> None:
        last: list[dict[str, str]] | None = None
        while True:
            desk = self.desk
            if desk is not None:
                try:
                    now = ringing_list(await asyncio.get_running_loop().run_in_executor(None, desk.ringing))
                except AgentassistError as exc:
                    log.warning("cannot read the ringing calls: %s", exc)
                    now = last or []
                if now != last:
                    await self._send(ws, Message("ringing", DESK, {"calls": now}))
                    last = now
            await asyncio.sleep(_RINGING_POLL_S)

    async def _command(self, ws: ClientConnection, m: Message) -> None:
        p = m.parameters
        result: dict[str, Any] = {"command": p["command"], "ok": True}
        try:
            call_id = await self._execute(p["action"], p)
            if call_id:
                result["call_id"] = call_id
        except (AgentassistError, ValueError, KeyError, TypeError) as exc:
            result.update(ok=False, error=str(exc) or type(exc).__name__)
        except Exception as exc:
            log.exception("command %s failed", p["action"])
            result.update(ok=False, error=f"the phone failed: {exc}")
        with contextlib.suppress(websockets.WebSocketException):
            await self._send(ws, Message("result", DESK, result))

    async def _execute(self, action: str, p: dict[str, Any]) -> str | None:
        call_id = p.get("call_id", "")
        if action in ("pause", "resume"):
            feed = self._feeds.get(call_id)
            if feed is None or not feed.live:
                raise AgentassistError(f"expected a call up on this phone, got {call_id!r}")
            feed.pause(action == "pause", str(p.get("by") or "agent"))
            return None
        desk = self.desk
        if desk is None:
            raise AgentassistError("the phone's softphone is not running")
        run = {
            "dial": lambda: desk.call(str(p["uri"])),
            "hangup": lambda: desk.hangup(call_id),
            "answer": lambda: desk.answer(call_id),
            "decline": lambda: desk.decline(call_id),
            "hold": lambda: desk.hold(call_id, bool(p["on"])),
            "mute": lambda: desk.mute(call_id, bool(p["on"])),
            "dtmf": lambda: desk.send_dtmf(call_id, str(p["digits"]), str(p.get("method") or "rfc4733")),
            "transfer": lambda: desk.transfer(call_id, str(p["uri"])),
            "transfer_attended": lambda: desk.transfer_attended(call_id, str(p["consult_id"])),
        }[action]
        value = await asyncio.get_running_loop().run_in_executor(None, run)
        return value if action == "dial" else None

    async def _drain_out(self, grace_s: float) -> None:
        """Stop: what the desk posted is spooled; within ``grace_s`` what can be sent is sent."""
        self._take()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace_s
        while self.connected.is_set() and loop.time() < deadline:
            if all(f.stream is None for f in self._feeds.values()):
                break  # each call sent whole and closed at the center (then forgotten), or not opened here
            await asyncio.sleep(0.05)
        self._stopping = True
        if self._ws is not None:
            with contextlib.suppress(websockets.WebSocketException, OSError):
                await asyncio.wait_for(self._ws.close(1001, "phone stopping"), 2)
        if self._main is not None:
            self._main.cancel()
