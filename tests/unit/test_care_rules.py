"""Care-rules YAML: the bundled rules load; mistakes are reported at their line."""

from __future__ import annotations

from datetime import time

import pytest

from tiexin.care.model import Channel
from tiexin.care.params import BirthdayParams, PointsParams
from tiexin.care.rules import CareRulesError, RuleType, default_care_rules, parse_care_rules


def test_the_bundled_rules_load_with_every_rule_type() -> None:
    rules = default_care_rules()
    assert {r.type for r in rules.rules} == set(RuleType)
    assert rules.quiet_hours.start == time(21) and rules.quiet_hours.end == time(8)
    points = rules.get("points_expiry")
    assert points is not None and isinstance(points.params, PointsParams)
    assert [r.points for r in points.params.redemptions] == sorted(
        r.points for r in points.params.redemptions
    )


MINIMAL = """\
version: 1
rules:
  - id: bday
    type: birthday
    cooldown_days: 300
    priority: 3
    channel: sms
    script: "{customer_name} {birthday}"
"""


def test_defaults_fill_what_a_rule_leaves_out() -> None:
    rules = parse_care_rules(MINIMAL)
    rule = rules.rules[0]
    assert rule.tiers == ("diamond", "gold", "silver")
    assert rule.due_days == 3 and rule.channel == Channel.SMS and rule.name == "bday"
    assert rule.params == BirthdayParams()
    assert rules.quiet_hours.start == time(21)


def error(text: str) -> CareRulesError:
    with pytest.raises(CareRulesError) as caught:
        parse_care_rules(text, file="care.yaml")
    return caught.value


def test_unknown_placeholder_names_the_line_and_the_near_miss() -> None:
    err = error(MINIMAL.replace("{birthday}", "{birthdy}"))
    assert err.line == 8
    assert "unknown placeholder {birthdy}" in str(err) and "did you mean 'birthday'" in str(err)
    assert str(err).startswith("care.yaml:8: ")


def test_unknown_placeholder_in_a_literal_block_names_its_own_line() -> None:
    text = MINIMAL.replace(
        'script: "{customer_name} {birthday}"', "script: |\n      hello\n      {saving}\n"
    )
    err = error(text)
    assert err.line == 10 and "{saving}" in str(err)
    # a folded block joins its lines: the problem is reported at the block's first line
    assert error(text.replace("script: |", "script: >")).line == 9


def test_a_placeholder_with_a_format_spec_is_refused() -> None:
    assert "plain name" in str(error(MINIMAL.replace("{birthday}", "{birthday:%m}")))


def test_unknown_key_names_its_line_and_the_near_miss() -> None:
    err = error(MINIMAL.replace("    priority: 3", "    priorty: 3"))
    assert err.line == 6 and "did you mean 'priority'" in str(err)


def test_unknown_type_channel_and_tier_suggest_the_near_miss() -> None:
    assert "did you mean 'birthday'" in str(
        error(MINIMAL.replace("type: birthday", "type: birthdays"))
    )
    assert error(MINIMAL.replace("channel: sms", "channel: vist")).line == 7
    assert "did you mean 'visit'" in str(error(MINIMAL.replace("channel: sms", "channel: vist")))
    err = error(MINIMAL.replace("    priority: 3", "    priority: 3\n    tiers: [gold, silvr]"))
    assert err.line == 7 and "did you mean 'silver'" in str(err)


def test_cooldown_must_be_at_least_a_day_so_replanning_is_idempotent() -> None:
    err = error(MINIMAL.replace("cooldown_days: 300", "cooldown_days: 0"))
    assert err.line == 5 and "at least 1" in str(err)


def test_params_are_checked_per_rule_type() -> None:
    text = MINIMAL + "    params: {within_days: 7, min_saving_yuan: 10}\n"
    assert "unknown key 'min_saving_yuan' in params of rule 'bday'" in str(error(text))
    text = MINIMAL + "    params:\n      waiver_yuan: {gold: 30, platinum: 80}\n"
    err = error(text)
    assert err.line == 10 and "unknown tier 'platinum'" in str(err)
    assert "whole number" in str(error(MINIMAL + "    params: {within_days: 7.5}\n"))


POINTS = """\
version: 1
rules:
  - id: pts
    type: points_expiry
    cooldown_days: 30
    priority: 4
    channel: call
    script: "{redeem_item}"
    params:
      min_points: 500
      redemptions:
        - {points: 1000, item: 话费}
"""


def test_points_rule_needs_min_points_that_buy_the_cheapest_reward() -> None:
    err = error(POINTS)
    assert err.line == 10 and "below the cheapest reward" in str(err)
    rule = parse_care_rules(POINTS.replace("min_points: 500", "min_points: 1000")).rules[0]
    assert isinstance(rule.params, PointsParams) and rule.params.redemptions[0].item_en == "话费"


CAMPAIGN = """\
version: 1
rules:
  - id: offer
    type: recharge_offer
    cooldown_days: 30
    priority: 5
    channel: sms
    script: "{offer}"
    params:
      campaigns:
        - id: spring
          start: 2025-03-01
          end: 2025-02-01
          offer: 充100送10
"""


def test_campaign_dates_are_checked() -> None:
    err = error(CAMPAIGN)
    assert err.line == 13 and "ends before it starts" in str(err)
    err = error(CAMPAIGN.replace("end: 2025-02-01", "end: 2025-02-30"))
    assert err.line == 13 and "must be a date" in str(err)


def test_duplicate_rule_ids_are_refused() -> None:
    second = MINIMAL.split("rules:\n")[1]
    err = error(MINIMAL + second)
    assert "used twice" in str(err) and err.line == 9


def test_unquoted_quiet_hours_are_explained() -> None:
    text = MINIMAL + "quiet_hours: {start: 21:00, end: '08:00'}\n"
    err = error(text)
    assert err.line == 9 and "quote the time" in str(err)


def test_invalid_yaml_names_its_line() -> None:
    assert error("version: 1\nrules: [\n  - id: x\n").line >= 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("rules: []\n", "care.yaml:1: the care rules file needs 'version'"),
        ("version: 1\n", "care.yaml:1: the care rules file needs 'rules'"),
        ("- 1\n", "care.yaml:1: the care rules file must be a mapping"),
        (
            "version: 1\nrules: []\nrulez: 1\n",
            "care.yaml:3: unknown key 'rulez' in the care rules file; did you mean 'rules'?",
        ),
    ],
)
def test_problems_of_the_whole_file_read_as_english(text: str, message: str) -> None:
    assert str(error(text)) == message
