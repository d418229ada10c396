"""The daily sweep (RULES §6) on SQLite and PostgreSQL: every message once, none missing.

Dates are worked out by hand on the 2026 calendar (November and early December are plain
Monday–Friday weeks). A case received Monday 2026-11-02 is due on the 20th working day after
it: 3–6 Nov (4), 9–13 (9), 16–20 (14), 23–27 (19), 30 Nov (20) → due 2026-11-30. Its answer
reminders fall on 23 Nov (5 before), 25 Nov (3), 27 Nov (1), 30 Nov (0); overdue on 1 Dec
(-1), 7 Dec (-5: 1,2,3,4,7) and 14 Dec (-10: 8,9,10,11,14). The last day to ask for 补正 is
the 7th working day after receipt: 3,4,5,6,9,10,11 → 11 Nov (2 before: 9 Nov).
The loaded calendar ends on 2026-12-31, so from 1 November administrators are told every
Monday that 2027 is missing (calendar_missing).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from ops import (
    NewCase,
    act,
    add_agency,
    add_user,
    my_inbox,
    register_case,
    set_notification_settings,
    sweep,
)
from sqlalchemy import Engine, text

from domain.case import CaseEventType as E
from domain.errors import DomainError

D = dt.date
RECEIVED = D(2026, 11, 2)


def new_case(engine: Engine, name: str = "张三", *, assignee: str | None = "wang",
             received: dt.date = RECEIVED, agency: str = "lixia", user: str = "wang") -> str:
    form = NewCase(agency, name, "natural_person", "online", received, "某项目征收补偿方案",
                   assignee=assignee)
    return register_case(engine, form, user, today=received).case_no


def outbox(engine: Engine) -> list[tuple[str, str, int]]:
    """(recipient, kind, threshold) of every message written, from the table itself."""
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT recipient, kind, payload FROM outbox")).all()
    return sorted((r, k, (p if isinstance(p, dict) else __import__("json").loads(p))["threshold"])
                  for r, k, p in rows)


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            t: connection.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
            for t in ("reminders", "outbox", "deliveries")
        }


# -- answer, supplement_window, calendar_missing; a re-run sends nothing ----------------------


def test_each_threshold_is_sent_on_its_day_and_a_rerun_sends_nothing(engine: Engine) -> None:
    no = new_case(engine)
    first = sweep(engine, D(2026, 11, 9))  # Monday: 补正 window 2 before, and the calendar alert
    assert first.to_json() == {
        "today": "2026-11-09",
        "sent": 2,
        "by_kind": {"calendar_missing": 1, "supplement_window": 1},
        "skipped": 0,
    }
    assert sweep(engine, D(2026, 11, 9)).to_json()["sent"] == 0
    assert sweep(engine, D(2026, 11, 10)).to_json()["sent"] == 0  # Tuesday: nothing due
    # Monday 23 Nov: answer 5 before; the 补正 window's "0" (11 Nov) was missed and is stale
    third = sweep(engine, D(2026, 11, 23)).to_json()
    assert third["by_kind"] == {"answer": 1, "calendar_missing": 1}
    assert third["skipped"] == 1
    items = my_inbox(engine, "wang")
    assert [(i["kind"], i["threshold"], i["due"], i["case_no"]) for i in items] == [
        ("answer", 5, "2026-11-30", no),
        ("supplement_window", 2, "2026-11-11", no),
    ]
    assert "5个工作日" in items[0]["text"] and not items[0]["read"]
    admin = my_inbox(engine, "admin")
    assert [i["kind"] for i in admin] == ["calendar_missing", "calendar_missing"]
    assert my_inbox(engine, "liu") == []  # the case is assigned: supervisors are not told


def test_next_reminder_on_moves_past_what_was_recorded(engine: Engine, case_row: Any) -> None:
    no = new_case(engine)
    assert case_row(no)["next_reminder_on"] == D(2026, 11, 9)  # 2 before the 补正 window end
    sweep(engine, D(2026, 11, 9))
    assert case_row(no)["next_reminder_on"] == D(2026, 11, 11)
    sweep(engine, D(2026, 11, 11))
    assert case_row(no)["next_reminder_on"] == D(2026, 11, 23)
    act(engine, no, E.ANSWERED, "wang", on=D(2026, 11, 12), today=D(2026, 11, 12),
        outcome="disclosed")
    assert case_row(no)["next_reminder_on"] is None  # a closed case is never read again
    assert sweep(engine, D(2026, 11, 23)).to_json()["by_kind"] == {"calendar_missing": 1}


# -- overdue escalation, no bursts after downtime ---------------------------------------------


def test_seven_days_of_downtime_send_only_the_most_severe_threshold(engine: Engine) -> None:
    new_case(engine)
    sweep(engine, D(2026, 11, 23))  # answer 5 before, then the engine is off until 8 Dec
    result = sweep(engine, D(2026, 12, 8)).to_json()
    # reached since: answer 3, 1, 0 (stale: the due date passed), overdue -1 and -5 → -5 only
    assert result["by_kind"] == {"calendar_missing": 1, "overdue": 1}
    assert result["skipped"] == 4
    # -5 days over: the assignee, the agency's supervisor and the office head
    assert [m for m in outbox(engine) if m[1] == "overdue"] == [
        ("chen", "overdue", -5), ("liu", "overdue", -5), ("wang", "overdue", -5),
    ]
    assert sweep(engine, D(2026, 12, 8)).to_json()["sent"] == 0
    assert sweep(engine, D(2026, 12, 9)).to_json()["sent"] == 0  # -1 is never sent late


def test_ten_days_over_also_tells_the_parent_agencys_supervisors(engine: Engine) -> None:
    add_agency(engine, "lixia_zj", "历下区住房和城乡建设局", parent="lixia", prefix="历下住建公开")
    add_user(engine, "zhao", "赵敏", "caseworker", "lixia_zj")
    add_user(engine, "sun", "孙科长", "supervisor", "lixia_zj")
    new_case(engine, assignee="zhao", agency="lixia_zj", user="zhao")
    sweep(engine, D(2026, 12, 1))  # -1: zhao and sun
    sweep(engine, D(2026, 12, 14))  # -10 (the -5 of 7 Dec was missed: skipped)
    overdue = [m for m in outbox(engine) if m[1] == "overdue"]
    assert overdue == [
        ("liu", "overdue", -10),  # the district's supervisor: the parent agency
        ("sun", "overdue", -10), ("sun", "overdue", -1),
        ("zhao", "overdue", -10), ("zhao", "overdue", -1),
    ]


# -- unassigned, report_due, supplement_lapsed with auto-close ----------------------------------


def test_an_unassigned_case_is_reported_to_supervisors_one_working_day_later(engine: Engine) -> None:
    no = new_case(engine, assignee=None, received=D(2026, 11, 20))  # Friday
    # (the week's calendar alert: its Monday was missed, so it goes out on the first sweep)
    assert sweep(engine, D(2026, 11, 20)).to_json()["by_kind"] == {"calendar_missing": 1}
    result = sweep(engine, D(2026, 11, 23))  # Monday: 1 working day after registration
    assert result.by_kind["unassigned"] == 1
    assert [(i["kind"], i["case_no"]) for i in my_inbox(engine, "liu")] == [("unassigned", no)]


def test_report_due_ten_working_days_before_the_report_date(engine: Engine) -> None:
    # the 2025 report of a department: 31 Jan 2026 is a Saturday → due Monday 2 Feb 2026;
    # 10 working days before: 30,29,28,27,26,23,22,21,20,19 Jan → 19 Jan
    assert sweep(engine, D(2026, 1, 16)).to_json()["by_kind"] == {}
    assert sweep(engine, D(2026, 1, 19)).to_json()["by_kind"] == {"report_due": 1}
    assert [(i["kind"], i["threshold"], i["due"]) for i in my_inbox(engine, "liu")] == [
        ("report_due", 10, "2026-02-02")
    ]


def test_lapsed_supplement_closes_the_case_when_the_agency_opted_in(
    engine: Engine, case_row: Any
) -> None:
    set_notification_settings(engine, "lixia", auto_close_abandoned=True)
    no = new_case(engine)
    act(engine, no, E.SUPPLEMENT_REQUESTED, "wang", on=D(2026, 11, 4), today=D(2026, 11, 4),
        reason="内容不明确")
    # 15 working days after 4 Nov: 5,6,9..13,16..20,23,24,25 → 25 Nov; lapsed (-1) on 26 Nov
    assert case_row(no)["waiting_due"] == D(2026, 11, 25)
    assert sweep(engine, D(2026, 11, 25)).to_json()["by_kind"] == {"calendar_missing": 1}
    result = sweep(engine, D(2026, 11, 26))
    assert result.by_kind["supplement_lapsed"] == 1
    row = case_row(no)
    assert (row["state"], row["outcome"], row["next_reminder_on"]) == (
        "deemed_abandoned", "other.no_supplement", None
    )
    with engine.connect() as connection:
        actor, reason = connection.execute(
            text("SELECT actor, reason FROM case_events ORDER BY id DESC LIMIT 1")
        ).one()
    assert actor == "system" and "第三十条" in reason


def test_without_the_opt_in_the_assignee_is_told_and_the_case_stays_open(
    engine: Engine, case_row: Any
) -> None:
    no = new_case(engine)
    act(engine, no, E.SUPPLEMENT_REQUESTED, "wang", on=D(2026, 11, 4), today=D(2026, 11, 4),
        reason="内容不明确")
    sweep(engine, D(2026, 11, 26))
    assert case_row(no)["state"] == "awaiting_supplement"
    assert [(i["kind"], i["threshold"]) for i in my_inbox(engine, "wang")] == [
        ("supplement_lapsed", -1)
    ]


def _fee_case(engine: Engine) -> str:
    """A case whose fee notice goes out on Wed 4 Nov: 50 pages by volume, 31–50 at 10 元 a
    page = 200 元 (RULES §2.4). The applicant has 20 working days from the day after, counted
    from 4 Nov: 5, 6 (2), 9–13 (7), 16–20 (12), 23–27 (17), 30 Nov, 1, 2 Dec (20) → 2 Dec;
    lapsed (-1) on Thu 3 Dec."""
    no = new_case(engine)
    act(engine, no, E.FEE_NOTICE_SENT, "wang", on=D(2026, 11, 4), today=D(2026, 11, 4),
        method="volume", quantity=50)  # fmt: skip
    return no


def test_lapsed_payment_window_tells_the_assignee_and_the_case_stays_open(
    engine: Engine, case_row: Any
) -> None:
    no = _fee_case(engine)
    assert case_row(no)["waiting_due"] == D(2026, 12, 2)
    assert "payment_lapsed" not in sweep(engine, D(2026, 12, 2)).to_json()["by_kind"]
    assert sweep(engine, D(2026, 12, 3)).to_json()["by_kind"] == {"payment_lapsed": 1}
    assert case_row(no)["state"] == "awaiting_fee"
    told = [(i["kind"], i["threshold"], i["case_no"]) for i in my_inbox(engine, "wang")]
    assert ("payment_lapsed", -1, no) in told
    assert sweep(engine, D(2026, 12, 4)).to_json()["by_kind"].get("payment_lapsed") is None


def test_lapsed_payment_closes_the_case_as_fee_unpaid_when_the_agency_opted_in(
    engine: Engine, case_row: Any
) -> None:
    set_notification_settings(engine, "lixia", auto_close_unpaid=True)
    no = _fee_case(engine)
    sweep(engine, D(2026, 12, 3))
    row = case_row(no)
    assert (row["state"], row["outcome"], row["concluded_on"]) == (
        "deemed_abandoned", "other.fee_unpaid", D(2026, 12, 3)
    )
    with engine.connect() as connection:
        actor = connection.execute(
            text("SELECT actor FROM case_events ORDER BY id DESC LIMIT 1")
        ).scalar_one()
    assert actor == "system"


# -- inbox contract and refusals ------------------------------------------------------------


def test_inbox_json_and_marking_read(engine: Engine, ogi: Any) -> None:
    new_case(engine)
    assert ogi("flows", "run", "sweep", "--today", "2026-11-23", "--json").json()["sent"] == 2
    again = ogi("flows", "run", "sweep", "--today", "2026-11-23", "--json").json()
    assert again == {"today": "2026-11-23", "sent": 0, "by_kind": {}, "skipped": 0}
    items = ogi("inbox", "-u", "wang", "--json").json()
    assert [set(i) for i in items] == [
        {"id", "kind", "threshold", "case_no", "due", "text", "created_at", "read"}
    ]
    assert ogi("inbox", "read", str(items[0]["id"]), "-u", "wang").code == 0
    assert ogi("inbox", "-u", "wang", "--json", "--unread").json() == []
    assert ogi("inbox", "-u", "wang", "--json").json()[0]["read"] is True
    status = ogi("flows", "status", "--json").json()
    assert [r["kind"] for r in status["runs"]][:2] == ["sweep", "sweep"]
    assert {n["kind"] for n in status["next"]} >= {"sweep", "dispatch", "year-end"}
    # read by a person: each run's start in Asia/Shanghai wall time
    shown = ogi("flows", "status").out
    for run in status["runs"]:
        started = dt.datetime.fromisoformat(run["started_at"])
        started = started if started.tzinfo else started.replace(tzinfo=dt.UTC)
        local = started.astimezone(ZoneInfo("Asia/Shanghai"))
        assert f"#{run['id']} {run['kind']} 按 {run['as_of']} 开始 {local:%Y-%m-%d %H:%M}" in shown


def test_marking_someone_elses_message_read_is_refused_and_changes_nothing(engine: Engine) -> None:
    from ops import uow, who

    from services.inbox import mark_read

    new_case(engine)
    sweep(engine, D(2026, 11, 23))
    theirs = my_inbox(engine, "wang")[0]["id"]
    with pytest.raises(DomainError) as refused:
        mark_read(uow(engine), [theirs], actor=who(engine, "liu"))
    assert refused.value.field == "id"
    assert my_inbox(engine, "wang")[0]["read"] is False


def test_bad_notification_settings_name_the_field_and_write_nothing(engine: Engine) -> None:
    with pytest.raises(DomainError) as refused:
        set_notification_settings(engine, "lixia", webhook_flavor="dingtalk",
                                  webhook_url="https://oapi.dingtalk.com/robot/send?x=1")
    assert (refused.value.field, refused.value.rule) == ("webhook_secret", "钉钉加签")
    with pytest.raises(DomainError) as refused:
        set_notification_settings(engine, "lixia", report_kind="county")
    assert refused.value.field == "report_kind"
    with engine.connect() as connection:
        assert connection.execute(
            text("SELECT webhook_flavor, report_kind FROM agencies WHERE code = 'lixia'")
        ).one() == ("", "department")


def test_counts_by_kind_add_up(engine: Engine) -> None:
    for n in range(3):
        new_case(engine, f"申请人{n}")
    result = sweep(engine, D(2026, 11, 23))
    assert result.sent == sum(result.by_kind.values()) == 4
    assert Counter(k for _, k, _ in outbox(engine)) == {"answer": 3, "calendar_missing": 1}
    # per case: answer 5 sent, the missed 补正 window's 2 and 0 recorded as skipped; + the alert
    assert counts(engine)["reminders"] == 3 * 3 + 1
    assert result.skipped == 3 * 2


# -- consultation, extension_request, due_moved, year_closed ----------------------------------


def test_consultation_window_two_before_and_lapsed(engine: Engine) -> None:
    no = new_case(engine)
    act(engine, no, E.CONSULTATION_STARTED, "wang", on=D(2026, 11, 4), today=D(2026, 11, 4),
        reason="涉及商业秘密", kind="third_party", party="某置业公司")
    # 15 working days after 4 Nov: 5,6 (2), 9..13 (7), 16..20 (12), 23,24,25 (15) → 25 Nov;
    # 2 before: 23 Nov; lapsed (-1): 26 Nov
    sweep(engine, D(2026, 11, 23))
    sweep(engine, D(2026, 11, 26))
    got = [(i["kind"], i["threshold"], i["due"]) for i in my_inbox(engine, "wang")]
    assert got == [("consultation", -1, "2026-11-25"), ("consultation", 2, "2026-11-25")]
    assert "第三方" in my_inbox(engine, "wang")[0]["text"]


def test_extension_request_tells_office_heads_when_made_and_one_before_due(engine: Engine) -> None:
    no = new_case(engine)
    act(engine, no, E.EXTENSION_REQUESTED, "wang", on=D(2026, 11, 23), today=D(2026, 11, 23),
        reason="需逐项区分处理", workdays=15)
    sweep(engine, D(2026, 11, 23))
    sweep(engine, D(2026, 11, 27))  # 1 working day before the due date 30 Nov, still undecided
    assert [(i["kind"], i["threshold"]) for i in my_inbox(engine, "chen")] == [
        ("extension_request", 1), ("extension_request", 0)
    ]
    assert all(i["kind"] != "extension_request" for i in my_inbox(engine, "liu"))


def test_a_calendar_change_that_moves_a_due_date_is_told_once(engine: Engine) -> None:
    from zoneinfo import ZoneInfo

    from ops import set_override

    from domain.calendar import EntryKind

    no = new_case(engine)
    set_override(engine, D(2026, 11, 25), EntryKind.HOLIDAY, "测试")  # due 30 Nov → 1 Dec
    today = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()  # the change is recorded now
    first = sweep(engine, today).to_json()
    assert first["by_kind"].get("due_moved") == 1
    assert sweep(engine, today).to_json()["sent"] == 0
    moved = [i for i in my_inbox(engine, "wang") if i["kind"] == "due_moved"]
    assert [(m["case_no"], m["due"]) for m in moved] == [(no, "2026-12-01")]


def test_year_end_flow_closes_every_agency_once_and_tells_supervisors(engine: Engine, ogi: Any) -> None:
    new_case(engine)  # open on 31 December: carried out of 2026
    # a year is closed once it has ended: the flow runs just after midnight on 1 January
    early = ogi("flows", "run", "year-end", "--year", "2026", "--json")
    assert early.code == 1 and "尚未结束" in early.err
    first = ogi("flows", "run", "year-end", "--year", "2026", "--today", "2027-01-01", "--json").json()
    assert first["agencies"][0]["carried_out"] == 1
    again = ogi("flows", "run", "year-end", "--year", "2026", "--today", "2027-01-01", "--json").json()
    assert again == first
    closed = [i for i in my_inbox(engine, "liu") if i["kind"] == "year_closed"]
    assert len(closed) == 1
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM year_ledger")).scalar_one() == 1


def test_the_daily_calendar_check_heals_a_recompute_cut_short(engine: Engine, ogi: Any) -> None:
    """A calendar change commits first and recomputes many open cases after; a process that
    stops in between leaves stale due dates. The next daily check puts them right."""
    from domain.calendar import CalendarEntry, EntryKind, EntrySource
    from store.uow import SqlUnitOfWork

    no = new_case(engine)  # due 30 Nov
    work = SqlUnitOfWork(engine)
    with work.write():  # the change committed, the process gone before its batches ran
        work.calendar.add(
            [CalendarEntry(D(2026, 11, 25), EntryKind.HOLIDAY, "测试", EntrySource.MANUAL)],
            "admin",
            work.now(),
        )
    with engine.connect() as connection:
        stale = connection.execute(text("SELECT due FROM cases WHERE case_no = :n"), {"n": no})
        assert str(stale.scalar_one()) == "2026-11-30"
    healed = ogi("flows", "run", "calendar-check", "--json")
    assert healed.code == 0, healed.err
    assert healed.json() == {"moved": 1}
    with engine.connect() as connection:
        due = connection.execute(text("SELECT due FROM cases WHERE case_no = :n"), {"n": no})
        # 25 Nov off: the 20th working day after 2 Nov moves one day, to Tue 1 Dec
        assert str(due.scalar_one()) == "2026-12-01"
        causes = connection.execute(text("SELECT cause FROM due_changes")).scalars().all()
    assert causes == ["每日日历检查：期限按当前日历重新计算"]
    assert ogi("flows", "run", "calendar-check", "--json").json() == {"moved": 0}
    runs = ogi("flows", "status", "--json").json()["runs"]
    assert [(r["kind"], r["counts"], r["error"]) for r in runs[:2]] == [
        ("calendar-check", {"moved": 0}, ""),
        ("calendar-check", {"moved": 1}, ""),
    ]
