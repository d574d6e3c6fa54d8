"""The opening pass (the agent's first turn decoded again) and the greeting item on ASR text."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tiexin.adapters.asr.whisper import OPENING_PROMPTS, WhisperTranscriber
from tiexin.domain.calls import Role, Turn, Word
from tiexin.features.extract import measure_call
from tiexin.pipeline.turns import OPENING_PAD_S, opening_clip, with_turn_redecoded
from tiexin.rules.evaluate import CallView
from tiexin.rules.scorecard import load_scorecard
from tiexin.rules.scoring import Outcome, score_call

SCORECARD = Path(__file__).resolve().parents[2] / "src/tiexin/resources/scorecards/10088-vip.yaml"


def turn(role: Role, start: float, end: float, text: str = "x") -> Turn:
    return Turn(role, start, end, text, words=(Word(start, end, text),), confidence=0.5)


@pytest.mark.parametrize(
    ("roles_and_starts", "expected"),
    [
        ([], None),
        ([(Role.CUSTOMER, 0.5)], None),
        ([(Role.AGENT, 0.5)], (0, 0.5 - OPENING_PAD_S, 2.5 + OPENING_PAD_S)),
        ([(Role.CUSTOMER, 0.1), (Role.AGENT, 3.0)], (1, 3.0 - OPENING_PAD_S, 5.0 + OPENING_PAD_S)),
        ([(Role.AGENT, 0.05), (Role.AGENT, 4.0)], (0, 0.0, 2.05 + OPENING_PAD_S)),  # not before 0
        ([(Role.UNKNOWN, 0.5), (Role.AGENT, 3.0)], (1, 3.0 - OPENING_PAD_S, 5.0 + OPENING_PAD_S)),
    ],
)
def test_opening_clip_is_the_agents_first_turn_with_padding(
    roles_and_starts: list[tuple[Role, float]], expected: tuple[int, float, float] | None
) -> None:
    turns = [turn(role, start, start + 2.0) for role, start in roles_and_starts]
    assert opening_clip(turns) == expected


def test_redecoded_turn_takes_the_new_words_and_keeps_its_bounds() -> None:
    turns = [
        turn(Role.CUSTOMER, 0.1, 0.9, "Hi"),
        Turn(Role.AGENT, 1.0, 4.0, "this amazing time", confidence=0.3, channel=0),
        turn(Role.CUSTOMER, 5.0, 6.0, "Yes"),
    ]
    words = [Word(0.3, 0.6, " this"), Word(0.6, 0.8, " is"), Word(0.8, 1.2, " agent", 0.8)]
    result = with_turn_redecoded(turns, 1, words, offset_s=0.8, language="en")
    assert result[0] == turns[0] and result[2] == turns[2]
    redone = result[1]
    assert (redone.role, redone.start_s, redone.end_s, redone.channel) == (Role.AGENT, 1.0, 4.0, 0)
    assert redone.text == "this is agent"
    assert [(w.start_s, w.end_s) for w in redone.words] == [(1.1, 1.4), (1.4, 1.6), (1.6, 2.0)]
    assert redone.confidence == pytest.approx((1.0 + 1.0 + 0.8) / 3, abs=1e-4)


@pytest.mark.parametrize("words", [[], [Word(0.0, 0.5, " "), Word(0.5, 0.9, "  ")]])
def test_without_words_the_first_decode_stands(words: list[Word]) -> None:
    turns = [turn(Role.AGENT, 1.0, 4.0, "Hello, this amazing time")]
    assert with_turn_redecoded(turns, 0, words, offset_s=0.8, language="en") == turns


def test_no_opening_pass_without_a_prompt_for_the_language() -> None:
    # Mandarin openings are found with the domain prompt; nothing is decoded (no model loaded)
    assert "zh" not in OPENING_PROMPTS
    transcriber = WhisperTranscriber(Path("no-model"), threads=1, beam_size=1, vocabulary=("工号",))
    silence = np.zeros(16_000, dtype=np.float32)
    assert transcriber.transcribe_opening(silence, language="zh") == []


def test_the_opening_prompt_reads_the_job_number_as_spoken() -> None:
    # digits as words: with "1024" in the prompt Whisper copied that number into a greeting
    assert not any(ch.isdigit() for ch in OPENING_PROMPTS["en"])
    assert "agent" in OPENING_PROMPTS["en"]


def _greeting(language: str, *agent_texts: str) -> Outcome:
    turns = tuple(
        Turn(Role.AGENT, 4.0 * i, 4.0 * i + 3.0, text) for i, text in enumerate(agent_texts)
    )
    features = measure_call(
        turns,
        language=language,
        duration_s=4.0 * len(turns),
        customer_sentiments=[None] * len(turns),
    )
    view = CallView(turns, features, {"language": language, "line": "10088"})
    evaluation = score_call(load_scorecard(SCORECARD), view)
    return next(i for i in evaluation.items if i.id == "greeting_job_number").result


@pytest.mark.parametrize(
    ("language", "texts", "expected"),
    [
        # what Whisper wrote for real greetings, after the opening pass for English
        ("en", ["Hello, this is Laura Wang. This is agent two zero i in one."], Outcome.PASS),
        ("en", ["Good afternoon, this is agent time time to nearer."], Outcome.PASS),
        ("en", ["Hello, this is agent 6172, your account manager."], Outcome.PASS),
        ("en", ["Hello, is this Mister Li?", "This is agent four two one five."], Outcome.PASS),
        ("en", ["Hello, thank you for calling. How can I help you?"], Outcome.FAIL),
        ("en", ["Yeah, what is it?", "This is agent four two one five."], Outcome.FAIL),
        # Mandarin job numbers, however ASR spells 工号 and punctuates the digits
        ("zh", ["您好,工号1024为您服务"], Outcome.PASS),
        ("zh", ["您好,孤号一零二四,很高兴为您服务"], Outcome.PASS),
        ("zh", ["照女士您好,我是电话经理小巫、工后五、八三零,您现在是"], Outcome.PASS),
        ("zh", ["您好,功后,五八三零"], Outcome.PASS),
        ("zh", ["你好,请问是王先生吗?", "五、八三零为您服务"], Outcome.PASS),
        ("zh", ["您好,请问有什么可以帮您?"], Outcome.FAIL),
        ("zh", ["喂,什么事?", "工号一零二四"], Outcome.FAIL),
        ("zh", ["您好,您的套餐是一百三十八元"], Outcome.FAIL),
    ],
)
def test_greeting_item_on_asr_text(language: str, texts: list[str], expected: Outcome) -> None:
    assert _greeting(language, *texts) is expected
