"""Loading the State Council's notice as published, on SQLite and PostgreSQL (RULES §1, §5).

Whole notices (title, 文号, addressee, schedule, closing paragraphs, signature and date) import
in one command; adjustment notices replace only the festivals they name; a preview shows the
days and the open cases that would move before anything is written; errata are loaded by
`ogi init`; `ogi calendar show YEAR --json` prints the calendar as the engine uses it.

Expected dates are counted by hand from the notices (weekdays: 2027-01-01 is a Friday).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import chinese_calendar
import ops
from conftest import FIXTURES, Run
from ops import NewCase, register_case
from sqlalchemy import Engine, text

D = dt.date
AS_PUBLISHED = FIXTURES / "holiday-notices" / "as-published"

NOTICE_2027 = """国务院办公厅关于2027年部分节假日安排的通知
国办发明电〔2026〕9号

各省、自治区、直辖市人民政府，国务院各部委、各直属机构：
经国务院批准，现将2027年元旦、春节、清明节、劳动节、端午节、中秋节和国庆节放假调休日期的具体安排通知如下。
一、元旦：1月1日（周五）至3日（周日）放假，共3天。
二、春节：2月5日（农历除夕、周五）至13日（农历正月初八、周六）放假调休，共9天。2月20日（周六）上班。
三、清明节：4月3日（周六）至5日（周一）放假，共3天。
四、劳动节：5月1日（周六）至5日（周三）放假调休，共5天。4月25日（周日）、5月8日（周六）上班。
五、端午节：6月9日（周三）放假，共1天。
六、中秋节：9月15日（周三）放假，共1天。
七、国庆节：10月1日（周五）至7日（周四）放假调休，共7天。9月26日（周日）、10月9日（周六）上班。
节假日期间，各地区、各部门要妥善安排好值班和安全、保卫、疫情防控等工作，遇有重大突发事件，要按规定及时报告并妥善处置，确保人民群众祥和平安度过节日假期。

国务院办公厅
2026年11月10日
"""

ADJUSTMENT_2027 = """国务院办公厅关于调整2027年劳动节假期安排的通知
国办发明电〔2027〕3号

各省、自治区、直辖市人民政府，国务院各部委、各直属机构：
为满足广大人民群众节假日出游消费需求，经国务院批准，现将2027年劳动节假期调整如下：
劳动节：5月1日（周六）至4日（周二）放假调休，共4天。4月25日（周日）上班。
请广大人民群众提前安排好工作生活。

国务院办公厅
二〇二七年三月二日
"""

# By hand from NOTICE_2027: the weekdays off and the working weekend days.
HOLIDAYS_2027 = [
    "2027-01-01",
    "2027-02-05", "2027-02-08", "2027-02-09", "2027-02-10", "2027-02-11", "2027-02-12",
    "2027-04-05",
    "2027-05-03", "2027-05-04", "2027-05-05",
    "2027-06-09",
    "2027-09-15",
    "2027-10-01", "2027-10-04", "2027-10-05", "2027-10-06", "2027-10-07",
]  # fmt: skip
WORKDAYS_2027 = ["2027-02-20", "2027-04-25", "2027-05-08", "2027-09-26", "2027-10-09"]


def write(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def count(engine: Engine, sql: str) -> int:
    with engine.connect() as connection:
        return connection.execute(text(sql)).scalar_one()


def test_init_loads_the_erratum_and_show_reports_it(engine: Engine, ogi: Callable[..., Run]) -> None:
    assert count(engine, "SELECT count(*) FROM calendar_entries WHERE source = 'erratum'") == 1
    shown = ogi("calendar", "show", "2005", "--json")
    assert shown.code == 0, shown.err
    data = shown.json()
    assert data["year"] == 2005 and data["official"] is True
    assert "2005-12-31" in data["workdays"]  # a Saturday worked before 2006's 元旦 (the package says off)
    assert data["sources"]["2005-12-31"] == "erratum"
    assert data["sources"]["2005-10-03"] == "package"
    expected = sorted(
        d.isoformat() for d in chinese_calendar.holidays if d.year == 2005 and d.weekday() < 5
    )
    assert data["holidays"] == expected


def test_schedule_then_adjustment_as_published_gives_the_package_year(
    engine: Engine, ogi: Callable[..., Run]
) -> None:
    main = ogi("calendar", "import-notice", str(AS_PUBLISHED / "2019.txt"), "--yes", "--json")
    assert main.code == 0, main.err
    after_main = ogi("calendar", "show", "2019", "--json").json()
    # the original notice gave 劳动节 one day: 05-02 and 05-03 were working days then
    assert "2019-05-01" in after_main["holidays"] and "2019-05-02" not in after_main["holidays"]
    assert after_main["sources"]["2019-05-01"] == "notice"

    adjusted = ogi(
        "calendar", "import-notice", str(AS_PUBLISHED / "2019-labour-adjustment.txt"), "--yes",
        "--json",
    )  # fmt: skip
    assert adjusted.code == 0, adjusted.err
    assert adjusted.json()["kind"] == "adjustment"
    assert adjusted.json()["festivals"] == ["劳动节"]
    shown = ogi("calendar", "show", "2019", "--json").json()
    package_off = sorted(
        d.isoformat() for d in chinese_calendar.holidays if d.year == 2019 and d.weekday() < 5
    )
    package_work = sorted(
        d.isoformat()
        for d in chinese_calendar.workdays
        if d.year == 2019 and d.weekday() >= 5
    )
    assert shown["holidays"] == package_off
    assert shown["workdays"] == package_work
    # the adjustment kept every other festival of the main notice
    assert shown["sources"]["2019-10-07"] == "notice"


def test_future_year_preview_confirm_adjust_and_show(
    engine: Engine, ogi: Callable[..., Run], tmp_path: Path
) -> None:
    # A case received on 2027-01-20 while 2027 is provisional: 春节 by the law is 除夕 02-05 (Fri)
    # and 初一–初三 02-06..08; Sat 06 and Sun 07 are made up on Tue 09 and Wed 10. Counting 20:
    # Jan 21, 22 (2), 25–29 (7), Feb 1–4 (11), 11, 12 (13), 15–19 (18), 22 (19), 23 (20).
    ref = register_case(engine, _new_case(D(2027, 1, 20)), "wang", today=D(2027, 1, 20))
    assert (ref.due, ref.provisional) == (D(2027, 2, 23), True)
    notice = write(tmp_path, "2027年节假日安排.txt", NOTICE_2027)
    entries_before = count(engine, "SELECT count(*) FROM calendar_entries")

    preview = ogi("calendar", "import-notice", str(notice), "--dry-run", "--json")
    assert preview.code == 0, preview.err
    data = preview.json()
    assert data["written"] is False and data["kind"] == "schedule"
    assert data["document_no"] == "国办发明电〔2026〕9号"
    assert data["added"] == 29 + 5  # 3 + 9 + 3 + 5 + 1 + 1 + 7 days off, 5 make-up days
    # By the notice: Feb 5 and 8–12 off, Sat 20 works: … Feb 1–4 (11), 15–19 (16), 20 (17),
    # 22 (18), 23 (19), 24 (20).
    assert data["moved_count"] == 1
    assert data["moved"] == [
        {
            "case_no": ref.case_no,
            "deadline": "answer",
            "old_due": "2027-02-23",
            "new_due": "2027-02-24",
            "shift_workdays": 1,
        }
    ]
    changed = {d["day"]: (d["was_workday"], d["now_workday"]) for d in data["days"]}
    assert changed["2027-02-11"] == (True, False)  # provisional work day, off by the notice
    assert changed["2027-02-20"] == (False, True)  # a Saturday that is worked
    # nothing was written by the preview
    assert count(engine, "SELECT count(*) FROM calendar_entries") == entries_before
    assert count(engine, "SELECT count(*) FROM due_changes") == 0

    refused = ogi("calendar", "import-notice", str(notice))  # no --yes, stdin not a terminal
    assert refused.code == 2 and "--yes" in refused.err
    assert count(engine, "SELECT count(*) FROM calendar_entries") == entries_before

    done = ogi("calendar", "import-notice", str(notice), "--yes", "--json")
    assert done.code == 0, done.err
    assert done.json()["written"] is True
    assert count(engine, "SELECT count(*) FROM due_changes") == 1
    shown = ogi("calendar", "show", "2027", "--json").json()
    assert shown["official"] is True
    assert shown["holidays"] == HOLIDAYS_2027
    assert shown["workdays"] == WORKDAYS_2027
    assert {shown["sources"][d] for d in HOLIDAYS_2027 + WORKDAYS_2027} == {"notice"}
    case = ogi("case", "show", ref.case_no, "--json").json()["case"]
    assert (case["due"], case["provisional"]) == ("2027-02-24", False)

    again = ogi("calendar", "import-notice", str(notice), "--yes", "--json").json()
    assert (again["added"], again["replaced"], again["days"], again["moved_count"]) == (34, 34, [], 0)

    adjustment = write(tmp_path, "调整劳动节.txt", ADJUSTMENT_2027)
    adjusted = ogi("calendar", "import-notice", str(adjustment), "--yes", "--json")
    assert adjusted.code == 0, adjusted.err
    assert (adjusted.json()["kind"], adjusted.json()["festivals"]) == ("adjustment", ["劳动节"])
    shown = ogi("calendar", "show", "2027", "--json").json()
    assert shown["holidays"] == [d for d in HOLIDAYS_2027 if d != "2027-05-05"]
    assert shown["workdays"] == [d for d in WORKDAYS_2027 if d != "2027-05-08"]
    # every other festival stayed as the first notice gave it
    assert {shown["sources"][d] for d in shown["holidays"]} == {"notice"}

    text_view = ogi("calendar", "show", "2027")
    assert text_view.code == 0 and "5月" in text_view.out and "休" in text_view.out


def _new_case(received_on: dt.date) -> NewCase:
    return NewCase(
        agency="lixia",
        applicant_name="张伟",
        applicant_type="natural_person",
        channel="online",
        received_on=received_on,
        content="某项目征收补偿方案",
    )


def test_bad_notices_are_refused_and_write_nothing(
    engine: Engine, ogi: Callable[..., Run], tmp_path: Path
) -> None:
    before = count(engine, "SELECT count(*) FROM calendar_entries")
    no_schedule = write(
        tmp_path, "空.txt", "国务院办公厅关于2027年部分节假日安排的通知\n各地区要妥善安排好值班。\n"
    )
    result = ogi("calendar", "import-notice", str(no_schedule), "--yes")
    assert result.code == 1 and "安排" in result.err

    garbled = NOTICE_2027.replace("五、端午节：6月9日（周三）放假，共1天。", "五、端午节：6月9日（周三）放个假吧。")
    result = ogi("calendar", "import-notice", str(write(tmp_path, "坏.txt", garbled)), "--yes")
    assert result.code == 1
    assert "第" in result.err and "端午节" in result.err  # the line is named

    wrong_weekday = NOTICE_2027.replace("6月9日（周三）", "6月9日（周四）")
    result = ogi("calendar", "import-notice", str(write(tmp_path, "错.txt", wrong_weekday)), "--yes")
    assert result.code == 1 and "6月9日" in result.err

    assert ogi("calendar", "import-notice", str(tmp_path / "无此文件.txt"), "--yes").code == 2
    assert ogi("calendar", "import-notice", str(tmp_path), "--yes").code == 2
    assert count(engine, "SELECT count(*) FROM calendar_entries") == before


def test_only_an_administrator_imports_a_notice(
    engine: Engine, ogi: Callable[..., Run], tmp_path: Path
) -> None:
    before = count(engine, "SELECT count(*) FROM calendar_entries")
    notice = str(write(tmp_path, "2027.txt", NOTICE_2027))
    caseworker = ogi("calendar", "import-notice", notice, "--yes", "-u", "wang")
    assert caseworker.code == 7 and "管理员" in caseworker.err
    stranger = ogi("calendar", "import-notice", notice, "--yes", "-u", "nobody")
    assert stranger.code == 3 and "nobody" in stranger.err
    override = ogi("calendar", "override", "2027-01-04", "--kind", "放假", "-u", "liu")
    assert override.code == 7
    assert count(engine, "SELECT count(*) FROM calendar_entries") == before


def test_service_preview_equals_the_import(engine: Engine, tmp_path: Path) -> None:
    """The preview computes exactly what the import then writes."""
    from domain.notice import parse_notice

    notice = parse_notice(NOTICE_2027)
    preview = ops.import_notice(engine, notice, dry_run=True)
    done = ops.import_notice(engine, notice)
    assert preview.entries == done.entries
    assert preview.change.days == done.change.days
    assert (preview.change.written, done.change.written) == (False, True)
