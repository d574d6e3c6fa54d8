"""Second passes over the agent's first and last turns, and the items they serve on ASR text."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tiexin.adapters.asr.whisper import TURN_PROMPTS, WhisperTranscriber
from tiexin.domain.calls import Role, Turn, Word
from tiexin.features.extract import measure_call
from tiexin.pipeline.turns import REDECODE_PAD_S, EdgeTurn, edge_turn_clips, with_turn_redecoded
from tiexin.rules.evaluate import CallView
from tiexin.rules.scorecard import load_scorecard
from tiexin.rules.scoring import Outcome, score_call

SCORECARD = Path(__file__).resolve().parents[2] / "src/tiexin/resources/scorecards/10088-vip.yaml"


def turn(role: Role, start: float, end: float, text: str = "x") -> Turn:
    return Turn(role, start, end, text, words=(Word(start, end, text),), confidence=0.5)


PAD = REDECODE_PAD_S


@pytest.mark.parametrize(
    ("roles_and_starts", "expected"),
    [
        ([], []),
        ([(Role.CUSTOMER, 0.5)], []),
        # one agent turn is decoded once, as the opening
        ([(Role.AGENT, 0.5)], [("opening", 0, 0.5 - PAD, 2.5 + PAD)]),
        ([(Role.CUSTOMER, 0.1), (Role.AGENT, 3.0)], [("opening", 1, 3.0 - PAD, 5.0 + PAD)]),
        (
            [(Role.AGENT, 0.05), (Role.AGENT, 4.0)],  # not before 0
            [("opening", 0, 0.0, 2.05 + PAD), ("closing", 1, 4.0 - PAD, 6.0 + PAD)],
        ),
        (
            [(Role.UNKNOWN, 0.5), (Role.AGENT, 3.0), (Role.AGENT, 6.0), (Role.CUSTOMER, 9.0)],
            [("opening", 1, 3.0 - PAD, 5.0 + PAD), ("closing", 2, 6.0 - PAD, 8.0 + PAD)],
        ),
    ],
)
def test_edge_turn_clips_are_the_agents_first_and_last_turns_with_padding(
    roles_and_starts: list[tuple[Role, float]], expected: list[tuple[str, int, float, float]]
) -> None:
    turns = [turn(role, start, start + 2.0) for role, start in roles_and_starts]
    assert edge_turn_clips(turns) == expected


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


@pytest.mark.parametrize("edge", ["opening", "closing"])
def test_no_second_pass_without_a_prompt_for_the_language(edge: EdgeTurn) -> None:
    # Mandarin openings and closings are heard with the domain prompt; nothing is decoded (no
    # model loaded)
    assert "zh" not in TURN_PROMPTS[edge]
    transcriber = WhisperTranscriber(Path("no-model"), threads=1, beam_size=1, vocabulary=("工号",))
    silence = np.zeros(16_000, dtype=np.float32)
    assert transcriber.transcribe_turn(silence, language="zh", edge=edge) == []


def test_the_opening_prompt_reads_the_job_number_as_spoken() -> None:
    # digits as words: with "1024" in the prompt Whisper copied that number into a greeting
    assert not any(ch.isdigit() for ch in TURN_PROMPTS["opening"]["en"])
    assert "agent" in TURN_PROMPTS["opening"]["en"]


def _item(item_id: str, language: str, *agent_texts: str) -> Outcome:
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
    return next(i for i in evaluation.items if i.id == item_id).result


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
    assert _item("greeting_job_number", language, *texts) is expected


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        # what Whisper wrote for real closings: after the closing pass, then before it
        (["Done. Anything else I can help with?", "Thank you. Goodbye."], Outcome.PASS),
        (["Anything else I can help with?", "Thank you for calling, goodbye."], Outcome.PASS),
        (["Done. Anything else I can help with?", "And you goodbye."], Outcome.FAIL),
        (["Anything else I can help with?", "Thank you for calling. Don't mind."], Outcome.FAIL),
        # synthesised closings without thanks and goodbye, as the closing pass heard them
        (["Anything else I can help with?", "Whatever, call back tomorrow."], Outcome.FAIL),
        (["Anything else I can help with?", "Have a good day."], Outcome.FAIL),
    ],
)
def test_english_closing_item_on_asr_text(texts: list[str], expected: Outcome) -> None:
    assert _item("polite_closing", "en", *texts) is expected
