"""The pjsua2 endpoint of the softphone: its configuration, transports (UDP, TCP, TLS), codecs and the
account that registers to the PBX; pjsua's log lines into Python logging.

Called on the ``pj-main`` thread only (agentassist.sip.softphone), as every pjsua2 call is.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pjsua2 as pj

from agentassist.config import SipSettings
from agentassist.errors import SipError
from agentassist.sip.guard import redact

log = logging.getLogger("agentassist.sip.softphone")  # the softphone's lines, as before the split

_LOG_LINE_MAX = 2000
# pjsip warns once per packet it cannot parse: a peer sending garbage at line rate would fill the log.
# Such a line is written at most this often, with the number left out since the last one.
_UNPARSABLE_LOG_EVERY_S = 10.0
# pjsip's sip_transport.c: "Dropping N bytes packet from ..." (syntax errors), "Error processing N bytes
# packet from ..." (others).
_UNPARSABLE = " bytes packet from "

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


class PjLog(pj.LogWriter):  # type: ignore[misc]
    """pjsua's log lines into Python logging (pjsua levels: 1 error, 2 warning, 3+ detail).

    pjsip quotes a packet it cannot process in full: a peer sending 1 MB of garbage would write
    1 MB into the log per packet, so a line is cut at ``_LOG_LINE_MAX`` characters, and such warnings
    are written at most every ``_UNPARSABLE_LOG_EVERY_S`` (``unparsable`` counts them all). At level 4
    (``-v``) pjsua logs every packet whole: SDES keys, digest answers and DTMF by INFO are cut out first
    (``guard.redact``), at every level.
    """

    def __init__(self) -> None:
        super().__init__()
        self.unparsable = 0
        self._unparsable_logged_at = -_UNPARSABLE_LOG_EVERY_S
        self._unparsable_unlogged = 0

    def write(self, entry: Any) -> None:
        level = logging.ERROR if entry.level <= 1 else logging.WARNING if entry.level == 2 else logging.DEBUG
        msg = redact(entry.msg.rstrip())
        if level == logging.WARNING and _UNPARSABLE in msg:
            self.unparsable += 1
            now = time.monotonic()
            if now - self._unparsable_logged_at < _UNPARSABLE_LOG_EVERY_S:
                self._unparsable_unlogged += 1
                return
            if self._unparsable_unlogged:
                msg += f" ({self._unparsable_unlogged} more such packets dropped since the last such line)"
            self._unparsable_logged_at, self._unparsable_unlogged = now, 0
        if len(msg) > _LOG_LINE_MAX:
            msg = f"{msg[:_LOG_LINE_MAX]}... ({len(msg) - _LOG_LINE_MAX} more characters not logged)"
        log.log(level, "pjsua: %s", msg)


class PjEndpoint(pj.Endpoint):  # type: ignore[misc]
    """The endpoint, counting in ``refused`` (by kind) the calls and requests the softphone turns away."""

    def __init__(self, refused: Counter[str]) -> None:
        super().__init__()
        self.refused = refused

    def onRejectedIncomingCall(self, prm: Any) -> None:  # noqa: N802 - pjsua2 callback name
        # pjsua refused it before any Call existed: bad SDP, no common codec, SRTP required...
        self.refused["invite_media"] += 1
        log.warning("incoming call from %s refused: %s %s", prm.remoteInfo, prm.statusCode, prm.reason)


def start_endpoint(ep: Any, settings: SipSettings, writer: PjLog) -> None:
    """Create, configure and start ``ep``: no worker threads (the caller's thread polls), 16 kHz media
    without silence suppression, the transports of ``settings``, no sound device."""
    host, port = settings.host_port
    ep.libCreate()
    cfg = pj.EpConfig()
    cfg.uaConfig.threadCnt = 0
    cfg.uaConfig.mainThreadOnly = True
    cfg.uaConfig.maxCalls = settings.max_calls
    if settings.max_calls > (cap := build_max_calls()):
        log.warning(
            "[sip] max_calls = %d, but this pjsua2 build takes at most %d calls at once (PJSUA_MAX_CALLS): "
            "the next caller gets 486 Busy Here",
            settings.max_calls,
            cap,
        )
    cfg.uaConfig.userAgent = "agentassist"
    cfg.logConfig.level = 4 if log.isEnabledFor(logging.DEBUG) else 2
    cfg.logConfig.consoleLevel = cfg.logConfig.level
    cfg.logConfig.writer = writer
    cfg.logConfig.decor = 0
    cfg.medConfig.clockRate = 16000
    cfg.medConfig.sndClockRate = 16000
    cfg.medConfig.noVad = True  # silence suppression would starve the taps of frames
    ep.libInit(cfg)
    if settings.codecs:
        set_codecs(ep, settings.codecs)
    for kind in (pj.PJSIP_TRANSPORT_UDP, pj.PJSIP_TRANSPORT_TCP):
        tcfg = pj.TransportConfig()
        tcfg.port = port
        tcfg.boundAddress = host
        ep.transportCreate(kind, tcfg)
    if settings.uses_tls:
        ep.transportCreate(pj.PJSIP_TRANSPORT_TLS, tls_config(settings, host))
    ep.libStart()
    ep.audDevManager().setNullDev()


def account_config(settings: SipSettings) -> Any:
    """The account: its identity, SRTP by SDES, and registration to ``[sip] registrar`` when set."""
    host, port = settings.host_port
    acfg = pj.AccountConfig()
    user = settings.username or "agent"
    acfg.idUri = f"sip:{user}@{host}:{port}"
    acfg.mediaConfig.transportConfig.boundAddress = host
    acfg.mediaConfig.srtpUse = _SRTP_USE[settings.srtp]
    # SDES keys travel in the SDP: in clear over UDP/TCP. pjsua refuses that by default; allowed here
    # so SRTP works behind a plain PBX trunk, with the risk written in the README ("Security").
    acfg.mediaConfig.srtpSecureSignaling = 0
    acfg.mediaConfig.srtpOpt.keyings = pj.IntVector([pj.PJMEDIA_SRTP_KEYING_SDES])
    if settings.registrar:
        acfg.regConfig.registrarUri = settings.registrar
        acfg.regConfig.timeoutSec = settings.register_expires_s
        acfg.regConfig.retryIntervalSec = settings.register_retry_s
        acfg.regConfig.firstRetryIntervalSec = settings.register_retry_s
        acfg.idUri = f"sip:{user}@{settings.registrar.removeprefix('sip:')}"
        cred = pj.AuthCredInfo("digest", "*", user, 0, settings.password)
        acfg.sipConfig.authCreds.append(cred)
    else:
        acfg.regConfig.registerOnAdd = False
    if settings.outbound_proxy:
        acfg.sipConfig.proxies.append(settings.outbound_proxy)
    return acfg


def set_codecs(ep: Any, wanted: list[str]) -> None:
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


def tls_config(settings: SipSettings, host: str) -> Any:
    st = settings
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
