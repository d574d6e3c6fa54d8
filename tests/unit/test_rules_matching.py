"""Text folding, phrase, homophone, proximity and sentence splitting."""

from __future__ import annotations

from tiexin.rules.matching import (
    TurnText,
    find_near,
    find_phrase,
    find_spec,
    fold,
    sentences,
    sounds_like,
)


def test_folding_ignores_punctuation_and_case_but_keeps_english_words() -> None:
    assert fold("请问，还有 其他？").text == "请问还有其他"
    assert fold("Anything  else?").text == "anything else"
    assert find_phrase("请问，还有其他可以帮您的吗", "还有其他")[0].text == "还有其他"


def test_latin_phrases_match_whole_words() -> None:
    assert find_phrase("This is agent 42", "hi") == []
    assert find_phrase("Hi, this is agent 42", "hi")[0].text == "Hi"
    assert find_phrase("Well, I don't know.", "i don't know")[0].text == "I don't know"


def test_sounds_like_ignores_tones_and_optionally_loosens() -> None:
    assert find_spec(sounds_like(("工号",)), TurnText("功耗一三五二"))[0].text == "功耗"
    assert not find_spec(sounds_like(("身份",)), TurnText("森份"))
    assert find_spec(sounds_like(("身份",), loose=True), TurnText("森份"))


def test_near_counts_characters_between_phrases() -> None:
    assert find_near("身份证的后四位", "身份证", "后四位", within=1, unit="chars", ordered=True)
    assert not find_near(
        "身份证的后四位", "身份证", "后四位", within=0, unit="chars", ordered=False
    )
    assert find_near("read the id card code", "id", "code", within=1, unit="words", ordered=True)


def test_sentences_split_chinese_and_english() -> None:
    assert [s.text for s in sentences("已经办好了。请问还有其他吗？")] == [
        "已经办好了",
        "请问还有其他吗",
    ]
    assert [s.text for s in sentences("Done. Anything else?")] == ["Done", "Anything else"]
