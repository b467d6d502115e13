"""Raw SIP requests for conformance tests and the fuzzer, and a raw-socket peer that sends them.

The invalid ones follow the classes of RFC 4475 ("SIP Torture Test Messages") and RFC 3261 8.2, written
here from their descriptions: each :class:`Case` names the fault, the transports it applies to and the
status code RFC 3261 gives it. ``build`` fills in the addresses and fresh identifiers; a message is
``str`` with CRLF line ends and a right Content-Length unless the case is about a wrong one.
"""

from __future__ import annotations

import re
import secrets
import socket
import time
from dataclasses import dataclass, field

SDP = (
    "v=0\r\no=peer 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
    "m=audio {rtp_port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n"
)


@dataclass
class Dialog:
    """The identifiers of one request: fresh unless a case shares them on purpose."""

    local_port: int
    transport: str = "UDP"
    call_id: str = field(default_factory=lambda: secrets.token_hex(12) + "@127.0.0.1")
    from_tag: str = field(default_factory=lambda: secrets.token_hex(6))
    branch: str = field(default_factory=lambda: "z9hG4bK" + secrets.token_hex(8))
    cseq: int = 1
    rtp_port: int = 0


def request(
    method: str,
    target_port: int,
    d: Dialog,
    *,
    uri: str = "",
    cseq_method: str = "",
    extra: tuple[str, ...] = (),
    body: str | None = None,
    content_length: int | None = None,
    contact: bool = True,
    via: str = "",
    to_tag: str = "",
) -> str:
    """One request with the usual headers; ``extra`` lines go before Content-Length."""
    if body is None and method == "INVITE":
        body = SDP.format(rtp_port=d.rtp_port or 4000)
    body = body or ""
    lines = [
        f"{method} {uri or f'sip:agent@127.0.0.1:{target_port}'} SIP/2.0",
        via or f"Via: SIP/2.0/{d.transport} 127.0.0.1:{d.local_port};branch={d.branch};rport",
        "Max-Forwards: 70",
        f"From: <sip:customer@127.0.0.1:{d.local_port}>;tag={d.from_tag}",
        f"To: <sip:agent@127.0.0.1:{target_port}>" + (f";tag={to_tag}" if to_tag else ""),
        f"Call-ID: {d.call_id}",
        f"CSeq: {d.cseq} {cseq_method or method}",
    ]
    if contact:
        lines.append(f"Contact: <sip:customer@127.0.0.1:{d.local_port};transport={d.transport.lower()}>")
    if body:
        lines.append("Content-Type: application/sdp")
    lines += extra
    lines.append(f"Content-Length: {len(body.encode()) if content_length is None else content_length}")
    return "\r\n".join(lines) + "\r\n\r\n" + body


@dataclass(frozen=True)
class Response:
    status: int
    reason: str
    headers: dict[str, list[str]]
    body: str

    def header(self, name: str) -> str:
        return ", ".join(self.headers.get(name.lower(), []))


_COMPACT = {"i": "call-id", "f": "from", "t": "to", "v": "via", "m": "contact", "l": "content-length"}


def parse_response(data: bytes) -> Response:
    head, _, body = data.decode("utf-8", "replace").partition("\r\n\r\n")
    status_line, *lines = head.split("\r\n")
    m = re.match(r"SIP/2\.0 (\d{3}) ?(.*)", status_line)
    if m is None:
        raise ValueError(f"expected a SIP status line, got {status_line[:80]!r}")
    headers: dict[str, list[str]] = {}
    for line in lines:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        headers.setdefault(_COMPACT.get(name, name), []).append(value.strip())
    return Response(int(m.group(1)), m.group(2), headers, body)


class Peer:
    """One socket of a SIP peer on 127.0.0.1 (UDP, or a TCP connection to the phone)."""

    def __init__(self, transport: str, target_port: int) -> None:
        self.transport = transport.upper()
        self.target = ("127.0.0.1", target_port)
        if self.transport == "UDP":
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.sock.bind(("127.0.0.1", 0))
        else:
            self.sock = socket.create_connection(self.target, timeout=5)
        self.port = self.sock.getsockname()[1]
        self._buffer = b""

    def dialog(self, **kw: object) -> Dialog:
        return Dialog(self.port, self.transport, **kw)  # type: ignore[arg-type]

    def send(self, message: str | bytes) -> None:
        data = message.encode() if isinstance(message, str) else message
        if self.transport == "UDP":
            self.sock.sendto(data, self.target)
        else:
            self.sock.sendall(data)

    def receive(self, timeout_s: float) -> Response | None:
        """The next response, skipping requests the phone sends (none expected here); None on timeout."""
        deadline = time.monotonic() + timeout_s
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.sock.settimeout(left)
            try:
                raw = self._next_message()
            except TimeoutError:
                return None
            if raw.startswith(b"SIP/2.0 "):
                return parse_response(raw)

    def final(self, timeout_s: float = 5) -> Response | None:
        """The first final (>= 200) response within ``timeout_s``."""
        deadline = time.monotonic() + timeout_s
        while (r := self.receive(deadline - time.monotonic())) is not None:
            if r.status >= 200:
                return r
        return None

    def _next_message(self) -> bytes:
        if self.transport == "UDP":
            return self.sock.recv(65536)
        while True:
            head, sep, rest = self._buffer.partition(b"\r\n\r\n")
            if sep:
                m = re.search(rb"(?im)^(?:content-length|l)\s*:\s*(\d+)", head)
                length = int(m.group(1)) if m else 0
                if len(rest) >= length:
                    self._buffer = rest[length:]
                    return head + sep + rest[:length]
            chunk = self.sock.recv(65536)
            if not chunk:
                raise TimeoutError("connection closed")
            self._buffer += chunk

    def close(self) -> None:
        self.sock.close()


def ack_for(invite: Dialog, target_port: int, response: Response, transport: str) -> str:
    """The ACK of a final response to ``invite`` (same branch for a non-2xx, a new one for a 2xx)."""
    to = response.header("to")
    tag = re.search(r";tag=([^;>\s]+)", to)
    d = Dialog(invite.local_port, transport, invite.call_id, invite.from_tag, invite.branch, invite.cseq)
    if response.status < 300:
        d.branch = "z9hG4bK" + secrets.token_hex(8)
    return request("ACK", target_port, d, to_tag=tag.group(1) if tag else "", body="", contact=False)


def bye_for(invite: Dialog, target_port: int, response: Response, transport: str) -> str:
    to = response.header("to")
    tag = re.search(r";tag=([^;>\s]+)", to)
    d = Dialog(invite.local_port, transport, invite.call_id, invite.from_tag, cseq=invite.cseq + 1)
    return request("BYE", target_port, d, to_tag=tag.group(1) if tag else "", body="", contact=False)


def sdp_audio_port(body: str) -> int:
    m = re.search(r"(?m)^m=audio (\d+)", body)
    if m is None:
        raise ValueError(f"expected an m=audio line in the answer, got {body[:200]!r}")
    return int(m.group(1))
