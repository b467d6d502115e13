"""Times as the store keeps and answers them: aware UTC datetimes, ISO 8601 text ending in ``Z``.

SQLite gives back naive datetimes (the UTC that went in) and PostgreSQL aware ones in the session's
zone; every module reads them through :func:`utc` so both compare and subtract alike.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import overload


@overload
def utc(dt: datetime) -> datetime: ...
@overload
def utc(dt: datetime | None) -> datetime | None: ...
def utc(dt: datetime | None) -> datetime | None:
    """``dt`` as an aware UTC datetime; a naive one is taken as UTC already."""
    if dt is None:
        return None
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


@overload
def iso(dt: datetime) -> str: ...
@overload
def iso(dt: datetime | None) -> str | None: ...
def iso(dt: datetime | None) -> str | None:
    """``2026-01-31T09:00:00Z`` (microseconds when there are some); None stays None."""
    d = utc(dt)
    return d.isoformat().replace("+00:00", "Z") if d else None


def seconds_between(start: datetime, end: datetime) -> float:
    """``end - start`` in seconds, either of them naive (UTC) or aware."""
    return (utc(end) - utc(start)).total_seconds()
