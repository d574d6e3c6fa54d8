"""The synthetic world as CSV text (customers.csv, usage.csv, staff.csv) and catalogue YAML.

Pure: chunks of text are returned and the caller writes them, so a ten-million-row file never
has to be held as one string.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import yaml

from tiexin.care.model import (
    CUSTOMER_COLUMNS,
    TIERS,
    USAGE_COLUMNS,
    CustomerTable,
    Staff,
    UsageTable,
)
from tiexin.care.world import World
from tiexin.domain.catalog import Catalog

STAFF_COLUMNS = ("staff_id", "name", "role", "branch", "county", "capacity")
CHUNK_ROWS = 100_000


def _csv(rows: Sequence[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def _dates(values: np.ndarray[Any, Any]) -> list[str]:
    text = np.datetime_as_string(values)
    return ["" if t == "NaT" else str(t) for t in text]


def customers_csv(customers: CustomerTable) -> Iterator[str]:
    """customers.csv: the header, then chunks of rows; dates YYYY-MM-DD, no expiry empty."""
    yield _csv([CUSTOMER_COLUMNS])
    for start in range(0, len(customers), CHUNK_ROWS):
        part = slice(start, start + CHUNK_ROWS)
        columns = [
            customers.customer_id[part].tolist(),
            customers.msisdn[part].tolist(),
            customers.name[part].tolist(),
            _dates(customers.birthday[part]),
            [TIERS[t] for t in customers.tier[part]],
            customers.branch[part].tolist(),
            customers.county[part].tolist(),
            customers.plan_id[part].tolist(),
            [f"{b:.2f}" for b in customers.balance_yuan[part]],
            customers.points[part].tolist(),
            _dates(customers.points_expiry[part]),
            customers.account_manager_id[part].tolist(),
            _dates(customers.join_date[part]),
        ]
        yield _csv(list(zip(*columns, strict=True)))


def usage_csv(usage: UsageTable, customers: CustomerTable) -> Iterator[str]:
    """usage.csv: the header, then chunks of rows; month YYYY-MM."""
    yield _csv([USAGE_COLUMNS])
    for start in range(0, len(usage), CHUNK_ROWS):
        part = slice(start, start + CHUNK_ROWS)
        columns = [
            customers.customer_id[usage.row[part]].tolist(),
            np.datetime_as_string(usage.month[part]).tolist(),
            [f"{m:g}" for m in usage.voice_minutes[part]],
            [f"{d:g}" for d in usage.data_gb[part]],
            usage.sms[part].tolist(),
            [f"{b:.2f}" for b in usage.bill_yuan[part]],
        ]
        yield _csv(list(zip(*columns, strict=True)))


def staff_csv(staff: Sequence[Staff]) -> Iterator[str]:
    """staff.csv in one chunk: staff lists are small."""
    rows = [(s.staff_id, s.name, s.role.value, s.branch, s.county, s.capacity) for s in staff]
    yield _csv([STAFF_COLUMNS, *rows])


def catalog_yaml(catalog: Catalog) -> str:
    """The catalogue in the format `tiexin import catalog` reads."""
    plans = [
        {
            "id": p.id,
            "name": p.name,
            "name_en": p.name_en,
            "monthly_fee_yuan": p.monthly_fee_yuan,
            "minutes": p.minutes,
            "data_gb": p.data_gb,
            "sms": p.sms,
            "overage_per_minute_yuan": p.overage_per_minute_yuan,
            "overage_per_gb_yuan": p.overage_per_gb_yuan,
            **({"tiers": list(p.tiers)} if p.tiers else {}),
        }
        for p in catalog.plans
    ]
    document = {"version": catalog.version, "currency": catalog.currency, "plans": plans}
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False)


def world_files(world: World) -> dict[str, Iterator[str]]:
    """File name -> chunks of its text, for a caller to write into one directory."""
    return {
        "catalog.yaml": iter([catalog_yaml(world.catalog)]),
        "customers.csv": customers_csv(world.customers),
        "usage.csv": usage_csv(world.usage, world.customers),
        "staff.csv": staff_csv(world.staff),
    }
