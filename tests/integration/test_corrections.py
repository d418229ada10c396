"""Mistakes can be corrected and mistaken registrations voided, on SQLite and PostgreSQL.

- a corrected D0, channel, applicant or content is an event with a reason; the case row and
  the deadline follow it;
- a correction that would change a locked year's figures is refused, and nothing is written;
  one that changes no figure (a name, a contact) is not;
- a voided case keeps its history and is counted nowhere: not in the report, not in the
  queue, not in the ledger export; only supervisors and office heads void.

Today is 2026-11-20. November and early December 2026 have no holidays (Mon–Fri work).
"""

from __future__ import annotations

import datetime as dt
import json
import shlex
from collections.abc import Callable
from typing import Any

import pytest
from conftest import Run
from ops import (
    NewCase,
    act,
    annual_report,
    close_year,
    list_cases,
    lock_year,
    register_case,
    show_case,
)
from sqlalchemy import Engine, text

from domain.case import CaseEventType as E
from domain.errors import DomainError, ForbiddenError, LockedYearError
from services.cases import CaseFilter

D = dt.date


def new_case(received_on: dt.date, name: str = "张伟") -> NewCase:
    return NewCase("lixia", name, "natural_person", "online", received_on, "某项目征收补偿方案")


def events_of(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT count(*) FROM case_events")).scalar_one()


def test_a_corrected_d0_rewrites_the_row_and_the_deadline(
    engine: Engine, case_row: Callable[[str], dict[str, Any]]
) -> None:
    no = register_case(engine, new_case(D(2026, 11, 2)), "wang").case_no
    # from Mon 11-02: 3–6 (4), 9–13 (9), 16–20 (14), 23–27 (19), 30 (20)
    assert case_row(no)["due"] == D(2026, 11, 30)
    ref = act(
        engine, no, E.CORRECTED, "wang", reason="收到日期录错", received_on="2026-11-04",
        channel="mail", applicant_name="张玮", content="某项目征收补偿方案及评估报告",
    )  # fmt: skip
    # from Wed 11-04: 5, 6 (2), 9–13 (7), 16–20 (12), 23–27 (17), 30 (18), 12-01, 12-02 (20)
    assert ref.due == D(2026, 12, 2)
    row = case_row(no)
    assert (row["received_on"], row["due"], row["channel"]) == (
        D(2026, 11, 4), D(2026, 12, 2), "mail"
    )
    assert (row["applicant_name"], row["content"]) == ("张玮", "某项目征收补偿方案及评估报告")
    detail = show_case(engine, no)
    assert detail.events[-1]["type"] == "corrected"
    assert detail.events[-1]["reason"] == "收到日期录错"


def test_corrections_that_change_a_locked_years_figures_are_refused(
    engine: Engine, case_row: Callable[[str], dict[str, Any]]
) -> None:
    in_2025 = register_case(engine, new_case(D(2025, 6, 2), "甲"), "wang").case_no
    in_2026 = register_case(engine, new_case(D(2026, 1, 5), "乙"), "wang").case_no
    close_year(engine, 2025, "liu")
    lock_year(engine, 2025, "liu")
    before = (case_row(in_2025), case_row(in_2026), events_of(engine))

    refusals: list[tuple[str, dict[str, Any]]] = [
        (in_2026, {"received_on": "2025-12-30"}),  # would make it new in (and carried out of) 2025
        (in_2025, {"received_on": "2025-06-03"}),  # new in 2025 either way, still 2025's figures
        (in_2025, {"applicant_type": "business"}),  # 2025's columns
    ]
    for case_no, payload in refusals:
        with pytest.raises(LockedYearError) as info:
            act(engine, case_no, E.CORRECTED, "liu", reason="更正", **payload)
        assert "2025" in info.value.message
    with pytest.raises(LockedYearError):
        act(engine, in_2025, E.VOIDED, "liu", reason="误登记")
    assert (case_row(in_2025), case_row(in_2026), events_of(engine)) == before

    # a name or a contact is in no figure: it can be put right in a locked year
    act(engine, in_2025, E.CORRECTED, "liu", reason="姓名录错", applicant_name="甲某")
    assert case_row(in_2025)["applicant_name"] == "甲某"
    # and a 2026 case's D0 may move within 2026
    act(engine, in_2026, E.CORRECTED, "liu", reason="日期录错", received_on="2026-01-06")
    assert case_row(in_2026)["received_on"] == D(2026, 1, 6)


def test_a_voided_case_is_counted_nowhere_and_keeps_its_history(
    engine: Engine, case_row: Callable[[str], dict[str, Any]]
) -> None:
    kept = register_case(engine, new_case(D(2026, 11, 2), "甲"), "wang").case_no
    answered = register_case(engine, new_case(D(2026, 11, 3), "乙"), "wang").case_no
    act(engine, answered, E.ANSWERED, "wang", outcome="disclosed", on=D(2026, 11, 10))
    mistaken = register_case(engine, new_case(D(2026, 11, 4), "丙"), "wang").case_no
    carried = register_case(engine, new_case(D(2025, 12, 1), "丁"), "wang").case_no

    with pytest.raises(ForbiddenError):
        act(engine, mistaken, E.VOIDED, "wang", reason="重复登记")
    with pytest.raises(DomainError) as no_reason:
        act(engine, mistaken, E.VOIDED, "liu")
    assert no_reason.value.field == "reason"
    assert case_row(mistaken)["state"] == "in_progress"

    act(engine, mistaken, E.VOIDED, "liu", reason="重复登记")
    act(engine, answered, E.VOIDED, "chen", reason="咨询误登记为申请")  # office heads may too
    act(engine, carried, E.VOIDED, "liu", reason="测试数据")
    row = case_row(mistaken)
    assert (row["state"], row["due"], row["next_reminder_on"]) == ("voided", None, None)

    rows = annual_report(engine, 2026, "lixia")["section3"]["rows"]
    assert rows["new"]["total"] == 1  # only `kept`: the two voided 2026 cases count nowhere
    assert rows["carried_in"]["total"] == 0  # `carried` was voided
    assert rows["total"]["total"] == 0 and rows["carried_out"]["total"] == 1
    assert annual_report(engine, 2025, "lixia")["section3"]["rows"]["carried_out"]["total"] == 0

    open_cases = list_cases(engine, CaseFilter(agency="lixia", state="open"))
    assert [r["case_no"] for r in open_cases] == [kept]
    history = show_case(engine, mistaken).events
    assert [e["type"] for e in history] == ["registered", "voided"]
    with pytest.raises(DomainError) as again:
        act(engine, mistaken, E.CORRECTED, "liu", reason="x", content="另一事项")
    assert again.value.field == "state"


def sh(ogi: Callable[..., Run], line: str) -> Run:
    return ogi(*shlex.split(line))


def test_correct_and_void_on_the_command_line(ogi: Callable[..., Run], engine: Engine) -> None:
    result = ogi(
        "case", "register", "--agency", "lixia", "--applicant", "张伟", "--applicant-type",
        "自然人", "--channel", "online", "--received-on", "2026-11-02", "--content", "某事项",
        "-u", "wang", "--json",
    )  # fmt: skip
    assert result.code == 0, result.err
    no = result.json()["case_no"]

    bad_date = sh(ogi, f"case correct {no} --received-on 2026-11-31 --reason 录错 -u wang")
    assert bad_date.code != 0 and "--received-on" in bad_date.err
    nothing = sh(ogi, f"case correct {no} --reason 录错 -u wang")
    assert nothing.code == 1 and "收到申请日期" in nothing.err
    fixed = sh(
        ogi, f"case correct {no} --received-on 2026-11-04 --channel 邮寄 --reason 录错 -u wang --json"
    )
    assert fixed.code == 0, fixed.err
    assert fixed.json()["due"] == "2026-12-02"

    assert sh(ogi, f"case void {no} --reason 重复登记 -u wang").code == 7
    voided = sh(ogi, f"case void {no} --reason 重复登记 -u liu")
    assert voided.code == 0 and "已作废" in voided.out

    shown = sh(ogi, f"case show {no}")
    assert "收到申请日期：2026-11-04" in shown.out and "申请方式：邮寄" in shown.out
    assert "作废" in shown.out and "重复登记" in shown.out
    exported = sh(ogi, "export --format json -u liu")
    assert exported.code == 0
    assert no not in [r["case_no"] for r in json.loads(exported.out)]
