"""The holiday notice parser, checked day by day against chinese_calendar.

chinese_calendar encodes the same State Council notices, so agreeing with it on every day of
a year is the strongest evidence that the parser reads the notice's wording correctly.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import chinese_calendar
import pytest

from domain.notice import NoticeParseError, ParsedNotice, apply_extension, parse_notice

NOTICES_DIR = (
    Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "holiday-notices"
)

needs_notices = pytest.mark.skipif(
    not NOTICES_DIR.is_dir(),
    reason=f"reference holiday notices not found at {NOTICES_DIR} (shared/ is not checked out)",
)

# The 2023 notice, written from its published text (not in shared/); its 元旦 block
# starts in the previous year.
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

# Inline copies of two reference files, so the parser is exercised even without shared/.
NOTICE_2024 = """\
国务院办公厅关于2024年部分节假日安排的通知（国办发明电〔2023〕7号）
一、元旦：1月1日放假，与周末连休。
二、春节：2月10日至17日放假调休，共8天。2月4日（星期日）、2月18日（星期日）上班。鼓励各单位结合带薪年休假等制度落实，安排职工在除夕（2月9日）休息。
三、清明节：4月4日至6日放假调休，共3天。4月7日（星期日）上班。
四、劳动节：5月1日至5日放假调休，共5天。4月28日（星期日）、5月11日（星期六）上班。
五、端午节：6月10日放假，与周末连休。
六、中秋节：9月15日至17日放假调休，共3天。9月14日（星期六）上班。
七、国庆节：10月1日至7日放假调休，共7天。9月29日（星期日）、10月12日（星期六）上班。
"""

NOTICE_2026 = """\
国务院办公厅关于2026年部分节假日安排的通知（2025年11月4日）
一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。
二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，共9天。2月14日（周六）、2月28日（周六）上班。
三、清明节：4月4日（周六）至6日（周一）放假，共3天。
四、劳动节：5月1日（周五）至5日（周二）放假调休，共5天。5月9日（周六）上班。
五、端午节：6月19日（周五）至21日（周日）放假，共3天。
六、中秋节：9月25日（周五）至27日（周日）放假，共3天。
七、国庆节：10月1日（周四）至7日（周三）放假调休，共7天。9月20日（周日）、10月10日（周六）上班。
"""


def _read(name: str) -> str:
    return (NOTICES_DIR / name).read_text(encoding="utf-8")


def _days_of(year: int) -> list[date]:
    first = date(year, 1, 1)
    return [first + timedelta(days=n) for n in range((date(year, 12, 31) - first).days + 1)]


def _assert_matches_calendar(notice: ParsedNotice, extra_days: tuple[date, ...] = ()) -> None:
    """Every day of the notice's year agrees with chinese_calendar on working or not."""
    holidays, workdays = set(notice.holidays), set(notice.workdays)
    mismatches = [
        day
        for day in (*extra_days, *_days_of(notice.year))
        if ((day.weekday() < 5 and day not in holidays) or day in workdays)
        != chinese_calendar.is_workday(day)
    ]
    assert mismatches == []
    expected_makeup = {
        day for day in chinese_calendar.workdays if day.year == notice.year and day.weekday() >= 5
    }
    assert workdays == expected_makeup
    assert notice.problems == ()


@needs_notices
@pytest.mark.parametrize("year", [2017, 2024, 2025, 2026])
def test_reference_notice_matches_chinese_calendar(year: int) -> None:
    notice = parse_notice(_read(f"{year}.txt"))
    assert notice.year == year
    _assert_matches_calendar(notice)


@needs_notices
def test_2020_with_emergency_extension_matches_chinese_calendar() -> None:
    # chinese_calendar already includes the extension: 2020-01-31..02-02 are Spring Festival
    # days off, 2020-02-01 (a 调休 Saturday in the original notice) included.
    for day in (date(2020, 1, 31), date(2020, 2, 1), date(2020, 2, 2)):
        assert not chinese_calendar.is_workday(day)
    assert chinese_calendar.is_workday(date(2020, 2, 3))

    base = parse_notice(_read("2020.txt"))
    extension = parse_notice(_read("2020-extension.txt"))
    assert date(2020, 2, 1) in base.workdays
    assert extension.year == 2020
    assert extension.extensions == (("春节", date(2020, 2, 2)),)
    assert extension.holidays == () and extension.workdays == ()

    merged = apply_extension(base, extension)
    assert date(2020, 2, 1) not in merged.workdays
    assert {date(2020, 1, 31), date(2020, 2, 1), date(2020, 2, 2)} <= set(merged.holidays)
    assert ("春节", date(2020, 1, 24), date(2020, 2, 2)) in merged.blocks
    _assert_matches_calendar(merged)


def test_2023_block_starting_in_previous_year_matches_chinese_calendar() -> None:
    notice = parse_notice(NOTICE_2023)
    assert notice.year == 2023
    assert notice.blocks[0] == ("元旦", date(2022, 12, 31), date(2023, 1, 2))
    assert notice.blocks[-1] == ("中秋节、国庆节", date(2023, 9, 29), date(2023, 10, 6))
    _assert_matches_calendar(notice, extra_days=(date(2022, 12, 31),))


def test_inline_2024_and_2026_texts_match_chinese_calendar() -> None:
    """Runs without shared/: the same checks on embedded copies of two reference files."""
    for text, year in ((NOTICE_2024, 2024), (NOTICE_2026, 2026)):
        notice = parse_notice(text)
        assert notice.year == year
        _assert_matches_calendar(notice)


def test_encouraged_day_off_is_not_a_holiday() -> None:
    notice = parse_notice(NOTICE_2024)
    assert date(2024, 2, 9) not in notice.holidays
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


def test_line_with_unattributable_dates_is_a_problem_with_its_number() -> None:
    text = (
        "国务院办公厅关于2024年部分节假日安排的通知\n"
        "\n"
        "一、元旦：1月1日放假，与周末连休。\n"
        "二、春节：听说3月8日大家都想休息\n"
        "各省、自治区、直辖市人民政府，国务院各部委、各直属机构：\n"
    )
    notice = parse_notice(text)
    assert notice.holidays == (date(2024, 1, 1),)
    assert len(notice.problems) == 1
    assert notice.problems[0].startswith("第4行无法识别：")
    assert "听说3月8日大家都想休息" in notice.problems[0]


def test_impossible_date_is_a_problem() -> None:
    notice = parse_notice(
        "关于2024年部分节假日安排的通知\n一、元旦：1月1日放假。\n二、春节：2月30日上班。"
    )
    assert notice.workdays == ()
    assert notice.problems == ("第3行无法识别：二、春节：2月30日上班。",)


def test_text_without_year_in_title_raises() -> None:
    with pytest.raises(NoticeParseError, match="年份"):
        parse_notice("国务院办公厅关于部分节假日安排的通知\n一、元旦：1月1日放假。")
    with pytest.raises(NoticeParseError, match="年份"):
        parse_notice("一、元旦：1月1日放假。")


def test_text_without_any_schedule_raises() -> None:
    with pytest.raises(NoticeParseError, match="没有找到"):
        parse_notice(
            "国务院办公厅关于2024年部分节假日安排的通知\n节假日期间，各地区要妥善安排值班。"
        )


def test_extension_for_unknown_festival_is_refused() -> None:
    base = parse_notice(NOTICE_2024)
    extension = parse_notice(
        "国务院办公厅关于延长2024年元宵假期的通知\n一、延长2024年元宵假期至2月25日。"
    )
    with pytest.raises(ValueError, match="元宵"):
        apply_extension(base, extension)


def test_to_json_has_exactly_three_keys_with_iso_dates() -> None:
    data = parse_notice(NOTICE_2026).to_json()
    assert set(data) == {"year", "holidays", "workdays"}
    assert data["year"] == 2026
    assert data["holidays"][0] == "2026-01-01"
    assert "2026-01-04" in data["workdays"]
    assert all(isinstance(d, str) and date.fromisoformat(d) for d in data["holidays"])
    assert all(isinstance(d, str) and date.fromisoformat(d) for d in data["workdays"])
