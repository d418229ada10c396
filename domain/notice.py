"""The State Council's holiday notice as published, read into dated entries per festival.

Statutory deadlines are counted in working days, and next year's official calendar exists
only as this notice's prose (国务院办公厅关于XXXX年部分节假日安排的通知), published around
November. An administrator pastes the whole notice as published: title, document number
(国办发明电〔…〕…号), addressee, preamble, the schedule, closing paragraphs, the issuing office
and its date — in Arabic or Chinese numerals (二○○九年十二月七日). Only the schedule lines are
the schedule; the rest is recognised and set aside, not reported as an error.

The parser is strict where it matters: a line that looks like schedule (a date together with
a heading, a festival or a word such as 放假/上班) but cannot be read is reported by its line
number in `problems`, and a notice with problems must not be imported, because a silently
skipped 上班 day would shift every deadline. Weekday annotations such as （星期日） are checked
against the date, and a day listed both off and working is a problem, not a later database
error. Whatever the text, the parser returns a `ParsedNotice` or raises `NoticeParseError`.

Three kinds of notice exist. A yearly *schedule* is the whole truth of its year. An
*adjustment* (关于调整2019年劳动节假期安排的通知) replaces the named festivals' days off and
make-up working days and keeps the rest. An *extension* (延长2020年春节假期至2月2日) lengthens
one festival's block. `merge_notice` turns any of them, with the entries in force for the
year, into the complete list of notice entries the year should have.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import NamedTuple

from lunardate import LunarDate

from domain.calendar import (
    FESTIVALS,
    FIRST_YEAR,
    LAST_YEAR,
    CalendarEntry,
    EntryKind,
    EntrySource,
    festival_matches,
    festival_names,
    statutory_holidays,
)
from domain.errors import DomainError

__all__ = [
    "Block",
    "NoticeEntry",
    "NoticeParseError",
    "ParsedNotice",
    "merge_notice",
    "parse_notice",
]

KIND_SCHEDULE = "schedule"
KIND_ADJUSTMENT = "adjustment"
KIND_EXTENSION = "extension"


class NoticeParseError(DomainError):
    """The text cannot be a holiday notice: no year in its title, or no schedule at all."""

    def __init__(self, message: str, *, rule: str = "通知格式", problems: Sequence[str] = ()):
        super().__init__(message, field="notice", rule=rule)
        self.problems = tuple(problems)


class NoticeEntry(NamedTuple):
    """One dated fact a notice declares, with the festival whose block it belongs to."""

    day: date
    kind: EntryKind
    festival: str


class Block(NamedTuple):
    """A 放假 range as written, with its festival, so an extension can find and lengthen it."""

    festival: str
    first: date
    last: date


@dataclass(frozen=True)
class ParsedNotice:
    """What a notice declares, where it comes from, and what could not be understood.

    `festivals` are the festivals the notice speaks for: every festival of a yearly schedule,
    the festivals an adjustment or an extension changes. `extensions` holds each
    (festival, new last day) of an emergency extension. `problems` lists the schedule-looking
    lines that could not be read ("第N行…：<the line>"); a notice with problems is not
    imported.
    """

    year: int
    title: str
    document_no: str | None
    issued_on: date | None
    kind: str
    festivals: tuple[str, ...]
    entries: tuple[NoticeEntry, ...]
    blocks: tuple[Block, ...] = ()
    extensions: tuple[tuple[str, date], ...] = ()
    problems: tuple[str, ...] = ()

    @property
    def holidays(self) -> tuple[date, ...]:
        """Every day the notice declares off, sorted."""
        return tuple(sorted(e.day for e in self.entries if e.kind is EntryKind.HOLIDAY))

    @property
    def workdays(self) -> tuple[date, ...]:
        """Every make-up working day (调休上班) the notice declares, sorted."""
        return tuple(sorted(e.day for e in self.entries if e.kind is EntryKind.WORKDAY))

    @property
    def origin(self) -> str:
        """How an entry cites this notice: "国办发明电〔2019〕3号（2019-03-22）".

        A notice pasted without its number is cited by its title.
        """
        source = self.document_no or self.title
        return f"{source}（{self.issued_on.isoformat()}）" if self.issued_on else source

    def to_json(self) -> dict:
        """The schedule alone, as stored and exchanged: year, holidays, workdays in ISO form."""
        return {
            "year": self.year,
            "holidays": [d.isoformat() for d in self.holidays],
            "workdays": [d.isoformat() for d in self.workdays],
        }


# --------------------------------------------------------------------------- lexicon

# Lines are NFKC-normalised first: full-width digits, colons, commas and parentheses become
# ASCII; 、。〔〕〇○ stay as they are.
_CN_DIGITS = {"〇": 0, "○": 0, "零": 0, "O": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5}
_CN_DIGITS |= {"六": 6, "七": 7, "八": 8, "九": 9}
_CN_DIGIT = "〇○零一二三四五六七八九"
_CN_NUMBER = r"(?:[一二三]?十[一二三四五六七八九]?|[一二三四五六七八九])"
_CN_DATE = re.compile(rf"(?:([{_CN_DIGIT}O]{{4}})年)?(?:({_CN_NUMBER}|元)月)?({_CN_NUMBER})日")
_CN_YEAR = re.compile(rf"([{_CN_DIGIT}O]{{4}})年")
_DATE = re.compile(r"(?:(\d{4})年)?(?:(\d{1,2})月)?(\d{1,2})日")
_FULL_DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
_DOCUMENT_NO = re.compile(r"(国办发(?:明电)?)\s*[〔\[［(【]\s*(\d{4})\s*[〕\]］)】]\s*(\d+)\s*号")
_HEADING = re.compile(r"^\s*[一二三四五六七八九十]+\s*[、.]\s*")
_LABEL = re.compile(r"^([^:\d()]{1,24}):")
_ANNOTATION = re.compile(r"\(([^()]*)\)")
_WEEKDAY = re.compile(r"(?:星期|礼拜|周)([一二三四五六日天])")
_WEEKDAY_NUMBERS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_WEEKDAY_NAMES = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")
_SCHEDULE_WORDS = ("放假", "上班", "补休", "调休", "公休", "连休", "休息", "假期")
#: Short forms people write for the statutory festivals, and the canonical name each means.
_FESTIVAL_KEYS = (
    ("元旦", "元旦"),
    ("春节", "春节"),
    ("清明", "清明节"),
    ("劳动节", "劳动节"),
    ("五一", "劳动节"),
    ("端午", "端午节"),
    ("中秋", "中秋节"),
    ("国庆", "国庆节"),
)

# Clause shapes once every date is replaced by "D" and its annotation removed.
_OFF = re.compile(r"^D(?:至D)?放假(?:调休|公休)?(?:共?(\d+)天)?$")
_COUNT = re.compile(r"^共?(\d+)天$")
_MAKEUP_OFF = re.compile(r"^D(?:(?:、|和|及)D)*补休(?:\d+天)?$")
_WORK = re.compile(r"^D(?:(?:、|和|及)D)*(?:上班|工作)$")
_RESUME = re.compile(r"^D起正常上班$")
_EXTEND = re.compile(r"^延长(?:\d{4}年)?(.+?)假期至D$")
_IGNORED = ("与周末连休", "不调休", "不补休")
#: What may remain in a clause that matched no shape: counts and years are fine, but a digit,
#: 月 or 日, or a schedule word means a date or a day off the parser could not read.
_ALLOWED = re.compile(r"共?\d+天|\d{4}年")
_LEFTOVER = re.compile(r"[\d月日]|放假|上班|补休|调休|公休")
#: The ways notices spell each statutory festival in a heading or an extension.
_SPELLINGS = {
    "元旦": "元旦",
    "春节": "春节",
    "清明节": "清明节",
    "清明": "清明节",
    "劳动节": "劳动节",
    "五一劳动节": "劳动节",
    "国际劳动节": "劳动节",
    "五一": "劳动节",
    "端午节": "端午节",
    "端午": "端午节",
    "中秋节": "中秋节",
    "中秋": "中秋节",
    "国庆节": "国庆节",
    "国庆": "国庆节",
}


def _cn_number(text: str) -> int:
    """十二 → 12, 二十一 → 21, 三十 → 30, 七 → 7 (the numbers of month and day)."""
    if text == "元":
        return 1
    if "十" in text:
        tens, _, units = text.partition("十")
        return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[units] if units else 0)
    value = 0
    for char in text:
        value = value * 10 + _CN_DIGITS[char]
    return value


def _arabic_dates(line: str) -> str:
    """Chinese-numeral dates and years written as Arabic ones: 二○○九年十二月七日 → 2009年12月7日.

    Only a numeral run followed by 年, 月 or 日 is a date part, so headings (三、) and lunar
    annotations (正月初九, 腊月二十八) are left alone.
    """

    def date_sub(match: re.Match[str]) -> str:
        year, month, day = match.groups()
        text = f"{_cn_number(year)}年" if year else ""
        text += f"{_cn_number(month)}月" if month else ""
        return text + f"{_cn_number(day)}日"

    line = _CN_DATE.sub(date_sub, line)
    return _CN_YEAR.sub(lambda m: f"{_cn_number(m.group(1))}年", line)


def _canonical_festivals(text: str) -> tuple[str, ...]:
    """The statutory festivals a label names, in the law's order."""
    found = {name for key, name in _FESTIVAL_KEYS if key in text}
    return tuple(name for name in FESTIVALS if name in found)


def _label_festival(label: str) -> str:
    """The festival a heading names ("中秋节、国庆节", "国庆节、中秋节" → 中秋节、国庆节).

    Every part must be a statutory festival's name: a damaged heading ("国庆节、中节") would
    otherwise file a combined block under one festival only.
    """
    names = set()
    for part in re.split(r"[、和及与,]", label):
        part = part.strip()
        if part not in _SPELLINGS:
            raise _LineError(f"“{part}”不是法定节日")
        names.add(_SPELLINGS[part])
    return "、".join(name for name in FESTIVALS if name in names)


def _core_festivals(year: int) -> dict[str, date]:
    """The one day of each festival no schedule can leave out of its block: 元旦 1月1日,
    春节 正月初一, 清明, 劳动节 5月1日, 端午, 中秋, 国庆节 10月1日.

    A block must hold its festival's day (a mistyped month or day is caught), and a block
    without a heading is attributed by the day it holds.
    """
    days = {"元旦": date(year, 1, 1), "劳动节": date(year, 5, 1), "国庆节": date(year, 10, 1)}
    days["春节"] = LunarDate(year, 1, 1).to_solar_date()
    days["端午节"] = LunarDate(year, 5, 5).to_solar_date()
    days["中秋节"] = LunarDate(year, 8, 15).to_solar_date()
    for day, name in statutory_holidays(year).items():
        if name == "清明节":
            days[name] = day
    return days


# ----------------------------------------------------------------------- line reading


class _LineError(Exception):
    """A schedule line that cannot be read; the message says why, in Chinese."""


@dataclass
class _Token:
    """One date written in a line, with what it inherits and its annotation."""

    year: int | None
    month: int | None
    day: int
    annotation: str | None
    text: str


@dataclass
class _LineResult:
    holidays: list[tuple[date, str]]
    workdays: list[tuple[date, str]]
    blocks: list[Block]
    extensions: list[tuple[str, date]]


def _split_annotations(sentence: str) -> tuple[str, list[_Token]]:
    """The sentence with each date replaced by "D" (its annotation removed) and the dates.

    An annotation that follows a date belongs to it (（星期日）, （农历除夕、周二））; any
    other parenthesis is dropped, unless it holds a date, which nobody could attribute.
    """
    tokens: list[_Token] = []
    out: list[str] = []
    position = 0
    while position < len(sentence):
        match = _DATE.match(sentence, position)
        if match is not None:
            position = match.end()
            annotation = None
            after = _ANNOTATION.match(sentence, position)
            if after is not None:
                annotation = after.group(1)
                position = after.end()
            year, month, day = match.groups()
            tokens.append(
                _Token(
                    int(year) if year else None,
                    int(month) if month else None,
                    int(day),
                    annotation,
                    match.group(0),
                )
            )
            out.append("D")
            continue
        paren = _ANNOTATION.match(sentence, position)
        if paren is not None:
            if _DATE.search(paren.group(1)):
                raise _LineError(f"括号中的日期“{paren.group(1)}”不知属于哪一天")
            position = paren.end()
            continue
        out.append(sentence[position])
        position += 1
    return "".join(out), tokens


def _resolve(tokens: list[_Token], year: int, ranges: set[int]) -> list[date]:
    """The dates of a line's tokens, in order.

    A token without a month takes the previous token's year and month (2月20日、21日); the end
    of a range takes its start's (4月2日至4日). Without a year a date is in the notice's year,
    except that a range running from December into January belongs to the notice's year at
    its end: "12月31日至1月2日" in the 2023 notice starts on 2022-12-31.
    """
    dates: list[date] = []
    for index, token in enumerate(tokens):
        previous = dates[-1] if dates else None
        is_end = index in ranges and previous is not None
        try:
            if token.month is None:
                if previous is None:
                    raise _LineError(f"“{token.text}”缺少月份")
                value = date(token.year or previous.year, previous.month, token.day)
            else:
                default = previous.year if is_end and previous is not None else year
                value = date(token.year or default, token.month, token.day)
            if is_end and previous is not None and value < previous:
                # Only December into January may run "backwards"; anything else is a typo.
                crossing = previous.month == 12 and value.month == 1 and token.month is not None
                if crossing and tokens[index - 1].year is None:
                    # The start was written without its year: the block ends in the notice's
                    # year, so it starts in the year before (12月31日至1月2日 in 2023's).
                    dates[-1] = previous = previous.replace(year=value.year - 1)
                elif crossing and token.year is None:
                    value = value.replace(year=previous.year + 1)
        except ValueError:
            raise _LineError(f"“{token.text}”不是有效日期") from None
        if is_end and previous is not None and value < previous:
            raise _LineError(f"结束日期“{token.text}”早于开始日期")
        dates.append(value)
    return dates


def _check_weekday(token: _Token, value: date) -> None:
    """A weekday written next to a date must be that date's weekday."""
    if token.annotation is None:
        return
    for match in _WEEKDAY.finditer(token.annotation):
        if _WEEKDAY_NUMBERS[match.group(1)] != value.weekday():
            raise _LineError(
                f"{value.month}月{value.day}日标注为“{match.group(0)}”，"
                f"但{value.year}年{value.month}月{value.day}日是{_WEEKDAY_NAMES[value.weekday()]}"
            )


def _read_line(body: str, year: int, festival: str) -> _LineResult:
    """One schedule line (heading and label removed) as dated facts of `festival`."""
    result = _LineResult([], [], [], [])
    for sentence in body.split("。"):
        # What follows 鼓励 only encourages a day off (2024 除夕): it is not a holiday.
        sentence = sentence.split("鼓励", 1)[0]
        skeleton, tokens = _split_annotations(sentence)
        clauses = [c.strip() for c in re.split(r"[,;]", skeleton)]
        ranges: set[int] = set()
        index = 0
        for clause in clauses:
            count = clause.count("D")
            if _OFF.match(clause) and count == 2:
                ranges.add(index + 1)
            index += count
        dates = _resolve(tokens, year, ranges)
        for token, value in zip(tokens, dates, strict=True):
            _check_weekday(token, value)
        index = 0
        last_block: Block | None = None
        for clause in clauses:
            count = clause.count("D")
            values = dates[index : index + count]
            index += count
            if not clause or clause in _IGNORED:
                continue
            if match := _OFF.match(clause):
                first, last = values[0], values[-1]
                last_block = Block(festival, first, last)
                _check_length(last_block)
                result.blocks.append(last_block)
                result.holidays.extend((d, festival) for d in _days(first, last))
                if match.group(1) is not None:
                    _check_count(last_block, int(match.group(1)))
            elif match := _COUNT.match(clause):
                if last_block is None:
                    raise _LineError(f"“{clause}”前没有放假日期")
                _check_count(last_block, int(match.group(1)))
            elif _MAKEUP_OFF.match(clause):
                result.holidays.extend((d, festival) for d in values)
            elif _WORK.match(clause):
                result.workdays.extend((d, festival) for d in values)
            elif match := _EXTEND.match(clause):
                result.extensions.append((_label_festival(match.group(1)), values[0]))
            elif _RESUME.match(clause):
                # Work resumes after the extended holiday; a resumption inside it means one
                # of the two dates is mistyped.
                if result.extensions and values[0] <= result.extensions[-1][1]:
                    raise _LineError(
                        f"{values[0].month}月{values[0].day}日起正常上班，"
                        f"却在延长后的假期（至{result.extensions[-1][1].isoformat()}）之内"
                    )
            elif count or _LEFTOVER.search(_ALLOWED.sub("", clause)):
                # A date the clause does not fit, or the remains of one (4月1（星期六）上班,
                # 1月日放假): reading around it would silently drop or move a day.
                raise _LineError(f"无法理解“{_restore(clause, tokens, index - count)}”")
    return result


def _restore(clause: str, tokens: list[_Token], first: int) -> str:
    """The clause as written (dates put back) for a message."""
    parts = clause.split("D")
    text = parts[0]
    for offset, part in enumerate(parts[1:]):
        text += tokens[first + offset].text + part
    return text


#: No 放假 block of a yearly notice has been longer than 10 days; a longer range is a typo
#: (a wrong month, a missing 至) that would silently close the office for weeks.
MAX_BLOCK_DAYS = 15


def _check_length(block: Block) -> None:
    length = (block.last - block.first).days + 1
    if length > MAX_BLOCK_DAYS:
        raise _LineError(
            f"放假区间{block.first.isoformat()}至{block.last.isoformat()}共{length}天，"
            f"超过{MAX_BLOCK_DAYS}天，疑有笔误"
        )


#: Make-up working days lie close to their block: the farthest so far is 2026's 国庆
#: (9月20日 for a block from 10月1日, 11 days). A working day weeks away is a mistyped month.
MAX_MAKEUP_DISTANCE = 15

#: An emergency extension lengthens a block by days, not months (2020: 3 days).
MAX_EXTENSION_DAYS = 31


def _check_makeup_distance(read: _LineResult) -> None:
    """Each working day of a line lies within MAX_MAKEUP_DISTANCE days of the line's blocks."""
    if not read.blocks:
        return
    first = min(b.first for b in read.blocks) - timedelta(days=MAX_MAKEUP_DISTANCE)
    last = max(b.last for b in read.blocks) + timedelta(days=MAX_MAKEUP_DISTANCE)
    for day, _ in read.workdays:
        if not first <= day <= last:
            raise _LineError(
                f"上班日{day.month}月{day.day}日离本行的放假日期超过{MAX_MAKEUP_DISTANCE}天，"
                "疑有笔误"
            )


def _check_count(block: Block, count: int) -> None:
    """The "共N天" of a line must be the length of the range it follows: a typo in either is caught."""
    length = (block.last - block.first).days + 1
    if count != length:
        raise _LineError(
            f"写明共{count}天，但{block.first.month}月{block.first.day}日至"
            f"{block.last.month}月{block.last.day}日是{length}天"
        )


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


# ----------------------------------------------------------------------- the notice


def _title_year(title: str) -> int | None:
    """The schedule year a title names: 关于2024年…, 关于调整2019年…, 关于延长2020年…."""
    plain = _ANNOTATION.sub("", title)
    found = re.search(r"关于\D*?(\d{4})年", plain)
    return int(found.group(1)) if found else None


def _document_no(line: str) -> str | None:
    found = _DOCUMENT_NO.search(line)
    if found is None:
        return None
    return f"{found.group(1)}〔{found.group(2)}〕{found.group(3)}号"


def _date_line(line: str) -> date | None:
    """The signature's date, when the whole line is one date (optionally after the office's
    name or in parentheses): 2018年12月4日, 二○○九年十二月七日, （2025年11月4日）."""
    text = line.removeprefix("国务院办公厅").strip().strip("()").strip()
    found = _FULL_DATE.fullmatch(text)
    if found is None:
        return None
    try:
        return date(*(int(part) for part in found.groups()))
    except ValueError:
        return None


def _is_schedule_like(line: str, labelled: bool) -> bool:
    """A line headed by a festival ("一、元旦：…", even when its date is damaged), or a line
    with a date and a heading or a schedule word."""
    if labelled:
        return True
    if not _DATE.search(line):
        return False
    return bool(_HEADING.match(line)) or any(w in line for w in _SCHEDULE_WORDS)


def parse_notice(text: str) -> ParsedNotice:
    """Read a whole notice as published into dated entries per festival.

    The first line that names a year after 关于 and ends in 通知 is the title; a line that is
    only a 国办发明电 number is the document number; a line that is only a date is the
    signature's date; lines without a date (addressee, preamble, closing paragraphs, the
    issuing office) are not schedule. Every other line with a date and a heading, festival
    or schedule word is a schedule line: read, or reported in `problems`.
    """
    if not isinstance(text, str):
        raise NoticeParseError("通知应为文字")
    raw_lines = text.splitlines()
    lines = [_arabic_dates(unicodedata.normalize("NFKC", raw)).strip() for raw in raw_lines]

    title = ""
    year: int | None = None
    document_no: str | None = None
    issued_on: date | None = None
    title_date: date | None = None
    for line in lines:
        if "通知" in line and "关于" in line and (found := _title_year(line)) is not None:
            title, year = line, found
            document_no = _document_no(line)
            for inner in _ANNOTATION.findall(line):
                title_date = _date_line(inner)
            break
    if year is None:
        raise NoticeParseError(
            "未能在标题中找到年份：标题应形如“国务院办公厅关于2024年部分节假日安排的通知”",
            rule="通知标题",
        )
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise NoticeParseError(
            f"标题中的年份{year}年超出日历可计算范围（{FIRST_YEAR}–{LAST_YEAR}年）",
            rule="通知标题",
        )
    if "延长" in title:
        kind = KIND_EXTENSION
    elif "调整" in title:
        kind = KIND_ADJUSTMENT
    else:
        kind = KIND_SCHEDULE
    title_festivals = _canonical_festivals(_ANNOTATION.sub("", title))
    core = _core_festivals(year)

    entries: dict[tuple[date, EntryKind], tuple[str, int]] = {}
    blocks: list[Block] = []
    extensions: list[tuple[str, date]] = []
    problems: list[str] = []
    label = ""
    for number, (raw, line) in enumerate(zip(raw_lines, lines, strict=True), start=1):
        if not line or line == title:
            continue
        if (number_found := _document_no(line)) is not None and not _DATE.search(line):
            document_no = document_no or number_found
            continue
        if (signed := _date_line(line)) is not None:
            issued_on = signed
            continue
        body = _HEADING.sub("", line, count=1)
        labelled = False
        if (found := _LABEL.match(body)) is not None and _canonical_festivals(found.group(1)):
            labelled = True
        if not _is_schedule_like(line, labelled):
            continue
        line_label = label if not _HEADING.match(line) else ""
        if found is not None:
            line_label = found.group(1)
            body = body[found.end() :]
        try:
            festival = _label_festival(line_label) if line_label else ""
            read = _read_line(body, year, festival)
            if not festival and (read.holidays or read.workdays):
                festival = _attribute(read, title_festivals, core)
                read = _read_line(body, year, festival)
            _check_years(read, year)
            _check_core(read, festival, core)
            _check_makeup_distance(read)
        except _LineError as error:
            problems.append(f"第{number}行{error}：{raw.strip()}")
            continue
        label = line_label if _HEADING.match(line) else label
        clash = _record(entries, read, number)
        if clash:
            problems.append(f"第{number}行{clash}：{raw.strip()}")
            continue
        blocks.extend(read.blocks)
        extensions.extend(read.extensions)

    if not entries and not extensions:
        detail = "".join(f"\n{p}" for p in problems)
        raise NoticeParseError(
            "通知中没有找到任何放假、上班或延长假期的安排"
            + (f"（另有{len(problems)}行无法识别）{detail}" if problems else ""),
            rule="通知内容",
            problems=problems,
        )
    if extensions and kind == KIND_SCHEDULE:
        kind = KIND_EXTENSION
    notice_entries = tuple(
        NoticeEntry(day, entry_kind, festival)
        for (day, entry_kind), (festival, _) in sorted(entries.items())
    )
    listed = {name for e in notice_entries for name in festival_names(e.festival)}
    listed |= {name for name, _ in extensions}
    if kind == KIND_SCHEDULE:
        festivals = tuple(name for name in FESTIVALS if name in listed)
    else:
        named = set(title_festivals) | listed
        festivals = tuple(name for name in FESTIVALS if name in named)
        festivals += tuple(sorted(named - set(FESTIVALS)))
    return ParsedNotice(
        year=year,
        title=_ANNOTATION.sub("", title).strip(),
        document_no=document_no,
        issued_on=issued_on or title_date,
        kind=kind,
        festivals=festivals,
        entries=notice_entries,
        blocks=tuple(blocks),
        extensions=tuple(extensions),
        problems=tuple(problems),
    )


def _attribute(read: _LineResult, title_festivals: tuple[str, ...], core: dict[str, date]) -> str:
    """The festival of a line without a heading: the festivals its title names (an
    adjustment names them there), else the festivals whose fixed day its blocks hold."""
    if title_festivals:
        return "、".join(title_festivals)
    days_off = {d for d, _ in read.holidays}
    inside = {name for name, day in core.items() if day in days_off}
    festival = "、".join(name for name in FESTIVALS if name in inside)
    if not festival:
        raise _LineError("未写明节日，日期中也没有任何法定节日")
    return festival


def _check_core(read: _LineResult, festival: str, core: dict[str, date]) -> None:
    """A line's days off must include the day of each festival it names."""
    days_off = {d for d, _ in read.holidays}
    if not days_off:
        return
    for name in festival_names(festival):
        day = core.get(name)
        if day is not None and day not in days_off:
            raise _LineError(f"“{name}”的放假日期中没有{name}当天（{day.month}月{day.day}日）")


def _check_years(read: _LineResult, year: int) -> None:
    """Every date of a year's schedule lies in that year, or in its December before (元旦)."""
    days = [d for d, _ in read.holidays + read.workdays] + [d for _, d in read.extensions]
    for day in days:
        if day.year != year and not (day.year == year - 1 and day.month == 12):
            raise _LineError(f"日期 {day.isoformat()} 不属于{year}年的安排")


def _record(
    entries: dict[tuple[date, EntryKind], tuple[str, int]], read: _LineResult, number: int
) -> str | None:
    """Add a line's facts; a day both off and working, or in two festivals, is refused."""
    facts = [(d, EntryKind.HOLIDAY, f) for d, f in read.holidays]
    facts += [(d, EntryKind.WORKDAY, f) for d, f in read.workdays]
    pending: dict[tuple[date, EntryKind], tuple[str, int]] = {}
    for day, kind, festival in facts:
        other_kind = EntryKind.WORKDAY if kind is EntryKind.HOLIDAY else EntryKind.HOLIDAY
        other = entries.get((day, other_kind)) or pending.get((day, other_kind))
        if other is not None:
            where = "本行" if other[1] == number else f"第{other[1]}行"
            return f"{day.month}月{day.day}日既列为放假又列为上班（另见{where}）"
        same = entries.get((day, kind)) or pending.get((day, kind))
        if same is not None and same[0] != festival:
            return f"{day.month}月{day.day}日同时列入“{same[0]}”和“{festival}”（另见第{same[1]}行）"
        pending[(day, kind)] = (festival, number)
    entries.update(pending)
    return None


# ----------------------------------------------------------------------- merging


def merge_notice(
    year_entries: Sequence[CalendarEntry], notice: ParsedNotice, origin: str
) -> list[CalendarEntry]:
    """The complete list of NOTICE entries the notice's year has after importing `notice`.

    `year_entries` are the entries in force for that schedule year: the notice entries if a
    notice was loaded for it, else the package's (errata and manual entries live on beside
    the notice entries and are ignored here). A schedule notice is the whole truth of its
    year; an adjustment drops the named festivals' days off *and* make-up working days and
    adds its own; an extension lengthens the festival's block to the new last day and drops
    the make-up working days inside the added days (2020: 2月1日). Importing the same notice
    twice gives the same entries.
    """
    if notice.problems:
        raise DomainError(
            "通知中有无法识别的内容，未导入：\n" + "\n".join(notice.problems),
            field="notice",
            rule="通知格式",
        )
    own = [
        CalendarEntry(
            e.day,
            e.kind,
            _entry_name(e.kind, e.festival),
            EntrySource.NOTICE,
            festival=e.festival,
            origin=origin,
            year=notice.year,
        )
        for e in notice.entries
    ]
    if notice.kind == KIND_SCHEDULE:
        return _sorted(own)
    current = _current(year_entries, notice.year)
    if not current:
        raise DomainError(
            f"尚未加载{notice.year}年的节假日安排，无法导入调整通知；请先导入{notice.year}年的通知",
            field="notice",
            rule="调整通知",
        )
    if notice.kind == KIND_ADJUSTMENT:
        named = set(notice.festivals)
        for name in named:
            if not any(festival_matches(e.festival, name) for e in current):
                raise DomainError(
                    f"{notice.year}年的安排中找不到“{name}”，无法调整",
                    field="notice",
                    rule="调整通知",
                )
        kept = {
            e.day: e
            for e in current
            if not any(festival_matches(e.festival, name) for name in named)
        }
        kept.update((e.day, e) for e in own)
        return _sorted(kept.values())
    return _extend(current, notice, origin)


def _current(year_entries: Sequence[CalendarEntry], year: int) -> list[CalendarEntry]:
    """The year's notice entries if any, else its package entries, as NOTICE entries."""
    relevant = [e for e in year_entries if e.source in (EntrySource.NOTICE, EntrySource.PACKAGE)]
    for entry in relevant:
        if entry.year != year:
            raise DomainError(
                f"传入的日历条目属于{entry.year}年（{entry.day.isoformat()}），"
                f"与通知的年份{year}年不一致",
                field="notice",
                rule="通知年份",
            )
    notices = [e for e in relevant if e.source is EntrySource.NOTICE]
    chosen = notices or relevant
    by_day = {e.day: _as_notice(e) for e in chosen}
    return list(by_day.values())


def _as_notice(entry: CalendarEntry) -> CalendarEntry:
    return CalendarEntry(
        entry.day,
        entry.kind,
        entry.name,
        EntrySource.NOTICE,
        festival=entry.festival,
        origin=entry.origin,
        year=entry.year,
    )


def _extend(current: list[CalendarEntry], notice: ParsedNotice, origin: str) -> list[CalendarEntry]:
    by_day = {e.day: e for e in current}
    for festival, new_end in notice.extensions:
        days_off = [
            e.day
            for e in by_day.values()
            if e.kind is EntryKind.HOLIDAY and festival_matches(e.festival, festival)
        ]
        if not days_off:
            raise DomainError(
                f"{notice.year}年的安排中找不到“{festival}”的放假安排，无法延长",
                field="notice",
                rule="延长假期",
            )
        last = max(days_off)
        if new_end > last + timedelta(days=MAX_EXTENSION_DAYS):
            raise DomainError(
                f"“{festival}”假期延长至 {new_end.isoformat()}，比原安排的最后一天 "
                f"{last.isoformat()} 晚{(new_end - last).days}天，超过{MAX_EXTENSION_DAYS}天，"
                "疑有笔误",
                field="notice",
                rule="延长假期",
            )
        if new_end <= last:
            already = by_day.get(new_end)
            if already is not None and already.origin == origin and new_end == last:
                continue  # this extension was imported before: nothing more to do
            raise DomainError(
                f"“{festival}”延长后的最后一天 {new_end.isoformat()} 不晚于原安排的最后一天 "
                f"{last.isoformat()}",
                field="notice",
                rule="延长假期",
            )
        for day in _days(last + timedelta(days=1), new_end):
            existing = by_day.get(day)
            if existing is not None and existing.kind is EntryKind.HOLIDAY:
                continue
            by_day[day] = CalendarEntry(
                day,
                EntryKind.HOLIDAY,
                _entry_name(EntryKind.HOLIDAY, festival),
                EntrySource.NOTICE,
                festival=festival,
                origin=origin,
                year=notice.year,
            )
    return _sorted(by_day.values())


def _entry_name(kind: EntryKind, festival: str) -> str:
    return f"{festival}调休上班" if kind is EntryKind.WORKDAY else festival


def _sorted(entries: object) -> list[CalendarEntry]:
    return sorted(entries, key=lambda e: e.day)  # type: ignore[arg-type]
