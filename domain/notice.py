"""Parser for the State Council's yearly holiday notice (国务院办公厅关于XXXX年部分节假日安排的通知).

Statutory deadlines for disclosure requests are counted in working days, and the official
calendar for a year exists only as this notice's prose. Parsing it lets an office load a new
year's schedule the day the notice is published, without waiting for a library release, and
lets the result be checked against the library for past years.

The parser is deliberately strict: every line that carries a date but is not understood is
reported in `problems`, because a silently skipped 上班 day would shift every deadline.
Only the standard library is used, so the module can run anywhere the domain layer runs.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import date, timedelta

from domain.errors import DomainError

__all__ = ["NoticeParseError", "ParsedNotice", "apply_extension", "parse_notice"]


class NoticeParseError(DomainError):
    """The text cannot be a holiday notice: no year in its title, or no schedule at all."""


@dataclass(frozen=True)
class ParsedNotice:
    """What a notice declares, as dates, plus what could not be understood.

    `blocks` keeps each 放假 range with its heading so that a later emergency notice
    ("延长2020年春节假期至2月2日") can find the block it extends.
    """

    year: int
    holidays: tuple[date, ...]
    workdays: tuple[date, ...]
    extensions: tuple[tuple[str, date], ...] = ()
    problems: tuple[str, ...] = ()
    blocks: tuple[tuple[str, date, date], ...] = ()

    def to_json(self) -> dict:
        """The schedule alone, as stored and exchanged: year, holidays, workdays in ISO form."""
        return {
            "year": self.year,
            "holidays": [d.isoformat() for d in self.holidays],
            "workdays": [d.isoformat() for d in self.workdays],
        }


# Lines are NFKC-normalised first, so full-width punctuation and digits become ASCII here.
_YEAR_IN_TITLE = re.compile(r"关于\D*?(\d{4})年")
_HEADING = re.compile(r"^[一二三四五六七八九十]+、(?:([^:\d,。]+):)?")
_ANNOTATION = re.compile(r"\([^)]*\)")
_ANY_DATE = re.compile(r"\d{1,2}日")
_DATE = r"(?:(?:\d{4})年)?(?:\d{1,2}月)?\d{1,2}日"
_DATE_PARTS = re.compile(r"(?:(\d{4})年)?(?:(\d{1,2})月)?(\d{1,2})日")
_DATE_LIST = rf"{_DATE}(?:、{_DATE})*"
_OFF_RANGE = re.compile(rf"^({_DATE})(?:至({_DATE}))?放假(?:调休)?(?:\d+天)?$")
_MAKEUP_OFF = re.compile(rf"^({_DATE_LIST})补休$")
_WORK = re.compile(rf"^({_DATE_LIST})上班$")
_RESUME = re.compile(rf"^{_DATE}起正常上班$")
_EXTEND = re.compile(rf"^延长(?:\d{{4}}年)?(.+?)假期至({_DATE})$")


def _is_title(line: str) -> bool:
    return line.startswith("国务院办公厅") or "通知" in line


def _title_year(lines: list[str]) -> int:
    """The notice's year, from the first title line that names one (关于[延长]2024年…)."""
    for line in lines:
        if line and _is_title(line) and (found := _YEAR_IN_TITLE.search(line)):
            return int(found.group(1))
    raise NoticeParseError(
        "未能在标题中找到年份：标题应形如“国务院办公厅关于2024年部分节假日安排的通知”"
    )


def _to_date(token: str, year: int, month: int | None) -> date:
    """One "[YYYY年][M月]D日" token; the caller supplies the year and month it inherits."""
    found = _DATE_PARTS.fullmatch(token)
    if found is None:  # pragma: no cover - callers only pass tokens matched by _DATE
        raise ValueError(token)
    explicit_year, explicit_month, day = found.groups()
    month = int(explicit_month) if explicit_month else month
    if month is None:
        raise ValueError(f"日期缺少月份：{token}")
    return date(int(explicit_year) if explicit_year else year, month, int(day))


def _date_list(text: str, year: int) -> list[date]:
    """Split "1月22日、2月4日" into dates; a day without a month takes the previous date's month."""
    dates: list[date] = []
    for token in text.split("、"):
        month = dates[-1].month if dates else None
        dates.append(_to_date(token, year, month))
    return dates


def _date_range(start_text: str, end_text: str | None, year: int) -> tuple[date, date]:
    """First and last day of "1月27日至2月2日", "4月2日至4日" or "2022年12月31日至2023年1月2日".

    An end without a year takes the start's year (and its month if it has none); if that
    puts it before the start, the range crosses New Year.
    """
    start = _to_date(start_text, year, None)
    if end_text is None:
        return start, start
    end = _to_date(end_text, start.year, start.month)
    if end < start and "年" not in end_text:
        end = end.replace(year=end.year + 1)
    if end < start:
        raise ValueError(f"结束日期早于开始日期：{start_text}至{end_text}")
    return start, end


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def parse_notice(text: str) -> ParsedNotice:
    """Read a notice's title and schedule lines into dates.

    Each schedule line is cut into clauses at 。，; and parenthesised annotations such as
    "（星期日）" or "（农历除夕、周二）" are dropped first. A clause is either a 放假 range,
    a 补休 list, an 上班 list, an extension (延长…假期至…), "…起正常上班", or prose. Prose
    without dates is ignored; a clause with dates that matches nothing makes the whole line a
    problem. Sentences that only *encourage* a day off (鼓励…) are not holidays and are skipped.
    """
    lines = [unicodedata.normalize("NFKC", raw).strip() for raw in text.splitlines()]
    year = _title_year(lines)
    label = ""
    holidays: set[date] = set()
    workdays: set[date] = set()
    blocks: list[tuple[str, date, date]] = []
    extensions: list[tuple[str, date]] = []
    problems: list[str] = []

    for number, (raw, line) in enumerate(zip(text.splitlines(), lines, strict=True), start=1):
        if not line or _is_title(line) or not _ANY_DATE.search(line):
            continue  # blank, the title, or prose without a date
        heading = _HEADING.match(line)
        if heading:
            label = heading.group(1) or label
            line = line[heading.end() :]
        line_holidays: set[date] = set()
        line_workdays: set[date] = set()
        line_blocks: list[tuple[str, date, date]] = []
        line_extensions: list[tuple[str, date]] = []
        understood = True
        for sentence in line.split("。"):
            if "鼓励" in sentence:
                continue  # an encouraged day off, e.g. 2024 除夕, is not an official holiday
            for clause in re.split(r"[,;]", _ANNOTATION.sub("", sentence)):
                clause = clause.strip()
                try:
                    if match := _OFF_RANGE.match(clause):
                        first, last = _date_range(match.group(1), match.group(2), year)
                        line_blocks.append((label, first, last))
                        line_holidays.update(_days(first, last))
                    elif match := _MAKEUP_OFF.match(clause):
                        line_holidays.update(_date_list(match.group(1), year))
                    elif match := _WORK.match(clause):
                        line_workdays.update(_date_list(match.group(1), year))
                    elif match := _EXTEND.match(clause):
                        new_end = _to_date(match.group(2), year, None)
                        line_extensions.append((match.group(1), new_end))
                    elif _RESUME.match(clause):
                        pass  # the day after an extension; work resumes as usual
                    elif _ANY_DATE.search(clause):
                        understood = False
                except ValueError:
                    understood = False
        if not understood:
            problems.append(f"第{number}行无法识别：{raw.strip()}")
            continue
        holidays |= line_holidays
        workdays |= line_workdays
        blocks.extend(line_blocks)
        extensions.extend(line_extensions)

    if not (holidays or workdays or extensions):
        detail = f"（另有{len(problems)}行无法识别）" if problems else ""
        raise NoticeParseError(f"通知中没有找到任何放假、上班或延长假期的安排{detail}")
    return ParsedNotice(
        year=year,
        holidays=tuple(sorted(holidays)),
        workdays=tuple(sorted(workdays)),
        extensions=tuple(extensions),
        problems=tuple(problems),
        blocks=tuple(blocks),
    )


def apply_extension(base: ParsedNotice, extension: ParsedNotice) -> ParsedNotice:
    """The base year's schedule after an emergency extension notice.

    For each (festival, new_end), the days after the festival's block through new_end become
    holidays, and make-up workdays inside them are dropped (2020: 2月1日 was a 调休 Saturday
    and became a day off). Raises ValueError, in Chinese, when the years differ, no block's
    heading names the festival, or the new end does not lie after the block.
    """
    if extension.year != base.year:
        raise ValueError(f"延长假期通知的年份（{extension.year}）与原安排（{base.year}）不一致")
    holidays = set(base.holidays)
    workdays = set(base.workdays)
    blocks = list(base.blocks)
    for festival, new_end in extension.extensions:
        index = next((i for i, b in enumerate(blocks) if festival and festival in b[0]), None)
        if index is None:
            raise ValueError(f"原安排中找不到“{festival}”的放假安排")
        label, first, last = blocks[index]
        if new_end <= last:
            raise ValueError(f"“{festival}”延长后的最后一天{new_end}不晚于原安排的{last}")
        added = _days(last + timedelta(days=1), new_end)
        holidays.update(added)
        workdays.difference_update(added)
        blocks[index] = (label, first, new_end)
    return replace(
        base,
        holidays=tuple(sorted(holidays)),
        workdays=tuple(sorted(workdays)),
        problems=base.problems + extension.problems,
        blocks=tuple(blocks),
    )
