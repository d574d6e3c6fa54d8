"""The care planner on Ray: customer chunks are planned in Ray tasks, on a local instance or a
cluster (`--address`); assignment and storage stay in the main process (`run_care`).

Every rule decides per customer, so a chunk of customers with its own usage rows, task history
and the shared grants and risk flags plans exactly the tasks the whole table would give for
them. The chunks' tasks are put back in `plan_tasks` order (rule by rule in file order,
customers in table order; chunks are consecutive rows), which the assignment of calls to phone
managers depends on: the stored tasks, with their ids, facts and assignees, equal a local run's.
Ray is imported only when this planner runs.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from tiexin.care.history import TaskHistory
from tiexin.care.model import CustomerTable, NewTask, UsageTable
from tiexin.care.planner import plan_tasks
from tiexin.care.rules import CareRules
from tiexin.domain.catalog import Catalog
from tiexin.domain.errors import TiexinError
from tiexin.services.care_data import CareInputs

MIN_CHUNK = 200  # customers: smaller chunks cost more in transfer than they save
CHUNKS_PER_CPU = 4  # a few chunks per CPU even out chunks that take longer


@dataclass(frozen=True, slots=True, eq=False)
class _Shared:
    """What every chunk needs, put into the Ray object store once."""

    catalog: Catalog
    rules: CareRules
    as_of: date
    grants: Mapping[str, Sequence[date]]
    risk_flags: Mapping[str, str]


def _plan_chunk(
    customers: CustomerTable, usage: UsageTable, history: TaskHistory, shared: _Shared
) -> list[NewTask]:
    return plan_tasks(
        customers,
        usage,
        shared.catalog,
        shared.rules,
        history,
        shared.as_of,
        grants=shared.grants,
        risk_flags=shared.risk_flags,
    )


def customer_rows(customers: CustomerTable, start: int, end: int) -> CustomerTable:
    fields = dataclasses.fields(CustomerTable)
    return CustomerTable(**{f.name: getattr(customers, f.name)[start:end] for f in fields})


def usage_rows(usage: UsageTable, start: int, end: int) -> UsageTable:
    """The usage of customer rows [start, end), indexed from `start`."""
    keep = (usage.row >= start) & (usage.row < end)
    columns = {f.name: getattr(usage, f.name)[keep] for f in dataclasses.fields(UsageTable)}
    return UsageTable(**{**columns, "row": columns["row"] - start})


def in_plan_order(chunks: Sequence[list[NewTask]], rules: CareRules) -> list[NewTask]:
    """The chunks' tasks in `plan_tasks` order: by rule in file order, then chunk by chunk
    (a stable sort keeps each chunk's table order)."""
    rank = {rule.id: index for index, rule in enumerate(rules.rules)}
    return sorted((task for chunk in chunks for task in chunk), key=lambda t: rank[t.rule_id])


class RayPlanner:
    """A `care_run.Planner` that plans customer chunks in Ray tasks."""

    def __init__(self, *, address: str | None = None, chunk: int | None = None) -> None:
        try:
            import ray
        except ImportError as exc:
            raise TiexinError("the Ray runner needs the `ray` extra: run make install") from exc
        self._ray: Any = ray
        self._address = address
        self._chunk = chunk

    def __call__(
        self,
        customers: CustomerTable,
        inputs: CareInputs,
        catalog: Catalog,
        rules: CareRules,
        as_of: date,
    ) -> list[NewTask]:
        ray = self._ray
        started_here = not ray.is_initialized()
        if started_here:
            options = {"address": self._address} if self._address else {"include_dashboard": False}
            ray.init(log_to_driver=False, **options)
        try:
            size = self._chunk or self._chunk_size(len(customers))
            shared = ray.put(_Shared(catalog, rules, as_of, inputs.grants, inputs.risk_flags))
            plan = ray.remote(num_cpus=1)(_plan_chunk)
            chunks = [customer_rows(customers, s, s + size) for s in range(0, len(customers), size)]
            pending = [
                plan.remote(
                    chunk,
                    usage_rows(inputs.usage, index * size, index * size + size),
                    inputs.history.of_customers(chunk.customer_id),
                    shared,
                )
                for index, chunk in enumerate(chunks)
            ]
            return in_plan_order(ray.get(pending), rules)
        finally:
            if started_here:
                ray.shutdown()

    def _chunk_size(self, customers: int) -> int:
        cpus = int(self._ray.cluster_resources().get("CPU", 1))
        return max(MIN_CHUNK, math.ceil(customers / (CHUNKS_PER_CPU * max(cpus, 1))))
