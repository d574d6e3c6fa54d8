"""The permission table and the call-level checks, role by role."""

from __future__ import annotations

import pytest

from tiexin.domain.access import (
    Permission,
    Principal,
    UserRole,
    call_scope,
    can,
    mask_msisdn,
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
