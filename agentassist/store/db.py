"""The Store: one object that the runtime, the API and the CLI hold, giving every store function.

The work is done by plain functions, one module per resource, each taking the :class:`Database`
first: calls.py, call_details.py (spans, digits, media), transcripts.py (utterances, adherence),
accounts.py (users, teams, tokens), audit.py, scorecards.py, evaluations.py, calibrations.py,
distribution.py (sampling rules, assignments), queue.py (a checker's work queue), offers.py
(checkers' marks offered to script editors), reports.py, outcomes.py, sharing.py (calls shared with
clients). Which calls a user sees is decided in one
place, scope.py, and passed to those functions as the user. ``store.get_call(call_id)`` is
``calls.get_call(store, call_id)``: the Store adds no behaviour of its own.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Concatenate, Generic, ParamSpec, Self, TypeVar, overload

from agentassist.store import accounts, call_details, calls, distribution, reports, scope, transcripts
from agentassist.store import audit as audit_module  # (``audit`` and the others below name Store methods too)
from agentassist.store import calibrations as calibration_module
from agentassist.store import coaching as clip_module
from agentassist.store import coachsessions as coaching_module
from agentassist.store import evaluations as evaluation_module
from agentassist.store import offers as offer_module
from agentassist.store import outcomes as outcome_module
from agentassist.store import queue as queue_module
from agentassist.store import redactions as redaction_module
from agentassist.store import scorecards as scorecard_module
from agentassist.store import sharing as sharing_module
from agentassist.store.calls import recording_seconds
from agentassist.store.database import Database
from agentassist.store.models import ROLES, Base
from agentassist.store.scope import UserRecord

__all__ = ["ROLES", "Base", "Database", "Store", "UserRecord", "recording_seconds"]

P = ParamSpec("P")
R = TypeVar("R")


class _Bound(Generic[P, R]):
    """A store function as a Store method: ``store.f(*args)`` calls ``f(store, *args)``."""

    def __init__(self, fn: Callable[Concatenate[Database, P], R]) -> None:
        self.fn = fn
        self.__doc__ = fn.__doc__

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> Self: ...
    @overload
    def __get__(self, obj: Database, owner: type | None = None) -> Callable[P, R]: ...
    def __get__(self, obj: Database | None, owner: type | None = None) -> Self | Callable[P, R]:
        if obj is None:
            return self
        return functools.partial(self.fn, obj)


class Store(Database):
    """The database with every store function bound; each name here is defined once, in its module."""

    # calls
    create_call = _Bound(calls.create_call)
    end_call = _Bound(calls.end_call)
    close_abandoned_calls = _Bound(calls.close_abandoned_calls)
    get_call = _Bound(calls.get_call)
    recording_path = _Bound(calls.recording_path)
    active_calls = _Bound(calls.active_calls)
    unfinished_calls = _Bound(calls.unfinished_calls)
    set_disposition = _Bound(calls.set_disposition)
    list_calls = _Bound(calls.list_calls)
    open_span = _Bound(call_details.open_span)
    close_span = _Bound(call_details.close_span)
    add_digit = _Bound(call_details.add_digit)
    mask_digits = _Bound(call_details.mask_digits)
    save_media = _Bound(call_details.save_media)
    add_utterance = _Bound(transcripts.add_utterance)
    update_utterance = _Bound(transcripts.update_utterance)
    probe_write = _Bound(transcripts.probe_write)
    transcript = _Bound(transcripts.transcript)
    save_adherence = _Bound(transcripts.save_adherence)
    adherence = _Bound(transcripts.adherence)
    save_redactions = _Bound(redaction_module.save_redactions)
    redactions = _Bound(redaction_module.redactions)
    save_original = _Bound(redaction_module.save_original)
    originals = _Bound(redaction_module.originals)

    # who sees what
    sees_all = staticmethod(scope.sees_all)
    sees_agent = _Bound(scope.sees_agent)
    can_see_call = _Bound(scope.can_see_call)

    # accounts
    add_user = _Bound(accounts.add_user)
    set_password = _Bound(accounts.set_password)
    rotate_token = _Bound(accounts.rotate_token)
    set_all_teams = _Bound(accounts.set_all_teams)
    set_language = _Bound(accounts.set_language)
    set_campaigns = _Bound(accounts.set_campaigns)
    check_password = _Bound(accounts.check_password)
    end_logins = _Bound(accounts.end_logins)
    delete_user = _Bound(accounts.delete_user)
    users = _Bound(accounts.users)
    user = _Bound(accounts.user)
    user_for_token = _Bound(accounts.user_for_token)
    check_token_hash = _Bound(accounts.check_token_hash)
    check_user_token = _Bound(accounts.check_user_token)
    user_by_id = _Bound(accounts.user_by_id)
    live_token_hashes = _Bound(accounts.live_token_hashes)
    login = _Bound(accounts.login)
    logout = _Bound(accounts.logout)
    teams = _Bound(accounts.teams)
    set_teams = _Bound(accounts.set_teams)
    audit = _Bound(audit_module.audit)
    audit_log = _Bound(audit_module.audit_log)
    audit_read = _Bound(audit_module.audit_read)

    # quality
    create_scorecard = _Bound(scorecard_module.create_scorecard)
    update_scorecard = _Bound(scorecard_module.update_scorecard)
    scorecard = _Bound(scorecard_module.scorecard)
    scorecards = _Bound(scorecard_module.scorecards)
    create_evaluation = _Bound(evaluation_module.create_evaluation)
    evaluation = _Bound(evaluation_module.evaluation)
    evaluations = _Bound(evaluation_module.evaluations)
    update_evaluation = _Bound(evaluation_module.update_evaluation)
    acknowledge_evaluation = _Bound(evaluation_module.acknowledge_evaluation)
    dispute_evaluation = _Bound(evaluation_module.dispute_evaluation)
    resolve_evaluation = _Bound(evaluation_module.resolve_evaluation)
    create_calibration = _Bound(calibration_module.create_calibration)
    calibration = _Bound(calibration_module.calibration)
    calibrations = _Bound(calibration_module.calibrations)
    can_read_calibration = _Bound(calibration_module.can_read_calibration)
    close_calibration = _Bound(calibration_module.close_calibration)
    calibration_report = _Bound(calibration_module.calibration_report)
    mark_step = _Bound(offer_module.mark_step)
    offers = _Bound(offer_module.offers)
    offer = _Bound(offer_module.offer)
    decide_offer = _Bound(offer_module.decide_offer)

    # distribution to quality checkers
    assign = _Bound(distribution.assign)
    assignments = _Bound(distribution.assignments)
    add_rule = _Bound(distribution.add_rule)
    rules = _Bound(distribution.rules)
    delete_rule = _Bound(distribution.delete_rule)
    distribute = _Bound(distribution.distribute)
    queue = _Bound(queue_module.queue)
    evaluated = _Bound(queue_module.evaluated)

    # coaching: clips and sessions
    create_clip = _Bound(clip_module.create_clip)
    clips = _Bound(clip_module.clips)
    delete_clip = _Bound(clip_module.delete_clip)
    readable_clip = _Bound(clip_module.readable_clip)
    clip_transcript = _Bound(clip_module.clip_transcript)
    delete_call_clips = _Bound(clip_module.delete_call_clips)
    create_coaching = _Bound(coaching_module.create_session)
    update_coaching = _Bound(coaching_module.update_session)
    share_coaching = _Bound(coaching_module.share_session)
    delete_coaching = _Bound(coaching_module.delete_session)
    coaching_sessions = _Bound(coaching_module.sessions)
    coaching_session = _Bound(coaching_module.session)
    acknowledge_clip = _Bound(coaching_module.acknowledge)

    # reports
    agent_report = _Bound(reports.agent_report)
    team_report = _Bound(reports.team_report)
    outcomes = _Bound(outcome_module.outcomes)

    # calls shared with their campaign's clients
    share_call = _Bound(sharing_module.share_call)
    unshare_call = _Bound(sharing_module.unshare_call)
    sharing = _Bound(sharing_module.sharing)
