"""The `ogi` command on SQLite and PostgreSQL: exit codes (cli/output.py), messages naming the
field, JSON outputs, ledger import, calendar and deadline commands.

Most runs are in-process (`cli.main.main()` with sys.argv set: the same entry point and error
handling as the console script, without a second of interpreter start-up each); a handful are
true subprocesses of the installed `ogi` script with stdin closed, among them the proofs that no
traceback reaches the user. Today is 2026-11-20 (OGI_TODAY). Dates are counted by hand as in
test_services.py: November and early December 2026 have no holidays (Mon–Fri work), 国庆
10-01..07 off, Sat 10-10 a make-up working day; past 2026-12-20 results are provisional.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import shlex
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import chinese_calendar
import pytest
from conftest import FIXTURES, Run
from ops import NewCase, act, register_case
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from domain.case import CaseEventType as E
from formats.ledger import read_ledger
from store.models import FeeRecord

D = dt.date
TODAY = D(2026, 11, 20)
GOOD_ID = "11010519491231002X"  # GB 11643's example; check digit X
BAD_ID = "110105194912310021"  # same number, wrong check digit
NOTICES = FIXTURES / "holiday-notices"
LEDGER_HEADER = [
    "申请编号",
    "申请人类型",
    "申请人",
    "申请方式",
    "收到申请日期",
    "申请内容",
    "办理结果",
    "答复日期",
]


def ogi_script() -> list[str]:
    script = Path(sys.executable).with_name("ogi")
    return [str(script)] if script.exists() else [sys.executable, "-m", "cli.main"]


def run_subprocess(db_url: str, *args: str, cwd: Path) -> Run:
    """The real installed command, stdin closed (a prompt would fail or hang → timeout)."""
    env = {**os.environ, "OGI_DATABASE_URL": db_url, "OGI_TODAY": TODAY.isoformat()}
    env.pop("OGI_USER", None)
    done = subprocess.run(
        [*ogi_script(), *args],
        env=env,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=90,
    )
    return Run(done.returncode, done.stdout, done.stderr)


def count(engine: Engine, table: str) -> int:
    with engine.connect() as connection:
        return connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()


def register(ogi: Callable[..., Run], received_on: str, name: str = "张伟", *extra: str) -> str:
    result = ogi(
        "case", "register", "--agency", "lixia", "--applicant", name,
        "--applicant-type", "自然人", "--channel", "online", "--received-on", received_on,
        "--content", "某项目征收补偿方案", "-u", "wang", "--json", *extra,
    )  # fmt: skip
    assert result.code == 0, result.err
    return result.json()["case_no"]


def ref(result: Run) -> tuple[Any, ...]:
    """(state, due, waiting_due, version) from an action's --json output."""
    assert result.code == 0, result.err
    data = result.json()
    return data["state"], data["due"], data["waiting_due"], data["version"]


# -- true subprocesses ------------------------------------------------------------------------


def test_init_twice_without_prompt(db_url: str, database, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    args = (
        "init",
        "--agency",
        "lixia",
        "--agency-name",
        "历下区人民政府",
        "--prefix",
        "历下政公开",
    )
    first = run_subprocess(db_url, *args, cwd=tmp_path)
    second = run_subprocess(db_url, *args, cwd=tmp_path)

    assert first.code == 0, first.err
    assert "已创建机关 lixia" in first.out and "已创建管理员 admin" in first.out
    assert second.code == 0, second.err
    assert "机关 lixia 已存在" in second.out and "管理员 admin 已存在" in second.out
    assert "Traceback" not in first.err + second.err
    engine = database.new_engine()
    assert (count(engine, "agencies"), count(engine, "users")) == (1, 1)


def test_uninitialised_database_exits_6_with_hint(db_url: str, tmp_path: Path) -> None:
    result = run_subprocess(db_url, "case", "list", cwd=tmp_path)
    assert result.code == 6, result.err
    assert "ogi init" in result.err
    assert "Traceback" not in result.err


def test_bad_input_gives_message_not_traceback(engine: Engine, db_url: str, tmp_path: Path) -> None:
    result = run_subprocess(
        db_url, "case", "register", "--agency", "lixia", "--applicant", "张伟",
        "--applicant-type", "自然人", "--channel", "online", "--received-on", "2026-11-02",
        "--content", "某方案", "--id-kind", "resident_id", "--id-number", BAD_ID, "-u", "wang",
        cwd=tmp_path,
    )  # fmt: skip
    assert result.code == 1
    assert "id_number" in result.err and "居民身份证" in result.err
    assert "Traceback" not in result.err
    assert count(engine, "cases") == 0


def test_an_error_message_keeps_square_brackets_as_typed(engine: Engine, db_url: str, tmp_path: Path) -> None:
    """What people typed is quoted back as text: "[...]" is not terminal markup to swallow."""
    result = run_subprocess(db_url, "case", "show", "X[bold]1[/bold][red]", cwd=tmp_path)
    assert result.code == 3, result.err
    assert "案件“X[bold]1[/bold][red]”不存在" in result.err


def test_demo_prints_the_queue(tmp_path: Path) -> None:
    """SQLite only: the demo builds its own database file."""
    db_file = tmp_path / "demo" / "x.db"
    db_file.parent.mkdir()
    unused = f"sqlite:///{tmp_path}/unused.db"
    result = run_subprocess(unused, "demo", "--db-file", str(db_file), cwd=tmp_path)
    assert result.code == 0, result.err
    assert "待办队列" in result.out and "共 " in result.out
    assert "历下政公开〔2026〕第0001号" in result.out
    assert db_file.exists()


# -- directory -----------------------------------------------------------------------------


def test_agency_and_user_commands(engine: Engine, ogi: Callable[..., Run]) -> None:
    added = ogi(
        "agency", "add", "lixia_zj", "历下区住房和城乡建设局", "--parent", "lixia",
        "--prefix", "历下住建公开", "--json",
    )  # fmt: skip
    assert added.code == 0, added.err
    assert added.json()["parent"] == "lixia"
    assert added.json()["case_no_format"] == "历下住建公开〔{year}〕第{seq:04d}号"
    listed = ogi("agency", "list", "--json")
    assert [a["code"] for a in listed.json()] == ["lixia", "lixia_zj"]
    assert "历下住建公开" in ogi("agency", "list").out

    user = ogi(
        "user",
        "add",
        "zhao",
        "--name",
        "赵磊",
        "--role",
        "caseworker",
        "--agency",
        "lixia_zj",
        "--json",
    )
    assert user.code == 0, user.err
    assert user.json() == {
        "username": "zhao", "display_name": "赵磊", "role": "caseworker",
        "agency": "lixia_zj", "email": "", "active": True,
    }  # fmt: skip
    users = ogi("user", "list", "--json").json()
    assert {u["username"]: u["role"] for u in users} == {
        "admin": "admin", "wang": "caseworker", "chen": "office_head",
        "liu": "supervisor", "zhao": "caseworker",
    }  # fmt: skip
    assert [
        u["username"] for u in ogi("user", "list", "--agency", "lixia_zj", "--json").json()
    ] == ["zhao"]

    before = count(engine, "users")
    bad_role = ogi("user", "add", "sun", "--role", "boss", "--agency", "lixia")
    assert bad_role.code == 1
    assert "role" in bad_role.err and "boss" in bad_role.err
    unknown_agency = ogi("user", "add", "sun", "--role", "caseworker", "--agency", "nowhere")
    assert unknown_agency.code == 3 and "nowhere" in unknown_agency.err
    duplicate = ogi("agency", "add", "lixia", "重复")
    assert duplicate.code == 1 and "code" in duplicate.err
    assert count(engine, "users") == before
    assert count(engine, "agencies") == 2


# -- registration ------------------------------------------------------------------------------


def test_case_register_all_fields_and_refusals(engine: Engine, ogi: Callable[..., Run]) -> None:
    result = ogi(
        "case", "register", "--agency", "lixia", "--applicant", "张伟", "--applicant-type", "自然人",
        "--channel", "互联网", "--received-on", "2026-11-02", "--content", "某项目征收补偿方案",
        "--id-kind", "resident_id", "--id-number", GOOD_ID, "--contact", "13800000000",
        "--form", "电子邮件", "--assignee", "wang", "-u", "wang", "--json",
    )  # fmt: skip
    assert result.code == 0, result.err
    # Mon 11-02 + 20 working days: 11-03..06 (4), 9..13 (9), 16..20 (14), 23..27 (19), 11-30
    assert result.json() == {
        "case_no": "历下政公开〔2026〕第0001号", "version": 1, "state": "in_progress",
        "due": "2026-11-30", "waiting_due": None, "provisional": False,
    }  # fmt: skip
    case = ogi("case", "show", "历下政公开〔2026〕第0001号", "--json").json()["case"]
    assert (case["applicant_type"], case["channel"], case["assignee"]) == (
        "natural_person",
        "online",
        "wang",
    )
    with Session(engine) as session:
        from store.models import CaseRow

        row = session.execute(select(CaseRow)).scalar_one()
        assert (row.id_kind, row.id_number, row.contact, row.requested_form) == (
            "resident_id",
            GOOD_ID,
            "13800000000",
            "电子邮件",
        )

    before = (count(engine, "cases"), count(engine, "case_events"), count(engine, "case_counters"))
    base = ("case", "register", "--applicant", "李娜", "--applicant-type", "自然人", "--channel",
            "online", "--content", "某方案", "-u", "wang")  # fmt: skip
    bad_id = ogi(*base, "--agency", "lixia", "--received-on", "2026-11-03",
                 "--id-kind", "resident_id", "--id-number", BAD_ID)  # fmt: skip
    assert bad_id.code == 1 and "id_number" in bad_id.err
    unknown_agency = ogi(*base, "--agency", "nowhere", "--received-on", "2026-11-03")
    assert unknown_agency.code == 3 and "nowhere" in unknown_agency.err
    future = ogi(*base, "--agency", "lixia", "--received-on", "2026-11-21")
    assert future.code == 1 and "received_on" in future.err
    bad_type = ogi(
        *base[:5], "外星人", *base[6:], "--agency", "lixia", "--received-on", "2026-11-03"
    )
    assert bad_type.code == 1 and "applicant_type" in bad_type.err
    bad_date = ogi(*base, "--agency", "lixia", "--received-on", "2026-11-31")
    assert bad_date.code == 2 and "--received-on" in bad_date.err
    assert (
        count(engine, "cases"),
        count(engine, "case_events"),
        count(engine, "case_counters"),
    ) == before
    # the refusals took no number
    assert register(ogi, "2026-11-03", "李娜") == "历下政公开〔2026〕第0002号"


# -- every action command ----------------------------------------------------------------------


def sh(ogi: Callable[..., Run], line: str) -> Run:
    """`ogi` with its arguments written as on a shell line (case numbers have no spaces)."""
    return ogi(*shlex.split(line))


def test_actions_supplement_consultation_extension_answer_correct(
    engine: Engine, ogi: Callable[..., Run]
) -> None:
    no = register(ogi, "2026-11-02", "张伟", "--assignee", "liu")  # due 11-30

    # only a supervisor (or office head) assigns (RULES §7)
    refused = sh(ogi, f"case assign {no} --to wang -u wang --json")
    assert refused.code == 7 and "分派" in refused.err
    assert ref(sh(ogi, f"case assign {no} --to wang -u liu --json"))[3] == 2
    assert ogi("case", "show", no, "--json").json()["case"]["assignee"] == "wang"

    # 补正 Wed 11-04 with 10 working days: 11-05, 06 (2), 9..13 (7), 16, 17, 18 (10) → 11-18
    result = sh(
        ogi,
        f"case request-supplement {no} --on 2026-11-04 --days 10 --reason 请明确项目名称 -u wang --json",
    )
    assert ref(result) == ("awaiting_supplement", None, "2026-11-18", 3)
    again = sh(ogi, f"case request-supplement {no} --on 2026-11-05 -u wang")
    assert again.code == 1 and "补正" in again.err and "supplement_requested" in again.err

    # received Fri 11-06: 9..13 (5), 16..20 (10), 23..27 (15), 11-30..12-04 (20) → 12-04
    result = sh(ogi, f"case receive-supplement {no} --on 2026-11-06 -u wang --json")
    assert ref(result) == ("in_progress", "2026-12-04", None, 4)

    bad_kind = sh(ogi, f"case start-consultation {no} --on 2026-11-09 --kind neighbour -u wang")
    assert bad_kind.code == 1 and "kind" in bad_kind.err
    # consultation of another agency from Mon 11-09: 19 working days remain (11-10..12-04);
    # their window: 11-10..13 (4), 16..20 (9), 23..27 (14), 11-30 (15) → 11-30; projected due
    # 11-30 + 19: 12-01..04 (4), 7..11 (9), 14..18 (14), 21..25 (19) → 12-25, provisional.
    result = sh(
        ogi,
        f"case start-consultation {no} --on 2026-11-09 --kind agency --party 区财政局 --reason 共同制作 -u wang --json",
    )
    assert ref(result) == ("in_consultation", "2026-12-25", "2026-11-30", 5)
    assert result.json()["provisional"] is True

    # ended Fri 11-13, 19 left: 16..20 (5), 23..27 (10), 11-30..12-04 (15), 12-07..10 → 12-10
    result = sh(ogi, f"case end-consultation {no} --on 2026-11-13 --kind agency -u wang --json")
    assert ref(result) == ("in_progress", "2026-12-10", None, 6)
    assert result.json()["provisional"] is False

    result = sh(
        ogi,
        f"case request-extension {no} --workdays 10 --reason 需要协调 --on 2026-11-16 -u wang --json",
    )
    assert ref(result) == ("in_progress", "2026-12-10", None, 7)
    by_caseworker = sh(ogi, f"case approve-extension {no} --on 2026-11-17 -u wang")
    assert by_caseworker.code == 7 and "负责人" in by_caseworker.err
    stale = sh(ogi, f"case approve-extension {no} --on 2026-11-17 -u chen --expect-version 6")
    assert stale.code == 4 and "version" in stale.err
    # approved: 12-10 + 10: 12-11 (1), 14..18 (6), 21..24 (10) → 12-24, provisional
    result = sh(
        ogi, f"case approve-extension {no} --on 2026-11-17 -u chen --expect-version 7 --json"
    )
    assert ref(result)[1:] == ("2026-12-24", None, 8)
    assert result.json()["provisional"] is True

    unknown_outcome = sh(ogi, f"case answer {no} --outcome bogus -u wang")
    assert unknown_outcome.code == 1 and "outcome" in unknown_outcome.err
    # the report row's Chinese label is accepted as well as the code
    result = sh(ogi, f"case answer {no} --outcome 部分公开 -u wang --json")
    assert ref(result)[0] == "concluded" and ref(result)[3] == 9
    closed = sh(ogi, f"case answer {no} --outcome disclosed -u wang")
    assert closed.code == 1 and "state" in closed.err

    result = sh(
        ogi, f"case correct {no} --applicant-type business --reason 登记时选错类型 -u liu --json"
    )
    assert ref(result)[3] == 10
    bad = sh(ogi, f"case correct {no} --outcome bogus --reason 选错 -u liu")
    assert bad.code == 1 and "outcome" in bad.err
    unknown = sh(ogi, "case answer 历下政公开〔2026〕第9999号 --outcome disclosed -u wang")
    assert unknown.code == 3

    shown = ogi("case", "show", no, "--json").json()
    assert (shown["case"]["applicant_type"], shown["case"]["outcome"]) == ("business", "partial")
    assert shown["case"]["concluded_on"] == "2026-11-20"
    assert [e["seq"] for e in shown["events"]] == list(range(1, 11))
    assert [e["type"] for e in shown["events"]][-2:] == ["answered", "corrected"]
    assert count(engine, "case_events") == 10  # the refusals above wrote nothing


def test_actions_refuse_extension_fees_delay_abandon_withdraw(
    engine: Engine, ogi: Callable[..., Run]
) -> None:
    # refuse-extension: the due date stays 11-30
    no = register(ogi, "2026-11-02")
    assert sh(ogi, f"case request-extension {no} --workdays 5 --reason 复杂 -u wang").code == 0
    result = sh(ogi, f"case refuse-extension {no} --reason 理由不足 -u chen --json")
    assert ref(result) == ("in_progress", "2026-11-30", None, 3)
    nothing_pending = sh(ogi, f"case refuse-extension {no} -u chen")
    assert nothing_pending.code == 1 and "workdays" in nothing_pending.err

    # fee notice by volume (101 pages = 720 元) on Thu 11-05: payment window 20 working days:
    # 11-06 (1), 9..13 (6), 16..20 (11), 23..27 (16), 11-30..12-03 (20) → 12-03
    fee = register(ogi, "2026-11-02", "王强", "--id-kind", "resident_id", "--id-number", GOOD_ID)
    wrong = sh(ogi, f"case send-fee-notice {fee} --method weight --quantity 3 -u wang")
    assert wrong.code == 1 and "method" in wrong.err
    result = sh(
        ogi,
        f"case send-fee-notice {fee} --method volume --quantity 101 --on 2026-11-05 -u wang --json",
    )
    assert ref(result) == ("awaiting_fee", None, "2026-12-03", 2)
    with Session(engine) as session:
        record = session.execute(select(FeeRecord)).scalar_one()
        assert (record.method, record.quantity, int(record.amount_yuan)) == ("volume", 101, 720)
    # paid Tue 11-10: 11..13 (3), 16..20 (8), 23..27 (13), 11-30..12-04 (18), 12-07, 08 → 12-08
    result = sh(ogi, f"case record-fee-paid {fee} --on 2026-11-10 -u wang --json")
    assert ref(result) == ("in_progress", "2026-12-08", None, 3)

    # set-delay (Art. 35) to 2026-12-31: past 12-20, so provisional while 2027 is not loaded
    delay = register(ogi, "2026-11-02", "陈静")
    no_reason = sh(ogi, f"case set-delay {delay} --due 2026-12-31 -u wang")
    assert no_reason.code == 1 and "reason" in no_reason.err
    result = sh(
        ogi,
        f"case set-delay {delay} --due 2026-12-31 --on 2026-11-10 --reason 申请数量明显超过合理范围 -u wang --json",
    )
    assert ref(result) == ("in_progress", "2026-12-31", None, 2)
    assert result.json()["provisional"] is True

    # abandon after the 补正 period: D0 Mon 10-12, 补正 Tue 10-13 with 5 days:
    # 10-14, 15, 16, 19, 20 → 10-20; not on or before that day
    lapsed = register(ogi, "2026-10-12", "刘洋")
    assert sh(ogi, f"case request-supplement {lapsed} --on 2026-10-13 --days 5 -u wang").code == 0
    early = sh(ogi, f"case abandon {lapsed} --on 2026-10-20 -u wang")
    assert early.code == 1 and "2026-10-20" in early.err and "字段：on" in early.err
    result = sh(ogi, f"case abandon {lapsed} --on 2026-10-21 -u wang --json")
    assert ref(result)[0] == "deemed_abandoned"
    assert ogi("case", "show", lapsed, "--json").json()["case"]["outcome"] == "other.no_supplement"

    gone = register(ogi, "2026-11-02", "周杰")
    result = sh(ogi, f"case withdraw {gone} --reason 申请人撤回 -u wang --json")
    assert ref(result)[0] == "withdrawn"
    assert ogi("case", "show", gone, "--json").json()["case"]["outcome"] == "other.other"
    no_user = sh(ogi, f"case withdraw {gone}")
    assert no_user.code == 2 and "--user" in no_user.err


# -- reading: list, show, export ---------------------------------------------------------------


@pytest.fixture
def office(engine: Engine, ogi: Callable[..., Run]) -> dict[str, str]:
    """A small office: cases in lixia and in its department lixia_zj (set up via services)."""
    assert (
        ogi(
            "agency",
            "add",
            "lixia_zj",
            "历下区住房和城乡建设局",
            "--parent",
            "lixia",
            "--prefix",
            "历下住建公开",
        ).code
        == 0
    )

    def new(agency: str, received: dt.date, name: str, assignee: str | None = None) -> str:
        case = NewCase(
            agency, name, "natural_person", "online", received, "某信息", assignee=assignee
        )
        return register_case(engine, case, "liu", today=TODAY).case_no  # a district supervisor

    cases = {
        # 10-12 + 20: 10-13..16 (4), 19..23 (9), 26..30 (14), 11-02..06 (19), 11-09 → overdue
        "overdue": new("lixia", D(2026, 10, 12), "甲", "wang"),
        "nov30": new("lixia", D(2026, 11, 2), "乙", "liu"),  # due 11-30
        # 11-16 + 20: 17..20 (4), 23..27 (9), 11-30..12-04 (14), 7..11 (19), 12-14
        "dec14": new("lixia", D(2026, 11, 16), "丙"),
        # registered before "supplement", so only the sort (not the id) puts it after it
        "closed": new("lixia", D(2026, 10, 26), "戊"),
        "supplement": new("lixia", D(2026, 11, 2), "丁"),
        # 10-19 + 20: 20..23 (4), 26..30 (9), 11-02..06 (14), 9..13 (19), 11-16 → overdue
        "dept": new("lixia_zj", D(2026, 10, 19), "己"),
    }
    act(engine, cases["supplement"], E.SUPPLEMENT_REQUESTED, "wang", on=D(2026, 11, 4), today=TODAY)
    act(
        engine,
        cases["closed"],
        E.ANSWERED,
        "wang",
        on=D(2026, 11, 10),
        today=TODAY,
        outcome="disclosed",
    )
    return cases


def listed(ogi: Callable[..., Run], *args: str) -> list[dict[str, Any]]:
    result = ogi("case", "list", "--json", *args)
    assert result.code == 0, result.err
    return result.json()


def test_case_list_filters(ogi: Callable[..., Run], office: dict[str, str]) -> None:
    c = office
    # the queue shows open cases only; --all adds the closed ones at the end
    assert c["closed"] not in [r["case_no"] for r in listed(ogi, "--agency", "lixia")]
    lixia = listed(ogi, "--agency", "lixia", "--all")
    # soonest due first; then the stopped clock by its waiting deadline; then the closed one
    # (the same order on both databases: NULLs last)
    assert [r["case_no"] for r in lixia] == [
        c["overdue"],
        c["nov30"],
        c["dec14"],
        c["supplement"],
        c["closed"],
    ]
    assert [r["due"] for r in lixia][:4] == ["2026-11-09", "2026-11-30", "2026-12-14", None]
    assert (
        lixia[4]["due"] is not None
    )  # an answered case keeps the due date it was answered against

    region = listed(ogi, "--agency", "lixia", "--region", "--all")
    assert [r["case_no"] for r in region][:4] == [c["overdue"], c["dept"], c["nov30"], c["dec14"]]
    assert len(region) == 6
    assert [r["case_no"] for r in listed(ogi, "--agency", "lixia_zj")] == [c["dept"]]

    assert [r["case_no"] for r in listed(ogi, "--assignee", "wang")] == [c["overdue"]]
    assert [r["case_no"] for r in listed(ogi, "--assignee", "liu")] == [c["nov30"]]
    assert [r["case_no"] for r in listed(ogi, "--state", "awaiting_supplement")] == [
        c["supplement"]
    ]
    assert [r["case_no"] for r in listed(ogi, "--state", "closed")] == [c["closed"]]
    assert len(listed(ogi, "--state", "open")) == 5
    # states by their Chinese label too
    assert [r["case_no"] for r in listed(ogi, "--state", "待补正")] == [c["supplement"]]
    assert [r["case_no"] for r in listed(ogi, "--state", "已结")] == [c["closed"]]
    # search by applicant or content, a range of receipt dates, and pages
    assert [r["case_no"] for r in listed(ogi, "--search", "丙")] == [c["dec14"]]
    received = listed(ogi, "--from", "2026-10-19", "--to", "2026-10-26", "--all")
    assert {r["case_no"] for r in received} == {c["dept"], c["closed"]}
    first = listed(ogi, "--limit", "2", "--page", "1")
    second = listed(ogi, "--limit", "2", "--page", "2")
    assert len(first) == 2 and len(second) == 2 and not {r["case_no"] for r in first} & {
        r["case_no"] for r in second
    }
    assert ogi("case", "list", "--state", "外星").code == 1

    # 5 working days from Fri 11-20: 11-23..27 → cutoff 11-27; 6 → 11-30 takes in nov30
    assert [r["case_no"] for r in listed(ogi, "--due-within", "5")] == [c["overdue"], c["dept"]]
    assert [r["case_no"] for r in listed(ogi, "--due-within", "6")] == [
        c["overdue"],
        c["dept"],
        c["nov30"],
    ]
    overdue = listed(ogi, "--overdue")
    assert [r["case_no"] for r in overdue] == [c["overdue"], c["dept"]]
    assert all(r["overdue"] for r in overdue)
    assert not any(
        r["overdue"] for r in listed(ogi, "--state", "open") if r["case_no"] == c["nov30"]
    )

    bad_state = ogi("case", "list", "--state", "sleeping")
    assert bad_state.code == 1 and "state" in bad_state.err
    table = ogi("case", "list", "--agency", "lixia", "--overdue")
    assert (
        table.code == 0
        and c["overdue"] in table.out
        and "已超期" in table.out
        and "共 1 件" in table.out
    )


def test_case_show_text_and_json(ogi: Callable[..., Run], office: dict[str, str]) -> None:
    no = office["supplement"]
    shown = ogi("case", "show", no)
    assert shown.code == 0, shown.err
    assert no in shown.out and "待补正" in shown.out
    assert "期限计算过程" in shown.out
    assert "第三十三条" in shown.out and "第三十条" in shown.out  # the explanation's legal basis
    assert "2026-11-25" in shown.out  # 补正 on 11-04 + 15: 11-05, 06, 9..13, 16..20, 23, 24, 25

    data = ogi("case", "show", no, "--json").json()
    assert set(data) == {"case", "events", "clock", "due_changes"}
    assert data["due_changes"] == []  # no calendar change moved its deadlines
    assert [e["type"] for e in data["events"]] == ["registered", "supplement_requested"]
    assert set(data["clock"]) == {"due", "clock", "waiting_due", "provisional", "steps"}
    assert (data["clock"]["clock"], data["clock"]["waiting_due"]) == ("stopped", "2026-11-25")
    assert ogi("case", "show", "历下政公开〔2026〕第9999号").code == 3


def test_export_csv_and_json(
    ogi: Callable[..., Run], office: dict[str, str], tmp_path: Path
) -> None:
    data = ogi("export", "--format", "json")
    assert data.code == 0, data.err
    rows = data.json()
    assert {r["case_no"] for r in rows} == set(office.values())

    exported = ogi("export", "--format", "csv", "--agency", "lixia")
    assert exported.code == 0, exported.err
    table = list(csv.DictReader(io.StringIO(exported.out.lstrip("\ufeff"))))
    assert len(table) == 5
    # the ledger's own layout: its eight Chinese columns first, labels rather than codes
    assert list(table[0])[:8] == LEDGER_HEADER
    closed = next(r for r in table if r["申请编号"] == office["closed"])
    assert (closed["办理结果"], closed["答复日期"], closed["状态"], closed["申请人类型"]) == (
        "（一）予以公开",
        "2026-11-10",
        "已办结",
        "自然人",
    )

    # the CSV is a valid ledger (RULES §5) as it stands
    path = tmp_path / "export.csv"
    assert ogi("export", "--format", "csv", "--agency", "lixia", "-o", str(path)).code == 0
    again = read_ledger(path, today=TODAY)
    assert {r.case_no for r in again} == {r["申请编号"] for r in table}
    assert sum(r.outcome is not None for r in again) == 1

    assert ogi("export", "--format", "xml").code == 2


# -- ledger import -------------------------------------------------------------------------------


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([LEDGER_HEADER, *rows])
    return path


GOOD_ROWS = [
    ["台账〔2026〕001", "自然人", "赵六", "当面提交", "2026-10-09", "某小区改造方案", "予以公开", "2026-10-20"],
    ["台账〔2026〕002", "商业企业", "某置业有限公司", "邮寄", "2026/11/2", "财政专项资金分配", "", ""],
    ["台账〔2025〕099", "科研机构", "某研究所", "互联网", "2025-12-15", "统计数据", "本机关不掌握相关政府信息", "2026-01-10"],
]  # fmt: skip


def test_import_ledger_csv_dry_run_then_real(
    engine: Engine, ogi: Callable[..., Run], tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "台账.csv", GOOD_ROWS)

    dry = ogi("import", "ledger", str(path), "--agency", "lixia", "--dry-run")
    assert dry.code == 0, dry.err
    assert "--dry-run" in dry.out and "共 3 件" in dry.out
    assert (count(engine, "cases"), count(engine, "case_events")) == (0, 0)

    real = ogi("import", "ledger", str(path), "--agency", "lixia", "--json")
    assert real.code == 0, real.err
    assert real.json() == {"rows": 3, "open_cases": 1, "concluded": 2, "dry_run": False}
    assert count(engine, "cases") == 3

    concluded = ogi("case", "show", "台账〔2026〕001", "--json").json()
    assert (concluded["case"]["state"], concluded["case"]["outcome"]) == ("concluded", "disclosed")
    assert (
        concluded["case"]["concluded_on"] == "2026-10-20" and concluded["case"]["imported"] is True
    )
    assert [e["type"] for e in concluded["events"]] == ["imported"]  # no invented history
    older = ogi("case", "show", "台账〔2025〕099", "--json").json()["case"]
    assert (older["applicant_type"], older["outcome"], older["concluded_on"]) == (
        "research",
        "unavailable.not_held",
        "2026-01-10",
    )
    # the open one has a live deadline: Mon 11-02 + 20 working days → 11-30
    still_open = ogi("case", "show", "台账〔2026〕002", "--json").json()
    assert (still_open["case"]["state"], still_open["case"]["due"]) == ("in_progress", "2026-11-30")
    assert still_open["clock"]["clock"] == "running"
    assert (still_open["case"]["applicant_type"], still_open["case"]["channel"]) == (
        "business",
        "mail",
    )
    assert [r["case_no"] for r in listed(ogi, "--state", "open")] == ["台账〔2026〕002"]

    # the same file again: rejected, naming the existing numbers, nothing written
    twice = ogi("import", "ledger", str(path), "--agency", "lixia")
    assert twice.code == 1
    for number in ("台账〔2026〕001", "台账〔2026〕002", "台账〔2025〕099"):
        assert number in twice.err
    assert "已存在" in twice.err
    assert (count(engine, "cases"), count(engine, "case_events")) == (3, 3)

    unknown_agency = ogi(
        "import", "ledger", str(write_csv(tmp_path / "b.csv", [])), "--agency", "nowhere"
    )
    assert unknown_agency.code == 3


def test_import_ledger_xlsx(engine: Engine, ogi: Callable[..., Run], tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(LEDGER_HEADER)
    # dates as real date cells, labels and codes mixed as offices write them
    sheet.append(
        [
            "XL-001",
            "natural_person",
            "钱七",
            "online",
            dt.datetime(2026, 11, 16),
            "某批复文件",
            None,
            None,
        ]
    )
    sheet.append(
        [
            "XL-002",
            "法人或其他组织 · 法律服务机构",
            "某律师事务所",
            "传真",
            dt.datetime(2026, 9, 1),
            "某许可证",
            "部分公开",
            dt.datetime(2026, 9, 20),
        ]
    )
    path = tmp_path / "台账.xlsx"
    book.save(path)

    result = ogi("import", "ledger", str(path), "--agency", "lixia", "--json")
    assert result.code == 0, result.err
    assert result.json()["rows"] == 2
    opened = ogi("case", "show", "XL-001", "--json").json()["case"]
    # Mon 11-16 + 20: 17..20 (4), 23..27 (9), 11-30..12-04 (14), 7..11 (19), 12-14
    assert (opened["state"], opened["due"], opened["received_on"]) == (
        "in_progress",
        "2026-12-14",
        "2026-11-16",
    )
    done = ogi("case", "show", "XL-002", "--json").json()["case"]
    assert (done["applicant_type"], done["channel"], done["outcome"], done["concluded_on"]) == (
        "legal_services",
        "fax",
        "partial",
        "2026-09-20",
    )
    assert count(engine, "cases") == 2


def test_import_ledger_with_bad_rows_writes_nothing(
    engine: Engine, ogi: Callable[..., Run], tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "bad.csv",
        [
            GOOD_ROWS[0],  # row 2: fine
            [
                "B-1",
                "自然人",
                "孙八",
                "互联网",
                "2026-13-01",
                "某内容",
                "",
                "",
            ],  # row 3: no month 13
            ["B-2", "外星人", "周九", "互联网", "2026-11-02", "某内容", "", ""],  # row 4: bad type
            ["B-3", "自然人", "吴十", "互联网", "2026-11-02", "某内容", "予以公开", ""],  # row 5
            ["B-4", "自然人", "郑一", "互联网", "2026-12-01", "某内容", "", ""],  # row 6: future
        ],
    )
    result = ogi("import", "ledger", str(path), "--agency", "lixia")
    assert result.code == 1
    for line in ("第3行", "第4行", "第5行", "第6行"):
        assert line in result.err
    assert "第2行" not in result.err
    assert "收到申请日期" in result.err and "申请人类型" in result.err and "答复日期" in result.err
    assert (count(engine, "cases"), count(engine, "case_events")) == (0, 0)


def test_register_after_importing_ledger_with_own_numbering(
    engine: Engine, ogi: Callable[..., Run], tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "own.csv",
        [
            ["历下政公开〔2026〕第0001号", "自然人", "赵六", "当面提交", "2026-10-09", "某方案", "予以公开", "2026-10-20"],
            ["历下政公开〔2026〕第0002号", "自然人", "钱七", "互联网", "2026-11-02", "某文件", "", ""],
        ],
    )  # fmt: skip
    assert ogi("import", "ledger", str(path), "--agency", "lixia").code == 0
    result = ogi(
        "case", "register", "--agency", "lixia", "--applicant", "张伟", "--applicant-type", "自然人",
        "--channel", "online", "--received-on", "2026-11-16", "--content", "某方案", "-u", "wang", "--json",
    )  # fmt: skip
    assert result.code == 0
    assert result.json()["case_no"] == "历下政公开〔2026〕第0003号"


# -- calendar and deadline ------------------------------------------------------------------


def test_calendar_status_parse_and_import_notice(
    engine: Engine, ogi: Callable[..., Run], tmp_path: Path, notice_2027: str
) -> None:
    status = ogi("calendar", "status")
    assert status.code == 0, status.err
    assert "2026-12-31" in status.out
    assert "2027" in status.err  # today 11-20 is past 1 November and 2027 is not loaded
    assert ogi("calendar", "status", "--json").json()["coverage"] == "2026-12-31"

    notice_2026 = NOTICES / "2026.txt"
    parsed = ogi("calendar", "parse-notice", str(notice_2026), "--json")
    assert parsed.code == 0, parsed.err
    expected_holidays = sorted(
        d.isoformat() for d in chinese_calendar.holidays if d.year == 2026
    )
    expected_workdays = sorted(
        d.isoformat() for d in chinese_calendar.workdays if d.year == 2026 and d.weekday() >= 5
    )
    assert {k: parsed.json()[k] for k in ("year", "holidays", "workdays")} == {
        "year": 2026,
        "holidays": expected_holidays,
        "workdays": expected_workdays,
    }

    no = register(ogi, "2026-11-20")  # today + 20 → 12-18; then extend by 20 → 2027-01-18
    ogi("case", "request-extension", no, "--workdays", "20", "--reason", "复杂", "-u", "wang")
    extended = ogi("case", "approve-extension", no, "-u", "chen", "--json").json()
    assert (extended["due"], extended["provisional"]) == ("2027-01-18", True)

    path = tmp_path / "2027.txt"
    path.write_text(notice_2027, encoding="utf-8")
    imported = ogi("calendar", "import-notice", str(path), "--yes", "--json")
    assert imported.code == 0, imported.err
    # 元旦 3 + 春节 9 + 清明 3 + 劳动节 5 + 端午 1 + 中秋 1 + 国庆 7 = 29 days off, 5 make-up days
    assert imported.json()["added"] == 29 + 5
    after = ogi("calendar", "status", "--json").json()
    assert (after["coverage"], after["warning"]) == ("2027-12-31", None)
    shown = ogi("case", "show", no, "--json").json()["case"]
    assert (shown["due"], shown["provisional"]) == ("2027-01-18", False)

    missing = ogi("calendar", "parse-notice", str(tmp_path / "none.txt"))
    assert missing.code == 2


def test_deadline_explain_contract(engine: Engine, ogi: Callable[..., Run], tmp_path: Path) -> None:
    # D0 Thu 2026-04-30: 劳动节 05-01..05 off, Sat 05-09 works. 20: 05-06, 07, 08 (3),
    # 09 (4), 11..15 (9), 18..22 (14), 25..29 (19), 06-01 (20). A consultation 05-12..05-14
    # pauses 05-13 and 05-14 (2 working days) → 06-01 + 2 = 06-02, 06-03.
    good = tmp_path / "case.json"
    good.write_text(json.dumps({
        "received_on": "2026-04-30",
        "events": [
            {"type": "consultation_started", "on": "2026-05-12", "kind": "third_party", "party": "某公司"},
            {"type": "consultation_ended", "on": "2026-05-14"},
        ],
    }), encoding="utf-8")  # fmt: skip
    result = ogi("deadline", "explain", str(good), "--json")
    assert result.code == 0, result.err
    data = result.json()
    assert set(data) == {"due", "clock", "waiting_due", "provisional", "steps"}
    assert (data["due"], data["clock"], data["waiting_due"], data["provisional"]) == (
        "2026-06-03",
        "running",
        None,
        False,
    )
    assert len(data["steps"]) == 3

    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({
        "received_on": "2026-11-02",
        "events": [
            {"type": "supplement_requested", "on": "2026-11-03"},
            {"type": "supplement_received", "on": "2026-11-05"},
            {"type": "supplement_requested", "on": "2026-11-06"},
        ],
    }), encoding="utf-8")  # fmt: skip
    refused = ogi("deadline", "explain", str(bad), "--json")
    assert refused.code != 0
    assert "第3个事件" in refused.err and "supplement_requested" in refused.err
    assert "补正" in refused.err
    assert refused.out == ""
