"""Which numbers a card scheme issues: a card number's lengths (ISO/IEC 7812) and the schemes' first digits.

A run of digits is a card's only where a scheme issues numbers so: :func:`issued` (its first digits),
:func:`issued_length` (its length for the scheme its first digits name), :func:`likeliest_length` (which length
of a Luhn-valid run is the whole card, the rest its code). Nothing here reads words: what the words around a
number say it is, is :mod:`agentassist.privacy.labels`'.
"""

from __future__ import annotations

import re

from agentassist.privacy.said import (
    Item,
)

CARD_DIGITS = (13, 19)  # ISO/IEC 7812 primary account numbers: 13 (old Visa) to 19 digits
# a card number failing the Luhn check: its likeliest lengths first (16: Visa, Mastercard, Mir; 15: Amex)
UNCHECKED_DIGITS = (16, 15, 14, 13, 19, 18, 17)
# the first digits of the schemes' ranges: 2-series Mastercard and Mir, 3-6, and the national schemes beginning
# with 8 or 9: ПРОСТІР (9804), Humo (9860), Uzcard (8600), Belkart (9112)
_ISSUED = re.compile(r"220[0-4]|222[1-9]|22[3-9]\d|2[3-6]\d\d|27[01]\d|2720|[3-6]|9804|9860|8600|9112")
# industries that issue no payment card (ISO/IEC 7812): 7 petroleum and loyalty schemes, 89 telecommunications (a
# SIM's ICCID): a number beginning so is no card whatever names it ("my Clubcard number", "the SIM on the card holder")
NO_CARD = re.compile(r"7|89")
# Maestro's own ranges (no other scheme issues there): 5018, 5020, 5038, 5893, 6304, 6759, 6761-6763
_MAESTRO = re.compile(r"50(?:18|20|38)|5893|6304|6759|676[1-3]")


def likeliest_length(digits: str, coded_after: bool = False) -> int:
    """How likely a Luhn-valid run of ``digits`` is a whole card number (0 first): by :data:`UNCHECKED_DIGITS`'
    order of lengths, but a Maestro's own ranges (:data:`_MAESTRO`) issue 19 digits more than 16, and a 19-digit
    run passing the check there is the card, not 16 digits and a code after them ("6759 1591 8565 5549 759");
    so is one of a scheme issuing 19 digits (:func:`issued_length`) where a code is named after it ("UnionPay,
    6212 ... 280. The code is ...": one in ten 19-digit numbers holds 16 passing the check too)."""
    if len(digits) == CARD_DIGITS[1] and (_MAESTRO.match(digits) or (coded_after and issued_length(digits))):
        return -1
    return UNCHECKED_DIGITS.index(len(digits))


def issued(digits: str) -> bool:
    """Whether ``digits`` begin as the cards of a scheme in use do: Mir (2200-2204), Mastercard (2221-2720,
    51-55), American Express, Diners and JCB (3), Visa (4), Maestro (5, 6), Discover and UnionPay (6)."""
    return bool(_ISSUED.match(digits))


def issued_length(digits: str) -> bool:
    """Whether a card number of ``digits``'s length begins so in a scheme: Visa 13, 16 or 19; American Express
    15 (34, 37); Mastercard 16 (51-55, 2221-2720); Diners Club 14 to 19 (30, 36, 38, 39); the others 16 to 19
    (Maestro, beginning with 5 or 6, 12 to 19)."""
    n = len(digits)
    if digits[0] == "4":
        return n in (13, 16, 19)
    if digits[:2] in ("34", "37"):
        return n == 15
    if "51" <= digits[:2] <= "55" or "2221" <= digits[:4] <= "2720":
        return n == 16
    if digits[:2] in ("30", "36", "38", "39"):
        return 14 <= n <= 19
    return 16 <= n <= 19 or digits[0] in "56"


def digits_of(run: list[Item]) -> str:
    return "".join(i.digits for i in run)
