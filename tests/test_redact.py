"""Card data found and masked in what is said (agentassist.privacy), a few cases per language (not the
benchmark's: benchmarks/redact_cases), the words of an utterance masked with its text, and a recording
silenced over the spans."""

from __future__ import annotations

import threading
import wave
from pathlib import Path

import numpy as np
import pytest

from agentassist.assist.parsing import parse_script
from agentassist.audio.recorder import wav_header
from agentassist.errors import ScriptError
from agentassist.events import Channel, Utterance, Word
from agentassist.privacy.detect import find_spans, mask
from agentassist.privacy.kinds import Rules, iban_valid, rules_of
from agentassist.privacy.redactor import Redactor
from agentassist.privacy.said import Span, luhn
from agentassist.privacy.silence import silence
from agentassist.privacy.utterances import CallRedaction


def masked(text: str) -> str:
    return mask(text, find_spans(text))


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("sure, it's 5105 1051 0510 5100 and", "sure, it's [CARD] and"),
        ("card 3530 1113 3330 0000, expires 04/28, cvv 991", "card [CARD], expires [EXPIRY], cvv [CVV]"),
        ("five one oh five, one oh five one, oh five one oh, five one double oh", "[CARD]"),
        ("fifty one oh five, ten fifty one, oh five ten, fifty one hundred", "[CARD]"),
        ("карта 5105 1051 0510 5100, срок действия 04 28", "карта [CARD], срок действия [EXPIRY]"),
        ("пять один ноль пять один ноль пять один ноль пять один ноль пять один ноль ноль", "[CARD]"),
        ("код безопасности двести двенадцать", "код безопасности [CVV]"),
        ("п'ять один нуль п'ять, один нуль п'ять один, нуль п'ять один нуль, п'ять один нуль нуль", "[CARD]"),
        ("термін дії 07/30, код 5 5 1", "термін дії [EXPIRY], код [CVV]"),
        ("pięć jeden zero pięć jeden zero pięć jeden zero pięć jeden zero pięć jeden zero zero", "[CARD]"),
        ("numer 5105105105105100, ważna do 10/27", "numer [CARD], ważna do [EXPIRY]"),
    ],
)
def test_card_data_is_masked_in_every_language(said: str, expected: str) -> None:
    assert masked(said) == expected


@pytest.mark.parametrize(
    "said",
    [
        "that's 1,499 dollars for 24 months",
        "call me on +44 20 7946 0958",
        "order 5105 1051 0510 5101",  # 16 digits failing the Luhn check
        "заказ номер 7781 2345, доставка 12/05",  # a date without an expiry cue
        "zip code 902",
        "kod pocztowy 31-123",
        "до 11 25 числа",  # "до" is an expiry cue only beside a card number
    ],
)
def test_ordinary_numbers_stay(said: str) -> None:
    assert masked(said) == said


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("my card number is 4539 1488 0343 6468", "my card number is [CARD]"),  # a digit misheard: Luhn fails
        ("номер карты 4539 1488 0343 6468, срок действия 12/27", "номер карты [CARD], срок действия [EXPIRY]"),
        ("номер картки 4539 1488 0343 6468", "номер картки [CARD]"),
        ("numer karty 4539 1488 0343 6468", "numer karty [CARD]"),
        ("I'll pay by Visa, number 5469 3800 4123 4568", "I'll pay by Visa, number [CARD]"),
        # said as a card is (in groups, starting with 2-6) and nothing says it is another number
        ("пятьсот пятьдесят пять, пятьсот пятьдесят пять, пятьсот пятьдесят пять, пятьсот пятьдесят четыре, "
         "сорок четыре", "[CARD]"),
        ("4024 0071 0393 9509, 11/25, 402", "[CARD], [EXPIRY], [CVV]"),  # card data in a row, no cue
        ("4-5-3-9-1-4-8-8-0-3-4-3-6-4-6-7 and 1 2 2 7 and 7 3 7", "[CARD] and [EXPIRY] and [CVV]"),
        ("the CVV is double 7 5", "the CVV is [CVV]"),
        ("it expires December 2027", "it expires [EXPIRY]"),
        ("срок действия до декабря 2027 года", "срок действия до [EXPIRY]"),
        ("expiry twelve slash twenty seven", "expiry [EXPIRY]"),
        ("card 4111 1111 1111 1111 for 2 tickets, 250 dollars", "card [CARD] for 2 tickets, 250 dollars"),
    ],
)  # fmt: skip
def test_card_data_is_masked_as_real_calls_say_it(said: str, expected: str) -> None:
    assert masked(said) == expected


@pytest.mark.parametrize(
    "said",
    [
        "your order number is 4829 3377 1234 5678",  # 16 digits failing Luhn, named an order
        "номер договора 4276 3800 1234 5678",
        "my loyalty card number is 5012 3456 7890 1234",
        "numer karty lojalnościowej 5012 3456 7890 1234",
        "you can reach me on 00 48 600 123 456",
        "we have sizes 36, 38, 40, 42, 44, 46, 48",
        "we worked with them in 2019, 2020, 2021, 2022",
        "the booking runs from 12.03.2024 - 14.03.2024",
    ],
)
def test_ordinary_long_numbers_stay(said: str) -> None:
    assert masked(said) == said


def test_a_card_number_asked_for_or_cut_in_two_is_masked_though_luhn_fails() -> None:
    r = Redactor()
    r.final("a1", "agent", "can I have the long number on the card, please?", 0.0, 2.0)
    assert [s.kind for s in r.final("c1", "customer", "yeah, it's 5280 9342 8317 1081", 2.5, 5.0)["c1"]] == ["card"]
    r = Redactor()
    r.final("c1", "customer", "my number is 4916 3385", 0.0, 2.0)
    changed = r.final("c2", "customer", "0608 2833", 3.0, 5.0)  # 16 digits said as a card is, Luhn failing
    assert {k: [s.kind for s in v] for k, v in changed.items()} == {"c1": ["card"], "c2": ["card"]}
    r = Redactor()  # a final ending with a card's first piece: masked at once, joined to the next when it comes
    assert [s.kind for s in r.final("c1", "customer", "my card number is 4539", 0.0, 2.0)["c1"]] == ["card"]
    changed = r.final("c2", "customer", "1488 0343 6467", 3.0, 5.0)
    assert {k: [s.kind for s in v] for k, v in changed.items()} == {"c2": ["card"]}
    r = Redactor()
    r.final("a1", "agent", "what's your order number?", 0.0, 2.0)
    assert r.final("c1", "customer", "it's 4829 3377 1234 5678", 2.5, 5.0) == {"c1": []}


def test_a_card_read_group_by_group_as_tiny_en_heard_it_in_a_call_is_masked() -> None:
    said = ["My card number is", "in 5, 3, 9", "1, 4, 8, 8", "zero three four three", "6, 4, 6, 7, 6, 4, 6, 7, 6,",
            "But if you're ready to code, it is.", "7, 3, 7.", "Thank you."]  # fmt: skip
    r, found = Redactor(), {}
    for n, text in enumerate(said):
        found.update(r.final(str(n), "customer", text, 3.0 * n, 3.0 * n + 2.0))
    shown = [mask(text, found.get(str(n), [])) for n, text in enumerate(said)]
    assert shown[1:5] == ["in [CARD]", "[CARD]", "[CARD]", "[CARD], [CVV],"] and shown[6] == "[CVV]."


def test_an_expiry_cut_short_by_the_recognizer_is_masked_as_one() -> None:
    said = ["The expiration date is...", "1, 2, 2.", "8.", "The card security code is...", "9, 8, 2."]  # a real call
    r, found = Redactor(), {}
    for n, text in enumerate(said):
        found.update(r.final(str(n), "customer", text, 3.0 * n, 3.0 * n + 2.0))
    assert [[s.kind for s in found.get(str(n), [])] for n in range(5)] == [[], ["expiry"], [], [], ["cvv"]]


def test_card_data_whose_cues_were_misheard_is_masked_by_what_it_follows() -> None:
    said = ["Номикатый", "4, 5, 6", "0, 8, 1, 2,", "3, 4, 5, 8.", "9-0-1-8", "Сок яйство", "1, 2, 2, 8", "Кот.",
            "9 8 2"]  # fmt: skip
    r, found = Redactor(), {}  # base heard a real call so: "Номер карты", "Срок действия", "Код" lost
    for n, text in enumerate(said):
        found.update(r.final(str(n), "customer", text, 2.5 * n, 2.5 * n + 2.0))
    kinds = [[s.kind for s in found.get(str(n), [])] for n in range(len(said))]
    assert kinds == [[], ["card"], ["card"], ["card"], ["card"], [], ["expiry"], [], ["cvv"]]
    code = "Которая на Оке 9-8-2."  # another run of the same call: "Код на обороте 982"
    assert mask(code, r.final("9", "customer", code, 2.5 * 7, 2.5 * 7 + 2.0)["9"]) == "Которая на Оке [CVV]."


def test_an_expiry_and_a_code_said_after_the_card_number_are_masked() -> None:
    r = Redactor()
    r.final("c1", "customer", "the card is 4111 1111 1111 1111", 0.0, 3.0)
    assert [s.kind for s in r.final("c2", "customer", "12/27", 3.5, 4.5)["c2"]] == ["expiry"]
    assert [s.kind for s in r.final("c3", "customer", "737", 5.0, 6.0)["c3"]] == ["cvv"]
    r = Redactor()
    r.final("c1", "customer", "the card is 4111 1111 1111 1111", 0.0, 3.0)
    assert r.final("c2", "customer", "and I want to pay 250 dollars today", 3.5, 6.0) == {"c2": []}


def test_a_partial_of_another_number_is_not_masked() -> None:
    r = Redactor()
    for said in ("your order number is 4829 3377", "call me on +48 600 123 456", "from 12.03.2024 to 14.03.2024"):
        assert r.partial("customer", said, 0.0) == [], said
    assert mask("my card is 4829 3377", r.partial("customer", "my card is 4829 3377", 0.0)) == "my card is [CARD]"
    assert mask("4829 3377", r.partial("customer", "4829 3377", 0.0)) == "[CARD]"  # nothing says what it is
    for said, shown in [
        ("my card number is 453", "my card number is [CARD]"),  # still being said: masked from its first digit
        ("the security code is 7", "the security code is [CVV]"),
        ("the expiry date is 12", "the expiry date is [EXPIRY]"),
        ("my card number is 453, sorry, wait", "my card number is 453, sorry, wait"),  # no longer said: a final's rules
    ]:
        assert mask(said, r.partial("customer", said, 0.0)) == shown
    r.final("c1", "customer", "the card is 4111 1111 1111 1111", 1.0, 3.0)  # card data being given: any number
    said = "the next pirate's name is 12, 12"  # "the expiry date is 12 27", misheard
    assert mask(said, r.partial("customer", said, 3.5)) == "the next pirate's name is [EXPIRY]"
    assert mask(said, r.partial("customer", said, 3.5, said=True)) == "the next pirate's name is [EXPIRY]"  # ending it
    said = "okay so we have 12 more and that is all"
    assert mask(said, r.partial("customer", said, 3.5)) == "okay so we have [CARD] more and that is all"
    assert r.partial("customer", said, 3.5, said=True) == []  # a revision is read as a final


def test_luhn() -> None:
    assert luhn("79927398713") and not luhn("79927398710")


def test_a_card_said_in_two_utterances_is_masked_in_both_and_a_code_answers_a_question() -> None:
    r = Redactor()
    assert r.final("c1", "customer", "it's 5105 1051", 0.0, 2.0) == {"c1": []}
    changed = r.final("c2", "customer", "then 0510 5100", 3.0, 5.0)
    assert set(changed) == {"c1", "c2"} and all(s[0].kind == "card" for s in changed.values())
    r.final("a1", "agent", "and what is the CVV?", 6.0, 7.0)
    assert [s.kind for s in r.final("c3", "customer", "442", 7.5, 8.0)["c3"]] == ["cvv"]


def test_finals_out_of_order_are_read_in_time_order() -> None:
    r = Redactor()
    assert r.final("c1", "customer", "seven three seven", 9.0, 10.0) == {"c1": []}
    changed = r.final("a1", "agent", "the security code please", 6.0, 8.5)
    assert [s.kind for s in changed["c1"]] == ["cvv"]


def test_a_partial_with_a_long_run_of_digits_is_masked() -> None:
    r = Redactor()
    assert mask("5105 1051 05", r.partial("customer", "5105 1051 05", 0.0)) == "[CARD]"
    assert r.partial("customer", "room 404", 0.0) == []
    r.final("c1", "customer", "it's 5105 1051", 1.0, 2.0)
    assert mask("0510", r.partial("customer", "0510", 3.0)) == "[CARD]"  # 12 digits with the last final's
    assert r.partial("agent", "0510", 3.0) == []


def _utterance(text: str, words: list[tuple[str, float, float]], final: bool = True) -> Utterance:
    return Utterance(
        "u1",
        "call",
        Channel.CUSTOMER,
        1.0,
        6.0,
        text,
        final=final,
        words=tuple(Word(a, b, w, 0.9) for w, a, b in words),
    )


def test_an_utterance_is_masked_in_its_text_and_words_with_the_spans_timed() -> None:
    u = _utterance(
        "my card is 5105 1051 0510 5100 thanks",
        [(" my", 1.0, 1.2), (" card", 1.2, 1.5), (" is", 1.5, 1.7), (" 5105", 1.8, 2.4), (" 1051", 2.5, 3.1),
         (" 0510", 3.2, 3.8), (" 5100", 3.9, 4.5), (" thanks", 5.0, 5.5)],
    )  # fmt: skip
    (out,) = CallRedaction().apply(u)
    assert out.utterance.text == "my card is [CARD] thanks"
    assert [w.text for w in out.utterance.words] == [" my", " card", " is", " [CARD]", " thanks"]
    assert out.utterance.words[3].start_s == 1.8 and out.utterance.words[3].end_s == 4.5
    assert out.redactions == [
        {"utterance_id": "u1", "channel": "customer", "kind": "card", "start": 1.8, "end": 4.5, "by": "text"}
    ]


def test_the_recording_is_silent_over_the_spans_on_both_channels(tmp_path: Path) -> None:
    path = tmp_path / "call.wav"
    rng = np.random.default_rng(1)
    pcm = rng.integers(-3000, 3000, size=(16000 * 4, 2), dtype="<i2")
    path.write_bytes(wav_header(pcm.nbytes) + pcm.tobytes())
    assert silence(path, [(1.0, 1.5), (1.4, 2.0)], 16000, pad_s=0.25) == pytest.approx(1.5)
    with wave.open(str(path)) as w:
        got = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").reshape(-1, 2)
    assert not got[12000:36000].any()
    assert (got[:11990] == pcm[:11990]).all() and (got[36010:] == pcm[36010:]).all()


RULES = Rules.of(("iban", "phone", "email"), (("customer_id", r"\bC-?\d{6}\b"),))


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("my IBAN is PL61 1090 1014 0000 0712 1981 2874 thanks", "my IBAN is [IBAN] thanks"),
        ("GB29 NWBK 6016 1331 9268 19", "[IBAN]"),
        ("P L six one one zero nine zero one zero one four zero zero zero zero zero seven one two one nine eight "
         "one two eight seven four", "[IBAN]"),
        ("рахунок 61109010140000071219812874", "рахунок [IBAN]"),
        ("call me on +44 20 7946 0958", "call me on [PHONE]"),
        ("мой телефон 8 916 123 45 67", "мой телефон [PHONE]"),
        ("mój numer telefonu to 600 123 456", "mój numer telefonu to [PHONE]"),
        ("plus four eight six zero zero one two three four five six", "[PHONE]"),
        ("john dot smith at gmail dot com", "[EMAIL]"),
        ("иван точка петров собака mail точка ru", "[EMAIL]"),
        ("пишіть на olena крапка bondar равлик ukr крапка net", "пишіть на [EMAIL]"),
        ("jan kropka kowalski małpa wp kropka pl", "[EMAIL]"),
        ("jan.kowalski@wp.pl please", "[EMAIL] please"),
        ("my customer number is C-123456", "my customer number is [CUSTOMER_ID]"),
        ("card 5105 1051 0510 5100, phone 600 123 456", "card [CARD], phone [PHONE]"),
    ],
)  # fmt: skip
def test_the_scripts_kinds_are_masked(said: str, expected: str) -> None:
    assert mask(said, Redactor(rules=RULES).final("u", "customer", said, 0.0, 3.0)["u"]) == expected


@pytest.mark.parametrize(
    "said",
    [
        "that's 1,499 dollars for 24 months",
        "meet me at the office at 10",
        "order 12 pieces at 5 each, 2024",
        "on 12/05/2024 at 10:30",
        "это стоит 12 500 рублей",
        "GB29 NWBK 6016 1331 9268 18",  # the check digits do not match
        "zamówienie na 3 sztuki po 250 złotych",
    ],
)
def test_ordinary_text_stays_with_every_kind_chosen(said: str) -> None:
    assert Redactor(rules=RULES).final("u", "customer", said, 0.0, 3.0) == {"u": []}


def test_without_the_script_choosing_them_phones_and_emails_stay() -> None:
    said = "call me on +44 20 7946 0958 or john dot smith at gmail dot com"
    assert Redactor().final("u", "customer", said, 0.0, 3.0) == {"u": []}


def test_iban_check() -> None:
    assert iban_valid("GB29NWBK60161331926819") and not iban_valid("GB29NWBK60161331926818")


SCRIPT = "id: s\nsteps:\n  - id: a\n    say: hello\nredact:\n"


def test_the_redact_key_is_parsed() -> None:
    script = parse_script(SCRIPT + "  - phone\n  - email\n  - customer_id: 'C-\\d{6}'\n")
    assert script.redact == ("phone", "email") and script.redact_patterns == (("customer_id", "C-\\d{6}"),)
    assert rules_of(script).find("C-123456 or 600 123 456 789") == [Span("customer_id", 0, 8), Span("phone", 12, 27)]


@pytest.mark.parametrize(
    ("items", "error"),
    [
        ("  - fax\n", "<script>:6: redact: expected one of iban, phone, email or name: regex, got 'fax'"),
        ("  - cvv\n", "<script>:6: redact: 'cvv' is always redacted"),
        ("  - Customer ID: 'x'\n", "<script>:6: redact: expected a pattern name of a-z, 0-9 and _"),
        ("  - passport: '[A-Z'\n", "<script>:6: redact pattern 'passport': expected a regular expression, got '[A-Z'"),
        ("  - anything: '\\d*'\n", "it matches nothing said, an empty text"),
        ("  phone\n", "<script>:6: redact: expected a list of kinds (iban, phone, email) or name: regex, got 'phone'"),
    ],
)
def test_the_redact_key_is_checked(items: str, error: str) -> None:
    with pytest.raises(ScriptError) as caught:
        parse_script(SCRIPT + items)
    assert error in str(caught.value)


def test_an_original_is_kept_for_the_script_s_roles_but_never_a_security_code() -> None:
    u = _utterance(
        "card 5105 1051 0510 5100 code 123",
        [(" card", 1.0, 1.2), (" 5105", 1.3, 1.6), (" 1051", 1.7, 2.0), (" 0510", 2.1, 2.4), (" 5100", 2.5, 2.8),
         (" code", 3.0, 3.2), (" 123", 3.3, 3.6)],
    )  # fmt: skip
    (kept,) = CallRedaction(Rules.of(original_roles=("admin",))).apply(u)
    assert kept.utterance.text == "card [CARD] code [CVV]" and kept.original == "card 5105 1051 0510 5100 code [CVV]"
    (plain,) = CallRedaction().apply(u)
    assert plain.original is None  # no script keeps it: nothing but the masked text exists


def test_keep_originals_is_parsed() -> None:
    assert parse_script(SCRIPT.replace("redact:\n", "keep_originals: true\n")).original_roles == ("admin",)
    script = parse_script(SCRIPT.replace("redact:\n", "keep_originals: [quality_checker]\n"))
    assert script.original_roles == ("admin", "quality_checker")
    with pytest.raises(ScriptError) as caught:
        parse_script(SCRIPT.replace("redact:\n", "keep_originals: [agent]\n"))
    assert "keep_originals: expected roles from admin, quality_checker, supervisor, team_leader, got 'agent'" in str(
        caught.value
    )


def test_what_the_detector_remembers_is_each_call_s_own() -> None:
    # the detector remembers the texts it read (a call's last finals are read again with each new one):
    # in each call's own memory, never in the process's, and a call's end empties its own only
    first, second = CallRedaction(), CallRedaction()
    heard = "my card is 4111 1111 1111 1111"
    assert first.apply(_utterance(heard, []))[0].utterance.text == "my card is [CARD]"
    assert find_spans("card 4111 1111 1111 1111 outside any call")  # read outside a call: kept nowhere
    assert second.apply(_utterance("the order is 4829 3377", []))[0].utterance.text == "the order is 4829 3377"
    assert heard in first.remembered_texts()
    assert not any("4111" in text for text in second.remembered_texts())
    first.forget_texts()  # what the first call's end does (pipeline/close.py)
    assert first.remembered_texts() == set() and "the order is 4829 3377" in second.remembered_texts()


def test_calls_redacted_on_two_threads_at_once_remember_only_their_own() -> None:
    calls = {"4111 1111 1111 1111": CallRedaction(), "5105 1051 0510 5100": CallRedaction()}
    barrier = threading.Barrier(2)

    def talk(card: str) -> None:
        barrier.wait()
        for n in range(40):  # interleaved with the other thread's
            calls[card].apply(_utterance(f"card {card}, that's {n} of them", []))

    threads = [threading.Thread(target=talk, args=(card,)) for card in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    for card, redaction in calls.items():
        texts = redaction.remembered_texts()
        assert any(card in t for t in texts)
        assert not any(other in t for other in calls if other != card for t in texts)


def test_a_card_read_in_groups_is_found_though_the_agent_answers_each_group() -> None:
    """The finals the detector reads again are the last of each speaker, not of the call: an agent saying
    "yes" and "go on" after every group must not push the card's first groups out of sight."""
    redactor = Redactor()
    card = "5168 7423 9012 3457"
    assert luhn(card.replace(" ", ""))
    masked: dict[str, list[str]] = {}
    t = 0.0
    for n, group in enumerate(card.split()):
        said = ", ".join(group)  # "5, 1, 6, 8" as the recognizer writes digits said one by one
        turns = ((f"c{n}", "customer", said), (f"a{n}", "agent", "Yes."), (f"b{n}", "agent", "Go on."))
        for key, channel, text in turns:
            for k, spans in redactor.final(key, channel, text, t, t + 1.0).items():
                masked[k] = [s.kind for s in spans]
            t += 1.2
    assert [masked[f"c{n}"] for n in range(4)] == [["card"]] * 4
    assert all(masked[f"{who}{n}"] == [] for who in "ab" for n in range(4))


def test_a_card_masked_back_into_earlier_finals_though_the_agent_answered_each_group() -> None:
    """The call's redaction keeps each speaker's last finals for a card reaching back into them: the
    customer's first groups are masked again when the last group makes the card, whatever the agent said."""
    call = CallRedaction()
    t = 0.0
    stored: dict[str, str] = {}
    for n, group in enumerate(["4556", "0812", "3458", "9018"]):
        said = ", ".join(group)
        agent = Channel.AGENT
        turns = ((f"c{n}", Channel.CUSTOMER, said), (f"a{n}", agent, "Yes."), (f"b{n}", agent, "Go on."))
        for key, channel, text in turns:
            u = Utterance(key, "call", channel, t, t + 1.0, text, words=(Word(t, t + 1.0, text, 0.9),))
            for m in call.apply(u):
                stored[m.utterance.id] = m.utterance.text
            t += 1.2
    assert [stored[f"c{n}"] for n in range(4)] == ["[CARD]"] * 4
