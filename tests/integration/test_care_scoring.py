"""Care in call scoring, through the command line on SQLite and PostgreSQL: a customer's open
care task is known to the scorecard when their call is imported or rescored, and the
proactive_offer item passes only when the agent raises it."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.support.care import CUSTOMER_HEADER, STAFF_HEADER, USAGE_HEADER, write_csv
from tiexin.bootstrap import open_storage
from tiexin.care.world import demo_catalog
from tiexin.care.world_csv import catalog_yaml
from tiexin.cli import app
from tiexin.config import Settings
from tiexin.domain.calls import CallMetadata
from tiexin.pipeline.factory import bundled_scorecard
from tiexin.rules.care_offers import CareOpportunity
from tiexin.services.care_opportunities import LOOKUP_BATCH, open_opportunities

CUSTOMER = "13900000001"
TASK = "20250310-plan_fit-C1"
GREETING = "您好，工号一零二四为您服务，请问有什么可以帮您？"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str) -> Path:
    """C1 (on 畅享88元套餐, using 400 minutes and 25 GB a month) gets a plan_fit task for
    畅享58元套餐 from the care run of 2025-03-10; nothing else is due for anyone."""
    monkeypatch.setenv("TIEXIN_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("TIEXIN_DATABASE_URL", database_url)
    (tmp_path / "catalog.yaml").write_text(catalog_yaml(demo_catalog()), encoding="utf-8")
    write_csv(
        tmp_path / "customers.csv",
        CUSTOMER_HEADER,
        f"C1,{CUSTOMER},张三,1980-09-15,gold,岚城,青石县,p88,50,0,,AM1,2010-05-01",
    )
    write_csv(
        tmp_path / "usage.csv",
        USAGE_HEADER,
        *(f"C1,{month},400,25,10,88" for month in ("2024-12", "2025-01", "2025-02")),
    )
    write_csv(
        tmp_path / "staff.csv",
        STAFF_HEADER,
        "AM1,李经理,account_manager,岚城,青石县,300",
        "PM1,王电话,phone_manager,岚城,岚城城区,40",
    )
    for kind in ("catalog", "customers", "usage", "staff"):
        suffix = "yaml" if kind == "catalog" else "csv"
        _ok("import", kind, str(tmp_path / f"{kind}.{suffix}"))
    assert "plan_fit: 1" in _ok("care", "run", "--as-of", "2025-03-10")
    return tmp_path


def _ok(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return str(result.output)


def _call(call_id: str, msisdn: str, offer: str, start: str = "2025-03-11T10:00:00+08:00") -> Any:
    return {
        "call_id": call_id,
        "start_time": start,
        "direction": "inbound",
        "line": "10088",
        "agent_id": "1024",
        "customer_msisdn": msisdn,
        "language": "zh",
        "turns": [
            {"role": "agent", "start": 0.0, "end": 3.0, "text": GREETING},
            {"role": "customer", "start": 3.5, "end": 6.0, "text": "我想查一下这个月的话费。"},
            {"role": "agent", "start": 6.5, "end": 10.0, "text": offer},
            {"role": "customer", "start": 10.5, "end": 11.5, "text": "好的，谢谢。"},
            {"role": "agent", "start": 12.0, "end": 14.0, "text": "感谢您的来电，再见！"},
        ],
    }


def _import(env: Path, *calls: Any) -> None:
    path = env / "calls.json"
    path.write_text(json.dumps(list(calls), ensure_ascii=False), encoding="utf-8")
    output = _ok("import", "transcripts", str(path))
    assert f"Analysis: {len(calls)} analysed, 0 failed" in output


def _offer_items(env: Path) -> dict[str, dict[str, Any]]:
    out = env / "export.jsonl"
    _ok("export", "calls", "--format", "jsonl", "--output", str(out))
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    return {
        r["call_id"]: next(i for i in r["evaluation"]["items"] if i["id"] == "proactive_offer")
        for r in records
    }


RECOMMENDS = "根据您的用量，建议您改用畅享58元套餐，每月能省三十元。"
OTHER_OFFER = "另外，您还可以办理一个流量包。"  # proactive, but not the customer's open task


def test_the_open_care_task_decides_the_proactive_offer_item(env: Path) -> None:
    _import(
        env,
        _call("R-1", CUSTOMER, RECOMMENDS),
        _call("R-2", CUSTOMER, OTHER_OFFER),
        _call("R-3", "13800000000", OTHER_OFFER),  # not a customer: scored as before
        _call("R-4", "13800000000", "好的，已经为您查询到了。"),
    )
    items = _offer_items(env)

    assert items["R-1"]["result"] == "pass"
    (evidence,) = items["R-1"]["evidence"]
    assert evidence["text"] == "畅享58元套餐" and evidence["turn"] == 2
    assert evidence["start_s"] == 6.5
    assert evidence["value"].startswith("plan_fit (switch to 畅享58元套餐, saving 30 yuan")

    assert items["R-2"]["result"] == "fail"
    assert (
        "raised none of the open care opportunities: plan_fit (switch to 畅享58元套餐"
        in (items["R-2"]["explanation"])
    )
    assert items["R-3"]["result"] == "pass"
    assert "no open care opportunity" in items["R-3"]["explanation"]
    assert items["R-4"]["result"] == "fail"


def test_rescoring_sees_the_tasks_open_when_each_call_started(env: Path) -> None:
    _import(env, _call("R-1", CUSTOMER, RECOMMENDS), _call("R-2", CUSTOMER, OTHER_OFFER))
    _ok("care", "outcome", TASK, "accepted", "--by", "tester")
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    _import(env, _call("R-5", CUSTOMER, OTHER_OFFER, start=later))  # after the task was taken
    assert _offer_items(env)["R-5"]["result"] == "pass"

    text = bundled_scorecard().read_text(encoding="utf-8")
    newer = env / "v2.yaml"
    newer.write_text(text.replace('version: "1.1"', 'version: "2.0"'), encoding="utf-8")
    assert "Scored 3 calls" in _ok("rescore", "--scorecard", str(newer))
    items = _offer_items(env)
    # the task was open when started, though it is accepted now
    assert items["R-1"]["result"] == "pass"
    assert items["R-2"]["result"] == "fail" and "plan_fit" in items["R-2"]["explanation"]
    assert items["R-5"]["result"] == "pass"
    assert "no open care opportunity" in items["R-5"]["explanation"]


def test_many_calls_are_looked_up_in_batches(env: Path) -> None:
    """More calls than one lookup batch: each customer call gets the task, only those."""
    start = datetime(2025, 3, 11, 2, 0, tzinfo=UTC)
    calls = [
        CallMetadata(
            f"B-{n}",
            f"b{n}.wav",
            start_time=start,
            customer_msisdn=CUSTOMER if n % 3 == 0 else f"1380000{n:04d}",
        )
        for n in range(LOOKUP_BATCH * 2 + 7)
    ]
    before_the_run = CallMetadata("early", "e.wav", start_time=datetime(2025, 3, 9, tzinfo=UTC))
    calls.append(dataclasses.replace(before_the_run, customer_msisdn=CUSTOMER))
    with open_storage(Settings())() as uow:
        found = open_opportunities(uow, calls)
    assert sorted(found) == sorted(m.call_id for m in calls[:-1] if m.customer_msisdn == CUSTOMER)
    assert {o for opportunities in found.values() for o in opportunities} == {
        CareOpportunity(
            TASK,
            "plan_fit",
            "plan_fit",
            (
                ("recommended_plan", "p58"),
                ("recommended_plan_name", "畅享58元套餐"),
                ("current_plan_name", "畅享88元套餐"),
                ("saving_yuan", "30"),
            ),
        )
    }
