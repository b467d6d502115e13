"""Credentials that may travel in a URL because they are short-lived and bound: signed media links
and one-use WebSocket tickets, both HMAC-SHA256 under one server secret.

A browser's ``<audio src>`` and ``new WebSocket(url)`` cannot send an ``Authorization`` header, and a
URL is kept by proxies' access logs and the browser's history. So the long-lived token never goes
there: the page asks (with its header) for a link or a ticket that names the user, expires within
minutes and is signed, and puts that into the URL instead.

- media link ``?uid=&exp=&sig=``: bound to the path, the user and the expiry; reusable until it expires,
  because an ``<audio>`` element makes many Range requests for one URL;
- ticket ``?ticket=``: bound to the user and the token it was asked with (the socket closes when that
  token ends; named by 64 bits of its hash, never the whole), expires in 30 s and is spent by the
  socket it opens.

The secret is ``[server] secret`` when set (the same on every node), else generated once into
``<data_dir>/secret`` with mode 0600.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from agentassist.config import Settings
from agentassist.errors import ConfigError

log = logging.getLogger(__name__)

MEDIA_LINK_TTL_S = 300  # long enough to start playing and seek a few times; the page asks again after
TICKET_TTL_S = 30  # from POST /api/ws-ticket to the socket's opening: one round trip, with slack
SECRET_FILE = "secret"
TOKEN_PREFIX_CHARS = 16  # of the token's hash in a ticket: 64 bits tell one user's few tokens apart
_SPENT_MAX = 100_000  # tickets remembered as spent (each until its expiry): a bound on memory


class LinkError(Exception):
    """A signed link or ticket that is malformed, tampered with or expired (the message says which)."""


def load_secret(settings: Settings) -> bytes:
    """``[server] secret``, else ``<data_dir>/secret`` (made once, 0600); a process-only key when the
    data directory does not exist (an app built in a test: links die with the process)."""
    if settings.server.secret:  # at least 32 characters (config.py checks)
        return settings.server.secret.encode()
    if not settings.data_dir.is_dir():
        log.info("no data directory %s: signed links use a key that lives only in this process", settings.data_dir)
        return secrets.token_bytes(32)
    return _secret_file(settings.data_dir / SECRET_FILE)


def _secret_file(path: Path) -> bytes:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        mode = path.stat().st_mode & 0o777
        if mode & 0o077:
            log.warning(
                "%s is readable by others (mode %o): expected 0600; anyone who reads it can sign links", path, mode
            )
        key = path.read_bytes().strip()
        if len(key) < 32:
            raise ConfigError(f"{path}: expected a key of at least 32 characters, got {len(key)}") from None
        return key
    key = secrets.token_hex(32).encode()
    with os.fdopen(fd, "wb") as f:
        f.write(key + b"\n")
    log.info("made a new signing key in %s", path)
    return key


@dataclass(frozen=True, slots=True)
class Ticket:
    user_id: int
    token_prefix: str  # of the hash of the token the ticket was asked with: the socket lives as long as it


class Signer:
    """Makes and checks media links and WebSocket tickets; one per app (the spent tickets are its state)."""

    def __init__(self, secret: bytes) -> None:
        self._key = hashlib.sha256(b"agentassist links\0" + secret).digest()
        self._spent: dict[str, float] = {}  # ticket nonce -> its expiry (epoch s)

    def _sig(self, *parts: str) -> str:
        mac = hmac.new(self._key, "\n".join(parts).encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()

    def digest(self, purpose: str, value: str) -> str:
        """A hex HMAC of ``value`` for ``purpose`` (an erasure receipt's subject): the same on every node,
        and no way back to ``value`` without the secret."""
        return hmac.new(self._key, f"{purpose}\0{value}".encode(), hashlib.sha256).hexdigest()

    # ---- media links -----------------------------------------------------------------------------

    def media_query(self, path: str, user_id: int, ttl_s: int = MEDIA_LINK_TTL_S) -> tuple[str, int]:
        """The query string that lets ``user_id`` GET ``path`` until the returned expiry (epoch s)."""
        exp = int(time.time()) + ttl_s
        return f"uid={user_id}&exp={exp}&sig={self._sig('media', path, str(user_id), str(exp))}", exp

    def check_media(self, path: str, uid: str, exp: str, sig: str) -> int:
        """The user id a media link for ``path`` was made for; LinkError when tampered with or expired."""
        if not (uid.isdigit() and exp.isdigit() and len(uid) < 12 and len(exp) < 12):
            raise LinkError(f"malformed link: expected numeric uid and exp, got uid={uid[:20]!r} exp={exp[:20]!r}")
        if not hmac.compare_digest(sig.encode(), self._sig("media", path, uid, exp).encode()):
            raise LinkError("link signature does not match: ask for a new link (POST .../recording/link)")
        if int(exp) <= time.time():
            raise LinkError("link expired: ask for a new link (POST .../recording/link)")
        return int(uid)

    # ---- WebSocket tickets -----------------------------------------------------------------------

    def ticket(self, user_id: int, token_hash: str, ttl_s: int = TICKET_TTL_S) -> str:
        exp = str(int(time.time()) + ttl_s)
        nonce = secrets.token_urlsafe(12)
        body = f"{user_id}.{exp}.{nonce}.{token_hash[:TOKEN_PREFIX_CHARS]}"
        return f"{body}.{self._sig('ticket', body)}"

    def redeem(self, ticket: str) -> Ticket:
        """The user and token behind ``ticket``, spending it; LinkError when forged, expired or spent."""
        body, _, sig = ticket.rpartition(".")
        parts = body.split(".")
        well_formed = len(parts) == 4 and parts[0].isdigit() and parts[1].isdigit()
        if not well_formed or len(parts[3]) != TOKEN_PREFIX_CHARS or parts[3].strip("0123456789abcdef"):
            raise LinkError("malformed ticket: expected the value POST /api/ws-ticket answered")
        if not hmac.compare_digest(sig.encode(), self._sig("ticket", body).encode()):
            raise LinkError("ticket signature does not match: ask for a new one (POST /api/ws-ticket)")
        now = time.time()
        if int(parts[1]) <= now:
            raise LinkError("ticket expired: ask for a new one (POST /api/ws-ticket) just before connecting")
        if parts[2] in self._spent:
            raise LinkError("ticket already used: ask for a new one (POST /api/ws-ticket) for each connection")
        if len(self._spent) > 1024:  # forget the ones that expired: they fail on their expiry anyway
            self._spent = {n: e for n, e in self._spent.items() if e > now}
        if len(self._spent) >= _SPENT_MAX:
            raise LinkError(f"too many tickets in flight: try again in {TICKET_TTL_S} s")
        self._spent[parts[2]] = float(parts[1])
        return Ticket(int(parts[0]), parts[3])  # hex: signed by us, so no LIKE wildcard can be in it
