"""The pjsua2 Account and Call subclasses of the softphone: pjsua's callbacks (``on*``, on the
``pj-main`` thread) turned into the softphone's own steps and the desk's call changes.

pjsua2's camelCase stays here and in the softphone; nothing else sees a pjsua2 type.
"""

from __future__ import annotations

import logging
import time
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pjsua2 as pj

from agentassist.audio.devices import Microphone
from agentassist.desk import CallInfo, DtmfDigit, HoldChange, TransferProgress
from agentassist.pause import KEYPAD
from agentassist.sip.quality import StreamQuality
from agentassist.sip.tap import CallTap

if TYPE_CHECKING:
    from agentassist.sip.softphone import Softphone

log = logging.getLogger("agentassist.sip.softphone")  # the softphone's lines, as before the split


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


class PjAccount(pj.Account):  # type: ignore[misc]
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


class PjCall(pj.Call):  # type: ignore[misc]
    def __init__(
        self, phone: Softphone, account: PjAccount, direction: str, pj_call_id: int = pj.PJSUA_INVALID_ID
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
        self.consult: PjCall | None = None  # an attended transfer's consultation call
        self.held_by: str | None = None  # "agent" | "customer" while on hold
        self.held_since = 0.0  # time.monotonic() when the hold began
        self.refused = False  # refused before it was a call (403 to a caller not allowed): never reported
        self.refer_source = ""  # where the last REFER in this call came from ("HOST:PORT")
        # Calls placed for REFERs this call accepted: pjsua2 keeps a pointer to the last one, so they
        # live as long as this call does, placed or not.
        self.referred: list[PjCall] = []
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
        # is known to be SRTP only by the profile of the stream, RTP/SAVP, see watch.sample_quality.)
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
        self.phone.refused["refer"] += 1
        prm.statusCode = 403

    def onCallReplaceRequest(self, prm: Any) -> None:  # noqa: N802
        # An INVITE with Replaces would take this call over, answered at once; the phone keeps no track
        # of a call that arrives that way, so it is refused whoever sends it.
        log.warning(
            "call %s: INVITE with Replaces from %s refused (403): this phone takes no call over",
            self.call_id,
            prm.rdata.srcAddress,
        )
        self.phone.refused["replaces"] += 1
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
