"""Calls a dead node left behind, found by the nodes that live (several nodes on one PostgreSQL database,
docs/deploy.md).

A node that dies leaves its calls active in the database. A phone's call is normally taken over within
seconds by the node its phone reaches next (agentassist.restart); but a call whose phone never comes
back, a SIP or AudioHook call of the dead node, or a dialled call still ringing there would stay active,
on every wall, until some node started again. So every node, every :data:`SWEEP_S`, claims the
unfinished calls that no living node carries (agentassist.store.claims): a phone's call then waits
``[center] phone_timeout_s`` for its phone on this node (and ends ``abnormal``, "phone lost", if it does not
come), any other is closed ``abnormal`` at once (its media reached only the dead node).
"""

from __future__ import annotations

import logging
import threading

from agentassist.bus import EventBus
from agentassist.events import Event, EventType
from agentassist.restart import WaitingCalls, is_phone_call
from agentassist.store.claims import Claims
from agentassist.store.db import Store

log = logging.getLogger(__name__)

# How often a node looks for calls a dead node left: a phone's own reconnect (0.5 s doubling to 10 s)
# reaches another node well within it, so the sweep finds only what no phone came back for.
SWEEP_S = 30.0


class Sweeper:
    """One daemon thread per node, on a shared database only (it ends with the process)."""

    def __init__(self, store: Store, claims: Claims, waiting: WaitingCalls, bus: EventBus) -> None:
        self._store, self._claims, self._waiting, self._bus = store, claims, waiting, bus
        self._stop = threading.Event()  # the loop's wait between sweeps: never set in a node

    def start(self, every_s: float = SWEEP_S) -> None:
        if self._claims.shared:
            threading.Thread(target=self._run, args=(every_s,), name="sweep", daemon=True).start()

    def sweep(self) -> list[str]:
        """Claim the unfinished calls no living node carries; the ids claimed."""
        # new claims only: a call this node carries or waits for is held already (and one that starts here
        # meanwhile is claimed before its row is written)
        found = [c for c in self._store.unfinished_calls() if self._claims.take(c, new=True)]
        if not found:
            return []
        phones = [c for c in found if is_phone_call(self._store.get_call(c))]
        others = [c for c in found if c not in phones]
        if phones:
            log.warning("%d call(s) of a node that died wait for their phone here: %s", len(phones), phones)
            self._waiting.expect(phones)
        for call_id in self._store.close_abandoned_calls(only=others) if others else []:
            log.warning("call %s of a node that died ends abnormal", call_id)
            self._bus.publish(Event(EventType.CALL_ENDED, call_id, 0.0, {"reason": "abnormal"}))
        for call_id in others:
            self._claims.drop(call_id)
        return found

    def _run(self, every_s: float) -> None:
        while not self._stop.wait(every_s):
            try:
                self.sweep()
            except Exception as exc:  # the database away: the next sweep
                log.warning("calls left by dead nodes not looked for: %s", exc)
