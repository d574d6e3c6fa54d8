"""Who may reach which care record: one customer in an account manager's scope, one call task
of a phone manager. Every care service loads its records through here."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row

from tiexin.adapters.storage.unit_of_work import SqlUnitOfWork
from tiexin.domain.access import Permission, Principal, can, may_manage_customer
from tiexin.domain.errors import TiexinError


class CareNotFound(TiexinError, LookupError):
    """No such customer, task, staff member or trip."""


class CareForbidden(TiexinError, PermissionError):
    """It exists, but is not this user's to see or change."""


def managed_customer(uow: SqlUnitOfWork, principal: Principal, customer_id: str) -> Row[Any]:
    customer = uow.care.customer(customer_id)
    if customer is None:
        raise CareNotFound(f"no customer {customer_id!r}")
    if not may_manage_customer(principal, customer.account_manager_id):
        raise CareForbidden(f"customer {customer_id} is not yours")
    return customer


def managed_task(uow: SqlUnitOfWork, principal: Principal, task_id: str) -> Row[Any]:
    """A task of a customer the user manages (account managers, supervisors)."""
    task = uow.care.task(task_id)
    if task is None:
        raise CareNotFound(f"no care task {task_id!r}")
    managed_customer(uow, principal, task.customer_id)
    return task


def own_call_task(uow: SqlUnitOfWork, principal: Principal, task_id: str) -> Row[Any]:
    """A call task assigned to this phone manager (by their staff id)."""
    task = uow.care.task(task_id)
    if task is None:
        raise CareNotFound(f"no care task {task_id!r}")
    mine = bool(principal.agent_id) and task.assignee == principal.agent_id
    if not (can(principal, Permission.WORK_CARE_CALLS) and mine and task.channel == "call"):
        raise CareForbidden(f"care task {task_id} is not one of your calls")
    return task
