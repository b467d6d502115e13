"""The text messages of ``/api/phone``: JSON objects shaped like AudioHook's.

``{"version": "agentassist/1", "type": "open", "seq": 7, "serverseq": 3, "id": "<call id>", "parameters": {}}``

:func:`decode_text` checks a message whole - its envelope, that its type is one the sender may send, and
each parameter its type requires - so the endpoint works on typed values and a bad message is refused with
a sentence saying what was expected and what came.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from agentassist.wire.errors import ERROR_CODES, WireError

VERSION = "agentassist/1"
DESK = "desk"  # the ``id`` of messages about the desk as a whole
MAX_TEXT_BYTES = 64 * 1024  # a ringing list of 100 calls is about 12 KiB: anything near this is an attack
MAX_ID_CHARS = 100  # a UUID is 36
MEDIA = {"format": "L16", "rate": 16000, "channels": ["external", "internal"]}
ACTIONS = frozenset(
    {"dial", "hangup", "answer", "decline", "hold", "mute", "dtmf", "transfer", "transfer_attended", "pause", "resume"}
)
DIRECTIONS = ("inbound", "outbound")

# Parameter kinds: "str", "int" (whole, >= 0), "bool", "object", "list", "time" (ISO 8601 with an offset).
# A name ending in "?" is optional; parameters not named are kept as they came (forward compatible).
_CALL = {"direction": "str", "remote": "str", "sip_call_id": "str", "started_at": "time", "agent": "str"}
PHONE_TYPES: dict[str, dict[str, str]] = {
    "hello": {"software": "str", "ringing?": "list"},
    "open": {**_CALL, "media": "object", "uploaded_late?": "bool"},
    "pause": {"frame": "int", "by?": "str"},
    "resume": {"frame": "int", "by?": "str"},
    "hold": {"held": "bool", "by": "str", "frame?": "int"},
    "dtmf": {"digit": "str", "method": "str", "frame?": "int", "masked?": "bool"},
    "transfer": {"target": "str", "status_code": "int", "reason": "str"},
    "quality": {},
    "close": {"reason": "str", "frames": "int"},
    "failed": {**_CALL, "reason": "str"},
    "ringing": {"calls": "list"},
    "result": {"command": "str", "ok": "bool", "error?": "str", "call_id?": "str"},
    "ping": {},
    "pong": {},
}
CENTER_TYPES: dict[str, dict[str, str]] = {
    "welcome": {"agent": "str"},
    "opened": {"stream": "int", "frame": "int"},
    "ack": {"frame": "int"},
    "closed": {},
    "command": {"command": "str", "action": "str", "call_id?": "str"},
    "error": {"code": "str", "message": "str"},
    "ping": {},
    "pong": {},
}
_DESK_TYPES = frozenset({"hello", "ringing", "result", "welcome", "command", "ping", "pong"})


@dataclass(frozen=True, slots=True)
class Message:
    type: str
    id: str = DESK
    parameters: dict[str, Any] = field(default_factory=dict)
    seq: int = 0  # set by the sender's connection when it sends
    serverseq: int = 0

    def param(self, name: str, default: Any = None) -> Any:
        return self.parameters.get(name, default)


def encode_text(message: Message) -> str:
    return json.dumps(
        {
            "version": VERSION,
            "type": message.type,
            "seq": message.seq,
            "serverseq": message.serverseq,
            "id": message.id,
            "parameters": message.parameters,
        },
        separators=(",", ":"),
        default=str,
    )


def decode_text(text: str | bytes, sender: str = "phone") -> Message:
    """A message from ``sender`` ("phone" or "center"), checked whole; WireError when it is not one."""
    size = len(text.encode() if isinstance(text, str) else text)
    if size > MAX_TEXT_BYTES:
        raise WireError("too-large", f"text message of {size} bytes: expected at most {MAX_TEXT_BYTES}")
    try:
        obj = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise WireError("bad-message", f"expected a JSON object, got text that is not JSON ({exc})") from None
    if not isinstance(obj, dict):
        raise WireError("bad-message", f"expected a JSON object, got {_kind(obj)}")
    if obj.get("version") != VERSION:
        raise WireError("bad-message", f"expected version {VERSION!r}, got {obj.get('version')!r}")
    types = PHONE_TYPES if sender == "phone" else CENTER_TYPES
    kind = obj.get("type")
    if kind not in types:
        raise WireError("bad-message", f"expected type one of {', '.join(sorted(types))} from a {sender}, got {kind!r}")
    seq, serverseq, ident = obj.get("seq"), obj.get("serverseq", 0), obj.get("id")
    if not isinstance(seq, int) or not _whole(seq) or seq < 1:
        raise WireError("bad-message", f"{kind}: expected seq a whole number from 1, got {seq!r}")
    if not isinstance(serverseq, int) or not _whole(serverseq):
        raise WireError("bad-message", f"{kind}: expected serverseq a whole number, got {serverseq!r}")
    if not isinstance(ident, str) or not 0 < len(ident) <= MAX_ID_CHARS:
        raise WireError("bad-message", f"{kind}: expected id a string of 1-{MAX_ID_CHARS} characters, got {ident!r}")
    if (ident == DESK) != (kind in _DESK_TYPES):
        expected = f"id {DESK!r}" if kind in _DESK_TYPES else "a call's id"
        raise WireError("bad-message", f"{kind}: expected {expected}, got {ident!r}")
    params = obj.get("parameters", {})
    if not isinstance(params, dict):
        raise WireError("bad-message", f"{kind}: expected parameters an object, got {_kind(params)}")
    for spec, want in types[kind].items():
        name = spec.rstrip("?")
        if name not in params:
            if spec.endswith("?"):
                continue
            raise WireError("bad-message", f"{kind}: expected parameter {name!r}, got none")
        _check(kind, name, want, params[name])
    message = Message(kind, ident, params, seq, serverseq)
    _check_values(message)
    return message


def _check(kind: str, name: str, want: str, value: Any) -> None:
    ok = {
        "str": isinstance(value, str),
        "int": _whole(value),
        "bool": isinstance(value, bool),
        "object": isinstance(value, dict),
        "list": isinstance(value, list),
        "time": isinstance(value, str) and _time(value) is not None,
    }[want]
    if not ok:
        wanted = {
            "str": "a string",
            "int": "a whole number >= 0",
            "bool": "a boolean",
            "object": "an object",
            "list": "an array",
            "time": "an ISO 8601 time with its UTC offset",
        }[want]
        raise WireError("bad-message", f"{kind}: expected {name} {wanted}, got {_show(value)}")


def _check_values(m: Message) -> None:
    """What the types alone do not say: the media a phone may offer, known actions and codes."""
    p = m.parameters
    if m.type in ("open", "failed") and p["direction"] not in DIRECTIONS:
        raise WireError("bad-message", f"{m.type}: expected direction one of {DIRECTIONS}, got {p['direction']!r}")
    if m.type == "open" and p["media"] != MEDIA:
        raise WireError("bad-message", f"open: expected media {json.dumps(MEDIA)}, got {_show(p['media'])}")
    if m.type == "dtmf" and len(p["digit"]) != 1:
        raise WireError("bad-message", f"dtmf: expected one digit, got {p['digit']!r}")
    if m.type == "command" and p["action"] not in ACTIONS:
        raise WireError(
            "bad-message", f"command: expected action one of {', '.join(sorted(ACTIONS))}, got {p['action']!r}"
        )
    if m.type == "error" and p["code"] not in ERROR_CODES:
        raise WireError(
            "bad-message", f"error: expected code one of {', '.join(sorted(ERROR_CODES))}, got {p['code']!r}"
        )
    if m.type == "ringing" or (m.type == "hello" and "ringing" in p):
        for call in p["calls" if m.type == "ringing" else "ringing"]:
            if not isinstance(call, dict) or not all(isinstance(call.get(k), str) for k in ("id", "remote", "since")):
                raise WireError(
                    "bad-message", f"{m.type}: expected calls of {{id, remote, since}} strings, got {_show(call)}"
                )


def parse_time(value: str) -> datetime:
    """An ISO 8601 time that decode_text accepted (a trailing ``Z`` as UTC)."""
    parsed = _time(value)
    if parsed is None:
        raise WireError("bad-message", f"expected an ISO 8601 time with its UTC offset, got {value!r}")
    return parsed


def _time(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _kind(value: Any) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number"
    )


def _show(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 80 else text[:77] + "..."
