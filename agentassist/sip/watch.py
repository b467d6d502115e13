"""The softphone's once-a-second watch over its calls (pj-main thread): stream statistics sampled, and
calls ended that would otherwise hold a line - a peer gone without a BYE, a hold forgotten, a
transfer's call that pjsua never placed."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import pjsua2 as pj

from agentassist.sip.pjcalls import PjCall
from agentassist.sip.quality import StreamQuality

log = logging.getLogger("agentassist.sip.softphone")  # the softphone's lines, as before the split

# A call made for an accepted REFER is bound to its pjsua id by the first callback pjsua makes for it
# (at once when the INVITE goes out); one still unbound after this long was never placed.
UNPLACED_S = 5.0

Ended = Callable[[PjCall, str], None]  # the softphone's end of a call that pjsua could not hang up


def sample_quality(call: PjCall) -> int | None:
    """Read the call's stream statistics into ``call.quality``; returns the received packet count."""
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


def hang_up_silent(calls: list[PjCall], rtp_timeout_s: float, ended: Ended) -> None:
    """Hang up calls whose peer stopped sending RTP (it vanished without a BYE)."""
    now = time.monotonic()
    for call in calls:
        if call.ended or call.audio_index < 0:
            continue
        packets = sample_quality(call)
        if packets is None:
            # No stream statistics: its media is gone while the call lingers (seen under load when a
            # peer gave up mid-setup). It receives nothing: the RTP timeout below ends it, not never.
            packets = call.rx_packets
        if packets != call.rx_packets or call.held_by is not None:
            call.rx_packets, call.rx_changed_at = packets, now
        elif now - call.rx_changed_at >= rtp_timeout_s:
            log.warning("call %s: no RTP for %.0f s, hanging up", call.call_id, now - call.rx_changed_at)
            prm = pj.CallOpParam()
            prm.statusCode = 408
            call.local_reason = "rtp timeout"
            try:
                call.hangup(prm)
            except pj.Error:
                ended(call, "rtp timeout")


def hang_up_held(calls: list[PjCall], max_hold_s: float, ended: Ended) -> None:
    """Hang up calls on hold (by either side) for [sip] max_hold_s: a forgotten caller costs a line."""
    if max_hold_s <= 0:
        return
    now = time.monotonic()
    for call in calls:
        if call.ended or call.held_by is None or now - call.held_since < max_hold_s:
            continue
        log.warning("call %s: on hold (by the %s) for %.0f s, hanging up", call.call_id, call.held_by, max_hold_s)
        call.local_reason = "hold timeout"
        try:
            call.hangup(pj.CallOpParam())
        except pj.Error:
            ended(call, "hold timeout")


def drop_unplaced(calls: list[PjCall]) -> list[PjCall]:
    """The calls made for an accepted REFER that pjsua never placed (a Refer-To it cannot call), marked
    ended: kept, one would count as a call up and make the next caller wait as a second call. The
    softphone forgets them and reports them failed."""
    now = time.monotonic()
    dropped = []
    for call in calls:
        if not call.for_refer or call.ended or now - call.created_s < UNPLACED_S:
            continue
        if call.getId() != pj.PJSUA_INVALID_ID:
            call.for_refer = False  # placed: an ordinary call from now on
            continue
        log.warning("call %s: the transfer to %s was never placed", call.call_id, call.remote)
        call.ended = True  # not to the graveyard: the call that accepted the REFER points to it
        dropped.append(call)
    return dropped
