"""Scorecards without a database: their definition, the checks a definition and a set of answers must
pass, totals, answers pre-filled from an adherence report, and the numbers of a calibration report.

A total is 0..100: each answered question scores a fraction (yes 1, no 0; a scale value ``v`` scores
``(v - min) / (max - min)``), weighted by the question's ``weight``; questions answered ``"na"`` leave
both the sum and the weights. A "no" to an ``auto_fail`` question makes the total 0. When every
question is ``"na"`` there is nothing to score and the total is None.

Errors:

    QualityError                (AgentassistError)
    ├── FieldError              a body field is wrong: ``field`` is its dotted path ("answers.greet")
    ├── NotFoundError           no such scorecard, evaluation, calibration or rule
    ├── ForbiddenError          this user may not do it (not the session's checker, not the evaluator)
    └── ConflictError           the thing is in a state that does not allow it ("expected X, got Y")
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from agentassist.errors import AgentassistError

NA = "na"
YES_NO = ("yes", "no")
Answer = str | int
Row = tuple[str, str, Mapping[str, Answer], float | None]  # (call_id, checker, answers, total), as calibrations score


class QualityError(AgentassistError):
    pass


class FieldError(QualityError):
    """A wrong field of a request body; ``field`` is its dotted path inside the body."""

    def __init__(self, field: str, message: str) -> None:
        self.field, self.message = field, message
        super().__init__(f"{field}: {message}")


class NotFoundError(QualityError):
    pass


class ForbiddenError(QualityError):
    pass


class ConflictError(QualityError):
    pass


# ---- the definition -------------------------------------------------------------------------------

Ident = Annotated[str, Field(min_length=1, max_length=60, pattern=r"^\S+$")]


class Question(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Ident
    text: str = Field(min_length=1, max_length=2000)
    kind: Literal["yes_no", "scale"]
    weight: float = Field(1.0, gt=0, le=1000)
    min: int | None = Field(None, description="lowest value of a scale question")
    max: int | None = Field(None, description="highest value of a scale question")
    na_allowed: bool = False
    auto_fail: bool = Field(False, description="a 'no' makes the whole evaluation 0 (yes_no only)")
    adherence_step: str | None = Field(
        None, min_length=1, max_length=200, description="script step id: done pre-fills yes, missed no (yes_no only)"
    )

    def fraction(self, value: Answer) -> float:
        """The share of this question's weight an answer (not "na") earns."""
        if self.kind == "yes_no":
            return 1.0 if value == "yes" else 0.0
        assert self.min is not None and self.max is not None and isinstance(value, int)
        return (value - self.min) / (self.max - self.min)

    def number(self, value: Answer) -> float:
        """The answer as a number (yes 1, no 0, a scale its value), for calibration reports."""
        return float(value) if self.kind == "scale" else self.fraction(value)


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Ident
    title: str = Field(min_length=1, max_length=200)
    questions: list[Question] = Field(min_length=1, max_length=200)


class Scorecard(BaseModel):
    """What a scorecard version asks (its name, description and sections)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200, pattern=r"^\S(.*\S)?$")
    description: str = Field("", max_length=5000)
    sections: list[Section] = Field(min_length=1, max_length=50)

    def questions(self) -> dict[str, Question]:
        return {q.id: q for s in self.sections for q in s.questions}

    def check(self) -> Scorecard:
        """Raise :class:`FieldError` naming the first field that breaks a rule across fields."""
        seen_sections: set[str] = set()
        seen: dict[str, str] = {}
        for i, section in enumerate(self.sections):
            where = f"sections.{i}"
            if section.id in seen_sections:
                raise FieldError(f"{where}.id", f"duplicate section id {section.id!r}")
            seen_sections.add(section.id)
            for j, q in enumerate(section.questions):
                at = f"{where}.questions.{j}"
                if q.id in seen:
                    raise FieldError(f"{at}.id", f"duplicate question id {q.id!r} (also at {seen[q.id]})")
                seen[q.id] = at
                _check_question(q, at)
        return self


def _check_question(q: Question, at: str) -> None:
    if q.kind == "scale":
        if q.min is None:
            raise FieldError(f"{at}.min", "a scale question needs min and max")
        if q.max is None:
            raise FieldError(f"{at}.max", "a scale question needs min and max")
        if q.max <= q.min:
            raise FieldError(f"{at}.max", f"expected more than min ({q.min}), got {q.max}")
        for name in ("auto_fail", "adherence_step"):
            if getattr(q, name):
                raise FieldError(f"{at}.{name}", "only a yes_no question can have it, this one is a scale")
    else:
        for name in ("min", "max"):
            if getattr(q, name) is not None:
                raise FieldError(f"{at}.{name}", "only a scale question has min and max, this one is yes_no")


class Comment(BaseModel):
    """A remark at a moment of the call (seconds from its start), optionally about one question."""

    model_config = ConfigDict(extra="forbid")

    t: float = Field(ge=0, description="seconds from the call's start")
    text: str = Field(min_length=1, max_length=5000)
    question_id: str | None = Field(None, description="the question this remark is evidence for")


def check_comments(card: Scorecard, comments: list[Comment], duration_s: float | None) -> list[dict[str, Any]]:
    questions = card.questions()
    for i, c in enumerate(comments):
        if c.question_id is not None and c.question_id not in questions:
            raise FieldError(f"comments.{i}.question_id", f"no question {c.question_id!r} in this scorecard version")
        if duration_s is not None and c.t > duration_s + 1.0:
            raise FieldError(f"comments.{i}.t", f"expected at most the call's length ({duration_s} s), got {c.t}")
    return [c.model_dump(exclude_none=True) for c in sorted(comments, key=lambda c: c.t)]


# ---- answers and totals -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Score:
    total: float | None
    auto_failed: bool
    sections: list[dict[str, Any]]  # [{"id", "title", "score"}], score 0..100 or None


def check_answers(card: Scorecard, answers: Mapping[str, Any]) -> dict[str, Answer]:
    """The answers if every question has a valid one; else :class:`FieldError` naming ``answers.<id>``."""
    questions = card.questions()
    for qid in answers:
        if qid not in questions:
            raise FieldError(f"answers.{qid}", "no such question in this scorecard version")
    out: dict[str, Answer] = {}
    for qid, q in questions.items():
        if qid not in answers:
            raise FieldError(f"answers.{qid}", "missing: every question needs an answer ('na' where allowed)")
        out[qid] = _check_answer(q, answers[qid], f"answers.{qid}")
    return out


def _check_answer(q: Question, value: Any, field: str) -> Answer:
    if value == NA:
        if not q.na_allowed:
            raise FieldError(field, "'na' is not allowed for this question")
        return NA
    if q.kind == "yes_no":
        if value not in YES_NO:
            raise FieldError(field, f"expected 'yes' or 'no'{_or_na(q)}, got {value!r}")
        return str(value)
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        raise FieldError(field, f"expected a whole number from {q.min} to {q.max}{_or_na(q)}, got {value!r}")
    assert q.min is not None and q.max is not None
    if not q.min <= value <= q.max:
        raise FieldError(field, f"expected a whole number from {q.min} to {q.max}{_or_na(q)}, got {value!r}")
    return int(value)


def _or_na(q: Question) -> str:
    return " or 'na'" if q.na_allowed else ""


def score(card: Scorecard, answers: Mapping[str, Answer]) -> Score:
    """Total and per-section scores of checked answers (see the module docstring)."""
    questions = card.questions()
    auto_failed = any(questions[qid].auto_fail and value == "no" for qid, value in answers.items())
    sections = [
        {"id": s.id, "title": s.title, "score": _weighted([(q, answers[q.id]) for q in s.questions])}
        for s in card.sections
    ]
    total = _weighted([(questions[qid], value) for qid, value in answers.items()])
    return Score(0.0 if auto_failed else total, auto_failed, sections)


def _weighted(pairs: list[tuple[Question, Answer]]) -> float | None:
    scored = [(q.weight, q.fraction(v)) for q, v in pairs if v != NA]
    weights = sum(w for w, _ in scored)
    if weights == 0:
        return None
    return round(100.0 * sum(w * f for w, f in scored) / weights, 2)


def prefill(card: Scorecard, report: Mapping[str, Any] | None) -> tuple[dict[str, Answer], dict[str, Any]]:
    """Answers from an adherence report for questions naming an ``adherence_step``: a step done is
    "yes", missed "no"; pending or absent steps leave the question unanswered. Also returns, for each
    question answered, the step it came from: ``{"step", "status", "t"}``."""
    steps = {str(s.get("id")): s for s in (report or {}).get("steps", []) if isinstance(s, Mapping)}
    answers: dict[str, Answer] = {}
    sources: dict[str, Any] = {}
    for qid, q in card.questions().items():
        step = steps.get(q.adherence_step or "")
        if step is None or step.get("status") not in ("done", "missed"):
            continue
        answers[qid] = "yes" if step["status"] == "done" else "no"
        sources[qid] = {"step": q.adherence_step, "status": step["status"], "t": step.get("t")}
        if "marked" in step:  # a checker's mark on the step (offers.with_marks)
            sources[qid]["marked"] = step["marked"]
    return answers, sources


# ---- calibration ------------------------------------------------------------------------------------


def calibration_numbers(card: Scorecard, evaluations: Sequence[Row], reference: str | None = None) -> dict[str, Any]:
    """The spread of answers and each checker's distance from consensus.

    ``evaluations`` are ``(call_id, checker, answers, total)``. For each question and call: the
    checkers' answers, and the min, max and population standard deviation of their numbers (yes 1,
    no 0, a scale its value; "na" left out). For each checker: ``mad``, the mean over every
    question and call they answered of |their number - the mean of the other checkers' numbers|,
    on the question's 0..100 points scale so that scales and yes/no questions weigh alike; and
    ``total_mad``, the same for totals. Pairs no other checker answered do not count. ``totals``: the
    spread of each call's totals. With a ``reference`` checker (the reference answer: an expert's or
    the session leader's scores), each checker also gets ``reference_mad`` and
    ``reference_total_mad``: the same distances from the reference's answers alone.
    """
    questions = card.questions()
    calls = sorted({e[0] for e in evaluations})
    checkers = sorted({e[1] for e in evaluations})
    by_call = {c: {e[1]: e for e in evaluations if e[0] == c} for c in calls}

    q_out = []
    for qid, q in questions.items():
        rows: list[dict[str, Any]] = []
        for call_id in calls:
            answers = {who: e[2].get(qid, NA) for who, e in by_call[call_id].items()}
            numbers = [q.number(v) for v in answers.values() if v != NA]
            rows.append({"call_id": call_id, "answers": answers, **_spread(numbers)})
        stdevs = [r["stdev"] for r in rows if r["stdev"] is not None]
        q_out.append(
            {
                "question_id": qid,
                "text": q.text,
                "calls": rows,
                "mean_stdev": _r(statistics.fmean(stdevs)) if stdevs else None,
            }
        )

    totals: list[dict[str, Any]] = []
    for call_id in calls:
        given = {who: e[3] for who, e in by_call[call_id].items()}
        totals.append({"call_id": call_id, "totals": given, **_spread([t for t in given.values() if t is not None])})

    c_out = []
    for who in checkers:
        row: dict[str, Any] = {"checker": who, "evaluations": sum(1 for c in calls if who in by_call[c])}
        row.update(_deviation(questions, calls, by_call, who, None))
        if reference is not None:  # the same distances, from the reference checker's answers alone
            ref = _deviation(questions, calls, by_call, who, reference)
            row.update(reference_mad=ref["mad"], reference_total_mad=ref["total_mad"])
        c_out.append(row)
    return {"questions": q_out, "totals": totals, "checkers": c_out, "reference": reference}


def _deviation(
    questions: Mapping[str, Question],
    calls: list[str],
    by_call: Mapping[str, dict[str, Row]],
    who: str,
    peer: str | None,
) -> dict[str, float | None]:
    """``who``'s mean distance from the mean of the others (``peer`` None) or from ``peer`` alone."""
    gaps: list[float] = []
    total_gaps: list[float] = []
    for call_id in calls:
        mine = by_call[call_id].get(who)
        if mine is None:
            continue
        others = [e for k, e in by_call[call_id].items() if k != who and (peer is None or k == peer)]
        for qid, q in questions.items():
            value = mine[2].get(qid, NA)
            theirs = [100.0 * q.fraction(o[2][qid]) for o in others if o[2].get(qid, NA) != NA]
            if value != NA and theirs:
                gaps.append(abs(100.0 * q.fraction(value) - statistics.fmean(theirs)))
        other_totals = [o[3] for o in others if o[3] is not None]
        if mine[3] is not None and other_totals:
            total_gaps.append(abs(mine[3] - statistics.fmean(other_totals)))
    return {
        "mad": _r(statistics.fmean(gaps)) if gaps else None,
        "total_mad": _r(statistics.fmean(total_gaps)) if total_gaps else None,
    }


def _spread(numbers: list[float]) -> dict[str, float | None]:
    if not numbers:
        return {"min": None, "max": None, "stdev": None}
    return {"min": min(numbers), "max": max(numbers), "stdev": _r(statistics.pstdev(numbers))}


def _r(x: float) -> float:
    return round(x, 4)
