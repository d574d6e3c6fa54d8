from __future__ import annotations

import pytest

from tiexin.domain.calls import Role
from tiexin.features.pii import (
    MaskedSpan,
    PiiKind,
    mask_text,
    mask_turn_texts,
    spoken_digits_to_ascii,
)

ASK_ID = "好的，先核实一下身份，请报一下身份证后四位。"


@pytest.mark.parametrize(
    ("text", "context", "masked", "kinds"),
    [
        # phone numbers, in every way they reach a transcript
        ("我爸的号码是幺三七，二六四五，八幺九零。", (), "我爸的号码是***，****，****。",
         ["phone_number"]),
        ("打13726458190找我", (), "打***********找我", ["phone_number"]),
        ("137-2645-8190", (), "***-****-****", ["phone_number"]),
        ("138 0013 8000", (), "*** **** ****", ["phone_number"]),
        ("call one three nine, one two six four, eight zero five three",
         (), "call * * *, * * * *, * * * *", ["phone_number"]),
        ("Eight-two-six-four-five-one-zero", (), "*-*-*-*-*-*-*", ["digits"]),
        ("０２１１２３４５６７８", (), "***********", ["phone_number"]),
        # a long number is masked even when a unit-like character follows it
        ("电话13812345678天天都能打通", (), "电话***********天天都能打通", ["phone_number"]),
        ("工号13812345678", (), "工号***********", ["phone_number"]),
        # full ID numbers, with the X check character
        ("身份证号11010519491231002X", (), "身份证号******************", ["id_card_full"]),
        ("110105194912310021", (), "******************", ["id_card_full"]),
        ("一一零一零五一九四九一二三一零零二叉", (), "******************", ["id_card_full"]),
        # bank cards
        ("卡号6222 0212 3456 7890", (), "卡号**** **** **** ****", ["bank_card"]),
        ("6222021234567890123", (), "*******************", ["bank_card"]),
        ("银行卡号是622202123456789012", (), "银行卡号是******************", ["bank_card"]),
        # partial numbers need a context cue in the turn or the previous one
        ("五五八一。对了，流量会不会变少？", (ASK_ID,), "****。对了，流量会不会变少？",
         ["id_card_partial"]),
        ("三五零六一二。", ("麻烦报一下身份证后六位。",), "******。", ["id_card_partial"]),
        ("七七三零", ("请报一下身份正后四位",), "****", ["id_card_partial"]),  # ASR homophone
        ("身份证后四位是5581", (), "身份证后四位是****", ["id_card_partial"]),
        ("Eight two six four.", ("Please confirm the last four digits of your ID card.",),
         "* * * *.", ["id_card_partial"]),
        ("尾号八零七二", (), "尾号****", ["phone_number"]),
        ("一二三四五", ("您银行卡的后五位是？",), "*****", ["bank_card"]),
        ("Two six zero nine.", ("What are the last four?",), "* * * *.", ["digits"]),
        ("六位数是三五零六一二", (), "六位数是******", ["digits"]),  # 6+ digits always go
    ],
)  # fmt: skip
def test_masks(text: str, context: tuple[str, ...], masked: str, kinds: list[str]) -> None:
    result = mask_text(text, context=context)
    assert result.text == masked
    assert [span.kind.value for span in result.spans] == kinds


@pytest.mark.parametrize(
    ("text", "context"),
    [
        ("您好，工号一零二四为您服务。", ()),
        ("工号是1024", (ASK_ID,)),
        ("功耗四四零九为您服务", (ASK_ID,)),  # ASR homophone of 工号
        ("This is agent two zero nine one.", ("Please confirm your ID card number.",)),
        ("this is agent number 5 5 2 0", ("your phone number",)),
        # prices and quantities stay readable even next to a context cue
        ("推荐您办商务通话一百六十八元套餐，两千分钟通话，二十G流量。", (ASK_ID,)),
        ("套餐2000分钟，每月168元", (ASK_ID,)),
        ("一共100000元", ()),
        ("本月消费¥123456", ()),
        ("It costs one hundred fifty eight yuan", ("card number",)),
        ("1234 yuan for your phone", ()),
        ("流量1024G", (ASK_ID,)),
        ("八千八百八十八", (ASK_ID,)),
        ("余额是1234.56", (ASK_ID,)),
        ("三点一四一五九二六", ()),
        # 4-5 digits without a cue: a verification code, a year
        (
            "二八四六。",
            ("我是中国移动电话经理小刘，工号七七三一。先给您发了个验证码，麻烦念一下。",),
        ),
        ("Nine four zero one.", ("Please read me the code I just sent you by text.",)),
        ("2024年", ()),
        # short runs never
        ("身份证后三位是123", ()),
        ("你好，一起装吧，要一个。", (ASK_ID,)),
    ],
)
def test_leaves_alone(text: str, context: tuple[str, ...]) -> None:
    result = mask_text(text, context=context)
    assert (result.text, result.spans) == (text, ())


def test_span_points_into_original_text() -> None:
    text = "号码是 one three nine one two six four eight zero five three 谢谢"
    (span,) = mask_text(text).spans
    assert span == MaskedSpan(text.index("one"), text.index(" 谢谢"), PiiKind.PHONE_NUMBER, 11)


def test_no_digit_survives_masking() -> None:
    result = mask_text("卡号 6222-0212-3456-7890 和手机幺三九一二六四八零五三")
    assert spoken_digits_to_ascii(result.text).count("*") == 27
    assert not any(ch.isdigit() for ch in spoken_digits_to_ascii(result.text))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("幺三七，二六四五", "137，2645"),
        ("Eight two oh", "8 2 0"),
        ("０９", "09"),
        ("好的", "好的"),
    ],
)
def test_spoken_digits_to_ascii(text: str, expected: str) -> None:
    assert spoken_digits_to_ascii(text) == expected


def test_turns_use_previous_turn_as_context() -> None:
    texts = [ASK_ID, "五五八一。", "八八一二。"]
    results = mask_turn_texts(texts)
    assert [r.text for r in results] == [ASK_ID, "****。", "八八一二。"]


def test_roles_reach_back_to_the_other_partys_question() -> None:
    # the customer speaks twice after the question; the second answer still has its context
    texts = [ASK_ID, "等一下我找找。", "七七三零。"]
    roles = [Role.AGENT, Role.CUSTOMER, Role.CUSTOMER]
    assert mask_turn_texts(texts)[2].text == "七七三零。"
    assert mask_turn_texts(texts, roles)[2].text == "****。"


def test_roles_must_align() -> None:
    with pytest.raises(ValueError, match="aligned"):
        mask_turn_texts(["a", "b"], [Role.AGENT])
