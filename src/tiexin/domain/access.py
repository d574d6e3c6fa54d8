"""Who may do what: the one place that decides every access in the web app and the API.

Pages and endpoints ask `can(principal, Permission.X)`; call-level checks go through
`may_view_call`, so an agent only ever reaches their own calls.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class UserRole(enum.StrEnum):
    INSPECTOR = "inspector"
    AGENT = "agent"  # a phone manager answering the VIP line
    ACCOUNT_MANAGER = "account_manager"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class Permission(enum.StrEnum):
    VIEW_CALLS = "view_calls"  # with VIEW_ALL_CALLS every call, otherwise the user's own
    VIEW_ALL_CALLS = "view_all_calls"
    PLAY_AUDIO = "play_audio"
    SEE_PERSONAL_NUMBERS = "see_personal_numbers"
    REVIEW = "review"  # confirm/override items, release evaluations
    APPEAL = "appeal"  # acknowledge or appeal one's own released evaluations
    DECIDE_APPEALS = "decide_appeals"
    MANAGE_SAMPLING = "manage_sampling"
    CALIBRATE = "calibrate"
    VIEW_CALIBRATION = "view_calibration"  # read-only calibration results (not a rater)
    VIEW_PLAYLISTS = "view_playlists"
    MANAGE_PLAYLISTS = "manage_playlists"
    VIEW_DASHBOARDS = "view_dashboards"
    EXPORT = "export"
    VIEW_AUDIT = "view_audit"
    MANAGE_USERS = "manage_users"
    WORK_CARE_CALLS = "work_care_calls"  # a phone manager's care calls, assigned by staff id
    MANAGE_VIP_CUSTOMERS = "manage_vip_customers"  # with VIEW_ALL_CUSTOMERS every customer
    VIEW_ALL_CUSTOMERS = "view_all_customers"  # otherwise the account manager's own
    EDIT_CARE_RULES = "edit_care_rules"


_P = Permission
ROLE_PERMISSIONS: dict[UserRole, frozenset[Permission]] = {
    UserRole.INSPECTOR: frozenset(
        {
            _P.VIEW_CALLS,
            _P.VIEW_ALL_CALLS,
            _P.PLAY_AUDIO,
            _P.REVIEW,
            _P.MANAGE_SAMPLING,
            _P.CALIBRATE,
            _P.VIEW_PLAYLISTS,
            _P.MANAGE_PLAYLISTS,
            _P.VIEW_DASHBOARDS,
            _P.EXPORT,
        }
    ),
    UserRole.AGENT: frozenset(
        {_P.VIEW_CALLS, _P.PLAY_AUDIO, _P.APPEAL, _P.VIEW_PLAYLISTS, _P.WORK_CARE_CALLS}
    ),
    UserRole.ACCOUNT_MANAGER: frozenset(
        {_P.SEE_PERSONAL_NUMBERS, _P.VIEW_PLAYLISTS, _P.MANAGE_VIP_CUSTOMERS}
    ),
    UserRole.SUPERVISOR: frozenset(
        {
            _P.VIEW_CALLS,
            _P.VIEW_ALL_CALLS,
            _P.PLAY_AUDIO,
            _P.SEE_PERSONAL_NUMBERS,
            _P.DECIDE_APPEALS,
            _P.VIEW_CALIBRATION,
            _P.VIEW_PLAYLISTS,
            _P.MANAGE_PLAYLISTS,
            _P.VIEW_DASHBOARDS,
            _P.EXPORT,
            _P.MANAGE_VIP_CUSTOMERS,
            _P.VIEW_ALL_CUSTOMERS,
            _P.EDIT_CARE_RULES,
        }
    ),
    # Administrators run the system; they do not score or hear calls (separation of duties).
    UserRole.ADMIN: frozenset(
        {
            _P.VIEW_CALLS,
            _P.VIEW_ALL_CALLS,
            _P.VIEW_DASHBOARDS,
            _P.MANAGE_SAMPLING,
            _P.VIEW_AUDIT,
            _P.MANAGE_USERS,
            _P.EDIT_CARE_RULES,
        }
    ),
}


@dataclass(frozen=True)
class Principal:
    """The signed-in user as every access decision sees them."""

    username: str
    role: UserRole
    agent_id: str | None = None
    team: str | None = None


def can(principal: Principal, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[principal.role]


def call_scope(principal: Principal) -> str | None:
    """The only agent whose calls this user may see, or None for every call.

    A user allowed to see only their own calls but with no agent id sees none: the empty string
    matches no call.
    """
    if can(principal, Permission.VIEW_ALL_CALLS):
        return None
    return principal.agent_id or ""


def may_view_call(principal: Principal, call_agent_id: str | None) -> bool:
    if not can(principal, Permission.VIEW_CALLS):
        return False
    scope = call_scope(principal)
    return scope is None or (bool(scope) and scope == call_agent_id)


def mask_msisdn(msisdn: str | None, principal: Principal) -> str | None:
    """A phone number as this user may see it: `139****5678` without the right to see it."""
    if msisdn is None or can(principal, Permission.SEE_PERSONAL_NUMBERS):
        return msisdn
    digits = msisdn.strip()
    if len(digits) <= 4:
        return "*" * len(digits)
    keep_head = 3 if len(digits) >= 11 else 0
    return digits[:keep_head] + "*" * (len(digits) - keep_head - 4) + digits[-4:]


def customer_scope(principal: Principal) -> str | None:
    """The only account manager whose VIP customers this user may see (their staff id, the
    user's agent id), or None for every customer; "" (no staff id) matches none."""
    if can(principal, Permission.VIEW_ALL_CUSTOMERS):
        return None
    return principal.agent_id or ""


def may_manage_customer(principal: Principal, account_manager_id: str | None) -> bool:
    if not can(principal, Permission.MANAGE_VIP_CUSTOMERS):
        return False
    scope = customer_scope(principal)
    return scope is None or (bool(scope) and scope == account_manager_id)


def care_task_msisdn(msisdn: str, principal: Principal, assignee: str | None) -> str:
    """A customer's number on a care task: whole for roles that see personal numbers and for
    the phone manager the call is assigned to (they have to dial it), masked for anyone else."""
    own_call = (
        can(principal, Permission.WORK_CARE_CALLS)
        and bool(principal.agent_id)
        and principal.agent_id == assignee
    )
    return msisdn if own_call else mask_msisdn(msisdn, principal) or ""
