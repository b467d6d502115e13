"""The per-language function-word lists: what every lexical check of the checklist ignores."""

from __future__ import annotations

import pytest

from agentassist.assist import function_words
from agentassist.assist.matcher import tokens, weight
from agentassist.assist.semantic import coverage


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
     "musi", "tylko", "bez", "przed", "ile"],
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
