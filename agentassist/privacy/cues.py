"""The words around a number that say what it is, in en, ru, uk and pl (on :func:`~agentassist.privacy.detect.fold`
ed text: lowercase, Polish diacritics and ё folded): card data's cues (a card, its expiry date, its
security code), the cues of numbers that are not card data (an order, a reference, a contract, a phone),
and the month names an expiry date may be said with ("December twenty seven", "до декабря 2027").

A cue is a regular expression; :func:`cues` finds its places less those a counter-pattern takes back
("zip code" is no security code, "SIM card" no payment card)."""

from __future__ import annotations

import re

CARD = "card"
EXPIRY = "expiry"
CVV = "cvv"
OTHER = "other"  # a number that is not card data: an order, a reference, a phone

CVV_CUE = re.compile(
    r"\b(?:cvv2?|cvc2?|cv2|cid|security code|verification code|card code|code|digits on the back|on the back"
    r"|код\w*|на обороте|обратной стороне|на звороті|звороті|три цифр\w*|kod\w*|z tylu|trzy cyfry)\b"
)
NOT_CVV = re.compile(
    r"\b(?:zip|area|postal|post|promo|discount|country|dialling|dialing) code|код\w* (?:города|міста|страны|країни)"
    r"|(?:почтов\w*|поштов\w*) код\w*|kod\w* (?:pocztow\w*|kraju|rabatow\w*|kreskow\w*)|промокод\w*|штрих-?код\w*"
)
EXPIRY_CUE = re.compile(
    r"\b(?:expiry|expiration|expires?|expiring|exp|valid (?:until|thru|through|till|to)|good (?:until|thru|through)"
    r"|срок\w* действия|действует до|действительна до|годна до|термін\w* дії|дійсна до|діє до"
    r"|data waznosci|waznosc|wazna do)\b"
)
NEAR_CARD_CUE = re.compile(r"\b(?:до|do|until)\b")  # "card ..., до 11/25": an expiry only beside a card number
# a payment card, by name or brand ("номер карты", "na karcie", "картка", "Visa")
CARD_CUE = re.compile(
    r"\b(?:cards?|credit|debit|visa|mastercard|master card|amex|american express|maestro|long number"
    r"|карт(?:а|ы|у|е|ой|очк\w*)|картк\w*|карт[иіу]|карткою|виза|віза|мастеркард\w*|маэстро"
    r"|kart(?:a|y|e|o)|karcie|kartow\w*)\b"
)
NOT_CARD = re.compile(
    r"\b(?:loyalty|bonus|club|discount|membership|gift|sim|id|identity|library|health|insurance|business|boarding"
    r"|key|reward|rewards|store) cards?"
    r"|(?:бонусн|дисконтн|клубн|подарочн|подарунков|накопительн)\w* карт\w*|(?:sim|сим)[- ]карт\w*"
    r"|карт\w* (?:лояльност\w*|клиента|клієнта|постоянного)"
    r"|kart\w* (?:lojalnosciow\w*|stalego klienta|podarunkow\w*|sim|klubow\w*|rabatow\w*)"
)
# a number that is not card data, whatever its digits: it is not masked unless Luhn-valid
OTHER_CUE = re.compile(
    r"\b(?:reference|ref|order|invoice|ticket|tracking|contract|account|policy|booking|confirmation|case|claim"
    r"|customer number|member number|serial|imei|barcode|parcel|shipment|transaction|receipt|reservation"
    r"|registration|passport|licen[cs]e|social security|tax|vat|postcode|zip|phone|mobile|telephone|fax|extension"
    r"|call (?:me|us|back)|reach (?:me|us)|text me|ring me|whatsapp|viber|звонит\w*|перезвонит\w*|позвонит\w*"
    r"|передзвон\w*|зателефонуй\w*|подзвон\w*|dzwon\w*|zadzwon\w*|oddzwon\w*"
    r"|договор\w*|договір|заказ\w*|сч[её]т\w*|полис\w*|поліс\w*|обращени\w*|заявк\w*|накладн\w*|трек\w*|посылк\w*"
    r"|отправлени\w*|инн|снилс|паспорт\w*|квитанц\w*|транзакц\w*|лицев\w*|бронювання|бронировани\w*|билет\w*"
    r"|абонент\w*|телефон\w*|мобильн\w*|мобільн\w*|замовлен\w*|рахун\w*|звернен\w*|посилк\w*|відправлен\w*"
    r"|іпн|ипн|квит\w*|штрих-?код\w*|индекс\w*|індекс\w*"
    r"|zamowieni\w*|faktur\w*|umow\w*|rachun\w*|konto|konta|kontem|zgloszeni\w*|przesylk\w*|paczk\w*|pesel|nip"
    r"|regon|dowod\w*|paszport\w*|polis\w*|numer klienta|referencyjn\w*|sledzeni\w*|bilet\w*|rezerwacj\w*"
    r"|transakcj\w*|paragon\w*|telefon\w*|komork\w*|kod\w* kreskow\w*|kod\w* pocztow\w*)\b"
)

_MONTH_NAMES = {
    1: "january jan январь января январе січень січня styczen stycznia",
    2: "february feb февраль февраля лютий лютого luty lutego",
    3: "march mar март марта березень березня marzec marca",
    4: "april apr апрель апреля квітень квітня kwiecien kwietnia",
    5: "may май мая травень травня maj maja",
    6: "june jun июнь июня червень червня czerwiec czerwca",
    7: "july jul июль июля липень липня lipiec lipca",
    8: "august aug август августа серпень серпня sierpien sierpnia",
    9: "september sep sept сентябрь сентября вересень вересня wrzesien wrzesnia",
    10: "october oct октябрь октября жовтень жовтня pazdziernik pazdziernika",
    11: "november nov ноябрь ноября листопад листопада listopad listopada",
    12: "december dec декабрь декабря грудень грудня grudzien grudnia",
}
MONTHS = {word: month for month, words in _MONTH_NAMES.items() for word in words.split()}
MONTH = re.compile(r"(?<![^\W\d_])(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")(?![^\W\d_])")

ASK_WORDS = {CARD: 6, EXPIRY: 3, CVV: 3, OTHER: 3}  # a question ends this many words after its cue at most
_ASKED = {CARD: CARD_CUE, EXPIRY: EXPIRY_CUE, CVV: CVV_CUE, OTHER: OTHER_CUE}
_TAKEN_BACK = {CARD: NOT_CARD, CVV: NOT_CVV}
_WORD = re.compile(r"\d+|[^\W\d_]+(?:'[^\W\d_]+)*")


def cues(kind: str, folded: str) -> list[tuple[int, int]]:
    """Where ``kind``'s cues are in ``folded``, less those its counter-pattern takes back; a number
    that is not card data (:data:`OTHER`) includes the cues taken back from card data."""
    if kind == OTHER:
        taken = [m.span() for p in _TAKEN_BACK.values() for m in p.finditer(folded)]
        return sorted([m.span() for m in OTHER_CUE.finditer(folded)] + taken)
    back = _TAKEN_BACK.get(kind)
    excluded = [m.span() for m in back.finditer(folded)] if back is not None else []
    return [m.span() for m in _ASKED[kind].finditer(folded) if not any(a <= m.start() < b for a, b in excluded)]


def asked_for(folded: str) -> frozenset[str]:
    """What ``folded`` ends asking for (or naming): card, expiry, cvv or other; the next answer may be it."""
    out = set()
    for kind, reach in ASK_WORDS.items():
        found = cues(kind, folded)
        if found and len(_WORD.findall(folded[found[-1][1] :])) <= reach:
            out.add(kind)
    return frozenset(out)
