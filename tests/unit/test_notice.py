"""The holiday notice parser and merge, checked day by day against chinese_calendar.

chinese_calendar encodes the same State Council notices, so a calendar built from a parsed
notice agreeing with it on every day of the year is the strongest evidence that the parser
reads the notice's wording correctly. The notices are the copies in tests/fixtures/
holiday-notices/ (whole notices as published in as-published/). Expected dates that are not
taken from the package are counted by hand from the notice text quoted next to them.
"""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from pathlib import Path

import chinese_calendar
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.calendar import (
    CalendarEntry,
    EntryKind,
    EntrySource,
    WorkCalendar,
    errata_entries,
    package_entries,
)
from domain.errors import DomainError
from domain.notice import NoticeEntry, NoticeParseError, ParsedNotice, merge_notice, parse_notice

TESTS = Path(__file__).resolve().parents[1]
FIXTURES = TESTS / "fixtures" / "holiday-notices"
SHARED = TESTS.parent.parent / "shared" / "reference" / "holiday-notices"
ERRATA = errata_entries(
    json.loads((TESTS.parent / "seeds" / "calendar" / "errata.json").read_text(encoding="utf-8"))
)
ERRATUM_DAYS = {e.day for e in ERRATA}

H, W = EntryKind.HOLIDAY, EntryKind.WORKDAY

SCHEDULES = [
    "2017.txt",
    "2020.txt",
    "2024.txt",
    "2025.txt",
    "2026.txt",
    "as-published/2010.txt",
    "as-published/2013.txt",
    "as-published/2016.txt",
    "as-published/2019.txt",
]

# The 2023 notice, written from its published text; its 元旦 block starts in 2022.
NOTICE_2023 = """\
国务院办公厅关于2023年部分节假日安排的通知
各省、自治区、直辖市人民政府，国务院各部委、各直属机构：
一、元旦：2022年12月31日至2023年1月2日放假调休，共3天。
二、春节：1月21日至27日放假调休，共7天。1月28日（星期六）、1月29日（星期日）上班。
三、清明节：4月5日放假，共1天。
四、劳动节：4月29日至5月3日放假调休，共5天。4月23日（星期日）、5月6日（星期六）上班。
五、端午节：6月22日至24日放假调休，共3天。6月25日（星期日）上班。
六、中秋节、国庆节：9月29日至10月6日放假调休，共8天。10月7日（星期六）、10月8日（星期日）上班。
节假日期间，各地区、各部门要妥善安排好值班和安全、保卫等工作。
"""

# A made-up notice for 2031 and an adjustment of its 国庆节; weekdays checked on a calendar:
# 2031-01-01 is a Wednesday, 04-27 a Sunday, 05-01 a Thursday, 09-27 a Saturday, 09-28 a
# Sunday, 10-01 a Wednesday, 10-11 a Saturday.
NOTICE_2031 = """\
国务院办公厅关于2031年部分节假日安排的通知
国办发明电〔2030〕9号
各省、自治区、直辖市人民政府，国务院各部委、各直属机构：
经国务院批准，现将2031年元旦、劳动节和国庆节放假调休日期的具体安排通知如下。
一、元旦：1月1日（周三）放假1天，不调休。
二、劳动节：5月1日（周四）至5日（周一）放假调休，共5天。4月27日（周日）上班。
三、国庆节：10月1日（周三）至7日（周二）放假调休，共7天。9月28日（周日）、10月11日（周六）上班。
节假日期间，各地区、各部门要妥善安排好值班和安全、保卫等工作。
国务院办公厅
二〇三〇年十一月三日
"""

ADJUSTMENT_2031 = """\
国务院办公厅关于调整2031年国庆节假期安排的通知
国办发明电〔2031〕2号
各省、自治区、直辖市人民政府，国务院各部委、各直属机构：
经国务院批准，现将调整2031年国庆节放假安排通知如下。
一、2031年10月1日至8日放假调休，共8天。9月27日（星期六）、10月11日（星期六）上班。
二、各地区、各部门要抓紧做好国庆节假期调整落实工作。
国务院办公厅
2031年3月1日
"""


def _read(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def _days_of(year: int) -> list[date]:
    first = date(year, 1, 1)
    return [first + timedelta(days=n) for n in range((date(year, 12, 31) - first).days + 1)]


def _imported(*texts: str) -> list[CalendarEntry]:
    """The year's notice entries after importing the notices in order."""
    entries: list[CalendarEntry] = []
    for text in texts:
        notice = parse_notice(text)
        assert notice.problems == ()
        entries = merge_notice(entries, notice, notice.origin)
    return entries


def _disagreements(entries: list[CalendarEntry], year: int) -> tuple[int, list[date]]:
    """Days (of the year, and of its blocks in other years) where the calendar of package +
    these notice entries + errata disagrees with chinese_calendar, and how many were checked."""
    calendar = WorkCalendar.from_package([*entries, *ERRATA])
    checked = [*_days_of(year), *sorted({e.day for e in entries if e.day.year != year})]
    wrong = [
        day
        for day in checked
        if day not in ERRATUM_DAYS
        and calendar.is_workday(day).workday != chinese_calendar.is_workday(day)
    ]
    return len(checked), wrong


# ------------------------------------------------------------------------- fixtures


def test_fixtures_are_copies_of_the_shared_reference() -> None:
    copies = sorted(p.relative_to(FIXTURES) for p in FIXTURES.rglob("*") if p.is_file())
    if not SHARED.is_dir():
        assert len(copies) >= 12
        return
    originals = sorted(p.relative_to(SHARED) for p in SHARED.rglob("*") if p.is_file())
    assert originals
    for name in originals:
        assert (FIXTURES / name).read_bytes() == (SHARED / name).read_bytes(), name


# ----------------------------------------------------------------- day by day checks


@pytest.mark.parametrize(
    "name", [n for n in SCHEDULES if n not in ("2020.txt", "as-published/2019.txt")]
)
def test_reference_notice_agrees_with_chinese_calendar_every_day(name: str) -> None:
    notice = parse_notice(_read(name))
    assert notice.kind == "schedule"
    entries = _imported(_read(name))
    checked, wrong = _disagreements(entries, notice.year)
    assert wrong == []
    assert checked >= 365
    # The make-up working weekends are exactly the package's for that schedule year.
    package_makeup = {e.day for e in package_entries() if e.kind is W and e.year == notice.year}
    assert set(notice.workdays) == package_makeup


def test_2019_main_notice_alone_misses_only_the_labour_day_adjustment() -> None:
    # 2019.txt 四、劳动节：5月1日放假 — the adjustment (国办发明电〔2019〕3号) later made it
    # 5月1日至4日 with 4月28日（星期日）、5月5日（星期日）上班. The main notice alone must
    # therefore differ from the package on exactly those four days, and nowhere else.
    checked, wrong = _disagreements(_imported(_read("as-published/2019.txt")), 2019)
    assert checked == 365 + 3  # plus 2018-12-29..31 of the 2019 元旦 block
    assert wrong == [date(2019, 4, 28), date(2019, 5, 2), date(2019, 5, 3), date(2019, 5, 5)]


def test_2019_main_notice_then_adjustment_is_the_package_2019() -> None:
    main = _read("as-published/2019.txt")
    adjustment = _read("as-published/2019-labour-adjustment.txt")
    entries = _imported(main, adjustment)
    checked, wrong = _disagreements(entries, 2019)
    assert (checked, wrong) == (368, [])
    # Only 劳动节 changed: its four days off and two working Sundays cite the adjustment,
    # everything else still cites the main notice.
    labour = {(e.day, e.kind) for e in entries if e.festival == "劳动节"}
    assert labour == {
        *((date(2019, 5, d), H) for d in (1, 2, 3, 4)),
        (date(2019, 4, 28), W),
        (date(2019, 5, 5), W),
    }
    assert {e.origin for e in entries if e.festival == "劳动节"} == {
        "国办发明电〔2019〕3号（2019-03-22）"
    }
    main_entries = _imported(main)
    others = [e for e in entries if e.festival != "劳动节"]
    assert others == [e for e in main_entries if e.festival != "劳动节"]
    assert {e.origin for e in others} == {"国办发明电〔2018〕15号（2018-12-04）"}
    assert all(e.source is EntrySource.NOTICE and e.year == 2019 for e in entries)


def test_2020_notice_then_extension_is_the_package_2020() -> None:
    # 2020.txt alone: 春节 1月24日至30日, 2月1日（星期六）上班. The extension moved the end to
    # 2月2日, so alone it differs on 1月31日 (Fri) and 2月1日 (the working Saturday).
    checked, wrong = _disagreements(_imported(_read("2020.txt")), 2020)
    assert wrong == [date(2020, 1, 31), date(2020, 2, 1)]
    entries = _imported(_read("2020.txt"), _read("2020-extension.txt"))
    checked, wrong = _disagreements(entries, 2020)
    assert (checked, wrong) == (366, [])
    by_day = {e.day: e for e in entries}
    for day in (date(2020, 1, 31), date(2020, 2, 1), date(2020, 2, 2)):
        assert (by_day[day].kind, by_day[day].festival) == (H, "春节")
        assert by_day[day].origin == "国办发明电〔2020〕1号"
    assert by_day[date(2020, 1, 19)].kind is W  # the other 春节 working Sunday stays


def test_2023_block_starting_in_the_previous_year() -> None:
    notice = parse_notice(NOTICE_2023)
    assert notice.blocks[0] == ("元旦", date(2022, 12, 31), date(2023, 1, 2))
    assert notice.blocks[-1] == ("中秋节、国庆节", date(2023, 9, 29), date(2023, 10, 6))
    entries = _imported(NOTICE_2023)
    assert {e.year for e in entries} == {2023}
    assert _disagreements(entries, 2023) == (366, [])  # 365 days + 2022-12-31
    # The same block written without years still belongs to 2023.
    short = NOTICE_2023.replace("2022年12月31日至2023年1月2日", "12月31日至1月2日")
    assert parse_notice(short).blocks[0] == ("元旦", date(2022, 12, 31), date(2023, 1, 2))


# ------------------------------------------------------------------- what is read


def test_as_published_metadata() -> None:
    n2010 = parse_notice(_read("as-published/2010.txt"))
    assert n2010.title == "国务院办公厅关于2010年部分节假日安排的通知"
    assert n2010.document_no == "国办发明电〔2009〕27号"
    assert n2010.issued_on == date(2009, 12, 7)  # 二○○九年十二月七日
    assert n2010.kind == "schedule"
    assert n2010.festivals == ("元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节")
    assert n2010.problems == ()
    n2016 = parse_notice(_read("as-published/2016.txt"))
    assert (n2016.document_no, n2016.issued_on) == ("国办发明电〔2015〕18号", date(2015, 12, 10))
    adjustment = parse_notice(_read("as-published/2019-labour-adjustment.txt"))
    assert adjustment.year == 2019
    assert adjustment.kind == "adjustment"
    assert adjustment.festivals == ("劳动节",)
    assert adjustment.origin == "国办发明电〔2019〕3号（2019-03-22）"
    extension = parse_notice(_read("2020-extension.txt"))
    assert (extension.kind, extension.festivals) == ("extension", ("春节",))
    assert extension.extensions == (("春节", date(2020, 2, 2)),)
    assert extension.entries == ()
    # The 2026 notice as given here has no number; its date is in the title's parentheses.
    n2026 = parse_notice(_read("2026.txt"))
    assert (n2026.document_no, n2026.issued_on) == (None, date(2025, 11, 4))


def test_fanjia_gongxiu_2010() -> None:
    # 一、元旦：1月1日至3日放假公休，共3天。三、清明节：4月3日至5日放假公休。
    # 四、劳动节：5月1日至3日放假公休。
    notice = parse_notice(_read("as-published/2010.txt"))
    by_day = {e.day: e for e in notice.entries}
    for day, festival in [
        (date(2010, 1, 1), "元旦"),
        (date(2010, 1, 3), "元旦"),
        (date(2010, 4, 5), "清明节"),
        (date(2010, 5, 3), "劳动节"),
    ]:
        assert by_day[day] == NoticeEntry(day, H, festival)
    # 二、春节 … 2月20日（星期六）、21日（星期日）上班: 21日 takes the month of 20日.
    assert by_day[date(2010, 2, 21)] == NoticeEntry(date(2010, 2, 21), W, "春节")


def test_each_entry_carries_its_festival() -> None:
    notice = parse_notice(_read("2017.txt"))
    by_day = {e.day: e.festival for e in notice.entries}
    assert by_day[date(2017, 1, 2)] == "元旦"  # 1月2日（星期一）补休
    assert by_day[date(2017, 1, 22)] == "春节"  # 1月22日（星期日）上班
    assert by_day[date(2017, 10, 8)] == "中秋节、国庆节"  # 六、中秋节、国庆节
    # 2020 writes 国庆节、中秋节: the same combined festival, in the law's order.
    assert {e.festival for e in parse_notice(_read("2020.txt")).entries if e.day.month == 10} == {
        "中秋节、国庆节"
    }


def test_encouraged_day_off_is_not_a_holiday() -> None:
    notice = parse_notice(_read("2024.txt"))
    assert date(2024, 2, 9) not in notice.holidays  # 鼓励…安排职工在除夕（2月9日）休息
    assert date(2024, 2, 10) in notice.holidays
    assert chinese_calendar.is_workday(date(2024, 2, 9))


def test_makeup_day_off_and_weekday_spellings() -> None:
    text = (
        "国务院办公厅关于2017年部分节假日安排的通知\n"
        "一、元旦：1月1日放假，1月2日（星期一）补休。\n"
        "二、清明节：4月2日（周日）至4日（周二）放假调休，共3天。4月1日（周六）上班。\n"
    )
    notice = parse_notice(text)
    assert notice.holidays == (
        date(2017, 1, 1),
        date(2017, 1, 2),
        date(2017, 4, 2),
        date(2017, 4, 3),
        date(2017, 4, 4),
    )
    assert notice.workdays == (date(2017, 4, 1),)


def test_chinese_numeral_signature_dates() -> None:
    for written, expected in [
        ("二○○九年十二月七日", date(2009, 12, 7)),
        ("二〇二五年十一月四日", date(2025, 11, 4)),
        ("二零一二年十二月八日", date(2012, 12, 8)),
        ("二〇三〇年一月三十一日", date(2030, 1, 31)),
        ("2018年12月4日", date(2018, 12, 4)),
    ]:
        text = f"国务院办公厅关于2031年部分节假日安排的通知\n一、元旦：1月1日放假。\n国务院办公厅\n{written}\n"
        notice = parse_notice(text)
        assert notice.issued_on == expected, written
        assert notice.problems == ()


def test_made_up_future_year_and_its_adjustment() -> None:
    notice = parse_notice(NOTICE_2031)
    assert (notice.year, notice.document_no, notice.issued_on) == (
        2031,
        "国办发明电〔2030〕9号",
        date(2030, 11, 3),
    )
    before = _imported(NOTICE_2031)
    after = _imported(NOTICE_2031, ADJUSTMENT_2031)
    # 国庆节 before: 10-01..07 off, 09-28 (Sun) and 10-11 (Sat) work.
    # After: 10-01..08 off, 09-27 (Sat) and 10-11 (Sat) work; 09-28 is an ordinary Sunday.
    national = {(e.day, e.kind) for e in after if e.festival == "国庆节"}
    assert national == {
        *((date(2031, 10, d), H) for d in range(1, 9)),
        (date(2031, 9, 27), W),
        (date(2031, 10, 11), W),
    }
    assert [e for e in after if e.festival != "国庆节"] == [
        e for e in before if e.festival != "国庆节"
    ]
    assert len([e for e in after if e.festival == "劳动节"]) == 6  # 5 days off + 04-27
    calendar = WorkCalendar.from_package(after)
    assert calendar.is_workday(date(2031, 9, 27)).workday is True
    assert calendar.is_workday(date(2031, 9, 28)).workday is False
    assert calendar.is_workday(date(2031, 10, 8)).workday is False
    # 2027–2030 are not loaded, so 2031 stays provisional, but it is judged by its notice
    # alone: 清明 2031 is Saturday 04-05, whose 补假 by the provisional rules would be Monday
    # 04-07; this made-up notice gives no 清明 holiday, so 04-07 is a working day.
    assert calendar.is_workday(date(2031, 10, 8)).provisional is True
    assert calendar.is_workday(date(2031, 4, 7)).workday is True
    assert WorkCalendar.from_package().is_workday(date(2031, 4, 7)).workday is False


def test_importing_twice_gives_the_same_entries() -> None:
    for texts in [
        (_read("2026.txt"),),
        (_read("as-published/2019.txt"), _read("as-published/2019-labour-adjustment.txt")),
        (_read("2020.txt"), _read("2020-extension.txt")),
        (NOTICE_2031, ADJUSTMENT_2031),
    ]:
        once = _imported(*texts)
        last = parse_notice(texts[-1])
        assert merge_notice(once, last, last.origin) == once
        assert merge_notice(merge_notice(once, last, last.origin), last, last.origin) == once


def test_adjustment_over_package_entries_keeps_the_other_festivals() -> None:
    # No notice loaded for 2019: the base is the package's 2019, which already holds the
    # adjusted 劳动节; re-applying the adjustment changes nothing.
    package_2019 = [e for e in package_entries() if e.year == 2019]
    notice = parse_notice(_read("as-published/2019-labour-adjustment.txt"))
    merged = merge_notice(package_2019, notice, notice.origin)
    assert {(e.day, e.kind) for e in merged} == {(e.day, e.kind) for e in package_2019}
    assert all(e.source is EntrySource.NOTICE for e in merged)


def test_to_json_has_exactly_three_keys_with_iso_dates() -> None:
    data = parse_notice(_read("2026.txt")).to_json()
    assert set(data) == {"year", "holidays", "workdays"}
    assert data["year"] == 2026
    assert data["holidays"][0] == "2026-01-01"
    assert "2026-01-04" in data["workdays"]


# ------------------------------------------------------------------------ bad input

TITLE = "国务院办公厅关于2024年部分节假日安排的通知\n"


def test_text_without_year_in_title_raises() -> None:
    with pytest.raises(NoticeParseError, match="年份"):
        parse_notice("国务院办公厅关于部分节假日安排的通知\n一、元旦：1月1日放假。")
    with pytest.raises(NoticeParseError, match="年份"):
        parse_notice("一、元旦：1月1日放假。")


def test_text_without_any_schedule_raises() -> None:
    with pytest.raises(NoticeParseError, match="没有找到任何放假") as info:
        parse_notice(TITLE + "节假日期间，各地区要妥善安排值班。\n国务院办公厅\n2023年10月25日")
    assert info.value.field == "notice"


def test_garbled_line_is_a_problem_with_its_number_and_text() -> None:
    text = TITLE + "\n一、元旦：1月1日放假，与周末连休。\n二、春节：听说3月8日大家都想休息\n"
    notice = parse_notice(text)
    assert notice.holidays == (date(2024, 1, 1),)
    assert len(notice.problems) == 1
    assert notice.problems[0].startswith("第4行")
    assert notice.problems[0].endswith("：二、春节：听说3月8日大家都想休息")


def test_only_garbled_schedule_lines_raise_with_the_lines() -> None:
    with pytest.raises(NoticeParseError) as info:
        parse_notice(TITLE + "一、元旦：1月1日大概放假吧。\n")
    assert "第2行" in info.value.message
    assert info.value.problems and info.value.problems[0].startswith("第2行")


def test_impossible_date_is_a_problem() -> None:
    notice = parse_notice(TITLE + "一、元旦：1月1日放假。\n二、春节：2月30日上班。")
    assert notice.workdays == ()
    assert notice.problems == ("第3行“2月30日”不是有效日期：二、春节：2月30日上班。",)


def test_weekday_annotation_contradicting_the_date_is_a_problem() -> None:
    # 2024-02-04 was a Sunday; the line says Saturday.
    line = "二、春节：2月10日至17日放假调休，共8天。2月4日（星期六）、2月18日（星期日）上班。"
    notice = parse_notice(TITLE + "一、元旦：1月1日放假。\n" + line)
    assert notice.problems == (f"第3行2月4日标注为“星期六”，但2024年2月4日是星期日：{line}",)
    assert date(2024, 2, 10) not in notice.holidays  # nothing of the line is taken
    # 周X inside a longer annotation is checked too (2025-01-28 was a Tuesday).
    bad = "国务院办公厅关于2025年部分节假日安排的通知\n二、春节：1月28日（农历除夕、周三）至2月4日放假调休，共8天。"
    with pytest.raises(NoticeParseError, match="标注为“周三”，但2025年1月28日是星期二"):
        parse_notice(bad)


def test_day_both_off_and_working_is_a_problem() -> None:
    text = (
        TITLE
        + "一、元旦：1月1日放假。\n二、劳动节：5月1日至5日放假调休，共5天。5月4日（星期六）上班。"
    )
    notice = parse_notice(text)
    assert len(notice.problems) == 1
    assert "5月4日既列为放假又列为上班" in notice.problems[0]
    spring = "二、春节：2月10日至17日放假调休，共8天。1月6日放假。"
    across = TITLE + "一、元旦：1月1日放假。1月6日（星期六）上班。\n" + spring
    notice = parse_notice(across)
    assert notice.problems == (f"第3行1月6日既列为放假又列为上班（另见第2行）：{spring}",)


def test_count_that_does_not_match_the_range_is_a_problem() -> None:
    notice = parse_notice(
        TITLE + "一、元旦：1月1日放假。\n三、清明节：4月4日至6日放假调休，共4天。"
    )
    assert notice.problems == (
        "第3行写明共4天，但4月4日至4月6日是3天：三、清明节：4月4日至6日放假调休，共4天。",
    )


def test_date_outside_the_notice_year_is_a_problem() -> None:
    notice = parse_notice(TITLE + "一、元旦：1月1日放假。\n四、劳动节：2023年5月1日放假。")
    assert notice.problems == (
        "第3行日期 2023-05-01 不属于2024年的安排：四、劳动节：2023年5月1日放假。",
    )


def test_unknown_festival_label_is_a_problem() -> None:
    notice = parse_notice(TITLE + "一、元旦：1月1日放假。\n二、元宵节：2月24日放假。")
    assert notice.problems == ("第3行“元宵节”不是法定节日：二、元宵节：2月24日放假。",)


def test_notice_with_problems_is_not_merged() -> None:
    notice = parse_notice(TITLE + "一、元旦：1月1日放假。\n二、春节：2月30日上班。")
    with pytest.raises(DomainError, match="未导入"):
        merge_notice([], notice, notice.origin)


def test_merge_errors_are_chinese_domain_errors() -> None:
    adjustment = parse_notice(_read("as-published/2019-labour-adjustment.txt"))
    with pytest.raises(DomainError, match="尚未加载2019年"):
        merge_notice([], adjustment, adjustment.origin)
    with pytest.raises(DomainError, match="与通知的年份2019年不一致"):
        merge_notice(_imported(_read("2017.txt")), adjustment, adjustment.origin)
    no_labour = [e for e in _imported(_read("as-published/2019.txt")) if e.festival != "劳动节"]
    with pytest.raises(DomainError, match="找不到“劳动节”"):
        merge_notice(no_labour, adjustment, adjustment.origin)
    base = _imported(_read("2024.txt"))
    with pytest.raises(NoticeParseError, match="“元宵”不是法定节日"):
        parse_notice("国务院办公厅关于延长2024年元宵假期的通知\n一、延长2024年元宵假期至2月25日。")
    dragon = parse_notice(
        "国务院办公厅关于延长2024年端午假期的通知\n一、延长2024年端午节假期至6月11日。"
    )
    without_dragon = [e for e in base if e.festival != "端午节"]
    with pytest.raises(DomainError, match="找不到“端午节”的放假安排"):
        merge_notice(without_dragon, dragon, dragon.origin)
    short = parse_notice(
        "国务院办公厅关于延长2024年春节假期的通知\n一、延长2024年春节假期至2月15日。"
    )
    with pytest.raises(DomainError, match="不晚于原安排的最后一天 2024-02-17"):
        merge_notice(base, short, short.origin)
    # 2月 mistyped as 8月: half a year of holidays is refused.
    typo = parse_notice(
        "国务院办公厅关于延长2020年春节假期的通知\n一、延长2020年春节假期至8月2日。"
    )
    with pytest.raises(DomainError, match="晚185天，超过31天"):
        merge_notice(_imported(_read("2020.txt")), typo, typo.origin)


# ------------------------------------------------------------------------ robustness


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.text(
        alphabet=st.sampled_from(
            "国务院办公厅关于2024年月日至放假调休上班补休（周六）、，。一二三：\n0123456789○十"
        ),
        max_size=200,
    )
)
def test_random_text_never_crashes(text: str) -> None:
    try:
        result = parse_notice(text)
    except NoticeParseError:
        return
    assert isinstance(result, ParsedNotice)


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(sorted(p.relative_to(FIXTURES).as_posix() for p in FIXTURES.rglob("*.txt"))),
    st.randoms(use_true_random=False),
)
def test_real_notices_with_lines_dropped_never_crash(name: str, rnd: random.Random) -> None:
    lines = _read(name).splitlines()
    kept = [line for line in lines if rnd.random() < 0.7]
    try:
        result = parse_notice("\n".join(kept))
    except NoticeParseError:
        return
    assert isinstance(result, ParsedNotice)
    assert not set(result.holidays) & set(result.workdays)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=300))
def test_any_text_never_crashes(text: str) -> None:
    try:
        result = parse_notice(TITLE + text)
    except NoticeParseError:
        return
    assert isinstance(result, ParsedNotice)


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("四、劳动节：5月3日至2日放假。", "结束日期“2日”早于开始日期"),
        ("二、春节：1月30日至2日放假。", "结束日期“2日”早于开始日期"),
        ("二、春节：2月1日至3月1日放假。", "放假区间2024-02-01至2024-03-01共30天，超过15天"),
        ("一、元旦：1月1日（星期一放假。", "无法理解"),
        ("一、元旦：放假（1月1日）。", "括号中的日期“1月1日”不知属于哪一天"),
        ("一、元旦：1日放假。", "“1日”缺少月份"),
        ("二、春节：2月4日至2月5日上班。", "无法理解“2月4日至2月5日上班”"),
    ],
)
def test_unreadable_ranges_are_problems(line: str, reason: str) -> None:
    notice = parse_notice(TITLE + "三、清明节：4月4日至6日放假调休，共3天。\n" + line)
    assert len(notice.problems) == 1
    assert notice.problems[0].startswith("第3行")
    assert reason in notice.problems[0]
    assert notice.problems[0].endswith("：" + line)
    assert notice.holidays == (date(2024, 4, 4), date(2024, 4, 5), date(2024, 4, 6))


def test_chinese_numerals_in_schedule_lines_are_read() -> None:
    notice = parse_notice(
        "国务院办公厅关于二〇一〇年部分节假日安排的通知\n一、元旦：一月一日至三日放假公休，共3天。\n"
    )
    assert notice.year == 2010
    assert notice.holidays == (date(2010, 1, 1), date(2010, 1, 2), date(2010, 1, 3))


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        # A mistyped month or day that is still a valid date: the block misses its festival.
        ("一、元旦：3月1日放假，与周末连休。", "“元旦”的放假日期中没有元旦当天（1月1日）"),
        ("五、端午节：7月10日放假，与周末连休。", "没有端午节当天（6月10日）"),
        ("四、劳动节：8月1日至5日放假调休，共5天。", "没有劳动节当天（5月1日）"),
        ("六、中秋节、国庆节：10月1日至7日放假调休，共7天。", "没有中秋节当天（9月17日）"),
        # A damaged heading must not file a combined block under one festival.
        ("六、国庆节、中节：10月1日至7日放假调休，共7天。", "“中节”不是法定节日"),
        # The remains of a date the parser could not read.
        ("三、清明节：4月4日至6日放假调休，共3天。4月7（星期日）上班。", "无法理解“4月7上班”"),
        ("一、元旦：1月日放假，与周末连休。", "无法理解“1月日放假”"),
        ("五、端午节：6月104放假，与周末连休。", "无法理解“6月104放假”"),
        ("一、元旦：1月1。放假，与周末连休。", "无法理解“1月1”"),
        # A working day with a mistyped month (10月12日 → 1月12日) is weeks from its block.
        (
            "七、国庆节：10月1日至7日放假调休，共7天。9月29日（星期日）、1月12日（星期五）上班。",
            "上班日1月12日离本行的放假日期超过15天",
        ),
    ],
)
def test_damaged_schedule_lines_are_problems_not_silent_changes(line: str, reason: str) -> None:
    # 2024: 元旦 1月1日, 端午 6月10日, 中秋 9月17日 (the real notice has them on their own).
    notice = parse_notice(TITLE + "二、春节：2月10日至17日放假调休，共8天。\n" + line)
    assert len(notice.problems) == 1
    assert notice.problems[0].startswith("第3行")
    assert reason in notice.problems[0]


def test_encouragement_without_a_full_stop_keeps_the_working_days() -> None:
    # The full stop before 鼓励 lost: the working Sundays before it are still read.
    line = "二、春节：2月10日至17日放假调休，共8天。2月4日（星期日）、2月18日（星期日）上班鼓励各单位安排职工在除夕（2月9日）休息。"
    notice = parse_notice(TITLE + line)
    assert notice.workdays == (date(2024, 2, 4), date(2024, 2, 18))
    assert date(2024, 2, 9) not in notice.holidays


def test_year_outside_the_calendar_is_refused() -> None:
    with pytest.raises(NoticeParseError, match="4017年超出日历可计算范围"):
        parse_notice("国务院办公厅关于4017年部分节假日安排的通知\n一、元旦：1月1日放假。")


def test_extension_end_after_the_resumption_is_a_problem() -> None:
    text = _read("2020-extension.txt").replace("至2月2日", "至8月2日")
    with pytest.raises(
        NoticeParseError, match="2月3日起正常上班，却在延长后的假期（至2020-08-02）之内"
    ):
        parse_notice(text)
