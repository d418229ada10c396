"""Agencies (a tree) and users: the administrators' side of the directory."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path
from typing import Any

from domain.access import Actor, Role, require_role
from domain.directory import Agency, User, new_agency, new_user


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
        uow.directory.add_agency(agency, uow.now())
    return agency


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
        uow.directory.add_user(user, uow.now())
    return user


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
