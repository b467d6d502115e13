"""The exception tree of agentassist.

    AgentassistError
    ├── ConfigError          a setting or input file is wrong (names the key or file)
    ├── ModelError           a speech model is missing or corrupt (names the fix)
    ├── ScriptError          a call script is invalid (names file and line)
    ├── AudioError           a WAV or device cannot be used
    └── SipError             the softphone cannot start or place a call
        └── NotRingingError       the call to answer or decline is not ringing

Messages say what was expected and what came instead.
"""

from __future__ import annotations


class AgentassistError(Exception):
    """Base of every error agentassist raises on purpose."""


class ConfigError(AgentassistError):
    pass


class ModelError(AgentassistError):
    pass


class ScriptError(AgentassistError):
    """An invalid script; ``errors`` holds every problem found, each naming file and line; ``columns``
    the 1-based column of each where the parser knew it (None where it did not)."""

    def __init__(self, errors: list[str], columns: list[int | None] | None = None) -> None:
        self.errors = list(errors)
        self.columns: list[int | None] = list(columns or [])[: len(self.errors)]
        self.columns += [None] * (len(self.errors) - len(self.columns))
        super().__init__("\n".join(self.errors))


class AudioError(AgentassistError):
    pass


class SipError(AgentassistError):
    pass


class NotRingingError(SipError):
    """The call to answer or decline is not ringing (answered, declined, cancelled, or never was)."""
