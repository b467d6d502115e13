"""WebVTT and SRT from timed lines: one formatter for the API and the offline command."""

from __future__ import annotations

from collections.abc import Iterable


def _stamp(seconds: float, sep: str) -> str:
    ms = round(seconds * 1000)
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def subtitles(cues: Iterable[tuple[float, float, str]], fmt: str) -> str:
    """``cues``: (start_s, end_s, text); ``fmt``: "vtt" or "srt"."""
    if fmt not in ("vtt", "srt"):
        raise ValueError(f"expected subtitle format vtt or srt, got {fmt!r}")
    lines = ["WEBVTT", ""] if fmt == "vtt" else []
    sep = "." if fmt == "vtt" else ","
    for i, (start_s, end_s, text) in enumerate(cues, 1):
        if fmt == "srt":
            lines.append(str(i))
        lines.append(f"{_stamp(start_s, sep)} --> {_stamp(end_s, sep)}")
        lines.append(text)
        lines.append("")
    return "\n".join(lines)
