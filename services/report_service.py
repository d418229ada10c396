"""The annual report assembled from case data (sections 三 and 四), staff entries (二, 一, 五,
六) and fee records, with the RULES §4.3 checks. The dict returned is the RULES §5 JSON
contract plus the extra parts the document formats need (under keys the contract does not
use, so a JSON consumer sees the contract exactly)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, select

from domain.errors import DomainError, NotFoundError
from domain.report import (
    build_section3,
    build_section4,
    check_carry,
    check_remedy,
    check_table,
    summary_paragraph,
    template_for,
    validate_section2,
)
from services.clock_time import now_utc, today_shanghai
from services.directory import actor_for, agency_by_code, agency_subtree_ids
from services.year_service import guard_year_change
from store.db import read_session, write_session
from store.models import AnnualText, CaseRow, Remedy, YearLock
from store.report_queries import (
    carried_into,
    case_numbers,
    fees_collected,
    recorded_carry,
    remedy_counts,
    section3_counts,
)

SCOPES = ("self", "region")


def annual_report(engine: Engine, year: int, agency: str, scope: str = "self") -> dict[str, Any]:
    """Everything the report needs for one agency (本机关) or its region (本行政区域)."""
    if scope not in SCOPES:
        raise DomainError(
            "范围（scope）应为 self（本机关）或 region（本行政区域）", field="scope", rule="范围"
        )
    if not 2008 <= year <= 2099:
        raise DomainError(f"年度（year）{year} 超出范围", field="year", rule="2008–2099")
    with read_session(engine) as session:
        root = agency_by_code(session, agency)
        ids = agency_subtree_ids(session, agency) if scope == "region" else [root.id]
        table = build_section3(section3_counts(session, ids, year))
        checks = check_table(table)
        previous = recorded_carry(session, ids, year - 1)
        if previous is None:
            checks.append(check_carry(year, table["carried_in"], None))
        else:
            previous_out: dict[str, int] = {}
            for kind in previous.values():
                previous_out[kind] = previous_out.get(kind, 0) + 1
            previous_out["total"] = len(previous)
            live = carried_into(session, ids, year)
            differing = case_numbers(session, live ^ set(previous))
            locked = session.execute(
                select(YearLock.year).where(YearLock.agency_id.in_(ids), YearLock.year == year - 1)
            ).first()
            checks.append(
                check_carry(
                    year,
                    table["carried_in"],
                    previous_out,
                    differing_cases=differing,
                    previous_state="已锁定" if locked else "已结转",
                )
            )
        section4 = build_section4(remedy_counts(session, ids, year))
        text = session.get(AnnualText, (root.id, year))
        fees = fees_collected(session, ids, year)
    subject = "本机关" if scope == "self" else "本行政区域"
    return {
        "year": year,
        "agency": agency,
        "template": template_for(year),
        "section3": {"rows": table},
        "section4": section4,
        "checks": [c.to_json() for c in checks],
        "extra": {
            "agency_name": root.name,
            "scope": scope,
            "summary": summary_paragraph(year, table, subject),
            "section2": text.section2 if text else {},
            "overview": text.overview if text else "",
            "problems": text.problems if text else "",
            "other_matters": text.other_matters if text else "",
            "fees_collected_wan": f"{Decimal(str(fees)) / 10000:.2f}",
        },
    }


def contract_json(report: dict[str, Any]) -> dict[str, Any]:
    """Exactly the RULES §5 keys."""
    return {k: report[k] for k in ("year", "agency", "template", "section3", "section4", "checks")}


# -- section 四: remedies -------------------------------------------------------------------


def add_remedy(
    engine: Engine,
    case_no: str,
    kind: str,
    filed_on: dt.date,
    username: str,
    *,
    result: str = "pending",
    result_on: dt.date | None = None,
    note: str = "",
    today: dt.date | None = None,
) -> int:
    """Record a reconsideration or litigation against a case; returns its id."""
    check_remedy(kind, result, filed_on, result_on, today or today_shanghai())
    with write_session(engine) as session:
        actor = actor_for(session, username)
        row = session.execute(
            select(CaseRow).where(CaseRow.case_no == case_no)
        ).scalar_one_or_none()
        if row is None:
            raise NotFoundError(f"案件“{case_no}”不存在", field="case_no", rule="须为已登记的案件")
        if filed_on < row.received_on:
            raise DomainError(
                "复议或诉讼日期（filed_on）早于收到申请之日", field="filed_on", rule="日期顺序"
            )
        guard_year_change(session, row.agency_id, _remedy_years(filed_on, result_on))
        remedy = Remedy(
            case_id=row.id,
            kind=kind,
            filed_on=filed_on,
            result=result,
            result_on=result_on,
            note=note,
            recorded_by=actor.name,
            updated_at=now_utc(),
        )
        session.add(remedy)
        session.flush()
        return remedy.id


def update_remedy(
    engine: Engine,
    remedy_id: int,
    result: str,
    result_on: dt.date | None,
    username: str,
    *,
    today: dt.date | None = None,
) -> None:
    """Record the result of a remedy later (维持 / 纠正 / 其他, or back to 尚未审结)."""
    with write_session(engine) as session:
        actor = actor_for(session, username)
        remedy = session.get(Remedy, remedy_id)
        if remedy is None:
            raise NotFoundError(
                f"复议诉讼记录 {remedy_id} 不存在", field="remedy_id", rule="须为已登记的记录"
            )
        check_remedy(remedy.kind, result, remedy.filed_on, result_on, today or today_shanghai())
        row = session.get(CaseRow, remedy.case_id)
        assert row is not None
        years = _remedy_years(remedy.filed_on, result_on) | _remedy_years(
            remedy.filed_on, remedy.result_on
        )
        guard_year_change(session, row.agency_id, years)
        remedy.result, remedy.result_on, remedy.recorded_by, remedy.updated_at = (
            result,
            result_on,
            actor.name,
            now_utc(),
        )


def _remedy_years(filed_on: dt.date, result_on: dt.date | None) -> set[int]:
    """A remedy is counted in its filing year, as it stood on 31 December of that year."""
    return {filed_on.year}


def list_remedies(engine: Engine, case_no: str | None = None) -> list[dict[str, Any]]:
    with read_session(engine) as session:
        query = (
            select(Remedy, CaseRow.case_no)
            .join(CaseRow, CaseRow.id == Remedy.case_id)
            .order_by(Remedy.id)
        )
        if case_no:
            query = query.where(CaseRow.case_no == case_no)
        return [
            {
                "id": r.id,
                "case_no": no,
                "kind": r.kind,
                "filed_on": r.filed_on,
                "result": r.result,
                "result_on": r.result_on,
                "note": r.note,
            }
            for r, no in session.execute(query).all()
        ]


# -- section 二 and the text sections ------------------------------------------------------


def set_annual_text(
    engine: Engine,
    year: int,
    agency: str,
    username: str,
    *,
    section2: dict[str, Any] | None = None,
    overview: str | None = None,
    problems: str | None = None,
    other_matters: str | None = None,
) -> None:
    """Save what staff write for the year; only the parts given are changed."""
    clean = validate_section2(section2 or {})
    with write_session(engine) as session:
        actor = actor_for(session, username)
        row = agency_by_code(session, agency)
        guard_year_change(session, row.id, {year})
        text = session.get(AnnualText, (row.id, year))
        if text is None:
            text = AnnualText(
                agency_id=row.id, year=year, section2={}, overview="", problems="", other_matters=""
            )
            session.add(text)
        text.section2 = {**(text.section2 or {}), **clean}
        if overview is not None:
            text.overview = overview
        if problems is not None:
            text.problems = problems
        if other_matters is not None:
            text.other_matters = other_matters
        text.updated_by, text.updated_at = actor.name, now_utc()
