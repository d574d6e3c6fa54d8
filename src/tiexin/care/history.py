"""Stored tasks as columns, reduced to what blocks a new task: its customer, rule, whether it is
still open and the day it was created.

Held as columns because a province's history holds millions of tasks and every daily run asks,
for every rule, which customers are blocked: one vectorised pass per rule instead of a lookup
per customer, so that a run plans (and explains) only the customers a rule may still reach.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

from tiexin.care.model import ExistingTask, locate
from tiexin.care.rules import CareRule


@dataclass(frozen=True, slots=True, eq=False)
class TaskHistory:
    """Parallel columns, one entry per stored task."""

    customer_id: npt.NDArray[np.str_]
    rule_id: npt.NDArray[np.str_]
    open: npt.NDArray[np.bool_]
    created: npt.NDArray[np.datetime64]  # datetime64[D]

    def __len__(self) -> int:
        return len(self.customer_id)

    @classmethod
    def of(cls, tasks: Iterable[ExistingTask]) -> TaskHistory:
        listed = list(tasks)
        return cls(
            customer_id=np.array([t.customer_id for t in listed], dtype=np.str_),
            rule_id=np.array([t.rule_id for t in listed], dtype=np.str_),
            open=np.array([t.open for t in listed], dtype=np.bool_),
            created=np.array([t.created for t in listed], dtype="datetime64[D]"),
        )

    @classmethod
    def empty(cls) -> TaskHistory:
        return cls.of(())

    def blocked(
        self, customer_ids: npt.NDArray[np.str_], rule: CareRule, as_of: date
    ) -> npt.NDArray[np.bool_]:
        """For each of the (sorted) `customer_ids`, whether `rule` may not give it a task on
        `as_of`: a task of the rule is still open, or one was created less than the rule's
        cooldown before (a task created after `as_of`, by a later run, blocks as well)."""
        days = (np.datetime64(as_of, "D") - self.created).astype(np.int64)
        blocking = (self.rule_id == rule.id) & (self.open | (days < rule.cooldown_days))
        position, found = locate(customer_ids, self.customer_id[blocking])
        result = np.zeros(len(customer_ids), dtype=np.bool_)
        result[position[found]] = True
        return result

    def of_customers(self, customer_ids: npt.NDArray[np.str_]) -> TaskHistory:
        """The entries of the (sorted) `customer_ids`: a chunk of customers' own history."""
        _, keep = locate(customer_ids, self.customer_id)
        return TaskHistory(
            self.customer_id[keep], self.rule_id[keep], self.open[keep], self.created[keep]
        )
