"""The softphone: one pjsua2 Endpoint on its own thread, taking and placing calls.

Thread model (docs/architecture.md, "Threads and where they cross"):

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
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import pjsua2 as pj

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
from agentassist.pause import KEYPAD
from agentassist.sip.conformance import describe as describe_validation
from agentassist.sip.conformance import has_request_validation
from agentassist.sip.guard import SourcePolicy, caller_policy, redact, refer_policy, resolve
from agentassist.sip.quality import StreamQuality
from agentassist.sip.tap import CallTap

log = logging.getLogger(__name__)

T = TypeVar("T")

_POLL_MS = 10
_STOP_GRACE_S = 1.0
_LOG_LINE_MAX = 2000
# A call made for an accepted REFER is bound to its pjsua id by the first callback pjsua makes for it
# (at once when the INVITE goes out); one still unbound after this long was never placed.
_UNPLACED_S = 5.0
# A scanner sends hundreds of INVITEs a second: a refused one is logged at most this often, with the
# number refused since the last line.
_REFUSED_LOG_EVERY_S = 10.0


DTMF_METHODS = {"rfc4733": pj.PJSUA_DTMF_METHOD_RFC2833, "info": pj.PJSUA_DTMF_METHOD_SIP_INFO}
_DTMF_NAMES = {v: k for k, v in DTMF_METHODS.items()}
DTMF_DIGITS = KEYPAD | frozenset("abcd")

# Final responses of a call that never had media, as end reasons.
_FAILURES = {
    404: "not found",
    604: "not found",
    486: "busy",
    600: "busy",
    487: "cancelled",
    603: "declined",
    408: "no answer",
    480: "no answer",
}


def end_reason(status_code: int, reason: str, confirmed: bool) -> str:
    """A call's end reason from its last SIP status: "hangup" once it was answered, else why it failed."""
    if confirmed:
        return "hangup"
    return _FAILURES.get(status_code) or f"{status_code} {reason}".strip()


_SRTP_USE = {
    "off": pj.PJMEDIA_SRTP_DISABLED,
    "optional": pj.PJMEDIA_SRTP_OPTIONAL,
    "mandatory": pj.PJMEDIA_SRTP_MANDATORY,
}


def build_max_calls() -> int:
    """The calls at once the pjsua2 build in use takes (its PJSUA_MAX_CALLS, pjsua's default maxCalls)."""
    return int(pj.EpConfig().uaConfig.maxCalls)


def codec_matches(name: str, codec_id: str) -> bool:
    """Whether a configured codec name ("PCMU", "speex/16000") names pjsua's ``codec_id`` ("PCMU/8000/1")."""
    name, codec_id = name.strip().lower(), codec_id.lower()
    return codec_id == name or codec_id.startswith(name + "/")


def _split_host_port(value: str, default_host: str, default_port: int) -> tuple[str, int]:
    if not value:
        return default_host, default_port
    host, _, port = value.rpartition(":")
    try:
        return host or default_host, int(port)
    except ValueError:
        raise SipError(f"expected HOST:PORT, got {value!r}") from None


class _PjLog(pj.LogWriter):  # type: ignore[misc]
    """pjsua's log lines into Python logging (pjsua levels: 1 error, 2 warning, 3+ detail).

    pjsip quotes a packet it cannot process in full: a peer sending 1 MB of garbage would write
    1 MB into the log per packet, so a line is cut at ``_LOG_LINE_MAX`` characters. At level 4 (``-v``)
    pjsua logs every packet whole: SDES keys, digest answers and DTMF by INFO are cut out first
    (``guard.redact``), at every level.
    """

    def write(self, entry: Any) -> None:
        level = logging.ERROR if entry.level <= 1 else logging.WARNING if entry.level == 2 else logging.DEBUG
        msg = redact(entry.msg.rstrip())
        if len(msg) > _LOG_LINE_MAX:
            msg = f"{msg[:_LOG_LINE_MAX]}... ({len(msg) - _LOG_LINE_MAX} more characters not logged)"
        log.log(level, "pjsua: %s", msg)


class _Endpoint(pj.Endpoint):  # type: ignore[misc]
    def onRejectedIncomingCall(self, prm: Any) -> None:  # noqa: N802 - pjsua2 callback name
        # pjsua refused it before any Call existed: bad SDP, no common codec, SRTP required...
        log.warning("incoming call from %s refused: %s %s", prm.remoteInfo, prm.statusCode, prm.reason)


class _Account(pj.Account):  # type: ignore[misc]
    def __init__(self, phone: Softphone) -> None:
        super().__init__()
        self._phone = phone

    def onIncomingCall(self, prm: Any) -> None:  # noqa: N802 - pjsua2 callback name
        source = str(prm.rdata.srcAddress)
        if not self._phone.callers.allows(source):
            self._phone._refuse(self, prm.callId, source)
            return
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
        self.confirmed = False
        self.local_reason = ""  # why this side ended the call, when it was not a plain hangup
        self.transfer_target = ""
        self.consult: _Call | None = None  # an attended transfer's consultation call
        self.held_by: str | None = None  # "agent" | "customer" while on hold
        self.held_since = 0.0  # time.monotonic() when the hold began
        self.refused = False  # refused before it was a call (403 to a caller not allowed): never reported
        self.refer_source = ""  # where the last REFER in this call came from ("HOST:PORT")
        # Calls placed for REFERs this call accepted: pjsua2 keeps a pointer to the last one, so they
        # live as long as this call does, placed or not.
        self.referred: list[_Call] = []
        self.for_refer = False  # this call was made for an accepted REFER
        self.ringing = False  # an inbound call waiting to be answered or declined
        self.codec = ""
        self.clock_rate_hz = 0
        self.srtp = False
        self.quality: StreamQuality | None = None  # last sample, reported when the call ends
        self.remote = ""
        self.sip_call_id = ""
        self.created_at = datetime.now(UTC)
        self.created_s = time.monotonic()

    def info(self) -> CallInfo:
        """What is known of the call before it has media (ringing, failed)."""
        return CallInfo(self.call_id, self.direction, self.remote, self.sip_call_id, self.created_at)

    def onCallState(self, prm: Any) -> None:  # noqa: N802
        ci = self.getInfo()
        log.debug("call %s state %s", self.call_id, ci.stateText)
        if ci.state == pj.PJSIP_INV_STATE_CONFIRMED:
            self.confirmed = True
        elif ci.state == pj.PJSIP_INV_STATE_DISCONNECTED:
            self.remote = ci.remoteUri or self.remote
            self.sip_call_id = ci.callIdString or self.sip_call_id
            reason = self.local_reason or end_reason(ci.lastStatusCode, ci.lastReason, self.confirmed)
            self.phone._ended(self, reason)

    def onCallSdpCreated(self, prm: Any) -> None:  # noqa: N802
        # Answering an offer: our answer carries SDES keys only when SRTP was agreed. (An offer we make
        # is known to be SRTP only by the profile of the stream, RTP/SAVP, see _sample_quality.)
        if prm.remSdp.wholeSdp:
            self.srtp = "a=crypto:" in prm.sdp.wholeSdp

    def onCallMediaState(self, prm: Any) -> None:  # noqa: N802
        ci = self.getInfo()
        for index, media in enumerate(ci.media):
            if media.type != pj.PJMEDIA_TYPE_AUDIO:
                continue
            held_by = {pj.PJSUA_CALL_MEDIA_LOCAL_HOLD: "agent", pj.PJSUA_CALL_MEDIA_REMOTE_HOLD: "customer"}.get(
                media.status
            )
            if media.status == pj.PJSUA_CALL_MEDIA_ACTIVE:
                audio = self.getAudioMedia(index)
                self.audio_index = index
                if self.tap is None:
                    self.phone._media_started(self, ci)
                if self.tap is not None:
                    self.tap.connect(audio)
            if self.tap is not None and held_by != self.held_by and media.status != pj.PJSUA_CALL_MEDIA_NONE:
                change = HoldChange(held_by is not None, held_by or self.held_by or "")
                if self.held_by is None:
                    self.held_since = time.monotonic()
                self.held_by = held_by
                self.rx_changed_at = time.monotonic()  # no RTP on hold is no reason to hang up
                self.phone._changed(self, change)

    def onCallTsxState(self, prm: Any) -> None:  # noqa: N802
        # pjsua reports a transaction here before it acts on it: an incoming REFER's source address is
        # kept for onCallTransferRequest, which is given the Refer-To only.
        e = prm.e
        if e.type != pj.PJSIP_EVENT_TSX_STATE:
            return
        tsx = e.body.tsxState.tsx
        if tsx.role == pj.PJSIP_ROLE_UAS and tsx.method == "REFER" and tsx.state == pj.PJSIP_TSX_STATE_TRYING:
            self.refer_source = str(e.body.tsxState.src.rdata.srcAddress)

    def onCallTransferRequest(self, prm: Any) -> None:  # noqa: N802
        # The far end asks this phone to call someone (REFER): allowed only from [sip] accept_refer, or
        # any caller could make it dial out on the PBX account.
        source, self.refer_source = self.refer_source, ""
        if self.phone.referrers.allows(source):
            log.info("call %s: transfer to %s asked by %s: accepted", self.call_id, prm.dstUri, source)
            prm.newCall = self.phone._referred_call(self, str(prm.dstUri))
            return
        log.warning(
            "call %s: REFER to %s from %s refused (403): not in [sip] accept_refer (%s)",
            self.call_id,
            prm.dstUri,
            source or "an unknown address",
            self.phone.referrers.describe(),
        )
        prm.statusCode = 403

    def onCallReplaceRequest(self, prm: Any) -> None:  # noqa: N802
        # An INVITE with Replaces would take this call over, answered at once; the phone keeps no track
        # of a call that arrives that way, so it is refused whoever sends it.
        log.warning(
            "call %s: INVITE with Replaces from %s refused (403): this phone takes no call over",
            self.call_id,
            prm.rdata.srcAddress,
        )
        prm.statusCode = 403
        # pjsua2 hands the reason back to pjsua as a pointer into its own copy, gone by the time the 403
        # is written: a text set here went out as freed memory (seen: "SIP/2.0 403 1S..." with no
        # Call-ID after it). An empty reason sends no bytes of it.
        prm.reason = ""

    def onCallTransferStatus(self, prm: Any) -> None:  # noqa: N802
        code, reason = int(prm.statusCode), str(prm.reason)
        self.phone._changed(self, TransferProgress(self.transfer_target, code, reason))
        if code >= 200 or prm.finalNotify:
            prm.cont = False  # no more NOTIFYs wanted
            if 200 <= code < 300:
                log.info("call %s transferred to %s", self.call_id, self.transfer_target)
                self.local_reason = "transferred"
                self.phone._hangup_later(self)
                if self.consult is not None and not self.consult.ended:
                    # the target drops it when the new call replaces it; a target that ignores Replaces
                    # would leave it up: the agent is done with it either way
                    self.consult.local_reason = "transferred"
                    self.phone._hangup_later(self.consult)
            else:
                log.warning("call %s: transfer to %s failed: %s %s", self.call_id, self.transfer_target, code, reason)

    def onDtmfDigit(self, prm: Any) -> None:  # noqa: N802
        # The digit itself is never logged: it may be card data.
        method = _DTMF_NAMES.get(prm.method, "rfc4733")
        log.debug("call %s: DTMF digit received (%s)", self.call_id, method)
        self.phone._changed(self, DtmfDigit(str(prm.digit), method))


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
        self._refused: dict[str, _Call] = {}  # refused INVITEs, until pjsua reports them disconnected
        self._refused_unlogged = 0
        self._refused_logged_at = -_REFUSED_LOG_EVERY_S
        self.callers = SourcePolicy(open=True)  # who may call, who may transfer: set at start
        self.referrers = SourcePolicy()
        self.listening = False
        self.registered = False

    # ---- public API, callable from any thread -------------------------------------------------

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
                    self._check_rtp()
                    self._check_holds()
                    self._check_unplaced()
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

    def _trust(self) -> None:
        """Who may call and who may transfer, from the registrar's addresses now and the settings."""
        st = self.settings
        registrar = resolve(uri for uri in (st.registrar, st.outbound_proxy) if uri)
        self.callers = caller_policy(registrar, st.allow_from)
        self.referrers = refer_policy(registrar, st.accept_refer)
        if self.callers.open:
            log.warning(
                "[sip] no registrar and no allow_from: this phone answers INVITEs from any address that reaches "
                '%s; set [sip] allow_from = ["10.0.0.0/8"] (the PBX\'s networks) to refuse the others with 403',
                st.listen,
            )
        else:
            log.info("calls taken from %s; REFER accepted from %s", self.callers.describe(), self.referrers.describe())

    def _create(self) -> None:
        self._trust()
        host, port = self.settings.host_port
        ep = _Endpoint()
        self._ep = ep
        ep.libCreate()
        cfg = pj.EpConfig()
        cfg.uaConfig.threadCnt = 0
        cfg.uaConfig.mainThreadOnly = True
        cfg.uaConfig.maxCalls = self.settings.max_calls
        if self.settings.max_calls > (cap := build_max_calls()):
            log.warning(
                "[sip] max_calls = %d, but this pjsua2 build takes at most %d calls at once (PJSUA_MAX_CALLS): "
                "the next caller gets 486 Busy Here",
                self.settings.max_calls,
                cap,
            )
        cfg.uaConfig.userAgent = "agentassist"
        cfg.logConfig.level = 4 if log.isEnabledFor(logging.DEBUG) else 2
        cfg.logConfig.consoleLevel = cfg.logConfig.level
        cfg.logConfig.writer = self._log_writer
        cfg.logConfig.decor = 0
        cfg.medConfig.clockRate = 16000
        cfg.medConfig.sndClockRate = 16000
        cfg.medConfig.noVad = True  # silence suppression would starve the taps of frames
        ep.libInit(cfg)
        if self.settings.codecs:
            self._set_codecs(ep, self.settings.codecs)
        for kind in (pj.PJSIP_TRANSPORT_UDP, pj.PJSIP_TRANSPORT_TCP):
            tcfg = pj.TransportConfig()
            tcfg.port = port
            tcfg.boundAddress = host
            ep.transportCreate(kind, tcfg)
        if self.settings.uses_tls:
            ep.transportCreate(pj.PJSIP_TRANSPORT_TLS, self._tls_config(host))
        ep.libStart()
        ep.audDevManager().setNullDev()

        acfg = pj.AccountConfig()
        user = self.settings.username or "agent"
        acfg.idUri = f"sip:{user}@{host}:{port}"
        acfg.mediaConfig.transportConfig.boundAddress = host
        acfg.mediaConfig.srtpUse = _SRTP_USE[self.settings.srtp]
        # SDES keys travel in the SDP: in clear over UDP/TCP. pjsua refuses that by default; allowed here
        # so SRTP works behind a plain PBX trunk, with the risk written in the README ("Security").
        acfg.mediaConfig.srtpSecureSignaling = 0
        acfg.mediaConfig.srtpOpt.keyings = pj.IntVector([pj.PJMEDIA_SRTP_KEYING_SDES])
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
        if self.settings.outbound_proxy:
            acfg.sipConfig.proxies.append(self.settings.outbound_proxy)
        account = _Account(self)
        account.create(acfg)
        self._account = account

    @staticmethod
    def _set_codecs(ep: Any, wanted: list[str]) -> None:
        """Give the ``wanted`` codecs falling priorities in their order and disable every other one."""
        offered = [str(c.codecId) for c in ep.codecEnum2()]
        chosen: list[str] = []
        for name in wanted:
            matches = [c for c in offered if codec_matches(name, c)]
            if not matches:
                names = ", ".join(dict.fromkeys(c.rsplit("/1", 1)[0] if c.endswith("/1") else c for c in offered))
                raise SipError(f"[sip] codecs: this build has no codec {name!r}; it offers {names}")
            chosen += [c for c in matches if c not in chosen]
        for codec_id in offered:
            priority = 255 - chosen.index(codec_id) if codec_id in chosen else 0  # 0: disabled
            ep.codecSetPriority(codec_id, priority)
        log.info("audio codecs in order: %s", ", ".join(chosen))

    def _tls_config(self, host: str) -> Any:
        st = self.settings
        for name in ("tls_cert_file", "tls_key_file", "tls_ca_file"):
            path = getattr(st, name)
            if path and not Path(path).is_file():
                raise SipError(f"[sip] {name}: file not found: {path}")
        if st.tls_listen and not (st.tls_cert_file and st.tls_key_file):
            raise SipError("[sip] tls_listen needs tls_cert_file and tls_key_file to accept TLS")
        if st.tls_verify_server and not st.tls_ca_file:
            raise SipError("[sip] tls_verify_server needs tls_ca_file: the CA that signed the registrar's certificate")
        tcfg = pj.TransportConfig()
        tls_host, tcfg.port = _split_host_port(st.tls_listen, host, 0)
        tcfg.boundAddress = tls_host
        tls = tcfg.tlsConfig
        tls.proto = pj.PJ_SSL_SOCK_PROTO_TLS1_2 | pj.PJ_SSL_SOCK_PROTO_TLS1_3  # 1.3 where the OpenSSL has it
        tls.CaListFile = st.tls_ca_file
        tls.certFile = st.tls_cert_file
        tls.privKeyFile = st.tls_key_file
        tls.verifyServer = st.tls_verify_server
        return tcfg

    def _incoming(self, account: _Account, pj_call_id: int) -> None:
        busy = any(not c.ended for c in self._calls.values())
        call = _Call(self, account, "inbound", pj_call_id)
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

    def _refuse(self, account: _Account, pj_call_id: int, source: str) -> None:
        """403 to an INVITE from an address that may not call: no call is kept, recorded or rung."""
        call = _Call(self, account, "inbound", pj_call_id)
        call.refused = True
        self._refused[call.call_id] = call
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

    def _referred_call(self, call: _Call, uri: str) -> _Call | None:
        """The call pjsua places for an accepted REFER, kept and recorded as any outbound call."""
        if self._account is None:
            return None
        new = _Call(self, self._account, "outbound")
        new.remote = uri
        new.for_refer = True
        call.referred.append(new)
        self._calls[new.call_id] = new
        log.info("outgoing call %s to %s (transfer of call %s)", new.call_id, uri, call.call_id)
        return new

    def _ringing_call(self, call_id: str) -> _Call:
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
        call = _Call(self, self._account, "outbound")
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

    def _hangup_later(self, call: _Call) -> None:
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

    def _sample_quality(self, call: _Call) -> int | None:
        """Read the call's stream statistics; returns the received packet count."""
        try:
            if not call.codec:
                info = call.getStreamInfo(call.audio_index)
                call.codec, call.clock_rate_hz = str(info.codecName), int(info.codecClockRate)
                call.srtp = call.srtp or bool(info.proto & pj.PJMEDIA_TP_PROFILE_SRTP)
            rtcp = call.getStreamStat(call.audio_index).rtcp
        except pj.Error:
            return None
        rx, tx = rtcp.rxStat, rtcp.txStat
        call.quality = StreamQuality(
            codec=call.codec,
            clock_rate_hz=call.clock_rate_hz,
            rx_packets=int(rx.pkt),
            rx_lost=int(rx.loss),
            rx_jitter_ms=rx.jitterUsec.mean / 1000 if rx.jitterUsec.n else 0.0,
            tx_packets=int(tx.pkt),
            tx_lost=int(tx.loss),
            rtt_ms=rtcp.rttUsec.mean / 1000 if rtcp.rttUsec.n else 0.0,
            srtp=call.srtp,
        )
        return int(rx.pkt)

    def _check_rtp(self) -> None:
        """Hang up calls whose peer stopped sending RTP (it vanished without a BYE)."""
        now = time.monotonic()
        for call in list(self._calls.values()):
            if call.ended or call.audio_index < 0:
                continue
            packets = self._sample_quality(call)
            if packets is None:
                # No stream statistics: its media is gone while the call lingers (seen under load when a
                # peer gave up mid-setup). It receives nothing: the RTP timeout below ends it, not never.
                packets = call.rx_packets
            if packets != call.rx_packets or call.held_by is not None:
                call.rx_packets, call.rx_changed_at = packets, now
            elif now - call.rx_changed_at >= self.settings.rtp_timeout_s:
                log.warning("call %s: no RTP for %.0f s, hanging up", call.call_id, now - call.rx_changed_at)
                prm = pj.CallOpParam()
                prm.statusCode = 408
                call.local_reason = "rtp timeout"
                try:
                    call.hangup(prm)
                except pj.Error:
                    self._ended(call, "rtp timeout")

    def _check_holds(self) -> None:
        """Hang up calls on hold (by either side) for [sip] max_hold_s: a forgotten caller costs a line."""
        limit_s = self.settings.max_hold_s
        if limit_s <= 0:
            return
        now = time.monotonic()
        for call in list(self._calls.values()):
            if call.ended or call.held_by is None or now - call.held_since < limit_s:
                continue
            log.warning("call %s: on hold (by the %s) for %.0f s, hanging up", call.call_id, call.held_by, limit_s)
            call.local_reason = "hold timeout"
            try:
                call.hangup(pj.CallOpParam())
            except pj.Error:
                self._ended(call, "hold timeout")

    def _check_unplaced(self) -> None:
        """Drop a call made for an accepted REFER that pjsua never placed (a Refer-To it cannot call):
        kept, it would count as a call up and make the next caller wait as a second call."""
        now = time.monotonic()
        for call in list(self._calls.values()):
            if not call.for_refer or call.ended or now - call.created_s < _UNPLACED_S:
                continue
            if call.getId() != pj.PJSUA_INVALID_ID:
                call.for_refer = False  # placed: an ordinary call from now on
                continue
            log.warning("call %s: the transfer to %s was never placed", call.call_id, call.remote)
            call.ended = True  # not to the graveyard: the call that accepted the REFER points to it
            self._calls.pop(call.call_id, None)
            try:
                self._handler.call_failed(call.info(), "not placed")
            except Exception:
                log.exception("call %s: handler failed at failure", call.call_id)

    def _find(self, call_id: str) -> _Call:
        call = self._calls.get(call_id)
        if call is None or call.ended:
            raise SipError(f"no active call with id {call_id!r}")
        return call

    def _changed(self, call: _Call, change: CallChange) -> None:
        try:
            self._handler.call_changed(call.call_id, change)
        except Exception:
            log.exception("call %s: handler failed on %s", call.call_id, type(change).__name__)

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
