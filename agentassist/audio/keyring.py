"""The keys recordings are encrypted with (docs/encryption.md): a key file and/or one key in the environment.

A key is 32 random bytes, written in base64, with an id: the id is stored in each encrypted
recording's header, so a recording is opened with the key it was written with while new ones use
the current key. The key file has one key a line, ``<id> <base64>`` (``#`` starts a comment); its
last key is the current one. ``AGENTASSIST_RECORDING_KEY`` holds ``<id>:<base64>`` or a bare
``<base64>`` (its id is then its fingerprint, ``k`` and 8 hex digits of its SHA-256); when set it is
the current key, and the file's keys open older recordings.

Keys are never logged and never part of the settings (a settings dump cannot leak them); a key file
that the service's group or others may read is refused, as ssh refuses a private key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from agentassist.errors import ConfigError

ENV_KEY = "AGENTASSIST_RECORDING_KEY"
KEY_BYTES = 32  # AES-256
KEY_ID_PATTERN = re.compile(r"^[A-Za-z0-9._-]{1,32}$")
INSTALL_HINT = "pip install cryptography==50.0.2"


@dataclass(frozen=True, slots=True)
class RecordingKey:
    key_id: str
    secret: bytes = field(repr=False)  # never in a repr, a log line or a traceback's locals summary

    def __post_init__(self) -> None:
        if not KEY_ID_PATTERN.match(self.key_id):
            raise ConfigError(f"expected a key id of 1-32 letters, digits, '.', '_' or '-', got {self.key_id!r}")
        if len(self.secret) != KEY_BYTES:
            raise ConfigError(f"key {self.key_id!r}: expected {KEY_BYTES} bytes, got {len(self.secret)}")


def fingerprint(secret: bytes) -> str:
    """The id of a key given without one: ``k`` and the first 8 hex digits of its SHA-256."""
    return "k" + hashlib.sha256(secret).hexdigest()[:8]


class KeyRing:
    """The current key (new recordings) and every key that opens an older one, by id."""

    def __init__(self, keys: list[RecordingKey], current: RecordingKey) -> None:
        self._keys: dict[str, RecordingKey] = {}
        for key in [*keys, current]:
            known = self._keys.get(key.key_id)
            if known is not None and known.secret != key.secret:
                raise ConfigError(f"key id {key.key_id!r} is given twice with different keys")
            self._keys[key.key_id] = key
        self.current = current

    def get(self, key_id: str) -> RecordingKey | None:
        return self._keys.get(key_id)

    @property
    def ids(self) -> list[str]:
        return sorted(self._keys)


def _decode(text: str, where: str) -> bytes:
    try:
        return base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ConfigError(f"{where}: expected a key in base64 (openssl rand -base64 32), got something else") from None


def read_key_file(path: Path) -> list[RecordingKey]:
    """The keys of a key file, in its order (the last is the current one)."""
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"[storage] encryption_key_file {path}: {exc.strerror or exc}") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(f"key file {path} may be read by others (mode {stat.S_IMODE(mode):04o}): chmod 600 it")
    keys = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        if len(parts) != 2:
            raise ConfigError(f"{path}:{number}: expected '<key id> <base64 key>', got {len(parts)} field(s)")
        keys.append(RecordingKey(parts[0], _decode(parts[1], f"{path}:{number}")))
    if not keys:
        raise ConfigError(f"key file {path} holds no key: expected lines '<key id> <base64 key>'")
    return keys


def key_from_env(value: str) -> RecordingKey:
    """``<id>:<base64>`` or a bare ``<base64>`` (its id: its fingerprint)."""
    key_id, sep, text = value.strip().rpartition(":")
    secret = _decode(text, ENV_KEY)
    return RecordingKey(key_id if sep else fingerprint(secret), secret)


def load_keys(key_file: str, environ: Mapping[str, str] | None = None) -> KeyRing | None:
    """The keys configured (``[storage] encryption_key_file``, ``AGENTASSIST_RECORDING_KEY``); None when
    neither is set: recordings are written in clear. ConfigError names what is wrong, without the key."""
    env = (os.environ if environ is None else environ).get(ENV_KEY, "")
    keys = read_key_file(Path(key_file).expanduser()) if key_file else []
    current = key_from_env(env) if env.strip() else (keys[-1] if keys else None)
    if current is None:
        return None
    try:
        import cryptography.hazmat.primitives.ciphers.aead  # noqa: F401  (AES-GCM: checked once, at start)
    except ImportError:
        raise ConfigError(
            f"recordings are to be encrypted but the cryptography package is missing: {INSTALL_HINT}"
        ) from None
    return KeyRing(keys, current)
