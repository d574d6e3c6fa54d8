from __future__ import annotations

import pytest

from tiexin.adapters.sentiment import PysentiScorer, score_english


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Thank you, that was very helpful!", 1.0),
        ("Great, thanks.", 1.0),
        ("This is terrible, I want to complain.", -1.0),
        ("The service was RUDE and USELESS", -1.0),
        ("I'd like to check my balance.", 0.0),
        ("", 0.0),
        ("123 456", 0.0),
        ("Thanks, but the bill is wrong.", 0.0),
        ("Good, great, but one problem.", pytest.approx(1 / 3)),
        ("Bad, awful, terrible service. Thanks anyway.", -0.5),
        ("thankful goodness badly", 0.0),  # whole words only
    ],
)
def test_score_english(text: str, expected: float) -> None:
    assert score_english(text) == expected


@pytest.fixture(scope="module")
def scorer() -> PysentiScorer:
    made = PysentiScorer()
    made.setup()
    return made


@pytest.mark.parametrize(
    "text",
    ["我要投诉，你们的服务太差了", "太差了，简直是乱扣费，我很生气", "我要投诉你们乱收费"],
)
def test_chinese_negative(scorer: PysentiScorer, text: str) -> None:
    assert -1.0 <= scorer.score(text, language="zh") < 0.0


@pytest.mark.parametrize("text", ["谢谢你，我很满意", "谢谢，很满意", "好的，谢谢，服务很好"])
def test_chinese_positive(scorer: PysentiScorer, text: str) -> None:
    assert 0.0 < scorer.score(text, language="zh") <= 1.0


@pytest.mark.parametrize("text", ["", "   ", "\n"])
def test_empty_text_is_neutral(scorer: PysentiScorer, text: str) -> None:
    assert scorer.score(text, language="zh") == 0.0
    assert scorer.score(text, language="en") == 0.0


def test_english_uses_the_lexicon_without_loading_the_model() -> None:
    fresh = PysentiScorer()
    assert fresh.score("Thanks, great help", language="en") == 1.0
    assert fresh._model is None


def test_setup_is_idempotent(scorer: PysentiScorer) -> None:
    model = scorer._model
    scorer.setup()
    assert scorer._model is model


@pytest.mark.parametrize(
    "text",
    ["您好", "我想查一下话费余额", "嗯", "好", "？？？", "abc", "全球通套餐积分兑换流量"],
)
def test_scores_stay_in_bounds(scorer: PysentiScorer, text: str) -> None:
    score = scorer.score(text, language="zh")
    assert isinstance(score, float)
    assert -1.0 <= score <= 1.0
