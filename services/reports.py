"""The annual report assembled from case data (sections 三 and 四), staff entries (二, 一, 五,
六) and fee records, with the RULES §4.3 checks; remedies and the staff-written parts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from domain.access import SUPERVISING_ROLES, Actor, Role, require_role
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
from services.years import check_year, guard_year_change

SCOPES = ("self", "region")
REPORT_ROLES = SUPERVISING_ROLES | {Role.ADMIN}


@dataclass(frozen=True)
class AnnualReport:
    """The RULES §5 report contract and what the document formats need besides it."""

    year: int
    agency: str
    template: str
    section3: dict[str, Any]
    section4: dict[str, Any]
    checks: list[dict[str, Any]]
    agency_name: str
    scope: str
    summary: str
    section2: dict[str, Any] = field(default_factory=dict)
    overview: str = ""
    problems: str = ""
    other_matters: str = ""
    fees_collected_wan: str = "0.00"

    def contract(self) -> dict[str, Any]:
        """Exactly the RULES §5 keys."""
        return {
            "year": self.year,
            "agency": self.agency,
            "template": self.template,
            "section3": self.section3,
            "section4": self.section4,
            "checks": self.checks,
        }

    def document(self) -> dict[str, Any]:
        """What `formats.report.render` takes: the contract plus the document's own parts."""
        return {
            **self.contract(),
            "extra": {
                "agency_name": self.agency_name,
                "scope": self.scope,
                "summary": self.summary,
                "section2": self.section2,
                "overview": self.overview,
                "problems": self.problems,
                "other_matters": self.other_matters,
                "fees_collected_wan": self.fees_collected_wan,
            },
        }


def annual_report(
    uow: Any, year: int, agency: str, *, actor: Actor, today: dt.date, scope: str = "self"
) -> AnnualReport:
    """Everything the report needs for one agency (本机关) or its region (本行政区域)."""
    del today
    if scope not in SCOPES:
        raise DomainError(
            "范围（scope）应为 self（本机关）或 region（本行政区域）", field="scope", rule="范围"
        )
    check_year(year)
    with uow.read():
        root = uow.directory.agency(agency)
        if not actor.sees(agency):
            raise NotFoundError(f"机关代码“{agency}”不存在", field="agency", rule="须为已登记的机关")
        ids = uow.directory.subtree_ids(agency) if scope == "region" else [uow.directory.agency_id(agency)]
        table = build_section3(uow.reports.section3_counts(ids, year))
        checks = check_table(table)
        previous = uow.reports.recorded_carry(ids, year - 1)
        if previous is None:
            checks.append(check_carry(year, table["carried_in"], None))
        else:
            previous_out: dict[str, int] = {}
            for kind in previous.values():
                previous_out[kind] = previous_out.get(kind, 0) + 1
            previous_out["total"] = len(previous)
            live = uow.reports.carried_into_ids(ids, year)
            differing = uow.reports.case_numbers(live ^ set(previous))
            locked = uow.years.any_locked(ids, year - 1)
            checks.append(
                check_carry(
                    year,
                    table["carried_in"],
                    previous_out,
                    differing_cases=differing,
                    previous_state="已锁定" if locked else "已结转",
                )
            )
        section4 = build_section4(uow.reports.remedy_counts(ids, year))
        text = uow.reports.annual_text(uow.directory.agency_id(agency), year) or {}
        fees = uow.reports.fees_collected(ids, year)
    subject = "本机关" if scope == "self" else "本行政区域"
    return AnnualReport(
        year=year,
        agency=agency,
        template=template_for(year),
        section3={"rows": table},
        section4=section4,
        checks=[c.to_json() for c in checks],
        agency_name=root.name,
        scope=scope,
        summary=summary_paragraph(year, table, subject),
        section2=text.get("section2", {}),
        overview=text.get("overview", ""),
        problems=text.get("problems", ""),
        other_matters=text.get("other_matters", ""),
        fees_collected_wan=f"{Decimal(str(fees)) / 10000:.2f}",
    )


# -- section 四: remedies -------------------------------------------------------------------


def add_remedy(
    uow: Any,
    case_no: str,
    kind: str,
    filed_on: dt.date,
    *,
    actor: Actor,
    today: dt.date,
    result: str = "pending",
    result_on: dt.date | None = None,
    note: str = "",
) -> int:
    """Record a reconsideration or litigation against a case; returns its id."""
    check_remedy(kind, result, filed_on, result_on, today)
    require_role(actor, REPORT_ROLES | {Role.CASEWORKER}, "登记复议诉讼")
    with uow.write():
        stored = uow.cases.get(case_no)
        if not actor.sees(stored.agency):
            raise NotFoundError("案件不存在", field="case_no", rule="须为已登记的案件")
        if filed_on < stored.case.received_on:
            raise DomainError(
                "复议或诉讼日期（filed_on）早于收到申请之日", field="filed_on", rule="日期顺序"
            )
        guard_year_change(uow, stored.agency_id, {filed_on.year})
        return uow.reports.add_remedy(
            {
                "case_id": stored.id,
                "kind": kind,
                "filed_on": filed_on,
                "result": result,
                "result_on": result_on,
                "note": note,
                "recorded_by": actor.name,
                "updated_at": uow.now(),
            }
        )


def update_remedy(
    uow: Any, remedy_id: int, result: str, result_on: dt.date | None, *, actor: Actor, today: dt.date
) -> None:
    """Record the result of a remedy later (维持 / 纠正 / 其他, or back to 尚未审结)."""
    with uow.write():
        remedy = uow.reports.remedy(remedy_id)
        if remedy is None:
            raise NotFoundError(
                f"复议诉讼记录 {remedy_id} 不存在", field="remedy_id", rule="须为已登记的记录"
            )
        check_remedy(remedy["kind"], result, remedy["filed_on"], result_on, today)
        # a remedy counts in its filing year, as it stood on 31 December of that year
        guard_year_change(uow, remedy["agency_id"], {remedy["filed_on"].year})
        uow.reports.update_remedy(
            remedy_id, result=result, result_on=result_on, recorded_by=actor.name, updated_at=uow.now()
        )


def list_remedies(uow: Any, case_no: str | None = None) -> list[dict[str, Any]]:
    with uow.read():
        return uow.reports.remedies(case_no)


# -- section 二 and the text sections ------------------------------------------------------


def set_annual_text(
    uow: Any,
    year: int,
    agency: str,
    *,
    actor: Actor,
    today: dt.date,
    section2: dict[str, Any] | None = None,
    overview: str | None = None,
    problems: str | None = None,
    other_matters: str | None = None,
) -> None:
    """Save what staff write for the year; only the parts given are changed."""
    del today
    check_year(year)
    require_role(actor, REPORT_ROLES, "编辑年度报告")
    clean = validate_section2(section2 or {})
    with uow.write():
        agency_id = uow.directory.agency_id(agency)
        if not actor.sees(agency):
            raise NotFoundError(f"机关代码“{agency}”不存在", field="agency", rule="须为已登记的机关")
        guard_year_change(uow, agency_id, {year})
        current = uow.reports.annual_text(agency_id, year) or {"section2": {}}
        values: dict[str, Any] = {"section2": {**current["section2"], **clean}}
        for name, value in (("overview", overview), ("problems", problems), ("other_matters", other_matters)):
            if value is not None:
                values[name] = value
        uow.reports.save_annual_text(agency_id, year, values, actor.name, uow.now())
