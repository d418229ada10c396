"""Year end (结转), year locks and the refusal of changes to a locked year (RULES §3).

`close_year` is what the scheduled flow calls just after midnight on 1 January: in one
transaction per agency it replaces the year's carried-out list with the live one, checks
the balance, and tells each supervisor which cases crossed the year. Running it twice, or
again after a crash half-way, leaves the same ledger. A lock (when the report is published)
freezes the year: every change that would alter its figures is refused until an audited
unlock with a reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from domain.errors import DomainError, LockedYearError
from domain.report import build_section3, check_table
from services.clock_time import now_utc
from services.directory import actor_for, agency_by_code
from store.db import write_session
from store.models import Agency, Outbox, User, YearAudit, YearClose, YearLedger, YearLock
from store.report_queries import carried_out_cases, section3_counts


@dataclass(frozen=True)
class CloseResult:
    agency: str
    year: int
    carried_out: int
    balanced: bool
    failed_checks: list[str]
    notified: list[str]


def _agencies(session: Session, code: str | None) -> list[Agency]:
    if code:
        return [agency_by_code(session, code)]
    return list(session.execute(select(Agency).order_by(Agency.id)).scalars())


def _check_year(year: int) -> None:
    if not 2000 <= year <= 2099:
        raise DomainError(f"年度（year）{year} 超出范围", field="year", rule="2000–2099")


def close_year(
    engine: Engine, year: int, username: str, agency: str | None = None
) -> list[CloseResult]:
    """Record each agency's cases carried out of `year` (idempotent; refused once locked)."""
    _check_year(year)
    results = []
    with write_session(engine) as session:
        actor = actor_for(session, username)
        agencies = _agencies(session, agency)
    for row in agencies:
        with write_session(engine) as session:
            results.append(_close_one(session, row.id, row.code, year, actor.name))
    return results


def _close_one(session: Session, agency_id: int, code: str, year: int, actor: str) -> CloseResult:
    if session.get(YearLock, (agency_id, year)) is not None:
        raise LockedYearError(
            f"{code} 的 {year} 年度已锁定，不能重新结转", field="year", rule="已锁定年度不可变更"
        )
    now = now_utc()
    carried = carried_out_cases(session, agency_id, year)
    session.execute(
        delete(YearLedger).where(YearLedger.agency_id == agency_id, YearLedger.year == year)
    )
    session.add_all(
        YearLedger(
            agency_id=agency_id, year=year, case_id=case_id, applicant_type=kind, recorded_at=now
        )
        for case_id, _, kind, _ in carried
    )
    table = build_section3(section3_counts(session, [agency_id], year))
    failed = [c.detail for c in check_table(table) if not c.ok]
    existing = session.get(YearClose, (agency_id, year))
    if existing is None:
        session.add(
            YearClose(
                agency_id=agency_id,
                year=year,
                carried_out=len(carried),
                balanced=not failed,
                closed_at=now,
                closed_by=actor,
            )
        )
    else:
        existing.carried_out, existing.balanced, existing.closed_at, existing.closed_by = (
            len(carried),
            not failed,
            now,
            actor,
        )
    _audit(session, agency_id, year, "close", actor)
    notified = _notify_supervisors(
        session, agency_id, code, year, [no for _, no, _, _ in carried], now
    )
    return CloseResult(code, year, len(carried), not failed, failed, notified)


def _notify_supervisors(
    session: Session, agency_id: int, code: str, year: int, case_nos: list[str], now: dt.datetime
) -> list[str]:
    """One message per supervisor per agency and year; a re-run refreshes it, never duplicates it."""
    supervisors = (
        session.execute(
            select(User.username).where(
                User.agency_id == agency_id,
                User.role.in_(("supervisor", "office_head")),
                User.active,
            )
        )
        .scalars()
        .all()
    )
    for username in supervisors:
        key = f"year_close:{year}:{code}:{username}"
        payload = {
            "year": year,
            "agency": code,
            "cases": case_nos,
            "text": f"{code} 有 {len(case_nos)} 件申请跨年度结转至 {year + 1} 年继续办理",
        }
        message = session.execute(
            select(Outbox).where(Outbox.dedupe_key == key)
        ).scalar_one_or_none()
        if message is None:
            session.add(
                Outbox(
                    kind="year_close",
                    recipient=username,
                    dedupe_key=key,
                    payload=payload,
                    created_at=now,
                )
            )
        else:
            message.payload = payload
    return list(supervisors)


def lock_year(engine: Engine, year: int, username: str, agency: str | None = None) -> list[str]:
    """Close (if needed) and lock the year for each agency; returns the codes locked."""
    _check_year(year)
    locked = []
    with write_session(engine) as session:
        actor = actor_for(session, username)
        _require_supervisor(actor.role.value, "锁定年度")
        for row in _agencies(session, agency):
            if session.get(YearLock, (row.id, year)) is not None:
                continue
            if session.get(YearClose, (row.id, year)) is None:
                _close_one(session, row.id, row.code, year, actor.name)
            session.add(
                YearLock(agency_id=row.id, year=year, locked_at=now_utc(), locked_by=actor.name)
            )
            _audit(session, row.id, year, "lock", actor.name)
            locked.append(row.code)
    return locked


def unlock_year(
    engine: Engine, year: int, username: str, reason: str, agency: str | None = None
) -> list[str]:
    """Remove the lock; the reason is required and recorded with who and when."""
    _check_year(year)
    if not reason.strip():
        raise DomainError(
            "解除锁定须填写理由（--reason）", field="reason", rule="解锁须说明理由并留痕"
        )
    unlocked = []
    with write_session(engine) as session:
        actor = actor_for(session, username)
        _require_supervisor(actor.role.value, "解除年度锁定")
        for row in _agencies(session, agency):
            lock = session.get(YearLock, (row.id, year))
            if lock is None:
                continue
            session.delete(lock)
            _audit(session, row.id, year, "unlock", actor.name, reason.strip())
            unlocked.append(row.code)
    if not unlocked:
        raise DomainError(f"{year} 年度未锁定，无需解锁", field="year", rule="解锁")
    return unlocked


def _audit(
    session: Session, agency_id: int, year: int, action: str, actor: str, reason: str = ""
) -> None:
    """Every close, lock and unlock leaves a row saying who, when and why."""
    session.add(
        YearAudit(
            agency_id=agency_id, year=year, action=action, actor=actor, reason=reason, at=now_utc()
        )
    )


def _require_supervisor(role: str, action: str) -> None:
    if role not in ("supervisor", "office_head", "admin"):
        raise DomainError(f"只有主管、负责人或管理员可以{action}", field="user", rule="角色权限")


def guard_year_change(session: Session, agency_id: int, years: Iterable[int]) -> None:
    """Refuse a change that would alter the figures of a locked year of the agency."""
    years = sorted(set(years))
    if not years:
        return
    locked = (
        session.execute(
            select(YearLock.year).where(YearLock.agency_id == agency_id, YearLock.year.in_(years))
        )
        .scalars()
        .all()
    )
    if locked:
        text = "、".join(str(y) for y in sorted(locked))
        raise LockedYearError(
            f"{text} 年度的年度报告已锁定，此操作会改变该年度的统计数字，已拒绝。"
            "如确需更正，请主管执行 ogi year unlock 并说明理由。",
            field="year",
            rule="已锁定年度不可变更",
        )
