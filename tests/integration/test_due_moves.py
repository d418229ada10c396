"""A calendar change moves every deadline of an open case, not only the answer due date: the
applicant's 补正 period, the fee payment window and the consulted party's window are
recomputed, each move is recorded (which deadline, old, new, shift, cause), the next sweep
tells the assignee once (RULES §1, §6 `due_moved`), and the case page and `ogi case show`
list them. On SQLite and PostgreSQL.

Every expected date is counted by hand; counting starts the day after (RULES §1).

2027, before its notice is loaded (provisional rules, RULES §1): 春节 is 除夕 Fri 02-05 and
初一–初三 Sat 02-06 .. Mon 02-08; 初一 and 初二 fall on the weekend and are made up on Tue 02-09
and Wed 02-10. So 02-05, 02-08, 02-09, 02-10 are off and Thu 02-11, Fri 02-12 are worked.
The 2027 notice of the `notice_2027` fixture: 春节 Fri 02-05 .. Sat 02-13 off (weekdays 05,
08–12), Sat 02-20 worked. January is the same on both (元旦 Fri 01-01 off).

The cases below are received Wed 2027-01-20; their deadline event is on Thu 01-21.
From 01-21, on both calendars: Fri 01-22 (1), 01-25..29 (6), 02-01..04 (10).
- 15 working days after 01-21 (补正 period, consultation window):
  provisional 02-11 (11), 12 (12), 15 (13), 16 (14), 17 (15) → 02-17;
  notice 02-15 (11) .. 02-19 (15) → 02-19; shift: 02-18, 02-19 → 2 working days.
- 20 working days after 01-21 (payment window):
  provisional 02-11, 12 (12), 15..19 (17), 22, 23, 24 (20) → 02-24;
  notice 02-15..19 (15), Sat 02-20 (16), 22, 23, 24, 25 (20) → 02-25; shift 1.
- The answer due of a case received 01-20 (20 working days): provisional 02-23, notice 02-24
  (as in test_calendar_import). During a consultation whose window is 15 working days, the
  projected answer due is that due plus the 15 paused working days:
  provisional 02-23 + 15: 24, 25, 26 (3), 03-01..05 (8), 08..12 (13), 15, 16 (15) → 03-16;
  notice 02-24 + 15: 25, 26 (2), 03-01..05 (7), 08..12 (12), 15, 16, 17 (15) → 03-17; shift 1.

2026 (official; November and December have no holidays, Mon–Fri work), for the batched path,
with Wed 2026-11-25 made a day off:
- received Mon 11-02, running: due 11-30 → 12-01 (shift 1) (as in test_services);
- 补正 asked Wed 11-04 for 15 working days: 11-05, 06 (2), 09..13 (7), 16..20 (12), 23, 24, 25
  (15) → 11-25; without 11-25: 11-26 (shift 1);
- fee notice Thu 11-05: 20 working days → 12-03 (as in test_services); without 11-25 → 12-04;
- consultation started Wed 11-04: window 11-25 (as in test_flows) → 11-26; projected answer
  11-30 + 15 = 12-01 (1), 02, 03, 04 (4), 07..11 (9), 14..18 (14), 21 (15) → 12-21; on the new
  calendar 12-01 + 15 → 12-22 (shift 1).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from ops import NewCase, act, import_notice, my_inbox, register_case, set_override, sweep, uow
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from web_support import case_path, server  # noqa: F401 - the module's fixture

from domain.calendar import CalendarEntry, EntryKind, EntrySource
from domain.case import CaseEventType as E
from domain.notice import parse_notice
from services.calendar_service import recompute_open_cases
from store.models import CaseRow, DueChange

D = dt.date
RECEIVED_2027 = D(2027, 1, 20)
EVENT_ON_2027 = D(2027, 1, 21)
NOTICE_CAUSE = "导入2027年节假日安排通知（国务院办公厅关于2027年部分节假日安排的通知）"  # no 文号: its title


def _case(engine: Engine, received: dt.date, name: str = "张伟") -> str:
    form = NewCase(
        "lixia", name, "natural_person", "online", received, "某项目征收补偿方案", assignee="wang"
    )
    return register_case(engine, form, "wang", today=received).case_no


def _wait(engine: Engine, no: str, waiting: str, on: dt.date) -> None:
    """Start what the office waits for: 补正 (15 working days), a fee notice, a consultation."""
    if waiting == "supplement":
        act(engine, no, E.SUPPLEMENT_REQUESTED, "wang", on=on, today=on, reason="内容不明确",
            applicant_days=15)  # fmt: skip
    elif waiting == "fee":
        act(engine, no, E.FEE_NOTICE_SENT, "wang", on=on, today=on, method="volume", quantity=101)
    else:
        act(engine, no, E.CONSULTATION_STARTED, "wang", on=on, today=on, reason="涉及第三方",
            kind="third_party", party="甲公司")  # fmt: skip


def _due_changes(engine: Engine) -> list[tuple[Any, ...]]:
    """(case_no, deadline, old, new, shift, cause) of every recorded move, in order."""
    with Session(engine) as session:
        rows = session.execute(
            select(
                CaseRow.case_no,
                DueChange.deadline,
                DueChange.old_due,
                DueChange.new_due,
                DueChange.shift_days,
                DueChange.cause,
            )
            .join(CaseRow, CaseRow.id == DueChange.case_id)
            .order_by(DueChange.id)
        )
        return [tuple(r) for r in rows]


def _import(engine: Engine, text: str) -> Any:
    """Import a notice as the administrator; what the change did."""
    notice = parse_notice(text)
    assert notice.problems == ()
    return import_notice(engine, notice).change


def _zh(day: dt.date) -> str:
    """A date as the messages write it."""
    return f"{day.year}年{day.month}月{day.day}日"


def _shanghai_today() -> dt.date:
    """The day the changes are recorded (now): the sweep that tells them runs as of it."""
    return dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()


# (waiting for, its label, the moves the 2027 notice makes: deadline, old, new, shift)
WAITING_2027 = [
    pytest.param(
        "supplement",
        "补正期限",
        [("supplement", D(2027, 2, 17), D(2027, 2, 19), 2)],
        id="supplement",
    ),
    pytest.param(
        "fee",
        "缴费期限",
        [("fee", D(2027, 2, 24), D(2027, 2, 25), 1)],
        id="fee",
    ),
    pytest.param(
        "consultation",
        "征求意见期限",
        [
            ("answer", D(2027, 3, 16), D(2027, 3, 17), 1),
            ("consultation", D(2027, 2, 17), D(2027, 2, 19), 2),
        ],
        id="consultation",
    ),
]


@pytest.mark.parametrize(("waiting", "label", "moves"), WAITING_2027)
def test_a_notice_moves_the_waiting_deadline_records_it_and_the_sweep_tells_it_once(
    engine: Engine, case_row: Any, notice_2027: str, waiting: str, label: str, moves: list[Any]
) -> None:
    no = _case(engine, RECEIVED_2027)
    _wait(engine, no, waiting, EVENT_ON_2027)
    before = case_row(no)
    old_waiting = next(m[1] for m in moves if m[0] == waiting)
    assert (before["waiting_for"], before["waiting_due"]) == (waiting, old_waiting)
    # a stopped clock has no answer due (补正, fee); a paused one shows its projection
    assert before["due"] == (D(2027, 3, 16) if waiting == "consultation" else None)

    change = _import(engine, notice_2027)

    after = case_row(no)
    new_waiting = next(m[2] for m in moves if m[0] == waiting)
    assert (after["waiting_for"], after["waiting_due"]) == (waiting, new_waiting)
    assert after["due"] == (D(2027, 3, 17) if waiting == "consultation" else None)
    # one case moves, with each of its deadlines that moved (none invented for the answer)
    assert change.moved_count == 1
    assert [(m.case_no, m.deadline.value, m.old_due, m.new_due, m.shift) for m in change.moved] == [
        (no, *move) for move in moves
    ]
    assert _due_changes(engine) == [(no, *move, NOTICE_CAUSE) for move in moves]

    today = _shanghai_today()
    first = sweep(engine, today).to_json()
    assert first["by_kind"].get("due_moved") == 1
    assert sweep(engine, today).to_json()["by_kind"].get("due_moved") is None  # told once
    told = [i for i in my_inbox(engine, "wang") if i["kind"] == "due_moved"]
    assert len(told) == 1
    text = told[0]["text"]
    assert f"{label}由{_zh(moves[-1][1])}改为{_zh(moves[-1][2])}" in text
    if waiting == "consultation":  # both deadlines named, the window first, then the answer
        assert text.endswith(
            "征求意见期限由2027年2月17日改为2027年2月19日；"
            "答复期限由2027年3月16日改为2027年3月17日。"
        )
        assert told[0]["due"] == "2027-03-17"  # the answer's new due date
    else:
        assert "答复期限" not in text
        assert told[0]["due"] == new_waiting.isoformat()


def test_a_case_waiting_for_supplement_gets_no_answer_move(
    engine: Engine, case_row: Any
) -> None:
    """The answer clock is stopped (no due date) before and after: only the 补正 period moves."""
    no = _case(engine, D(2026, 11, 2))
    _wait(engine, no, "supplement", D(2026, 11, 4))
    assert (case_row(no)["due"], case_row(no)["waiting_due"]) == (None, D(2026, 11, 25))

    change = set_override(engine, D(2026, 11, 25), EntryKind.HOLIDAY, "测试")

    assert (case_row(no)["due"], case_row(no)["waiting_due"]) == (None, D(2026, 11, 26))
    assert _due_changes(engine) == [
        (no, "supplement", D(2026, 11, 25), D(2026, 11, 26), 1, "人工调整 2026-11-25 为放假")
    ]
    assert [m.label for m in change.moved] == ["补正期限"]


def test_a_calendar_change_that_moves_nothing_records_nothing(
    engine: Engine, case_row: Any
) -> None:
    # every deadline below ends by 12-03 (see the module docstring): 12-10 lies beyond them all
    supplement = _case(engine, D(2026, 11, 2), "张伟")
    _wait(engine, supplement, "supplement", D(2026, 11, 4))
    fee = _case(engine, D(2026, 11, 2), "李娜")
    _wait(engine, fee, "fee", D(2026, 11, 5))
    before = {no: case_row(no) for no in (supplement, fee)}

    change = set_override(engine, D(2026, 12, 10), EntryKind.HOLIDAY, "测试")

    assert (change.moved_count, change.moved) == (0, [])
    assert _due_changes(engine) == []
    assert {no: case_row(no) for no in (supplement, fee)} == before
    assert sweep(engine, _shanghai_today()).to_json()["by_kind"].get("due_moved") is None


def test_the_batched_recompute_records_waiting_moves_too(engine: Engine) -> None:
    running = _case(engine, D(2026, 11, 2), "张伟")
    supplement = _case(engine, D(2026, 11, 2), "李娜")
    _wait(engine, supplement, "supplement", D(2026, 11, 4))
    fee = _case(engine, D(2026, 11, 2), "王芳")
    _wait(engine, fee, "fee", D(2026, 11, 5))
    consultation = _case(engine, D(2026, 11, 2), "赵磊")
    _wait(engine, consultation, "consultation", D(2026, 11, 4))
    # the entry is committed first; then the open cases are recomputed in batches of two
    work = uow(engine)
    with work.write():
        entry = CalendarEntry(D(2026, 11, 25), EntryKind.HOLIDAY, "测试", EntrySource.MANUAL)
        work.calendar.add([entry], "admin", work.now())
        calendar = work.calendar.load()

    done = recompute_open_cases(uow(engine), "测试", calendar, batch=2)

    expected = [
        (running, "answer", D(2026, 11, 30), D(2026, 12, 1), 1, "测试"),
        (supplement, "supplement", D(2026, 11, 25), D(2026, 11, 26), 1, "测试"),
        (fee, "fee", D(2026, 12, 3), D(2026, 12, 4), 1, "测试"),
        (consultation, "answer", D(2026, 12, 21), D(2026, 12, 22), 1, "测试"),
        (consultation, "consultation", D(2026, 11, 25), D(2026, 11, 26), 1, "测试"),
    ]
    assert _due_changes(engine) == expected
    assert [(m.case_no, m.deadline.value, m.old_due, m.new_due, m.shift, "测试")
            for m in done.moved] == expected  # fmt: skip
    assert (done.cases, done.moved_cases) == (4, 4)
    again = recompute_open_cases(uow(engine), "测试", calendar, batch=2)
    assert again.moved == [] and len(_due_changes(engine)) == len(expected)

    # one message per case for the day, naming each deadline that moved
    sweep(engine, _shanghai_today())
    texts = {i["case_no"]: i["text"] for i in my_inbox(engine, "wang") if i["kind"] == "due_moved"}
    assert set(texts) == {running, supplement, fee, consultation}
    assert "答复期限由2026年11月30日改为2026年12月1日" in texts[running]
    assert "补正期限由2026年11月25日改为2026年11月26日" in texts[supplement]
    assert "缴费期限由2026年12月3日改为2026年12月4日" in texts[fee]
    assert texts[consultation].endswith(
        "征求意见期限由2026年11月25日改为2026年11月26日；答复期限由2026年12月21日改为2026年12月22日。"
    )


def test_two_changes_on_one_day_are_told_in_one_message(engine: Engine) -> None:
    """Once per change day per case: the message spans the day, from the first old date to
    the last new one; a deadline that came back where it was is not named."""
    no = _case(engine, D(2026, 11, 2))
    _wait(engine, no, "supplement", D(2026, 11, 4))
    set_override(engine, D(2026, 11, 25), EntryKind.HOLIDAY, "测试")  # 11-25 → 11-26
    set_override(engine, D(2026, 11, 26), EntryKind.HOLIDAY, "测试")  # 11-26 → 11-27
    assert [r[1:4] for r in _due_changes(engine)] == [
        ("supplement", D(2026, 11, 25), D(2026, 11, 26)),
        ("supplement", D(2026, 11, 26), D(2026, 11, 27)),
    ]
    result = sweep(engine, _shanghai_today()).to_json()
    assert result["by_kind"].get("due_moved") == 1
    [told] = [i for i in my_inbox(engine, "wang") if i["kind"] == "due_moved"]
    assert "补正期限由2026年11月25日改为2026年11月27日" in told["text"]


def test_case_show_lists_the_moved_deadlines_with_their_names(engine: Engine, ogi: Any) -> None:
    no = _case(engine, D(2026, 11, 2))
    _wait(engine, no, "supplement", D(2026, 11, 4))
    set_override(engine, D(2026, 11, 25), EntryKind.HOLIDAY, "测试")

    shown = ogi("case", "show", no, "--json")
    assert shown.code == 0, shown.err
    [moved] = shown.json()["due_changes"]
    assert (moved["deadline"], moved["label"], moved["old_due"], moved["new_due"]) == (
        "supplement", "补正期限", "2026-11-25", "2026-11-26"
    )
    assert moved["shift_days"] == 1 and moved["cause"] == "人工调整 2026-11-25 为放假"
    text = ogi("case", "show", no)
    assert text.code == 0, text.err
    assert "补正期限" in text.out and "2026-11-26" in text.out


def test_the_case_page_lists_the_moved_deadlines(server) -> None:  # noqa: F811
    no = _case(server.engine, D(2026, 11, 2))
    _wait(server.engine, no, "supplement", D(2026, 11, 4))
    set_override(server.engine, D(2026, 11, 25), EntryKind.HOLIDAY, "测试")

    browser = server.browser()
    assert browser.sign_in("wang").status == 303
    page = browser.get(case_path(no))
    assert page.status == 200
    assert "因节假日安排调整而变更的期限" in page.text
    assert (
        '<tr data-deadline="supplement"><td>补正期限</td><td>2026-11-25</td><td>2026-11-26</td>'
        "<td>人工调整 2026-11-25 为放假</td></tr>"
    ) in page.text
