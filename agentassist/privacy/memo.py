"""One call's memory of the texts the card data detector has read.

A call's last finals are read again with each new one (a card number may reach back into them), so the
detector's pure readers (:func:`~agentassist.privacy.said.fold`, :func:`~agentassist.privacy.said.items`,
:func:`~agentassist.privacy.cues.cues`) remember what they found: in the :class:`Memo` of the call being
read, and nowhere else. Each :class:`~agentassist.privacy.redactor.Redactor` owns one and reads inside
:func:`reading`; the memo goes with the redactor at the call's end, and one call's end empties no other
call's. Read outside a redactor (a test, a benchmark, ``find_spans`` alone), nothing is kept.

Measured (session 15, 531 utterances of the benchmark halves): a final re-reading the call's last 8 takes
~0.8 ms with the texts remembered, ~3.1 ms without.
"""

from __future__ import annotations

import contextlib
import functools
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterator
from contextvars import ContextVar
from typing import Any, TypeVar, cast

F = TypeVar("F", bound=Callable[..., Any])
SIZE = 256  # entries a table keeps: the call's last 8 finals and the partials between them, 5 cue kinds each


class Memo:
    """What one call's texts were read as, by table (a reader's name) and arguments; the oldest entries go
    first past ``size`` a table (a plain dict: a lookup costs ~0.1 µs, an OrderedDict's move ~0.3 µs more)."""

    def __init__(self, size: int = SIZE) -> None:
        self.size = size
        self.tables: defaultdict[str, dict[Hashable, Any]] = defaultdict(dict)

    def texts(self) -> set[str]:
        """The texts remembered (each entry's arguments that are text)."""
        keys = (k for table in self.tables.values() for k in table)
        return {a for k in keys for a in (k if isinstance(k, tuple) else (k,)) if isinstance(a, str)}

    def clear(self) -> None:
        self.tables.clear()


_READING: ContextVar[Memo | None] = ContextVar("agentassist_privacy_memo", default=None)


@contextlib.contextmanager
def reading(memo: Memo) -> Iterator[Memo]:
    """Readers called inside remember in ``memo`` (this thread's context only: each call's redaction runs
    under its own lock, possibly on another pool thread)."""
    token = _READING.set(memo)
    try:
        yield memo
    finally:
        _READING.reset(token)


def reads(reader: F) -> F:
    """A reader of whole utterances (``find_spans``): it remembers in the call's memo, or, read outside a
    call, in one of its own that goes when it returns (it reads a text's words and cues many times over)."""

    @functools.wraps(reader)
    def read(*args: Any, **kwargs: Any) -> Any:
        if _READING.get() is not None:
            return reader(*args, **kwargs)
        with reading(Memo()):
            return reader(*args, **kwargs)

    return cast(F, read)


def remembered(table: str) -> Callable[[F], F]:
    """A pure reader of text whose results the call being read remembers (see :func:`reading`)."""

    def wrap(reader: F) -> F:
        @functools.wraps(reader)
        def read(*args: Hashable) -> Any:
            memo = _READING.get()
            if memo is None:
                return reader(*args)
            found = memo.tables[table]
            try:
                return found[args]
            except KeyError:
                value = found[args] = reader(*args)
            if len(found) > memo.size:
                del found[next(iter(found))]
            return value

        return cast(F, read)

    return wrap
