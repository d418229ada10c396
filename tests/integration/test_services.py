"""The services on a real database (SQLite and PostgreSQL): a case's whole life, numbering,
refusals that write nothing, stale versions, fees, and calendar changes recomputing cases.

Every expected date is counted by hand on the official 2026 calendar (State Council notice of
2025-11-04, /work/shared/reference/holiday-notices/2026.txt):
  中秋 9-25 (Fri)–27 off; 国庆 10-01–07 off; make-up working days Sun 9-20 and Sat 10-10.
November and early December 2026 have no holidays: Mon–Fri are working days.
Counting starts the day after (RULES §1): "N working days after D" is the N-th working day
strictly after D. Results after 2026-12-20 are provisional while 2027 is not loaded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import ops
import pytest
from ops import NewCase, act, register_case
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from domain.calendar import EntryKind
from domain.case import CaseEventType as E
from domain.errors import ConflictError, DomainError, ForbiddenError
from domain.notice import parse_notice
from store.models import DueChange, FeeRecord

D = dt.date
# GB 11643's own example number: check digit X (worked by hand in tests/unit/test_identity.py).
GOOD_ID = "11010519491231002X"
BAD_ID = "110105194912310021"  # the same number with a wrong last digit


def iso7064_check(first17: str) -> str:
    """GB 11643 check digit, ISO 7064 MOD 11-2 (independent of domain.identity)."""
    total = sum(int(c) * pow(2, 17 - i, 11) for i, c in enumerate(first17))
    check = (1 - total) % 11
    return "X" if check == 10 else str(check)


OTHER_ID = "31010419800101001" + iso7064_check("31010419800101001")


def new_case(received_on: dt.date, name: str = "张伟", **extra: Any) -> NewCase:
    return NewCase(
        "lixia", name, "natural_person", "online", received_on, "某项目征收补偿方案", **extra
    )


def projection_of(row: dict[str, Any]) -> tuple[Any, ...]:
    return row["state"], row["due"], row["waiting_due"], row["version"]


# -- the whole life of a case --------------------------------------------------------------


def test_case_life_projection_after_each_step(
    engine: Engine,
    today: dt.date,
    case_row: Callable[[str], dict[str, Any]],
    table_counts: Callable[..., dict[str, int]],
    seqs: Callable[[str], list[int]],
) -> None:
    # D0 = Mon 2026-09-14. 20 working days: 9-15..18 (4), Sun 9-20 make-up (5), 9-21..24 (9),
    # 中秋 9-25..27 off, 9-28..30 (12), 国庆 10-01..07 off, 10-08, 10-09 (14), Sat 10-10 (15),
    # 10-12..16 (20) → due 2026-10-16.
    ref = register_case(engine, new_case(D(2026, 9, 14), assignee="wang"), "wang", today=today)
    no = ref.case_no
    assert no == "历下政公开〔2026〕第0001号"
    assert projection_of(case_row(no)) == ("in_progress", D(2026, 10, 16), None, 1)
    assert case_row(no)["clock"] == "running"
    assert (ref.due, ref.version) == (D(2026, 10, 16), 1)

    # 补正 on Wed 9-16 (inside the 7-day window, which ends 9-22), default 15 working days:
    # 9-17, 18, 20(Sun make-up), 21, 22, 23, 24 (7), 9-28, 29, 30 (10), 10-08, 09, 10(Sat),
    # 12, 13 (15) → applicant's deadline 10-13; the answer clock stops (no due).
    act(
        engine,
        no,
        E.SUPPLEMENT_REQUESTED,
        "wang",
        on=D(2026, 9, 16),
        reason="内容不明确",
        today=today,
    )
    assert projection_of(case_row(no)) == ("awaiting_supplement", None, D(2026, 10, 13), 2)
    assert case_row(no)["clock"] == "stopped"

    # 补正 received Thu 9-24: restart, 20 working days: 9-28, 29, 30 (3), 10-08, 09, 10 (6),
    # 10-12..16 (11), 10-19..23 (16), 10-26..29 (20) → due 10-29.
    act(engine, no, E.SUPPLEMENT_RECEIVED, "wang", on=D(2026, 9, 24), today=today)
    assert projection_of(case_row(no)) == ("in_progress", D(2026, 10, 29), None, 3)

    # Third-party consultation from Mon 10-12: working days left after 10-12 up to 10-29:
    # 10-13..16 (4), 19..23 (9), 26..29 (13) → 13 remain. The party's 15 working days:
    # 10-13..16 (4), 19..23 (9), 26..30 (14), 11-02 (15) → waiting until 11-02. While paused the
    # row shows the due date if the window is used up: 11-02 + 13 = 11-03..06 (4), 9..13 (9),
    # 16..19 (13) → 11-19.
    act(
        engine,
        no,
        E.CONSULTATION_STARTED,
        "wang",
        on=D(2026, 10, 12),
        reason="涉及商业秘密",
        today=today,
        kind="third_party",
        party="某置业公司",
    )
    assert projection_of(case_row(no)) == ("in_consultation", D(2026, 11, 19), D(2026, 11, 2), 4)
    assert case_row(no)["clock"] == "paused"

    # Reply on Wed 10-21: the clock resumes with 13 left: 10-22, 23 (2), 26..30 (7),
    # 11-02..06 (12), 11-09 (13) → 11-09 (= old due 10-29 moved by the 7 paused days 10-13..21).
    act(engine, no, E.CONSULTATION_ENDED, "wang", on=D(2026, 10, 21), today=today)
    assert projection_of(case_row(no)) == ("in_progress", D(2026, 11, 9), None, 5)
    assert case_row(no)["clock"] == "running"

    # Extension asked for (15 working days): nothing moves until the office head approves.
    act(
        engine,
        no,
        E.EXTENSION_REQUESTED,
        "wang",
        on=D(2026, 10, 28),
        reason="需逐项区分处理",
        today=today,
        workdays=15,
    )
    assert projection_of(case_row(no)) == ("in_progress", D(2026, 11, 9), None, 6)

    # A caseworker cannot approve it: refused as a matter of role, nothing written.
    before = table_counts()
    with pytest.raises(ForbiddenError) as refused:
        act(engine, no, E.EXTENSION_GRANTED, "wang", on=D(2026, 10, 30), today=today)
    assert refused.value.field == "user" and "负责人" in refused.value.message
    assert table_counts() == before
    assert projection_of(case_row(no)) == ("in_progress", D(2026, 11, 9), None, 6)

    # The office head approves on 10-30 (before the due date 11-09): 11-09 + 15 =
    # 11-10..13 (4), 16..20 (9), 23..27 (14), 11-30 (15) → 11-30.
    act(engine, no, E.EXTENSION_GRANTED, "chen", on=D(2026, 10, 30), reason="同意", today=today)
    assert projection_of(case_row(no))[1:] == (D(2026, 11, 30), None, 7)

    # Answered on 11-18, before 11-30: concluded on time; the clock is over.
    act(engine, no, E.ANSWERED, "wang", on=D(2026, 11, 18), today=today, outcome="partial")
    row = case_row(no)
    assert (row["state"], row["outcome"], row["concluded_on"]) == (
        "concluded",
        "partial",
        D(2026, 11, 18),
    )
    assert (row["on_time"], row["waiting_due"], row["version"]) == (True, None, 8)
    assert row["provisional"] is False
    assert seqs(no) == list(range(1, 9))
    with engine.connect() as connection:
        types = connection.execute(
            text(
                "SELECT type, actor FROM case_events e JOIN cases c ON c.id = e.case_id "
                "WHERE c.case_no = :no ORDER BY seq"
            ),
            {"no": no},
        ).all()
    assert [t for t, _ in types] == [
        "registered",
        "supplement_requested",
        "supplement_received",
        "consultation_started",
        "consultation_ended",
        "extension_requested",
        "extension_granted",
        "answered",
    ]
    assert types[6][1] == "chen"  # who approved is recorded


# -- numbering -------------------------------------------------------------------------------


def test_case_numbers_per_agency_per_year_without_gaps(engine: Engine, today: dt.date) -> None:
    ops.add_agency(
        engine, "lixia_zj", "历下区住房和城乡建设局", parent="lixia", prefix="历下住建公开"
    )
    numbers = [
        register_case(engine, new_case(D(2026, 11, 2)), "wang", today=today).case_no,
        register_case(engine, new_case(D(2025, 12, 30)), "wang", today=today).case_no,
        register_case(engine, new_case(D(2026, 11, 3)), "wang", today=today).case_no,
    ]
    # a refused registration takes no number
    with pytest.raises(DomainError):
        register_case(
            engine,
            new_case(D(2026, 11, 4), id_kind="resident_id", id_number=BAD_ID),
            "wang",
            today=today,
        )
    numbers.append(register_case(engine, new_case(D(2026, 11, 5)), "wang", today=today).case_no)
    other = NewCase("lixia_zj", "李娜", "自然人", "in_person", D(2026, 11, 5), "某竣工验收备案材料")
    # a supervisor of the district registers for a department under it (RULES §7)
    numbers.append(register_case(engine, other, "liu", today=today).case_no)
    assert numbers == [
        "历下政公开〔2026〕第0001号",
        "历下政公开〔2025〕第0001号",  # the year is the year of receipt
        "历下政公开〔2026〕第0002号",
        "历下政公开〔2026〕第0003号",
        "历下住建公开〔2026〕第0001号",
    ]


# -- refusals write nothing -----------------------------------------------------------------


def test_second_supplement_request_is_refused_and_writes_nothing(
    engine: Engine, today: dt.date, table_counts: Callable[..., dict[str, int]], case_row
) -> None:  # type: ignore[no-untyped-def]
    no = register_case(engine, new_case(D(2026, 11, 2)), "wang", today=today).case_no
    act(engine, no, E.SUPPLEMENT_REQUESTED, "wang", on=D(2026, 11, 3), today=today)
    act(engine, no, E.SUPPLEMENT_RECEIVED, "wang", on=D(2026, 11, 5), today=today)
    before, row_before = table_counts(), case_row(no)

    with pytest.raises(DomainError) as refused:
        act(engine, no, E.SUPPLEMENT_REQUESTED, "wang", on=D(2026, 11, 6), today=today)

    # the clock names the offending event (its position among the clock events) and Art. 30
    assert refused.value.field is not None and refused.value.field.startswith("events[")
    assert "补正" in refused.value.message and "第三十条" in (refused.value.rule or "")
    assert table_counts() == before
    assert case_row(no) == row_before


def test_extension_approval_without_request_is_refused(
    engine: Engine, today: dt.date, table_counts: Callable[..., dict[str, int]]
) -> None:
    no = register_case(engine, new_case(D(2026, 11, 2)), "wang", today=today).case_no
    before = table_counts()
    with pytest.raises(DomainError) as refused:
        act(engine, no, E.EXTENSION_GRANTED, "chen", on=D(2026, 11, 10), today=today)
    assert refused.value.field == "workdays"
    assert table_counts() == before


def test_registration_with_bad_id_check_digit_writes_nothing(
    engine: Engine, today: dt.date, table_counts: Callable[..., dict[str, int]]
) -> None:
    before = table_counts()
    with pytest.raises(DomainError) as refused:
        register_case(
            engine,
            new_case(D(2026, 11, 2), id_kind="resident_id", id_number=BAD_ID),
            "wang",
            today=today,
        )
    assert refused.value.field == "id_number"
    assert "id_number" in str(refused.value)
    assert table_counts() == before
    # the right number goes through (and is what a refused one would have been)
    ref = register_case(
        engine,
        new_case(D(2026, 11, 2), id_kind="resident_id", id_number=GOOD_ID),
        "wang",
        today=today,
    )
    assert ref.case_no.endswith("第0001号")


def test_stale_expected_version_is_a_conflict_and_writes_nothing(
    engine: Engine, today: dt.date, table_counts: Callable[..., dict[str, int]], case_row
) -> None:  # type: ignore[no-untyped-def]
    no = register_case(engine, new_case(D(2026, 11, 2)), "wang", today=today).case_no
    seen = case_row(no)["version"]
    assert seen == 1
    act(engine, no, E.ASSIGNED, "liu", today=today, expected_version=seen, assignee="wang")
    before = table_counts()
    with pytest.raises(ConflictError) as conflict:
        act(
            engine,
            no,
            E.ANSWERED,
            "wang",
            on=D(2026, 11, 10),
            today=today,
            expected_version=seen,
            outcome="disclosed",
        )
    assert conflict.value.field == "version"
    assert table_counts() == before
    assert (case_row(no)["state"], case_row(no)["version"]) == ("in_progress", 2)
    # with the current version it goes through
    act(
        engine,
        no,
        E.ANSWERED,
        "wang",
        on=D(2026, 11, 10),
        today=today,
        expected_version=2,
        outcome="disclosed",
    )
    assert case_row(no)["version"] == 3


# -- fees ----------------------------------------------------------------------------------------


def _fees(engine: Engine) -> list[FeeRecord]:
    with Session(engine) as session:
        return list(session.execute(select(FeeRecord).order_by(FeeRecord.id)).scalars())


def test_fee_by_volume_records_amount_and_stops_then_restarts_the_clock(
    engine: Engine, today: dt.date, case_row
) -> None:  # type: ignore[no-untyped-def]
    no = register_case(engine, new_case(D(2026, 11, 2)), "wang", today=today).case_no
    # 101 pages: 1–30 free, 31–100 = 70 × 10 = 700, page 101 at 20 → 720 元
    ref = act(
        engine,
        no,
        E.FEE_NOTICE_SENT,
        "wang",
        on=D(2026, 11, 5),
        today=today,
        method="volume",
        quantity=101,
    )
    # payment window: 20 working days after Thu 11-05: 11-06 (1), 9..13 (6), 16..20 (11),
    # 23..27 (16), 11-30, 12-01, 02, 03 (20) → 12-03; the answer clock stops.
    assert (ref.state, ref.due, ref.waiting_due) == ("awaiting_fee", None, D(2026, 12, 3))
    [fee] = _fees(engine)
    assert (fee.method, fee.quantity, fee.amount_yuan) == ("volume", 101, Decimal("720.00"))
    assert (fee.notice_on, fee.paid_on) == (D(2026, 11, 5), None)

    # paid Tue 11-10: 20 working days from the next day: 11..13 (3), 16..20 (8), 23..27 (13),
    # 11-30..12-04 (18), 12-07, 08 (20) → 12-08
    act(engine, no, E.FEE_PAID, "wang", on=D(2026, 11, 10), today=today)
    assert projection_of(case_row(no)) == ("in_progress", D(2026, 12, 8), None, 3)
    [fee] = _fees(engine)
    assert fee.paid_on == D(2026, 11, 10)


def test_fee_by_piece_counts_per_applicant_per_month(engine: Engine, today: dt.date) -> None:
    def case_of(identity: str) -> str:
        return register_case(
            engine,
            new_case(D(2026, 11, 2), id_kind="resident_id", id_number=identity),
            "wang",
            today=today,
        ).case_no

    first, second, stranger = case_of(GOOD_ID), case_of(GOOD_ID), case_of(OTHER_ID)
    for no, pieces in ((first, 12), (second, 5), (stranger, 12)):
        act(
            engine,
            no,
            E.FEE_NOTICE_SENT,
            "wang",
            on=D(2026, 11, 6),
            today=today,
            method="piece",
            quantity=pieces,
        )
    amounts = [(f.quantity, f.amount_yuan, f.payer_identity) for f in _fees(engine)]
    # pieces 1–10 free, 11–30 at 100: first 12 → pieces 11, 12 → 200;
    # the same applicant's next 5 that month are pieces 13–17 → 500;
    # another applicant starts from 1 again → 200.
    assert amounts == [
        (12, Decimal("200.00"), GOOD_ID),
        (5, Decimal("500.00"), GOOD_ID),
        (12, Decimal("200.00"), OTHER_ID),
    ]


# -- calendar changes ----------------------------------------------------------------------


def _due_changes(engine: Engine) -> list[tuple[Any, ...]]:
    with Session(engine) as session:
        rows = session.execute(select(DueChange).order_by(DueChange.id)).scalars()
        return [(r.case_id, r.old_due, r.new_due, r.shift_days) for r in rows]


def _case_id(engine: Engine, case_no: str) -> int:
    with engine.connect() as connection:
        return connection.execute(
            text("SELECT id FROM cases WHERE case_no = :no"), {"no": case_no}
        ).scalar_one()


def test_holiday_override_moves_open_due_by_one_working_day(
    engine: Engine, today: dt.date, case_row
) -> None:  # type: ignore[no-untyped-def]
    # Mon 11-02 + 20: 11-03..06 (4), 9..13 (9), 16..20 (14), 23..27 (19), 11-30 (20)
    open_no = register_case(engine, new_case(D(2026, 11, 2)), "wang", today=today).case_no
    closed_no = register_case(engine, new_case(D(2026, 11, 2), "李娜"), "wang", today=today).case_no
    act(engine, closed_no, E.ANSWERED, "wang", on=D(2026, 11, 9), today=today, outcome="disclosed")
    assert case_row(open_no)["due"] == D(2026, 11, 30)

    # Tue 11-10 becomes a day off: one working day fewer inside the window → 12-01.
    change = ops.set_override(engine, D(2026, 11, 10), EntryKind.HOLIDAY, "测试")

    assert case_row(open_no)["due"] == D(2026, 12, 1)
    assert [(m.case_no, m.old_due, m.new_due, m.shift) for m in change.moved] == [
        (open_no, D(2026, 11, 30), D(2026, 12, 1), 1)
    ]
    assert _due_changes(engine) == [(_case_id(engine, open_no), D(2026, 11, 30), D(2026, 12, 1), 1)]
    # the concluded case is history: untouched
    assert case_row(closed_no)["version"] == 2 and case_row(closed_no)["outcome"] == "disclosed"


def test_import_2027_notice_makes_dues_official_and_moves_coverage(
    engine: Engine, today: dt.date, case_row, notice_2027: str
) -> None:  # type: ignore[no-untyped-def]
    status = ops.calendar_status(engine, today=D(2026, 10, 31))
    assert status.coverage == D(2026, 12, 31) and status.warning is None
    status = ops.calendar_status(engine, today=D(2026, 11, 1))
    assert status.warning is not None and "2027" in status.warning
    assert ops.calendar_status(engine, today=today).warning is not None

    def extended_case(name: str) -> str:
        # received today (Fri 11-20): +20 → 11-23..27 (5), 11-30..12-04 (10), 12-07..11 (15),
        # 12-14..18 (20) → 12-18; extended by 20: 12-21..25 (5), 12-28..31 (9), 2027-01-01 off
        # (元旦, provisional), 01-04..08 (14), 11..15 (19), 01-18 (20) → 2027-01-18, provisional.
        no = register_case(engine, new_case(today, name), "wang", today=today).case_no
        act(engine, no, E.EXTENSION_REQUESTED, "wang", reason="复杂", today=today, workdays=20)
        act(engine, no, E.EXTENSION_GRANTED, "chen", today=today)
        return no

    january = extended_case("张伟")
    assert (case_row(january)["due"], case_row(january)["provisional"]) == (D(2027, 1, 18), True)

    # A consultation started today on a case due 2027-01-18: 40 working days remain
    # (20 to 12-18, 20 more to 01-18). The party's window: 15 working days → 12-11.
    # Projection 12-11 + 40: 12-14..18 (5), 21..25 (10), 28..31 (14), 01-04..08 (19),
    # 11..15 (24), 18..22 (29), 25..29 (34), 02-01..04 (38); provisional 春节 (除夕 02-05 and
    # 初一–初三 02-06..08, lunar new year 2027 = Sat 02-06; 初一 (Sat) and 初二 (Sun) are made
    # up on 02-09 and 02-10, 补假 by 第六条 of the holiday law) → 02-11 (39), 02-12 (40).
    february = extended_case("李娜")
    act(
        engine,
        february,
        E.CONSULTATION_STARTED,
        "wang",
        reason="涉及第三方",
        today=today,
        kind="third_party",
    )
    assert (case_row(february)["due"], case_row(february)["provisional"]) == (D(2027, 2, 12), True)

    notice = parse_notice(notice_2027)
    assert notice.year == 2027 and notice.problems == ()
    change = ops.import_notice(engine, notice).change

    # January is unchanged but now official.
    assert (case_row(january)["due"], case_row(january)["provisional"]) == (D(2027, 1, 18), False)
    # The notice's 春节 is 02-05..13 (9 days), so 02-01..04 (38), 02-15 (39), 02-16 (40).
    assert (case_row(february)["due"], case_row(february)["provisional"]) == (D(2027, 2, 16), False)
    # moved by the working days in (02-12, 02-16] on the new calendar: 02-15, 02-16 → 2
    assert [(m.case_no, m.old_due, m.new_due, m.shift) for m in change.moved] == [
        (february, D(2027, 2, 12), D(2027, 2, 16), 2)
    ]
    assert _due_changes(engine) == [(_case_id(engine, february), D(2027, 2, 12), D(2027, 2, 16), 2)]

    status = ops.calendar_status(engine, today=today)
    assert status.coverage == D(2027, 12, 31)
    assert status.warning is None
    assert status.entries.get("notice") == change.added
