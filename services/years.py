"""Year end (结转), year locks and the refusal of changes to a locked year (RULES §3).

`close_year` is what the year-end flow calls just after midnight on 1 January: in one
transaction per agency it replaces the year's carried-out list with the live one, checks the
balance, and tells each supervisor which cases crossed the year. Running it twice, or again
after a crash half-way, leaves the same ledger. A lock (when the report is published) freezes
the year: every change that would alter its figures is refused until an audited unlock with a
reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from domain.access import SUPERVISING_ROLES, Actor, Role, require_role
from domain.errors import DomainError, LockedYearError
from domain.messages import Message
from domain.reminders import Kind, Notice, year_closed_watch
from domain.report import build_section3, check_table
from services.reminders import notice_payload

YEAR_RANGE = (2000, 2099)


@dataclass(frozen=True)
class CloseResult:
    agency: str
    year: int
    carried_out: int
    balanced: bool
    failed_checks: list[str]
    notified: list[str]
    skipped: str | None = None  # why the agency was not closed (its year is locked)


def check_year(year: int) -> None:
    low, high = YEAR_RANGE
    if not low <= year <= high:
        raise DomainError(f"年度（year）{year} 超出范围（{low}–{high}）", field="year", rule="年度范围")


def _agencies(uow: Any, actor: Actor, code: str | None) -> list[str]:
    if code:
        uow.directory.agency_id(code)
        if not actor.sees(code):
            raise DomainError(f"机关代码“{code}”不存在", field="agency", rule="须为已登记的机关")
        return [code]
    return [a.code for a in uow.directory.agencies() if actor.sees(a.code)]


def check_year_ended(year: int, today: dt.date) -> None:
    """A year is closed (and locked) only once it has ended: from 1 January of the next."""
    if year >= today.year:
        raise DomainError(
            f"{year} 年度尚未结束（今天是 {today.isoformat()}），{year + 1}年1月1日起才能结转或锁定",
            field="year",
            rule="年度结束后结转（RULES §3）",
        )


def close_year(
    uow: Any, year: int, *, actor: Actor, today: dt.date, agency: str | None = None
) -> list[CloseResult]:
    """Record each agency's cases carried out of `year` (idempotent).

    Every agency is processed, each in its own transaction; one whose year is locked is
    skipped and said so in its result — the others are still closed and their supervisors
    told. With one named agency that is locked, the refusal is an error.
    """
    check_year(year)
    check_year_ended(year, today)
    require_role(actor, SUPERVISING_ROLES | {Role.ADMIN}, "年度结转")
    with uow.read():
        codes = _agencies(uow, actor, agency)
    results = []
    for code in codes:
        with uow.write():
            agency_id = uow.directory.agency_id(code)
            uow.years.hold(agency_id, exclusive=True)
            if uow.years.is_locked(agency_id, year):
                if agency:
                    raise _locked_close(code, year)
                results.append(CloseResult(code, year, 0, True, [], [], skipped="已锁定"))
                continue
            results.append(_close_one(uow, code, year, actor.name))
    return results


def _locked_close(code: str, year: int) -> LockedYearError:
    return LockedYearError(
        f"{code} 的 {year} 年度已锁定，不能重新结转", field="year", rule="已锁定年度不可变更"
    )


def _close_one(uow: Any, code: str, year: int, actor: str) -> CloseResult:
    agency_id = uow.directory.agency_id(code)
    if uow.years.is_locked(agency_id, year):
        raise _locked_close(code, year)
    now = uow.now()
    carried = uow.years.carried_out(agency_id, year)
    uow.years.replace_ledger(agency_id, year, carried, now)
    table = build_section3(uow.reports.section3_counts([agency_id], year))
    failed = [c.detail for c in check_table(table) if not c.ok]
    uow.years.record_close(agency_id, year, len(carried), not failed, actor, now)
    uow.years.audit(agency_id, year, "close", actor, now)
    case_nos = [no for _, no, _ in carried]
    supervisors = uow.directory.supervisors(agency_id)
    agency_name = uow.directory.agency(code).name
    watch = year_closed_watch(code, year)
    for username in supervisors:
        person = uow.reminders.person(username)
        notice = Notice(
            Kind.YEAR_CLOSED,
            0,
            username,
            (person.display_name if person else "") or username,
            code,
            agency_name,
            watch.watched,
            facts={"year": year, "cases": [{"case_no": no} for no in case_nos], "balanced": not failed},
        )
        uow.publish(
            Message(
                kind=Kind.YEAR_CLOSED.value,
                recipient=username,
                key=f"{watch.key(0)}|{username}",
                payload=notice_payload(notice),
                replace=True,  # a re-close (late entries before the lock) refreshes the list
                batch=f"year-end:{year}",  # the next sweep hands it to the e-mail digests
            )
        )
    return CloseResult(code, year, len(carried), not failed, failed, supervisors)


def lock_year(
    uow: Any, year: int, *, actor: Actor, today: dt.date, agency: str | None = None
) -> list[str]:
    """Close and lock the year for each agency; returns the codes locked.

    The lock always closes again first, in the same transaction and holding the agency
    against concurrent changes, so the list it freezes is the list of the data at that
    moment — a late answer after the last close is in it, an answer racing the lock either
    lands before it (and is counted) or is refused after it.
    """
    check_year(year)
    check_year_ended(year, today)
    require_role(actor, SUPERVISING_ROLES | {Role.ADMIN}, "锁定年度")
    locked = []
    with uow.write():
        for code in _agencies(uow, actor, agency):
            agency_id = uow.directory.agency_id(code)
            uow.years.hold(agency_id, exclusive=True)
            if uow.years.is_locked(agency_id, year):
                continue
            _close_one(uow, code, year, actor.name)
            uow.years.lock(agency_id, year, actor.name, uow.now())
            uow.years.audit(agency_id, year, "lock", actor.name, uow.now())
            locked.append(code)
    return locked


def unlock_year(
    uow: Any, year: int, *, actor: Actor, today: dt.date, reason: str, agency: str | None = None
) -> list[str]:
    """Remove the lock; the reason is required and recorded with who and when."""
    del today
    check_year(year)
    if not reason.strip():
        raise DomainError(
            "解除锁定须填写理由（--reason）", field="reason", rule="解锁须说明理由并留痕"
        )
    require_role(actor, SUPERVISING_ROLES | {Role.ADMIN}, "解除年度锁定")
    unlocked = []
    with uow.write():
        for code in _agencies(uow, actor, agency):
            agency_id = uow.directory.agency_id(code)
            if uow.years.unlock(agency_id, year):
                uow.years.audit(agency_id, year, "unlock", actor.name, uow.now(), reason.strip())
                unlocked.append(code)
    if not unlocked:
        raise DomainError(f"{year} 年度未锁定，无需解锁", field="year", rule="解锁")
    return unlocked


def guard_year_change(uow: Any, agency_id: int, years: Iterable[int]) -> None:
    """Refuse a change that would alter the figures of a locked year of the agency.

    Holds the agency (shared) until the change commits, so a lock cannot slip in between this
    check and the change.
    """
    uow.years.hold(agency_id, exclusive=False)
    locked = uow.years.locked_years(agency_id, years)
    if locked:
        text = "、".join(str(y) for y in locked)
        raise LockedYearError(
            f"{text} 年度的年度报告已锁定，此操作会改变该年度的统计数字，已拒绝。"
            "如确需更正，请主管执行 ogi year unlock 并说明理由。",
            field="year",
            rule="已锁定年度不可变更",
        )
