"""One call's pipeline: frames in, recording, utterances and assist events out.

::

    desk (pjsua's media thread, or the wire) --push()--> bounded queue --> media thread (every call, each tick)
        media thread --> Recorder, ChannelStream x2 --> StreamingTranscriber (pool)
        pool thread --> CallRecords (store, ScriptTracker) --> EventBus

Modules: :mod:`.session` the call's media turns and its public face (CallSession), :mod:`.media` the
one thread that gives every call its turn, :mod:`.commands`
what travels on its queue besides frames, :mod:`.align` the channel aligner, :mod:`.records` the
call's store, tracker and feed under one lock, :mod:`.close` the end-of-call sequence, :mod:`.resume`
a call that goes on after an earlier run (and the events its phone sends again), :mod:`.ports` the
interfaces it needs of the rest. The card-data pause's state machine is
:class:`agentassist.pause.CardPause`.
"""

from agentassist.pipeline.ports import CallStore, Continuation, Publisher, SessionInfo, Tracker
from agentassist.pipeline.session import CallSession

__all__ = ["CallSession", "CallStore", "Continuation", "Publisher", "SessionInfo", "Tracker"]
