"""Call scripts: the model (steps, intents, cards, thresholds) that the tracker follows.

Scripts come from YAML files (docs/scripts.md): ``parsing`` validates one file,
``library`` keeps a directory of them by id.
"""

from __future__ import annotations

from dataclasses import dataclass

BUILTIN_VARIABLES = ("company", "agent", "customer_name")


@dataclass(frozen=True, slots=True)
class Step:
    id: str
    say: tuple[str, ...]
    mandatory: bool = False
    compliance: bool = False
    line: int = 0
    after: tuple[str, ...] = ()  # step ids that should be said before this one
    time_budget_s: float | None = None  # how long the agent may stay on this step
    say_within_s: float | None = None  # a compliance line's deadline, seconds from the call's start (the panel warns)
    must_hear: tuple[str, ...] = ()  # words (any inflection) without which the step does not tick
    pause_timeout_s: float | None = None  # pause_recording: the recording pauses this long once it is said


@dataclass(frozen=True, slots=True)
class Intent:
    """A customer intent (an objection, a request) heard by trigger phrases; leads to a step or a card."""

    id: str
    triggers: tuple[str, ...]
    goto: str | None = None
    card: str | None = None
    line: int = 0


@dataclass(frozen=True, slots=True)
class Card:
    id: str
    title: str
    triggers: tuple[str, ...]
    body: str
    line: int = 0


@dataclass(frozen=True, slots=True)
class Script:
    id: str
    version: int
    language: str
    steps: tuple[Step, ...]
    forbidden: tuple[str, ...] = ()
    cards: tuple[Card, ...] = ()
    handle_time_s: float | None = None
    source: str = ""
    campaign: str = ""
    variables: tuple[tuple[str, str], ...] = ()  # declared variables with their default values
    intents: tuple[Intent, ...] = ()
    dispositions: tuple[str, ...] = ()
    alerts: tuple[tuple[str, float], ...] = ()  # thresholds overriding [assist] settings
    title: str = ""  # a name for people; lists show the id when there is none
    redact: tuple[str, ...] = ()  # kinds masked beyond card data: iban | phone | email (agentassist.privacy.kinds)
    redact_patterns: tuple[tuple[str, str], ...] = ()  # the script's own kinds: (name, regular expression)
    original_roles: tuple[str, ...] = ()  # keep_originals: roles that may read what was masked (admin first)

    @property
    def fixed_language(self) -> str | None:
        """The campaign's language code, or None when it is detected ("auto": once per channel)."""
        return None if self.language in ("", "auto") else self.language

    def step(self, step_id: str) -> Step | None:
        return next((s for s in self.steps if s.id == step_id), None)

    def default_variables(self) -> dict[str, str]:
        return dict(self.variables)

    def thresholds(self) -> dict[str, float]:
        return dict(self.alerts)


def script_prompt(script: Script, variables: dict[str, str]) -> str:
    """Words a script makes likely on its calls, to bias recognition: company, campaign, card titles."""
    names = [variables.get("company", ""), script.campaign, *(c.title for c in script.cards)]
    return ", ".join(dict.fromkeys(n for n in names if n)) + "."
