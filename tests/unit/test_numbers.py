"""Numbers as agents say them and as ASR writes them: digits, Chinese numerals, English words."""

from __future__ import annotations

import pytest

from tiexin.rules.numbers import Unit, find_quantities, parse_number, parse_quantity


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("88", 88),
        ("0.19", 0.19),
        ("2,000", 2000),
        ("３５", 35),
        ("3千", 3000),
        ("八十八", 88),
        ("十", 10),
        ("十五", 15),
        ("两千", 2000),
        ("两百", 200),
        ("一百一十", 110),
        ("一千零二十", 1020),
        ("一百五", 150),
        ("两千五", 2500),
        ("三万五", 35000),
        ("幺三七", 137),
        ("一三五二", 1352),
        ("三点五", 3.5),
        ("零点一九", 0.19),
        ("thirty-eight", 38),
        ("eighty eight", 88),
        ("one hundred fifty eight", 158),
        ("one hundred and fifty eight", 158),
        ("one fifty eight", 158),
        ("one thirty eight", 138),
        ("two hundred twelve", 212),
        ("one thousand", 1000),
        ("two zero nine one", 2091),
        ("zero point one nine", 0.19),
    ],
)
def test_parse_number(text: str, value: float) -> None:
    assert parse_number(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["", "套餐", "八十八元", "point", "hundred apples"])
def test_parse_number_refuses_what_is_not_one_number(text: str) -> None:
    assert parse_number(text) is None


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("88元", 88, Unit.YUAN),
        ("八十八元", 88, Unit.YUAN),
        ("三块钱", 3, Unit.YUAN),
        ("三块五", 3.5, Unit.YUAN),
        ("三块五毛", 3.5, Unit.YUAN),
        ("一块二毛五", 1.25, Unit.YUAN),
        ("一毛九", 0.19, Unit.YUAN),
        ("两毛", 0.2, Unit.YUAN),
        ("0.19元", 0.19, Unit.YUAN),
        ("thirty-eight yuan", 38, Unit.YUAN),
        ("二十G", 20, Unit.GB),
        ("20G", 20, Unit.GB),
        ("20 GB", 20, Unit.GB),
        ("三十五个G", 35, Unit.GB),
        ("35个G", 35, Unit.GB),
        ("二十机", 20, Unit.GB),
        ("十个级", 10, Unit.GB),
        ("forty gigabytes", 40, Unit.GB),
        ("三百兆", 300, Unit.MB),
        ("500MB", 500, Unit.MB),
        ("两百分钟", 200, Unit.MINUTE),
        ("2000分钟", 2000, Unit.MINUTE),
        ("500 minutes", 500, Unit.MINUTE),
        ("一百条短信", 100, Unit.SMS),
        ("two hundred text messages", 200, Unit.SMS),
    ],
)
def test_parse_quantity(text: str, value: float, unit: Unit) -> None:
    quantity = parse_quantity(text)
    assert quantity is not None
    assert quantity.value == pytest.approx(value)
    assert (quantity.unit, quantity.approximate) == (unit, False)


@pytest.mark.parametrize(
    "text", ["五十多个G", "二三十个G", "九百分钟左右", "大概三十个G", "about fifty gigabytes"]
)
def test_hedged_quantities_are_approximate(text: str) -> None:
    (quantity,) = find_quantities(text)
    assert quantity.approximate


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("5G网络信号很好", []),  # a network generation, not 5 GB
        ("一条三百兆宽带", [(300, Unit.MB)]),  # 一条 is not an SMS
        ("两台手机", []),
        ("每个G三块钱", [(3, Unit.YUAN)]),
        ("三块五一个G", [(3.5, Unit.YUAN), (1, Unit.GB)]),
        ("三十元十个G的流量包", [(30, Unit.YUAN), (10, Unit.GB)]),
        ("短信一百条", [(100, Unit.SMS)]),
        ("超出后每分钟一毛九", [(0.19, Unit.YUAN)]),
        ("It costs 158 yuan a month, with 80 gigabytes and 1,000 minutes.",
         [(158, Unit.YUAN), (80, Unit.GB), (1000, Unit.MINUTE)]),
    ],
)  # fmt: skip
def test_find_quantities(text: str, found: list[tuple[float, Unit]]) -> None:
    assert [(q.value, q.unit) for q in find_quantities(text)] == found


def test_spans_point_at_the_text() -> None:
    text = "您的套餐含二十G流量"
    (quantity,) = find_quantities(text)
    assert text[quantity.start : quantity.end] == "二十G"
