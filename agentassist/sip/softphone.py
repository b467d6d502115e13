"""The softphone: one pjsua2 Endpoint on its own thread, taking and placing calls.

Thread model (ARCHITECTURE.md, "Threads and loops"):

- ``pj-main`` creates the Endpoint (``threadCnt=0``, ``mainThreadOnly=True``),
  polls ``libHandleEvents`` and runs every command other threads submit through
  :meth:`Softphone._submit`. All pjsua2 objects are created and destroyed there.
- pjmedia's clock thread calls the tap ports' ``onFrameRequested`` and
  ``onFrameReceived`` every 20 ms; they only copy bytes (see ``tap.py``).

Nothing outside ``sip/`` sees a pjsua2 type: calls are reported to a
:class:`CallHandler` with plain :class:`CallInfo` objects.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

import pjsua2 as pj

from agentassist.audio.devices import AudioIO, Microphone
from agentassist.config import SipSettings
from agentassist.errors import SipError
from agentassist.sip.tap import CallTap, FrameSink

log = logging.getLogger(__name__)

T = TypeVar("T")

_POLL_MS = 10
_STOP_GRACE_S = 1.0


@dataclass(frozen=True, slots=True)
class CallInfo:
    call_id: str
    direction: str  # "inbound" | "outbound"
    remote: str  # remote URI as the peer gave it
    sip_call_id: str
    started_at: datetime


class CallHandler(Protocol):
    """What the softphone tells the rest of the program; called on the pj thread, must be quick."""

    def call_started(self, info: CallInfo) -> FrameSink: ...

    def call_ended(self, call_id: str, reason: str) -> None: ...


class _PjLog(pj.LogWriter):  # type: ignore[misc]
    """pjsua's log lines into Python logging (pjsua levels: 1 error, 2 warning, 3+ detail)."""

    def write(self, entry: Any) -> None:
        level = logging.ERROR if entry.level <= 1 else logging.WARNING if entry.level == 2 else logging.DEBUG
        log.log(level, "pjsua: %s", entry.msg.rstrip())


class _Account(pj.Account):  # type: ignore[misc]
    def __init__(self, phone: Softphone) -> None:
        super().__init__()
        self._phone = phone

    def onIncomingCall(self, prm: Any) -> None:  # noqa: N802 - pjsua2 callback name
        self._phone._incoming(self, prm.callId)

    def onRegState(self, prm: Any) -> None:  # noqa: N802
        self._phone.registered = 200 <= prm.code < 300 and prm.expiration > 0
        if self._phone.registered:
            log.info("registered to %s (%s %s)", self._phone.settings.registrar, prm.code, prm.reason)
        else:
            log.warning("registration to %s failed: %s %s", self._phone.settings.registrar, prm.code, prm.reason)


class _Call(pj.Call):  # type: ignore[misc]
    def __init__(
        self, phone: Softphone, account: _Account, direction: str, pj_call_id: int = pj.PJSUA_INVALID_ID
    ) -> None:
        super().__init__(account, pj_call_id)
        self.phone = phone
        self.call_id = str(uuid.uuid4())
        self.direction = direction
        self.tap: CallTap | None = None
        self.microphone: Microphone | None = None
        self.ended = False
        self.audio_index = -1
        self.rx_packets = 0
        self.rx_changed_at = time.monotonic()

    def onCallState(self, prm: Any) -> None:  # noqa: N802
        ci = self.getInfo()
        log.debug("call %s state %s", self.call_id, ci.stateText)
        if ci.state == pj.PJSIP_INV_STATE_DISCONNECTED:
            reason = f"{ci.lastStatusCode} {ci.lastReason}".strip()
            self.phone._ended(self, reason)

    def onCallMediaState(self, prm: Any) -> None:  # noqa: N802
        ci = self.getInfo()
        for index, media in enumerate(ci.media):
            if media.type != pj.PJMEDIA_TYPE_AUDIO or media.status != pj.PJSUA_CALL_MEDIA_ACTIVE:
                continue
            audio = self.getAudioMedia(index)
            self.audio_index = index
            if self.tap is None:
                self.phone._media_started(self, ci)
            if self.tap is not None:
                self.tap.connect(audio)


class Softphone:
    """A SIP user agent on ``settings.listen`` (UDP and TCP) that reports calls to ``handler``."""

    def __init__(self, settings: SipSettings, audio: AudioIO, handler: CallHandler) -> None:
        self.settings = settings
        self._audio = audio
        self._handler = handler
        self._commands: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._started = threading.Event()
        self._stopping = threading.Event()
        self._start_error: BaseException | None = None
        self._ep: Any = None
        self._account: _Account | None = None
        self._calls: dict[str, _Call] = {}
        self._graveyard: list[Any] = []  # pj objects to destroy on the pj thread after their callbacks
        self._free_taps: list[CallTap] = []
        self._log_writer = _PjLog()  # pjsua keeps a pointer: lives as long as the softphone
        self._tap_count = 0
        self.listening = False
        self.registered = False

    # ---- public API, callable from any thread -------------------------------------------------

    def start(self, timeout_s: float = 10.0) -> None:
        self._thread = threading.Thread(target=self._main, name="pj-main", daemon=True)
        self._thread.start()
        if not self._started.wait(timeout_s):
            raise SipError(f"softphone did not start within {timeout_s} s")
        if self._start_error is not None:
            exc = self._start_error
            reason = exc.info() if isinstance(exc, pj.Error) else str(exc)
            raise SipError(
                f"softphone could not listen on {self.settings.listen}: {reason.strip() or type(exc).__name__}"
            )

    def stop(self) -> None:
        if self._thread is None:
            return
        self._stopping.set()
        self._thread.join(timeout=10)
        self._thread = None

    def call(self, uri: str, microphone: Microphone | None = None) -> str:
        """Place a call to ``uri`` (the agent's voice from ``microphone`` if given); returns its id."""
        return self._submit(lambda: self._make_call(uri, microphone)).result(timeout=10)

    def hangup(self, call_id: str) -> None:
        self._submit(lambda: self._hangup(call_id)).result(timeout=10)

    def answer(self, call_id: str) -> None:
        self._submit(lambda: self._answer(call_id)).result(timeout=10)

    def active_calls(self) -> list[str]:
        return self._submit(lambda: [c for c, call in self._calls.items() if not call.ended]).result(timeout=10)

    # ---- pj thread ---------------------------------------------------------------------------

    def _submit(self, fn: Callable[[], T]) -> Future[T]:
        future: Future[T] = Future()
        if self._thread is None or not self.listening:
            future.set_exception(SipError("softphone is not running"))
            return future

        def run() -> None:
            try:
                future.set_result(fn())
            except BaseException as exc:  # handed to the caller, never lost on the pj thread
                future.set_exception(exc)

        self._commands.put(run)
        return future

    def _main(self) -> None:
        try:
            self._create()
        except BaseException as exc:
            self._start_error = exc
            self._started.set()
            self._destroy()
            return
        self.listening = True
        self._started.set()
        log.info("softphone listening on %s (udp, tcp)", self.settings.listen)
        try:
            next_check = time.monotonic() + 1.0
            while not self._stopping.is_set():
                self._ep.libHandleEvents(_POLL_MS)
                self._run_commands()
                self._graveyard.clear()
                if time.monotonic() >= next_check:
                    next_check += 1.0
                    self._check_rtp()
        finally:
            self.listening = False
            self._shutdown_calls()
            self._destroy()
            log.info("softphone stopped")

    def _run_commands(self) -> None:
        while True:
            try:
                command = self._commands.get_nowait()
            except queue.Empty:
                return
            command()

    def _create(self) -> None:
        host, port = self.settings.host_port
        ep = pj.Endpoint()
        self._ep = ep
        ep.libCreate()
        cfg = pj.EpConfig()
        cfg.uaConfig.threadCnt = 0
        cfg.uaConfig.mainThreadOnly = True
        cfg.uaConfig.maxCalls = self.settings.max_calls
        cfg.uaConfig.userAgent = "agentassist"
        cfg.logConfig.level = 4 if log.isEnabledFor(logging.DEBUG) else 2
        cfg.logConfig.consoleLevel = cfg.logConfig.level
        cfg.logConfig.writer = self._log_writer
        cfg.logConfig.decor = 0
        cfg.medConfig.clockRate = 16000
        cfg.medConfig.sndClockRate = 16000
        cfg.medConfig.noVad = True  # silence suppression would starve the taps of frames
        ep.libInit(cfg)
        for kind in (pj.PJSIP_TRANSPORT_UDP, pj.PJSIP_TRANSPORT_TCP):
            tcfg = pj.TransportConfig()
            tcfg.port = port
            tcfg.boundAddress = host
            ep.transportCreate(kind, tcfg)
        ep.libStart()
        ep.audDevManager().setNullDev()

        acfg = pj.AccountConfig()
        user = self.settings.username or "agent"
        acfg.idUri = f"sip:{user}@{host}:{port}"
        acfg.mediaConfig.transportConfig.boundAddress = host
        if self.settings.registrar:
            acfg.regConfig.registrarUri = self.settings.registrar
            acfg.regConfig.timeoutSec = self.settings.register_expires_s
            acfg.regConfig.retryIntervalSec = self.settings.register_retry_s
            acfg.regConfig.firstRetryIntervalSec = self.settings.register_retry_s
            acfg.idUri = f"sip:{user}@{self.settings.registrar.removeprefix('sip:')}"
            cred = pj.AuthCredInfo("digest", "*", user, 0, self.settings.password)
            acfg.sipConfig.authCreds.append(cred)
        else:
            acfg.regConfig.registerOnAdd = False
        account = _Account(self)
        account.create(acfg)
        self._account = account

    def _incoming(self, account: _Account, pj_call_id: int) -> None:
        call = _Call(self, account, "inbound", pj_call_id)
        self._calls[call.call_id] = call
        ci = call.getInfo()
        log.info("incoming call %s from %s", call.call_id, ci.remoteUri)
        prm = pj.CallOpParam()
        prm.statusCode = 200 if self.settings.auto_answer else 180
        call.answer(prm)

    def _answer(self, call_id: str) -> None:
        call = self._find(call_id)
        prm = pj.CallOpParam()
        prm.statusCode = 200
        call.answer(prm)

    def _make_call(self, uri: str, microphone: Microphone | None) -> str:
        if self._account is None:
            raise SipError("softphone has no account")
        call = _Call(self, self._account, "outbound")
        call.microphone = microphone
        prm = pj.CallOpParam(True)
        try:
            call.makeCall(uri, prm)
        except pj.Error as exc:
            raise SipError(f"cannot call {uri!r}: {exc.info()}") from None
        self._calls[call.call_id] = call
        log.info("outgoing call %s to %s", call.call_id, uri)
        return call.call_id

    def _hangup(self, call_id: str) -> None:
        call = self._find(call_id)
        call.hangup(pj.CallOpParam())

    def _check_rtp(self) -> None:
        """Hang up calls whose peer stopped sending RTP (it vanished without a BYE)."""
        now = time.monotonic()
        for call in list(self._calls.values()):
            if call.ended or call.audio_index < 0:
                continue
            try:
                packets = call.getStreamStat(call.audio_index).rtcp.rxStat.pkt
            except pj.Error:
                continue
            if packets != call.rx_packets:
                call.rx_packets, call.rx_changed_at = packets, now
            elif now - call.rx_changed_at >= self.settings.rtp_timeout_s:
                log.warning("call %s: no RTP for %.0f s, hanging up", call.call_id, now - call.rx_changed_at)
                prm = pj.CallOpParam()
                prm.statusCode = 408
                try:
                    call.hangup(prm)
                except pj.Error:
                    self._ended(call, "rtp timeout")

    def _find(self, call_id: str) -> _Call:
        call = self._calls.get(call_id)
        if call is None or call.ended:
            raise SipError(f"no active call with id {call_id!r}")
        return call

    def _media_started(self, call: _Call, ci: Any) -> None:
        info = CallInfo(
            call_id=call.call_id,
            direction=call.direction,
            remote=ci.remoteUri,
            sip_call_id=ci.callIdString,
            started_at=datetime.now(UTC),
        )
        try:
            sink = self._handler.call_started(info)
        except Exception:
            log.exception("call %s: handler failed at start; the call goes on unrecorded", call.call_id)
            return
        if self._free_taps:
            tap = self._free_taps.pop()
        else:
            self._tap_count += 1
            tap = CallTap(str(self._tap_count))
        tap.attach(call.microphone or self._audio.microphone(), self._audio.speaker(), sink)
        call.tap = tap

    def _ended(self, call: _Call, reason: str) -> None:
        if call.ended:
            return
        call.ended = True
        log.info("call %s ended: %s", call.call_id, reason)
        if call.tap is not None:
            call.tap.detach()
            self._free_taps.append(call.tap)
            try:
                self._handler.call_ended(call.call_id, reason)
            except Exception:
                log.exception("call %s: handler failed at end", call.call_id)
        self._calls.pop(call.call_id, None)
        # pjsua2 still runs inside this call's callback: destroy it on the next loop turn.
        self._graveyard.append(call)

    def _shutdown_calls(self) -> None:
        if self._ep is None:
            return
        calls = list(self._calls.values())
        if calls:
            try:
                self._ep.hangupAllCalls()
            except pj.Error:
                log.exception("hangup at shutdown failed")
            deadline = _STOP_GRACE_S * 1000
            waited = 0
            while self._calls and waited < deadline:
                self._ep.libHandleEvents(_POLL_MS)
                waited += _POLL_MS
            for call in list(self._calls.values()):  # peers that never answered the BYE
                self._ended(call, "shutdown")
        self._graveyard.clear()

    def _destroy(self) -> None:
        if self._ep is not None:
            try:
                # Stop the media clock first: no port callback can run while the ports go away,
                # and they must go before the bridge does.
                self._ep.audDevManager().setNoDev()
            except pj.Error:
                log.exception("stopping the media clock failed")
            self._free_taps.clear()
        self._account = None
        if self._ep is not None:
            try:
                self._ep.libDestroy()
            except pj.Error:
                log.exception("pjsua2 destroy failed")
            self._ep = None
