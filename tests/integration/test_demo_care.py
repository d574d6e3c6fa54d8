"""The demo's care data: an invented customer base imported and planned for the day, with the
busiest phone and account managers as demo sign-ins."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from tiexin.adapters.storage import make_engine, migrate
from tiexin.adapters.storage.engine import make_session_factory
from tiexin.adapters.storage.unit_of_work import SqlUnitOfWork
from tiexin.services.care_export import export_care_tasks
from tiexin.services.demo_accounts import create_demo_accounts
from tiexin.services.demo_care import prepare_demo_care


def test_demo_care_plans_tasks_and_links_the_demo_managers(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'tiexin.db'}")
    migrate(engine)
    factory = make_session_factory(engine)

    def uow_factory() -> SqlUnitOfWork:
        return SqlUnitOfWork(factory)

    care = prepare_demo_care(uow_factory, tmp_path / "care", date(2026, 11, 25))
    assert care.report.stored > 20 and care.report.sms_queued > 0
    assert care.phone_manager_id and care.account_manager_id
    out = tmp_path / "tasks.jsonl"
    export_care_tasks(uow_factory, out)
    assignees = out.read_text(encoding="utf-8")
    assert f'"assignee": "{care.phone_manager_id}"' in assignees
    create_demo_accounts(
        uow_factory,
        tmp_path / "accounts.tsv",
        phone_manager_id=care.phone_manager_id,
        account_manager_id=care.account_manager_id,
    )
    with uow_factory() as uow:
        phone, manager = uow.users.by_username("phone"), uow.users.by_username("manager")
    assert phone is not None and phone.agent_id == care.phone_manager_id
    assert manager is not None and manager.agent_id == care.account_manager_id
    again = prepare_demo_care(uow_factory, tmp_path / "care", date(2026, 11, 25))
    assert again.report.stored == 0  # the same day again changes nothing
    engine.dispose()
