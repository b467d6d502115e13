"""Desks: where an agent's calls live, and the seam between them and the center.

A desk is the softphone that carries one agent's calls: the softphone inside this process (the
all-in-one ``agentassist serve``) or an ``agentassist phone`` on the agent's desk, reached over the
wire (docs/wire-protocol.md). Both sides of the seam are the same whichever it is:

- desk to center, :class:`CallHandler`: a call started (it returns the :class:`FrameSink` that takes
  the call's audio), changed (hold, a digit, transfer progress, stream quality), ended, or failed
  before it had media;
- center to desk, :class:`Desk`: the commands of the agent's page (dial, answer, decline, hang up,
  hold, mute, DTMF, transfers) and what is ringing.

:class:`Desks` keeps the desks attached to a center by agent, so a command for a call reaches the
desk that carries it. Nothing here imports pjsua2: a center without a softphone uses it as well.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from agentassist.audio.devices import Microphone
from agentassist.errors import AgentassistError
from agentassist.events import Channel
from agentassist.sip.quality import StreamQuality


@dataclass(frozen=True, slots=True)
class CallInfo:
    call_id: str
    direction: str  # "inbound" | "outbound"
    remote: str  # remote URI as the peer gave it
    sip_call_id: str
    started_at: datetime
    agent: str = ""  # the agent whose desk carries the call; "" for this process's own softphone


@dataclass(frozen=True, slots=True)
class HoldChange:
    """The call went on hold (``held``) or came back; ``by`` is "agent" or "customer"."""

    held: bool
    by: str


@dataclass(frozen=True, slots=True)
class DtmfDigit:
    digit: str
    method: str  # "rfc4733" | "info"


@dataclass(frozen=True, slots=True)
class TransferProgress:
    """A blind transfer (REFER) to ``target``: ``status_code`` as the peer reports it (final when >= 200)."""

    target: str
    status_code: int
    reason: str


CallChange = HoldChange | DtmfDigit | StreamQuality | TransferProgress

# End reasons of a call that was answered; any other reason means it failed.
ENDED_REASONS = frozenset({"hangup", "rtp timeout", "hold timeout", "shutdown", "transferred"})


class FrameSink(Protocol):
    """Receives 20 ms, 16 kHz frames from the media thread; must not block."""

    def push(self, channel: Channel, pcm: bytes) -> None: ...


class CallHandler(Protocol):
    """What a desk tells the center; called on the desk's own thread, must be quick."""

    def call_started(self, info: CallInfo) -> FrameSink: ...

    def call_ended(self, call_id: str, reason: str) -> None: ...

    def call_failed(self, info: CallInfo, reason: str) -> None:
        """A call ended before it had media: busy, not found, cancelled while ringing..."""

    def call_changed(self, call_id: str, change: CallChange) -> None:
        """Hold, a DTMF digit received, the stream's quality (sent once, before ``call_ended``)."""


class Desk(Protocol):
    """The commands a center gives the desk that carries an agent's calls. Each raises
    :class:`~agentassist.errors.AgentassistError` (or a subclass) with the reason when it cannot."""

    def call(self, uri: str, microphone: Microphone | None = None) -> str:
        """Place a call; returns its id at once (the call's progress arrives through the CallHandler)."""

    def hangup(self, call_id: str) -> None: ...

    def answer(self, call_id: str) -> None: ...

    def decline(self, call_id: str) -> None: ...

    def hold(self, call_id: str, on: bool) -> None: ...

    def mute(self, call_id: str, on: bool) -> None: ...

    def send_dtmf(self, call_id: str, digits: str, method: str = "rfc4733") -> None: ...

    def transfer(self, call_id: str, uri: str) -> None: ...

    def transfer_attended(self, call_id: str, consult_id: str) -> None: ...

    def ringing(self) -> list[CallInfo]:
        """Inbound calls ringing now, oldest first."""

    def active_calls(self) -> list[str]:
        """The ids of the calls the desk carries now (ringing ones not included)."""


@runtime_checkable
class PausingDesk(Protocol):
    """A desk that silences a call's audio itself during a card-data pause, before it leaves the desk
    (a phone on the wire: card data never crosses the network)."""

    def pause_recording(self, call_id: str, on: bool) -> None: ...


class NoDeskError(AgentassistError):
    """No desk is attached for an agent, or none carries a call."""


class Desks:
    """The desks attached to a center, by agent; thread-safe. A phone that reconnects attaches again
    and replaces its earlier connection; detaching an earlier one then changes nothing."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_agent: dict[str, Desk] = {}
        self._calls: dict[str, str] = {}  # call id -> agent, learnt from the calls the desks report
        self._own = ""  # the agent of this process's own softphone ([assist] agent_name), if it runs one

    def attach(self, agent: str, desk: Desk, own: bool = False) -> None:
        """``own``: the desk is this process's softphone (a missing desk then says whose it is)."""
        with self._lock:
            self._by_agent[agent] = desk
            self._own = agent if own else self._own

    def detach(self, agent: str, desk: Desk) -> None:
        with self._lock:
            if self._by_agent.get(agent) is desk:
                del self._by_agent[agent]

    def agents(self) -> list[str]:
        with self._lock:
            return sorted(self._by_agent)

    def for_agent(self, agent: str) -> Desk:
        with self._lock:
            desk = self._by_agent.get(agent)
        if desk is None:
            # an agent signed in under another name than the server's phone's gets no calls: say why, without
            # naming a colleague to them (tests/test_call_waiting.py): the setting tells the operator who
            mine = self._own and self._own != agent
            own = ": this server's own phone is for the agent named in [assist] agent_name" if mine else ""
            raise NoDeskError(f"agent {agent!r} has no phone connected{own}")
        return desk

    def bind(self, call_id: str, agent: str) -> None:
        """``call_id`` lives on ``agent``'s desk (told when a call starts, rings or is dialled)."""
        with self._lock:
            self._calls[call_id] = agent

    def forget(self, call_id: str) -> None:
        with self._lock:
            self._calls.pop(call_id, None)

    def agent_of(self, call_id: str) -> str | None:
        with self._lock:
            return self._calls.get(call_id)

    def for_call(self, call_id: str) -> Desk:
        """The desk that carries ``call_id``: the one it was bound to, else the one it rings on."""
        agent = self.agent_of(call_id)
        if agent is not None:
            return self.for_agent(agent)
        with self._lock:
            desks = list(self._by_agent.items())
        for agent, desk in desks:
            if any(c.call_id == call_id for c in desk.ringing()):
                self.bind(call_id, agent)
                return desk
        raise NoDeskError(f"call {call_id!r} is on no connected phone")
