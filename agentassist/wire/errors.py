"""The wire's one error: what was wrong with a message, and the code the peer is answered with."""

from __future__ import annotations

from agentassist.errors import AgentassistError

# The codes of an ``error`` message (docs/wire-protocol.md).
ERROR_CODES = frozenset(
    {"bad-message", "too-large", "out-of-order", "not-yours", "unknown-stream", "ended", "timeout", "elsewhere"}
)


class WireError(AgentassistError):
    """A message that breaks the protocol; ``code`` is one of :data:`ERROR_CODES`."""

    def __init__(self, code: str, message: str) -> None:
        assert code in ERROR_CODES, code
        self.code = code
        super().__init__(message)
