"""A call's finals redacted as the stored transcript shows them, for the redaction tests."""

from __future__ import annotations

from agentassist.privacy.detect import mask
from agentassist.privacy.redactor import Redactor


def redacted_finals(*turns: tuple[str, str], gap_s: float = 2.0) -> list[str]:
    """Each (channel, text) given to one Redactor as consecutive finals ``gap_s`` apart, each 1.5 s long; each
    final as it reads once the call has ended (a later final may mask an earlier one's number)."""
    r, out = Redactor(), {}
    for n, (channel, text) in enumerate(turns):
        out.update(r.final(str(n), channel, text, gap_s * n, gap_s * n + 1.5))
    return [mask(text, out.get(str(n), [])) for n, (_, text) in enumerate(turns)]


def customer_finals(*said: str) -> list[str]:
    """:func:`redacted_finals` of finals all said by the customer."""
    return redacted_finals(*(("customer", text) for text in said))


CARD = "5520181844669026"  # Luhn-valid: a card said in the final before the one a test reads


def after_card(said: str) -> str:
    """``said`` as the stored transcript shows it, in the final after one that gave :data:`CARD`."""
    first, out = customer_finals(f"My card number is {CARD}.", said)
    assert first == "My card number is [CARD]."
    return out
