"""The softphone: one pjsua2 Endpoint on its own thread, taking and placing calls.

Thread model (docs/architecture.md, "Threads and where they cross"):

- ``pj-main`` creates the Endpoint (``threadCnt=0``, ``mainThreadOnly=True``),
  polls ``libHandleEvents`` and runs every command other threads submit through
  :meth:`Softphone._submit`. All pjsua2 objects are created and destroyed there.
- pjmedia's clock thread calls the tap ports' ``onFrameRequested`` and
  ``onFrameReceived`` every 20 ms; they only copy bytes (see ``tap.py``).

The pjsua2 subclasses are in ``pjcalls.py``, the endpoint's setup in ``endpoint.py``.
Nothing outside ``sip/`` sees a pjsua2 type: calls are reported to a
:class:`CallHandler` with plain :class:`CallInfo` objects.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future
from datetime import UTC, datetime
from typing import Any, TypeVar

import pjsua2 as pj

from agentassist import cpu
from agentassist.audio.devices import AudioIO, Microphone
from agentassist.config import SipSettings
from agentassist.desk import (  # noqa: F401 - CallInfo and the changes are imported from here too
    ENDED_REASONS,
    CallChange,
    CallHandler,
    CallInfo,
    DtmfDigit,
    FrameSink,
    HoldChange,
    TransferProgress,
)
from agentassist.errors import NotRingingError, SipError
from agentassist.sip.conformance import describe as describe_validation
from agentassist.sip.conformance import has_request_validation
from agentassist.sip.endpoint import (  # noqa: F401 - build_max_calls is imported from here too
    PjEndpoint,
    PjLog,
    account_config,
    build_max_calls,
    start_endpoint,
)
from agentassist.sip.guard import SourcePolicy, trusted_sources
from agentassist.sip.pjcalls import DTMF_DIGITS, DTMF_METHODS, PjAccount, PjCall
from agentassist.sip.tap import CallTap
from agentassist.sip.watch import drop_unplaced, hang_up_held, hang_up_silent, sample_quality

log = logging.getLogger(__name__)

T = TypeVar("T")

_POLL_MS = 10
_STOP_GRACE_S = 1.0
# A scanner sends hundreds of INVITEs a second: a refused one is logged at most this often, with the
# number refused since the last line.
_REFUSED_LOG_EVERY_S = 10.0
REFUSED_KINDS = ("invite_source", "invite_media", "refer", "replaces")


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
        self._account: PjAccount | None = None
        self._calls: dict[str, PjCall] = {}
        self._graveyard: list[Any] = []  # pj objects to destroy on the pj thread after their callbacks
        self._free_taps: list[CallTap] = []
        self._log_writer = PjLog()  # pjsua keeps a pointer: lives as long as the softphone
        self._tap_count = 0
        self._refused: dict[str, PjCall] = {}  # refused INVITEs, until pjsua reports them disconnected
        self._refused_unlogged = 0
        self._refused_logged_at = -_REFUSED_LOG_EVERY_S
        self.refused: Counter[str] = Counter()  # by kind, for /metrics (``metrics``)
        self.callers = SourcePolicy(open=True)  # who may call, who may transfer: set at start
        self.referrers = SourcePolicy()
        self.listening = False
        self.registered = False

    # ---- public API, callable from any thread -------------------------------------------------

    def metrics(self) -> dict[str, float]:
        """What the softphone turned away, by kind: an INVITE from an address that may not call
        (``invite_source``), one pjsua refused before it was a call (``invite_media``: bad SDP, no common
        codec...), a REFER not from ``accept_refer`` (``refer``), an INVITE with Replaces (``replaces``);
        and the packets pjsip could not parse."""
        values = {
            f'agentassist_sip_refused_total{{kind="{kind}"}}': float(self.refused[kind]) for kind in REFUSED_KINDS
        }
        values["agentassist_sip_unparsable_total"] = float(self._log_writer.unparsable)
        return values

    def start(self, timeout_s: float = 10.0) -> None:
        self._thread = threading.Thread(target=self._main, name="pj-main", daemon=True)
        self._thread.start()
        if not self._started.wait(timeout_s):
            raise SipError(f"softphone did not start within {timeout_s} s")
        if isinstance(self._start_error, SipError):  # a setting the build cannot honour, named
            raise self._start_error
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
        """Answer a ringing call (the agent's other calls go on hold)."""
        self._submit(lambda: self._answer(call_id)).result(timeout=10)

    def decline(self, call_id: str) -> None:
        """Turn a ringing call away with 486 Busy Here."""
        self._submit(lambda: self._decline(call_id)).result(timeout=10)

    def hold(self, call_id: str, on: bool) -> None:
        """Put the call on hold (re-INVITE, sendonly) or take it off hold."""
        self._submit(lambda: self._hold(call_id, on)).result(timeout=10)

    def mute(self, call_id: str, on: bool) -> None:
        """Send (and record) silence instead of the agent's microphone, or stop doing so."""
        self._submit(lambda: self._mute(call_id, on)).result(timeout=10)

    def send_dtmf(self, call_id: str, digits: str, method: str = "rfc4733") -> None:
        """Send ``digits`` (0-9 * # A-D) by RFC 4733 telephone-events or SIP INFO."""
        bad = sorted(set(digits) - DTMF_DIGITS)
        if not digits or bad:
            raise SipError(f"expected DTMF digits 0-9 * # A-D, got {digits!r}")
        if method not in DTMF_METHODS:
            raise SipError(f"expected DTMF method one of {', '.join(DTMF_METHODS)}, got {method!r}")
        self._submit(lambda: self._send_dtmf(call_id, digits, method)).result(timeout=10)

    def transfer(self, call_id: str, uri: str) -> None:
        """Blind transfer (REFER) to ``uri``; the call ends once the peer reports the new call answered."""
        self._submit(lambda: self._transfer(call_id, uri)).result(timeout=10)

    def transfer_attended(self, call_id: str, consult_id: str) -> None:
        """Attended transfer: REFER the peer of ``call_id`` to the far end of the consultation call
        ``consult_id`` with Replaces; both calls end once the peer reports its new call answered."""
        self._submit(lambda: self._transfer_attended(call_id, consult_id)).result(timeout=10)

    @property
    def call_count(self) -> int:
        """Calls the softphone holds (ringing or answered); read without the pj thread, for metrics."""
        return len(self._calls)

    def ringing(self) -> list[CallInfo]:
        """Inbound calls ringing now, oldest first."""
        return self._submit(
            lambda: sorted(
                (c.info() for c in self._calls.values() if c.ringing and not c.ended),
                key=lambda info: info.started_at,
            )
        ).result(timeout=10)

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
        # pjsua's threads (this one, its media clock, its I/O) carry the call's audio every 20 ms: they keep
        # the default CPU policy in a `serve` that put its other threads under SCHED_BATCH
        cpu.interactive_thread()
        try:
            self._create()
        except BaseException as exc:
            self._start_error = exc
            self._destroy()  # before start() returns: a process that exits on the error must not find pjsua half-torn
            self._started.set()
            return
        self.listening = True
        self._started.set()
        log.info("softphone listening on %s (udp, tcp)", self.settings.listen)
        log.log(logging.INFO if has_request_validation() else logging.WARNING, "softphone: %s", describe_validation())
        try:
            next_check = time.monotonic() + 1.0
            while not self._stopping.is_set():
                self._ep.libHandleEvents(_POLL_MS)
                self._run_commands()
                self._graveyard.clear()
                if time.monotonic() >= next_check:
                    next_check += 1.0
                    self._watch()
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

    def _watch(self) -> None:
        """Once a second: the calls that would hold a line for nothing are ended (agentassist.sip.watch)."""
        hang_up_silent(list(self._calls.values()), self.settings.rtp_timeout_s, self._ended)
        hang_up_held(list(self._calls.values()), self.settings.max_hold_s, self._ended)
        for call in drop_unplaced(list(self._calls.values())):
            self._calls.pop(call.call_id, None)
            try:
                self._handler.call_failed(call.info(), "not placed")
            except Exception:
                log.exception("call %s: handler failed at failure", call.call_id)

    def _create(self) -> None:
        self.callers, self.referrers = trusted_sources(self.settings)
        self._ep = PjEndpoint(self.refused)  # kept at once: a failing start destroys what was created
        start_endpoint(self._ep, self.settings, self._log_writer)
        account = PjAccount(self)
        account.create(account_config(self.settings))
        self._account = account

    def _incoming(self, account: PjAccount, pj_call_id: int) -> None:
        busy = any(not c.ended for c in self._calls.values())
        call = PjCall(self, account, "inbound", pj_call_id)
        self._calls[call.call_id] = call
        ci = call.getInfo()
        call.remote, call.sip_call_id = ci.remoteUri, ci.callIdString
        mode = self.settings.second_call if busy else "answer" if self.settings.auto_answer else "ring"
        log.info("incoming call %s from %s%s: %s", call.call_id, ci.remoteUri, " while busy" if busy else "", mode)
        prm = pj.CallOpParam()
        if mode == "busy":
            prm.statusCode = 486
            call.hangup(prm)
            return
        prm.statusCode = 200 if mode == "answer" else 180
        call.answer(prm)
        call.ringing = mode == "ring"  # until answered or declined through ringing(), answer(), decline()

    def _refuse(self, account: PjAccount, pj_call_id: int, source: str) -> None:
        """403 to an INVITE from an address that may not call: no call is kept, recorded or rung."""
        call = PjCall(self, account, "inbound", pj_call_id)
        call.refused = True
        self._refused[call.call_id] = call
        self.refused["invite_source"] += 1
        now = time.monotonic()
        if now - self._refused_logged_at >= _REFUSED_LOG_EVERY_S:
            log.warning(
                "incoming call from %s refused (403): not the registrar nor in [sip] allow_from (%s)%s",
                source,
                self.callers.describe(),
                f"; {self._refused_unlogged} more refused since the last such line" if self._refused_unlogged else "",
            )
            self._refused_logged_at, self._refused_unlogged = now, 0
        else:
            self._refused_unlogged += 1
        prm = pj.CallOpParam()
        prm.statusCode = 403
        try:
            call.hangup(prm)
        except pj.Error:
            log.exception("refusing the call from %s failed", source)
            self._ended(call, "refused")

    def _referred_call(self, call: PjCall, uri: str) -> PjCall | None:
        """The call pjsua places for an accepted REFER, kept and recorded as any outbound call."""
        if self._account is None:
            return None
        new = PjCall(self, self._account, "outbound")
        new.remote = uri
        new.for_refer = True
        call.referred.append(new)
        self._calls[new.call_id] = new
        log.info("outgoing call %s to %s (transfer of call %s)", new.call_id, uri, call.call_id)
        return new

    def _ringing_call(self, call_id: str) -> PjCall:
        call = self._calls.get(call_id)
        if call is None or call.ended or not call.ringing:
            raise NotRingingError(f"no call {call_id!r} is ringing")
        return call

    def _answer(self, call_id: str) -> None:
        """Answer a ringing call; the agent's other calls that are up go on hold first."""
        call = self._ringing_call(call_id)
        for other in list(self._calls.values()):
            if other is not call and not other.ended and other.tap is not None and other.held_by != "agent":
                self._hold(other.call_id, True)
        call.ringing = False
        prm = pj.CallOpParam()
        prm.statusCode = 200
        call.answer(prm)

    def _decline(self, call_id: str) -> None:
        call = self._ringing_call(call_id)
        call.ringing = False
        call.local_reason = "declined"
        prm = pj.CallOpParam()
        prm.statusCode = 486
        call.hangup(prm)

    def _make_call(self, uri: str, microphone: Microphone | None) -> str:
        if self._account is None:
            raise SipError("softphone has no account")
        call = PjCall(self, self._account, "outbound")
        call.microphone = microphone
        call.remote = uri
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

    def _hold(self, call_id: str, on: bool) -> None:
        call = self._find(call_id)
        if call.tap is None:
            raise SipError(f"call {call_id!r} has no media yet: it cannot be held")
        try:
            if on:
                call.setHold(pj.CallOpParam(True))
            else:
                prm = pj.CallOpParam(True)
                prm.opt.flag = pj.PJSUA_CALL_UNHOLD
                call.reinvite(prm)
        except pj.Error as exc:
            raise SipError(f"cannot {'hold' if on else 'resume'} call {call_id!r}: {exc.info().strip()}") from None

    def _transfer(self, call_id: str, uri: str) -> None:
        call = self._find(call_id)
        call.transfer_target = uri
        try:
            call.xfer(uri, pj.CallOpParam(True))
        except pj.Error as exc:
            raise SipError(f"cannot transfer call {call_id!r} to {uri!r}: {exc.info().strip()}") from None

    def _transfer_attended(self, call_id: str, consult_id: str) -> None:
        call, consult = self._find(call_id), self._find(consult_id)
        if consult is call:
            raise SipError(f"call {call_id!r} cannot be transferred to itself")
        call.transfer_target = consult.remote
        call.consult = consult
        try:
            call.xferReplaces(consult, pj.CallOpParam(True))
        except pj.Error as exc:
            call.consult = None
            raise SipError(f"cannot transfer call {call_id!r} to call {consult_id!r}: {exc.info().strip()}") from None

    def _hangup_later(self, call: PjCall) -> None:
        """Hang up outside the pjsua callback that asked for it."""

        def hangup() -> None:
            if not call.ended:
                try:
                    call.hangup(pj.CallOpParam())
                except pj.Error:
                    log.exception("call %s: hangup after transfer failed", call.call_id)

        self._commands.put(hangup)

    def _mute(self, call_id: str, on: bool) -> None:
        call = self._find(call_id)
        if call.tap is None:
            raise SipError(f"call {call_id!r} has no media yet: nothing to mute")
        call.tap.muted = on

    def _send_dtmf(self, call_id: str, digits: str, method: str) -> None:
        call = self._find(call_id)
        prm = pj.CallSendDtmfParam()
        prm.digits = digits
        prm.method = DTMF_METHODS[method]
        try:
            call.sendDtmf(prm)
        except pj.Error as exc:
            raise SipError(f"cannot send DTMF in call {call_id!r}: {exc.info().strip()}") from None

    def _find(self, call_id: str) -> PjCall:
        call = self._calls.get(call_id)
        if call is None or call.ended:
            raise SipError(f"no active call with id {call_id!r}")
        return call

    def _changed(self, call: PjCall, change: CallChange) -> None:
        try:
            self._handler.call_changed(call.call_id, change)
        except Exception:
            log.exception("call %s: handler failed on %s", call.call_id, type(change).__name__)

    def _media_started(self, call: PjCall, ci: Any) -> None:
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
        # a first sample now (codec, SRTP): a call that ends before the watch's next second still reports
        # its media at the end; the watch's samples replace it
        sample_quality(call)

    def _ended(self, call: PjCall, reason: str) -> None:
        if call.ended:
            return
        call.ended = True
        if call.refused:
            self._refused.pop(call.call_id, None)
            self._graveyard.append(call)
            return
        log.info("call %s ended: %s", call.call_id, reason)
        if call.tap is not None:
            call.tap.detach()
            self._free_taps.append(call.tap)
            if call.quality is not None:
                self._changed(call, call.quality)
            try:
                self._handler.call_ended(call.call_id, reason)
            except Exception:
                log.exception("call %s: handler failed at end", call.call_id)
        else:
            info = call.info()
            try:
                self._handler.call_failed(info, reason)
            except Exception:
                log.exception("call %s: handler failed at failure", call.call_id)
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
        self._refused.clear()
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
