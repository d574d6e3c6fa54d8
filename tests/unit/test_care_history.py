"""Which customers stored tasks block, rule by rule: a table of hand-made cases."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import pytest

from tiexin.care.history import TaskHistory
from tiexin.care.model import ExistingTask
from tiexin.care.rules import default_care_rules

AS_OF = date(2025, 3, 10)
CUSTOMERS = np.array(["A", "B", "C"], dtype=np.str_)
RULE = replace(default_care_rules().rules[0], id="r", cooldown_days=30)
OPEN, CLOSED = True, False


@pytest.mark.parametrize(
    ("task", "blocked"),
    [
        (ExistingTask("B", "r", OPEN, date(2020, 1, 1)), [False, True, False]),  # open: any age
        (ExistingTask("B", "r", CLOSED, date(2025, 2, 9)), [False, True, False]),  # 29 days ago
        (ExistingTask("B", "r", CLOSED, date(2025, 2, 8)), [False, False, False]),  # 30 days ago
        (ExistingTask("B", "r", CLOSED, AS_OF), [False, True, False]),  # today, by an earlier run
        (ExistingTask("C", "r", CLOSED, date(2025, 4, 1)), [False, False, True]),  # a later run
        (ExistingTask("B", "other", OPEN, AS_OF), [False, False, False]),  # another rule
        (ExistingTask("Z", "r", OPEN, AS_OF), [False, False, False]),  # no longer a customer
        (ExistingTask("0", "r", OPEN, AS_OF), [False, False, False]),  # sorts before them all
    ],
)
def test_a_task_blocks_its_customer_for_its_rule(task: ExistingTask, blocked: list[bool]) -> None:
    history = TaskHistory.of([task])
    assert history.blocked(CUSTOMERS, RULE, AS_OF).tolist() == blocked


def test_the_latest_of_several_tasks_counts() -> None:
    history = TaskHistory.of(
        [
            ExistingTask("A", "r", CLOSED, date(2024, 1, 1)),
            ExistingTask("A", "r", CLOSED, date(2025, 3, 1)),
            ExistingTask("C", "r", CLOSED, date(2024, 1, 1)),
        ]
    )
    assert history.blocked(CUSTOMERS, RULE, AS_OF).tolist() == [True, False, False]


def test_an_empty_history_or_customer_base_blocks_nothing() -> None:
    assert TaskHistory.empty().blocked(CUSTOMERS, RULE, AS_OF).tolist() == [False] * 3
    history = TaskHistory.of([ExistingTask("A", "r", OPEN, AS_OF)])
    assert history.blocked(np.array([], dtype=np.str_), RULE, AS_OF).tolist() == []
    assert len(history.of_customers(np.array([], dtype=np.str_))) == 0
