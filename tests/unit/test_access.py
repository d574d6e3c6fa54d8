"""The permission table and the call-level checks, role by role."""

from __future__ import annotations

import pytest

from tiexin.domain.access import (
    Permission,
    Principal,
    UserRole,
    call_scope,
    can,
    care_task_msisdn,
    customer_scope,
    mask_msisdn,
    may_manage_customer,
    may_view_call,
)

P = Permission
INSPECTOR = Principal("li", UserRole.INSPECTOR)
AGENT = Principal("wang", UserRole.AGENT, agent_id="3107")
AGENT_WITHOUT_ID = Principal("zhao", UserRole.AGENT)
MANAGER = Principal("chen", UserRole.ACCOUNT_MANAGER)
SUPERVISOR = Principal("sun", UserRole.SUPERVISOR)
ADMIN = Principal("root", UserRole.ADMIN)


@pytest.mark.parametrize(
    ("principal", "permission", "allowed"),
    [
        (INSPECTOR, P.REVIEW, True),
        (INSPECTOR, P.DECIDE_APPEALS, False),
        (INSPECTOR, P.SEE_PERSONAL_NUMBERS, False),
        (INSPECTOR, P.VIEW_AUDIT, False),
        (AGENT, P.APPEAL, True),
        (AGENT, P.REVIEW, False),
        (AGENT, P.VIEW_ALL_CALLS, False),
        (AGENT, P.EXPORT, False),
        (AGENT, P.VIEW_DASHBOARDS, False),
        (MANAGER, P.VIEW_CALLS, False),
        (MANAGER, P.SEE_PERSONAL_NUMBERS, True),
        (SUPERVISOR, P.DECIDE_APPEALS, True),
        (SUPERVISOR, P.REVIEW, False),
        (SUPERVISOR, P.APPEAL, False),
        (ADMIN, P.MANAGE_USERS, True),
        (ADMIN, P.VIEW_AUDIT, True),
        (ADMIN, P.PLAY_AUDIO, False),
        (ADMIN, P.REVIEW, False),
        (AGENT, P.WORK_CARE_CALLS, True),
        (AGENT, P.MANAGE_VIP_CUSTOMERS, False),
        (MANAGER, P.MANAGE_VIP_CUSTOMERS, True),
        (MANAGER, P.VIEW_ALL_CUSTOMERS, False),
        (MANAGER, P.EDIT_CARE_RULES, False),
        (SUPERVISOR, P.VIEW_ALL_CUSTOMERS, True),
        (SUPERVISOR, P.EDIT_CARE_RULES, True),
        (ADMIN, P.EDIT_CARE_RULES, True),
        (ADMIN, P.MANAGE_VIP_CUSTOMERS, False),
        (INSPECTOR, P.WORK_CARE_CALLS, False),
    ],
)
def test_role_permissions(principal: Principal, permission: Permission, allowed: bool) -> None:
    assert can(principal, permission) is allowed


def test_every_role_has_an_entry_and_only_admins_manage_users() -> None:
    for role in UserRole:
        user = Principal("x", role)
        assert can(user, P.MANAGE_USERS) is (role is UserRole.ADMIN)


@pytest.mark.parametrize(
    ("principal", "call_agent", "allowed"),
    [
        (INSPECTOR, "9999", True),
        (AGENT, "3107", True),
        (AGENT, "3215", False),
        (AGENT, None, False),
        (AGENT_WITHOUT_ID, None, False),
        (AGENT_WITHOUT_ID, "", False),
        (MANAGER, "3107", False),
        (SUPERVISOR, "3215", True),
        (ADMIN, "3215", True),
    ],
)
def test_may_view_call(principal: Principal, call_agent: str | None, allowed: bool) -> None:
    assert may_view_call(principal, call_agent) is allowed


def test_call_scope() -> None:
    assert call_scope(INSPECTOR) is None
    assert call_scope(AGENT) == "3107"
    assert call_scope(AGENT_WITHOUT_ID) == ""


@pytest.mark.parametrize(
    ("principal", "number", "shown"),
    [
        (INSPECTOR, "13900001234", "139****1234"),
        (AGENT, "13900001234", "139****1234"),
        (SUPERVISOR, "13900001234", "13900001234"),
        (MANAGER, "13900001234", "13900001234"),
        (INSPECTOR, "075512345", "*****2345"),
        (INSPECTOR, "123", "***"),
        (INSPECTOR, None, None),
    ],
)
def test_mask_msisdn(principal: Principal, number: str | None, shown: str | None) -> None:
    assert mask_msisdn(number, principal) == shown


STAFF_MANAGER = Principal("liu", UserRole.ACCOUNT_MANAGER, agent_id="AM7")


@pytest.mark.parametrize(
    ("principal", "account_manager_id", "allowed"),
    [
        (STAFF_MANAGER, "AM7", True),
        (STAFF_MANAGER, "AM8", False),
        (STAFF_MANAGER, None, False),
        (MANAGER, None, False),  # an account manager without a staff id has no customers
        (MANAGER, "", False),
        (SUPERVISOR, "AM8", True),
        (AGENT, "3107", False),
        (ADMIN, "AM7", False),
    ],
)
def test_may_manage_customer(
    principal: Principal, account_manager_id: str | None, allowed: bool
) -> None:
    assert may_manage_customer(principal, account_manager_id) is allowed


def test_customer_scope() -> None:
    assert customer_scope(SUPERVISOR) is None
    assert customer_scope(STAFF_MANAGER) == "AM7"
    assert customer_scope(MANAGER) == ""


@pytest.mark.parametrize(
    ("principal", "assignee", "shown"),
    [
        (AGENT, "3107", "13912345678"),  # the phone manager's own care call
        (AGENT, "3215", "139****5678"),
        (AGENT, None, "139****5678"),
        (AGENT_WITHOUT_ID, None, "139****5678"),
        (STAFF_MANAGER, "3215", "13912345678"),
        (INSPECTOR, "3107", "139****5678"),
    ],
)
def test_care_task_msisdn(principal: Principal, assignee: str | None, shown: str) -> None:
    assert care_task_msisdn("13912345678", principal, assignee) == shown
