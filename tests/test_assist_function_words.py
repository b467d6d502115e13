"""The per-language function-word lists (what every lexical check ignores) and the replaced-slot check."""

from __future__ import annotations

import pytest

from agentassist.assist import function_words
from agentassist.assist.matcher import tokens, weight
from agentassist.assist.semantic import coverage
from agentassist.assist.slots import framed_slot, other_slots, replaced_slot


@pytest.mark.parametrize(
    ("language", "sentence", "light"),
    [
        ("en", "We could send it to you by Friday", ["we", "could", "it", "to", "you", "by"]),
        ("ru", "Мы можем отправить его вам до пятницы", ["мы", "можем", "его", "вам", "до"]),
        ("uk", "Ми можемо надіслати його вам до п'ятниці", ["ми", "можемо", "його", "вам", "до"]),
        ("pl", "Możemy go Panu wysłać do piątku", ["mozemy", "go", "panu", "do"]),
    ],
)
def test_pronouns_auxiliaries_and_prepositions_are_light_in_each_language(
    language: str, sentence: str, light: list[str]
) -> None:
    heavy = [t for t in tokens(sentence) if weight(t) == 1.0]
    assert [t for t in tokens(sentence) if weight(t) < 1.0] == light, language
    assert heavy, "the sentence keeps its content words"
    assert set(light) <= getattr(function_words, language.upper())


@pytest.mark.parametrize(
    "word",
    # a duty, a restriction, a time relation and a question carry a line's point, in every language
    ["must", "only", "before", "after", "without", "how", "when", "должны", "только", "без", "після", "тільки",
     "musi", "tylko", "bez", "przed", "ile", "jeszcze", "ще", "уже", "еще"],
)  # fmt: skip
def test_words_that_carry_a_lines_point_stay_content(word: str) -> None:
    assert weight(word) == 1.0


def test_every_list_is_written_as_tokens_yields_words() -> None:
    for language in ("EN", "RU", "UK", "PL"):
        for word in getattr(function_words, language):
            # Polish "ten" (this) is a word only in a text with Polish letters (matcher.tokens)
            assert tokens(word if word != "ten" else "ten sprzęt")[0] == word, (language, word)


@pytest.mark.parametrize(
    ("line", "heard", "content"),
    [
        # the line's pronoun and modal are not content a paraphrase must repeat
        ("Можемо забрати вашого кота в понеділок о дев'ятій ранку.", "Забрати кота в понеділок о дев'ятій ранку.", 1.0),
        ("Мы можем забрать вашу собаку в среду утром.", "Забрать собаку в среду утром.", 1.0),
        ("Możemy odebrać Pana psa w środę rano.", "Odebrać psa w środę rano.", 1.0),
        ("We can collect your dog on Wednesday morning.", "Collect the dog Wednesday morning.", 1.0),
    ],
)  # fmt: skip
def test_a_paraphrase_without_the_lines_frame_words_hears_all_its_content(
    line: str, heard: str, content: float
) -> None:
    assert coverage(tokens(line), tokens(heard)).content == pytest.approx(content)


@pytest.mark.parametrize(
    ("line", "heard"),
    [
        ("If your dog is allergic to chicken or beef, tell the groomer before the wash.",
         "If your dog has a favourite toy or blanket, tell the groomer before the wash."),
        ("Если у ребёнка аллергия на орехи, сообщите повару до начала занятия.",
         "Если у ребёнка любимый цвет, сообщите повару до начала занятия."),
        ("Якщо у дитини алергія на горіхи, повідомте кухаря до початку заняття.",
         "Якщо у дитини улюблена іграшка, повідомте кухаря до початку заняття."),
        ("Jeśli dziecko ma alergię na orzechy, proszę powiedzieć kucharzowi przed zajęciami.",
         "Jeśli dziecko ma ulubioną zabawkę, proszę powiedzieć kucharzowi przed zajęciami."),
    ],
)  # fmt: skip
def test_the_lines_frame_with_its_slot_said_as_another_thing(line: str, heard: str) -> None:
    assert replaced_slot(tokens(line), tokens(heard))


@pytest.mark.parametrize(
    ("line", "heard"),
    [
        # the line said whole, with function words around it that the line lacks
        ("If your dog is allergic to chicken or beef, tell the groomer before the wash.",
         "So if your dog is allergic to chicken or to beef, you can just tell the groomer before the wash."),
        # the line said in other words: replaced all over, not in one slot
        ("Если у ребёнка аллергия на орехи, сообщите повару до начала занятия.",
         "Про аллергию на орехи повару надо сказать заранее, ещё до занятия."),
        # shortened: a stretch left out, nothing else said in its place
        ("Якщо у дитини алергія на горіхи, повідомте кухаря до початку заняття.",
         "Якщо у дитини алергія, повідомте кухаря до початку заняття."),
        # the slot's words said in another order is no other word
        ("Jeśli dziecko ma alergię na orzechy, proszę powiedzieć kucharzowi przed zajęciami.",
         "Przed zajęciami proszę powiedzieć kucharzowi, jeśli dziecko ma alergię na orzechy."),
    ],
)  # fmt: skip
def test_a_line_said_whole_shortened_or_in_other_words_has_no_replaced_slot(line: str, heard: str) -> None:
    assert not replaced_slot(tokens(line), tokens(heard))


@pytest.mark.parametrize(
    ("line", "heard", "trap"),
    [
        # the frame "how many ... wedding" about other things: each of the line's other words replaced
        ("How many guests are invited to the wedding dinner?", "How many candles go on the wedding cake?", True),
        ("Сколько гостей приглашено на свадебный ужин?", "Сколько свечей поставить на свадебный торт?", True),
        # a line said in other words: its words heard out of the line's order
        ("Сколько гостей приглашено на свадебный ужин?", "На ужин после свадьбы сколько гостей ждёте?", False),
        # a shortened line: its opening and its ending left out, nothing said in their place
        ("Назовите, пожалуйста, рост, вес и размер обуви каждого.", "Рост, вес, размер обуви?", False),
        # a negation in the place of a word is a polarity, which the negation checks judge, no other thing
        ("The fitters cannot lift heavy boxes alone.", "The fitters can not lift heavy boxes alone.", False),
    ],
)  # fmt: skip
def test_the_lines_frame_with_its_other_words_said_as_other_things(line: str, heard: str, trap: bool) -> None:
    assert other_slots(tokens(line), tokens(heard)) is trap


@pytest.mark.parametrize(
    ("line", "heard", "trap"),
    [
        # word for word, the function words too, but the thing asked for
        ("Could you spell your surname for me, please?", "Could you spell your street for me, please?", True),
        ("Не могли бы вы назвать номер заказа, пожалуйста?", "Не могли бы вы назвать адрес дома, пожалуйста?", True),
        # the line said in other words: few of its words, none in a slot's place
        ("Could you spell your surname for me, please?", "How do you write your last name?", False),
        # the line said whole
        ("Could you spell your surname for me, please?", "Sure, could you spell your surname for me, please?", False),
    ],
)  # fmt: skip
def test_the_line_word_for_word_with_its_slot_said_as_another_thing(line: str, heard: str, trap: bool) -> None:
    assert framed_slot(tokens(line), tokens(heard)) is trap
