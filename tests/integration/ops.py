"""The services as the integration tests call them: by engine and user name.

Each function opens a unit of work on the test's engine, looks the user up as the entry
points do, and calls the real service — so a test reads `act(engine, no, E.ANSWERED, "wang",
…)` while exercising exactly the code path of the command line and the web app.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine

from domain.access import SYSTEM, Actor
from services import calendar_service, directory, reports, years
from services import cases as case_services
from services.cases import CaseRef, NewCase  # noqa: F401 - re-exported for the tests
from store.uow import SqlUnitOfWork

TODAY = dt.date(2026, 11, 20)


def uow(engine: Engine) -> SqlUnitOfWork:
    return SqlUnitOfWork(engine)


def who(engine: Engine, username: str) -> Actor:
    if username == "system":
        return SYSTEM
    work = uow(engine)
    with work.read():
        return work.directory.actor(username)


def register_case(engine: Engine, form: NewCase, username: str, *, today: dt.date = TODAY) -> CaseRef:
    return case_services.register_case(uow(engine), form, actor=who(engine, username), today=today)


def act(
    engine: Engine, case_no: str, action: Any, username: str, *, today: dt.date = TODAY, **kw: Any
) -> CaseRef:
    return case_services.act(
        uow(engine), case_no, action, actor=who(engine, username), today=today, **kw
    )


def show_case(engine: Engine, case_no: str, username: str = "system") -> case_services.CaseDetail:
    return case_services.show_case(uow(engine), case_no, actor=who(engine, username), today=TODAY)


def list_cases(
    engine: Engine, flt: case_services.CaseFilter, username: str = "system", today: dt.date = TODAY
) -> list[dict[str, Any]]:
    return case_services.list_cases(uow(engine), flt, actor=who(engine, username), today=today)


def inbox(engine: Engine, username: str) -> list[dict[str, Any]]:
    return case_services.inbox(uow(engine), actor=who(engine, username))


def close_year(
    engine: Engine, year: int, username: str, agency: str | None = None, today: dt.date = TODAY
) -> list[years.CloseResult]:
    return years.close_year(uow(engine), year, actor=who(engine, username), today=today, agency=agency)


def lock_year(
    engine: Engine, year: int, username: str, agency: str | None = None, today: dt.date = TODAY
) -> list[str]:
    return years.lock_year(uow(engine), year, actor=who(engine, username), today=today, agency=agency)


def annual_report(engine: Engine, year: int, agency: str, scope: str = "self") -> dict[str, Any]:
    report = reports.annual_report(uow(engine), year, agency, actor=SYSTEM, today=TODAY, scope=scope)
    return report.document()


def add_remedy(
    engine: Engine, case_no: str, kind: str, filed_on: dt.date, username: str, *, today: dt.date = TODAY, **kw: Any
) -> int:
    return reports.add_remedy(
        uow(engine), case_no, kind, filed_on, actor=who(engine, username), today=today, **kw
    )


def update_remedy(
    engine: Engine, remedy_id: int, result: str, result_on: dt.date | None, username: str, *, today: dt.date = TODAY
) -> None:
    reports.update_remedy(
        uow(engine), remedy_id, result, result_on, actor=who(engine, username), today=today
    )


def set_annual_text(engine: Engine, year: int, agency: str, username: str, **kw: Any) -> None:
    reports.set_annual_text(uow(engine), year, agency, actor=who(engine, username), today=TODAY, **kw)


def add_agency(engine: Engine, code: str, name: str, **kw: Any) -> Any:
    return directory.add_agency(uow(engine), code, name, actor=SYSTEM, today=TODAY, **kw)


def add_user(engine: Engine, username: str, name: str, role: str, agency: str, email: str = "") -> Any:
    return directory.add_user(
        uow(engine), username, name, role, agency, email, actor=SYSTEM, today=TODAY
    )


def import_notice(engine: Engine, notice: Any, username: str = "admin", **kw: Any) -> Any:
    return calendar_service.import_notice(
        uow(engine), notice, actor=who(engine, username), today=TODAY, **kw
    )


def set_override(engine: Engine, day: dt.date, kind: Any, name: str, username: str = "admin") -> Any:
    return calendar_service.set_override(
        uow(engine), day, kind, name, actor=who(engine, username), today=TODAY
    )


def calendar_status(engine: Engine, *, today: dt.date = TODAY) -> Any:
    return calendar_service.calendar_status(uow(engine), today=today)


def available_letters(engine: Engine, case_no: str, username: str = "system") -> Any:
    from services import letters

    return letters.available_letters(uow(engine), case_no, actor=who(engine, username))


def issue_letter(
    engine: Engine, case_no: str, kind: str, username: str, *, today: dt.date = TODAY
) -> Any:
    from services import letters

    return letters.issue_letter(uow(engine), case_no, kind, actor=who(engine, username), today=today)


def sweep(engine: Engine, today: dt.date) -> Any:
    from flows.sweep import run_sweep

    return run_sweep(uow(engine), today)


def my_inbox(engine: Engine, username: str, unread: bool = False) -> list[dict[str, Any]]:
    from services.inbox import inbox as inbox_service

    return inbox_service(uow(engine), actor=who(engine, username), unread=unread)


def set_notification_settings(engine: Engine, agency: str, username: str = "admin", **kw: Any) -> Any:
    from domain.agency_settings import NotificationSettings

    return directory.set_notification_settings(
        uow(engine), agency, NotificationSettings(**kw), actor=who(engine, username), today=TODAY
    )
