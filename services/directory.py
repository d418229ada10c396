"""Agencies (a tree) and users: the administrators' side of the directory.

Administrators add, edit, deactivate and re-activate agencies and users; the rules are in
`domain.directory`. Nothing is deleted: a deactivated user or agency keeps its cases, reports
and history. There is no audit trail of directory changes (only of year locks).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path
from typing import Any

from domain.access import Actor, Role, require_role
from domain.directory import (
    Agency,
    User,
    check_agency_deactivation,
    check_agency_in_use,
    check_own_numbering,
    check_parent,
    check_user_activation,
    check_user_deactivation,
    check_user_edit,
    edited_agency,
    edited_user,
    new_agency,
    new_user,
)


def add_agency(
    uow: Any,
    code: str,
    name: str,
    *,
    actor: Actor,
    today: dt.date,
    parent: str | None = None,
    prefix: str | None = None,
    supplement_days: int | None = None,
    case_no_format: str | None = None,
    letters_dir: str | None = None,
) -> Agency:
    """Create an agency; `prefix` is the short name used in case numbers (default: the name).

    `letters_dir` is a folder of the agency's own letter templates; they are checked now, so a
    template naming an unknown field is refused today and not on the day a letter is due.
    """
    del today
    require_role(actor, {Role.ADMIN}, "管理机关")
    agency = new_agency(
        code,
        name,
        parent=parent,
        prefix=prefix,
        supplement_days=supplement_days,
        case_no_format=case_no_format,
    )
    if letters_dir:
        from formats.letters import check_folder

        letters_dir = str(Path(letters_dir).resolve())
        check_folder(letters_dir)
        agency = replace(agency, letters_dir=letters_dir)
    with uow.write():
        _check_placement(uow, agency, None)
        uow.directory.add_agency(agency, uow.now())
    return agency


def _check_placement(uow: Any, agency: Agency, before: Agency | None) -> None:
    """What an agency's place in the directory must satisfy, checked when it changes: a
    parent that exists, is active and does not lie under it; numbers no other agency gives."""
    if agency.parent is not None and (before is None or agency.parent != before.parent):
        check_parent(agency.code, agency.parent, uow.directory.parents())
        check_agency_in_use(uow.directory.agency(agency.parent), "parent", "设为上级机关")
    if before is None or agency.case_no_format != before.case_no_format:
        check_own_numbering(agency, uow.directory.agencies())


def list_agencies(uow: Any) -> list[Agency]:
    with uow.read():
        return uow.directory.agencies()


def add_user(
    uow: Any,
    username: str,
    display_name: str,
    role: str,
    agency: str,
    email: str = "",
    *,
    actor: Actor,
    today: dt.date,
) -> User:
    del today
    require_role(actor, {Role.ADMIN}, "管理用户")
    user = new_user(username, display_name, role, agency, email)
    with uow.write():
        check_agency_in_use(uow.directory.agency(user.agency), "agency", "添加用户")
        uow.directory.add_user(user, uow.now())
    return user


def update_agency(
    uow: Any,
    code: str,
    *,
    name: str | None = None,
    parent: str | None = None,
    prefix: str | None = None,
    supplement_days: int | None = None,
    case_no_format: str | None = None,
    actor: Actor,
    today: dt.date,
) -> Agency:
    """Edit an agency (None keeps a field; `parent=""` makes it a top-level agency).

    A new prefix or case number format applies to numbers issued from now on; the numbers of
    existing cases never change. A parent must exist and not lie under the agency.
    """
    del today
    require_role(actor, {Role.ADMIN}, "管理机关")
    with uow.write():
        current = uow.directory.agency(code, lock=True)
        agency = edited_agency(
            current,
            name=name,
            parent=parent,
            prefix=prefix,
            supplement_days=supplement_days,
            case_no_format=case_no_format,
        )
        _check_placement(uow, agency, current)
        uow.directory.update_agency(agency)
    return agency


def deactivate_agency(uow: Any, code: str, *, actor: Actor, today: dt.date) -> Agency:
    """Deactivate an agency without open cases or active users; it registers no new case and
    keeps its cases, reports and history."""
    del today
    require_role(actor, {Role.ADMIN}, "管理机关")
    with uow.write():
        agency = uow.directory.agency(code, lock=True)
        check_agency_deactivation(
            agency, uow.directory.open_case_count(code), uow.directory.active_user_count(code)
        )
        agency = replace(agency, active=False)
        uow.directory.update_agency(agency)
    return agency


def activate_agency(uow: Any, code: str, *, actor: Actor, today: dt.date) -> Agency:
    """Put a deactivated agency back in use (nothing happens to one in use)."""
    del today
    require_role(actor, {Role.ADMIN}, "管理机关")
    with uow.write():
        agency = replace(uow.directory.agency(code, lock=True), active=True)
        uow.directory.update_agency(agency)
    return agency


def update_user(
    uow: Any,
    username: str,
    *,
    display_name: str | None = None,
    role: str | None = None,
    agency: str | None = None,
    email: str | None = None,
    actor: Actor,
    today: dt.date,
) -> User:
    """Edit a user (None keeps a field); roles by code or Chinese label.

    Refused when the user is the assignee of open cases they could no longer handle (reassign
    them first) and when it would leave no active administrator.
    """
    del today
    require_role(actor, {Role.ADMIN}, "管理用户")
    with uow.write():
        # the administrators' rows first, then the user's: one lock order for every edit
        active_admins = uow.directory.active_admins(lock=True)
        current = uow.directory.user(username, inactive=True, lock=True)
        user = edited_user(current, display_name=display_name, role=role, agency=agency, email=email)
        if user.agency != current.agency and user.active:
            check_agency_in_use(uow.directory.agency(user.agency), "agency", "调入用户")
        check_user_edit(current, user, uow.directory.open_cases_assigned(username), active_admins)
        uow.directory.update_user(user)
    return user


def deactivate_user(uow: Any, username: str, *, actor: Actor, today: dt.date) -> User:
    """Deactivate a user: no sign-in, no API token (their tokens are revoked), no reminders,
    refused as an actor; their name stays in the history of the cases they handled."""
    del today
    require_role(actor, {Role.ADMIN}, "管理用户")
    with uow.write():
        active_admins = uow.directory.active_admins(lock=True)  # the same lock order as edits
        user = uow.directory.user(username, inactive=True, lock=True)
        check_user_deactivation(user, uow.directory.open_cases_assigned(username), active_admins)
        user = replace(user, active=False)
        uow.directory.update_user(user)
        uow.auth.revoke_tokens(uow.directory.user_id(username, inactive=True), uow.now())
    return user


def activate_user(uow: Any, username: str, *, actor: Actor, today: dt.date) -> User:
    """Put a deactivated user back in use (their agency must be in use); they sign in with a
    new one-time password or their old password, and need a new API token."""
    del today
    require_role(actor, {Role.ADMIN}, "管理用户")
    with uow.write():
        user = uow.directory.user(username, inactive=True, lock=True)
        check_user_activation(user, uow.directory.agency(user.agency))
        user = replace(user, active=True)
        uow.directory.update_user(user)
    return user


def get_agency(uow: Any, code: str) -> Agency:
    """One agency, in use or not (NotFoundError if unknown)."""
    with uow.read():
        return uow.directory.agency(code)


def get_user(uow: Any, username: str) -> User:
    """One user, active or deactivated (NotFoundError if unknown)."""
    with uow.read():
        return uow.directory.user(username, inactive=True)


def list_users(uow: Any, agency: str | None = None) -> list[User]:
    with uow.read():
        return uow.directory.users(agency)


def set_notification_settings(
    uow: Any, code: str, settings: Any, *, actor: Actor, today: dt.date
) -> Any:
    """An administrator sets an agency's webhook, report kind and auto-close opt-ins."""
    from domain.agency_settings import check_settings

    del today
    require_role(actor, {Role.ADMIN}, "设置机关的通知方式")
    checked = check_settings(settings)
    with uow.write():
        uow.reminders.set_agency_settings(uow.directory.agency_id(code), checked)
    return checked
