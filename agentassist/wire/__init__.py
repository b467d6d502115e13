"""The wire between a phone and the center (docs/wire-protocol.md): message types, encoding, decoding and
validation, with no I/O. :mod:`.messages` holds the text messages of ``/api/phone``, :mod:`.audio` its
binary audio messages, :mod:`.audiohook` the messages and audio of the AudioHook dialect.

Every decoder raises :class:`WireError` whose ``code`` is the ``error`` message's code the center answers
(``bad-message``, ``too-large``, ``out-of-order``, ...) and whose text says what was expected and what came.
"""

from agentassist.wire.audio import (
    FRAME_BYTES_STEREO,
    HEADER_BYTES,
    MAX_AUDIO_BYTES,
    MAX_FRAMES_PER_MESSAGE,
    AudioMessage,
    decode_audio,
    deinterleave,
    encode_audio,
    interleave,
)
from agentassist.wire.errors import ERROR_CODES, WireError
from agentassist.wire.messages import (
    ACTIONS,
    CENTER_TYPES,
    DESK,
    MAX_TEXT_BYTES,
    MEDIA,
    PHONE_TYPES,
    VERSION,
    Message,
    decode_text,
    encode_text,
)

__all__ = [
    "ACTIONS",
    "CENTER_TYPES",
    "DESK",
    "ERROR_CODES",
    "FRAME_BYTES_STEREO",
    "HEADER_BYTES",
    "MAX_AUDIO_BYTES",
    "MAX_FRAMES_PER_MESSAGE",
    "MAX_TEXT_BYTES",
    "MEDIA",
    "PHONE_TYPES",
    "VERSION",
    "AudioMessage",
    "Message",
    "WireError",
    "decode_audio",
    "decode_text",
    "deinterleave",
    "encode_audio",
    "encode_text",
    "interleave",
]
