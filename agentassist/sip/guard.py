"""Who may call and who may transfer this phone's calls, and what pjsua's log may say; no pjsua here.

A SIP request proves nothing about its sender but the address it came from: From, Referred-By and
Contact are written by the sender. So both rules match the source address of the request (the
network peer that sent it) against trusted addresses: those the registrar and outbound proxy URIs
resolve to, and networks from the settings.

- :class:`SourcePolicy` answers "may this address do it?" for INVITEs (``[sip] allow_from``) and
  REFERs (``[sip] accept_refer``).
- :func:`redact` cuts secrets out of a pjsua log line before it reaches Python logging: SDES keys
  (``a=crypto ... inline:KEY``), digest answers (``Authorization``, ``Proxy-Authorization``) and DTMF
  sent by SIP INFO (``Signal=`` bodies, and every body of an INFO request, which may be a bare digit),
  and the digits in pjsua's own lines about DTMF it sends.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from agentassist.config import SipSettings

log = logging.getLogger(__name__)
_phone_log = logging.getLogger("agentassist.sip.softphone")  # the softphone's start lines, as before

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

REGISTRAR = "registrar"  # in [sip] accept_refer: the addresses of the registrar and outbound proxy


def parse_network(value: str) -> IpNetwork:
    """``value`` as a network: "10.0.0.0/8", "192.0.2.7" (one address), "2001:db8::/32"."""
    try:
        return ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        raise ValueError(f"expected a network such as 10.0.0.0/8 or an address, got {value!r}") from None


def source_address(source: str) -> IpAddress | None:
    """The IP address of a pjsua source address ("127.0.0.1:5060", "[::1]:5060"); None if it is none."""
    host = source.strip()
    if host.startswith("["):
        host = host[1 : host.find("]")] if "]" in host else host[1:]
    elif host.count(":") == 1:
        host = host.partition(":")[0]
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    mapped = address.ipv4_mapped if isinstance(address, ipaddress.IPv6Address) else None
    return mapped or address  # "::ffff:10.0.0.1" (a dual-stack socket) is 10.0.0.1


def uri_host(uri: str) -> str:
    """The host part of a SIP URI: "sip:agent@pbx.example.com:5061;transport=tls" -> "pbx.example.com"."""
    rest = uri.strip().strip("<>")
    rest = rest.split(":", 1)[1] if rest.lower().startswith(("sip:", "sips:")) else rest
    rest = re.split(r"[;?>]", rest, maxsplit=1)[0]
    rest = rest.rpartition("@")[2]
    if rest.startswith("["):
        return rest[1 : rest.find("]")] if "]" in rest else rest[1:]
    return rest.partition(":")[0]


def resolve(uris: Iterable[str]) -> frozenset[IpAddress]:
    """Every address the hosts of ``uris`` resolve to now (A and AAAA; DNS SRV is not followed)."""
    found: set[IpAddress] = set()
    for uri in uris:
        host = uri_host(uri)
        if not host:
            continue
        try:
            infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_UDP)
        except OSError as exc:
            log.warning("cannot resolve %s (%s): requests from it are refused until a restart", host, exc)
            continue
        for info in infos:
            address = source_address(str(info[4][0]).split("%", 1)[0])
            if address is not None:
                found.add(address)
    return frozenset(found)


@dataclass(frozen=True, slots=True)
class SourcePolicy:
    """Addresses trusted to do something: ``addresses`` (the registrar's) and ``networks``.

    ``open`` policies allow anyone: no registrar and no network configured.
    """

    addresses: frozenset[IpAddress] = frozenset()
    networks: tuple[IpNetwork, ...] = ()
    open: bool = False

    def allows(self, source: str) -> bool:
        """Whether a request from ``source`` ("HOST:PORT", as pjsua gives it) is allowed."""
        if self.open:
            return True
        address = source_address(source)
        if address is None:
            return False
        if address in self.addresses:
            return True
        return any(address in network for network in self.networks)

    def describe(self) -> str:
        parts = [str(a) for a in sorted(self.addresses, key=str)] + [str(n) for n in self.networks]
        return "anyone" if self.open else ", ".join(parts) or "nobody"


def caller_policy(registrar_addresses: frozenset[IpAddress], allow_from: list[str]) -> SourcePolicy:
    """Who may call: the registrar and outbound proxy and ``allow_from``; anyone when none is set."""
    networks = tuple(parse_network(n) for n in allow_from)
    return SourcePolicy(registrar_addresses, networks, open=not registrar_addresses and not networks)


def refer_policy(registrar_addresses: frozenset[IpAddress], accept_refer: list[str]) -> SourcePolicy:
    """Who may transfer by REFER: ``accept_refer`` ("registrar" and networks); nobody when it is empty."""
    trusted = registrar_addresses if REGISTRAR in accept_refer else frozenset()
    networks = tuple(parse_network(n) for n in accept_refer if n != REGISTRAR)
    return SourcePolicy(trusted, networks)


def trusted_sources(settings: SipSettings) -> tuple[SourcePolicy, SourcePolicy]:
    """Who may call and who may transfer, from the registrar's addresses now and the settings."""
    st = settings
    registrar = resolve(uri for uri in (st.registrar, st.outbound_proxy) if uri)
    callers = caller_policy(registrar, st.allow_from)
    referrers = refer_policy(registrar, st.accept_refer)
    if callers.open:
        _phone_log.warning(
            "[sip] no registrar and no allow_from: this phone answers INVITEs from any address that reaches "
            '%s; set [sip] allow_from = ["10.0.0.0/8"] (the PBX\'s networks) to refuse the others with 403',
            st.listen,
        )
    else:
        _phone_log.info("calls taken from %s; REFER accepted from %s", callers.describe(), referrers.describe())
    return callers, referrers


# ---- the log ---------------------------------------------------------------------------------

_REDACTED = "<redacted>"
# SDES master keys: "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:BASE64|2^20|1:4" (RFC 4568), and a key
# in hex as pjmedia's SRTP transport prints it at its detail levels.
_SDES = re.compile(r"(inline:)[^\s;|]+", re.IGNORECASE)
_HEX_KEY = re.compile(r"(\bkey\s*[=:]\s*)[0-9a-f]{16,}", re.IGNORECASE)
# A digest answer can be attacked offline for the password: the whole header value goes.
_AUTHORIZATION = re.compile(r"^((?:proxy-)?authorization[ \t]*:[ \t]*)(\S+)?[^\r\n]*", re.IGNORECASE | re.MULTILINE)
# application/dtmf-relay bodies ("Signal=5") wherever they appear.
_SIGNAL = re.compile(r"^(signal[ \t]*=[ \t]*)[^\r\n]*", re.IGNORECASE | re.MULTILINE)
# pjsua's own lines on digits it sends: "Call 0 sending DTMF 4111 using SIP INFO method", "dialing DTMF 12",
# "Sending DTMF digit id 8".
_DTMF_DIGITS = re.compile(r"(\bdtmf(?:\s+digits?)?(?:\s+id)?[ \t:=]+)[0-9a-d*#]+\b", re.IGNORECASE)
# A whole logged INFO request or response (its CSeq names INFO): the body may be application/dtmf, a
# bare digit. pjsua logs a packet as "...:\n<headers>\r\n\r\n<body>\n--end msg--".
_INFO_CSEQ = re.compile(r"^cseq[ \t]*:[ \t]*\d+[ \t]+info\b", re.IGNORECASE | re.MULTILINE)
_BODY = re.compile(r"(\r?\n\r?\n)(.+?)(\n--end msg--|$)", re.DOTALL)


def _auth(match: re.Match[str]) -> str:
    scheme = match.group(2) or ""
    return f"{match.group(1)}{scheme} {_REDACTED}".rstrip() if scheme else f"{match.group(1)}{_REDACTED}"


def redact(message: str) -> str:
    """``message`` (a pjsua log line, maybe a whole SIP packet) without keys, digest answers or DTMF."""
    lowered = message.lower()
    if "inline:" in lowered:
        message = _SDES.sub(rf"\g<1>{_REDACTED}", message)
    if "key" in lowered:
        message = _HEX_KEY.sub(rf"\g<1>{_REDACTED}", message)
    if "authorization" in lowered:
        message = _AUTHORIZATION.sub(_auth, message)
    if "signal" in lowered:
        message = _SIGNAL.sub(rf"\g<1>{_REDACTED}", message)
    if "dtmf" in lowered:
        message = _DTMF_DIGITS.sub(rf"\g<1>{_REDACTED}", message)
    if "info" in lowered and _INFO_CSEQ.search(message):
        message = _BODY.sub(lambda m: f"{m.group(1)}<body of an INFO not logged>{m.group(3)}", message, count=1)
    return message
