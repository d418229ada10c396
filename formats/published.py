"""Read published section-三 tables (annual reports as the portals show them) for checking.

An office, a supervisor or a researcher wants to know whether a report already on the
portal adds up (RULES §4.3) and whether its 上年结转 matches last year's 结转下年度. The
published tables reach us in two shapes, and this module turns both into the contract's
table (`domain.report.Table`: row code → column code → int) without touching a database:

- the report contract's JSON (RULES §5): one report object ``{"year", "agency",
  "section3": {"rows": …}}`` or a file of several ``{"reports": [ … ]}``;
- the text a portal page renders: one table row per line, cells separated by ``|``, the
  header spread over several lines, labels with the portal's own spacing and half-width
  punctuation ("(一)予以公开", "商业 企业", "重新 出具"), group cells in front of some rows
  ("(三)不予公开 | 1.属于国家秘密 | …").

Published numbers are facts to be checked, never to be repaired: nothing here recomputes a
total. What cannot be read is refused with a Chinese message that names the line (text) or
the row and column (JSON), because a checker that guesses would report on a table nobody
published.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from domain.errors import DomainError
from domain.outcomes import OTHER_ROW_2019, parse_outcome
from domain.report import (
    COLUMN_LABELS,
    REPORT_COLUMNS,
    ROWS,
    Check,
    Table,
    check_carry,
    empty_table,
    row_label,
)

__all__ = [
    "CarryLink",
    "PublishedTable",
    "PublishedTableError",
    "check_carry_chain",
    "read_published",
]


class PublishedTableError(DomainError):
    """A published table cannot be read; `line_number` is the text line it stopped at.

    The line number is None when the problem is not on one line (a required row is missing,
    a JSON table lacks a cell). It subclasses `DomainError` so that, should it escape a
    command, the CLI still shows the Chinese message instead of a traceback.
    """

    def __init__(self, message: str, line_number: int | None = None) -> None:
        super().__init__(message)
        self.line_number = line_number


@dataclass(frozen=True)
class PublishedTable:
    """One published section-三 table: its year, agency (None for portal text) and cells."""

    year: int
    agency: str | None
    table: Table
    source: str


# ------------------------------------------------------------------------------ entry point


def read_published(path: Path, year: int | None = None) -> list[PublishedTable]:
    """Every section-三 table in a file, JSON or portal text (decided by the content).

    `year` is the report year. For text it overrides the year in the file name (which is
    used otherwise; a text without either is refused, because a table without its year
    cannot join a carry chain). For JSON it fills in a report without "year", and it
    selects: only that year's reports are returned, and a file without one is refused.
    """
    text = _read_text(path)
    if text.lstrip().startswith("{"):
        return _read_json(path, text, year)
    report_year = year if year is not None else _year_from_name(path)
    return [PublishedTable(report_year, None, _parse_text(path, text), str(path))]


def _read_text(path: Path) -> str:
    """The file's text: UTF-8 (with or without BOM), else GB18030 as Windows saves it."""
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise PublishedTableError(f"找不到文件：{path}") from exc
    except OSError as exc:  # a directory, no permission, …
        raise PublishedTableError(f"无法读取文件：{path}（{exc.strerror or exc}）") from exc
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise PublishedTableError(f"无法读取文件：{path} 既不是 UTF-8 也不是 GB18030 编码的文本")


_YEAR_IN_NAME = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")


def _year_from_name(path: Path) -> int:
    """The report year written in the file name ("published-table-2019.txt")."""
    years = sorted({int(y) for y in _YEAR_IN_NAME.findall(path.name)})
    if not years:
        raise PublishedTableError(
            f"无法确定 {path} 的年度：文件名中没有四位年份，请用 --year 指定年度"
        )
    if len(years) > 1:
        shown = "、".join(str(y) for y in years)
        raise PublishedTableError(
            f"无法确定 {path} 的年度：文件名中有多个年份（{shown}），请用 --year 指定年度"
        )
    return years[0]


# ------------------------------------------------------------------------------------- JSON


def _read_json(path: Path, text: str, year: int | None) -> list[PublishedTable]:
    """Tables from the RULES §5 JSON: one report object or ``{"reports": [...]}``."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PublishedTableError(
            f"{path} 不是有效的 JSON：第{exc.lineno}行第{exc.colno}列，{exc.msg}", exc.lineno
        ) from exc
    if isinstance(data, dict) and "reports" in data:
        reports = data["reports"]
        if not isinstance(reports, list) or not reports:
            raise PublishedTableError(f"{path}：“reports” 应为报告对象的列表，且不能为空")
        where = [f"{path} 第{i}份报告" for i in range(1, len(reports) + 1)]
    elif isinstance(data, dict):
        reports, where = [data], [str(path)]
    else:
        raise PublishedTableError(
            f'{path}：JSON 顶层应为报告对象（含 year、section3）或 {{"reports": [...]}}'
        )
    tables = [
        _json_report(path, report, place, year)
        for report, place in zip(reports, where, strict=True)
    ]
    if year is not None:
        tables = [t for t in tables if t.year == year]
        if not tables:
            present = "、".join(str(y) for y in sorted({_json_year(r) for r in reports} - {None}))
            raise PublishedTableError(
                f"{path} 中没有{year}年度的报告" + (f"（文件中有：{present}）" if present else "")
            )
    return tables


def _json_year(report: Any) -> int | None:
    value = report.get("year") if isinstance(report, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _json_report(path: Path, report: Any, place: str, year: int | None) -> PublishedTable:
    if not isinstance(report, dict):
        raise PublishedTableError(f"{place}：应为 JSON 对象")
    if "year" in report:
        report_year = _json_year(report)
        if report_year is None:
            raise PublishedTableError(f"{place}：year 应为整数年份，实际为 {report['year']!r}")
    elif year is not None:
        report_year = year
    else:
        report_year = _year_from_name(path)
    agency = report.get("agency")
    if agency is not None and not isinstance(agency, str):
        raise PublishedTableError(f"{place}：agency 应为字符串，实际为 {agency!r}")
    section3 = report.get("section3")
    rows = section3.get("rows") if isinstance(section3, dict) else None
    if not isinstance(rows, dict):
        raise PublishedTableError(f"{place}（{report_year}年度）：缺少 section3.rows")
    table = _json_rows(rows, f"{place}（{report_year}年度）")
    return PublishedTable(report_year, agency or None, table, str(path))


def _json_rows(rows: Mapping[str, Any], place: str) -> Table:
    """The table of ``section3.rows``; every row and column of the contract must be there.

    A 2019-format report may carry its single （六）其他处理 row under the key "other"
    (`domain.outcomes.OTHER_ROW_2019`); it counts as other.other, the two 2021 sub-rows 0.
    """
    rows = dict(rows)
    single_other = OTHER_ROW_2019 in rows
    if single_other:
        clash = [k for k in ("other.no_supplement", "other.fee_unpaid", "other.other") if k in rows]
        if clash:
            raise PublishedTableError(
                f"{place}：同时有 2019 年格式的 “other” 行和 2021 年格式的 {'、'.join(clash)} 行"
            )
        rows["other.other"] = rows.pop(OTHER_ROW_2019)
    unknown = sorted(set(rows) - set(ROWS))
    if unknown:
        raise PublishedTableError(f"{place}：未知的行 {'、'.join(unknown)}（行代码见 RULES §5）")
    table = empty_table()
    for row in ROWS:
        if row not in rows:
            if single_other and row in ("other.no_supplement", "other.fee_unpaid"):
                continue
            raise PublishedTableError(f"{place}：缺少 {row_label(row)}（{row}）行")
        cells = rows[row]
        if not isinstance(cells, dict):
            raise PublishedTableError(f"{place}：{row_label(row)}（{row}）应为 列代码→数字 的对象")
        for column in REPORT_COLUMNS:
            if column not in cells:
                raise PublishedTableError(
                    f"{place}：{row_label(row)}（{row}）行缺少 {COLUMN_LABELS[column]}（{column}）列"
                )
            value = cells[column]
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise PublishedTableError(
                    f"{place}：{row_label(row)}（{row}）行 {COLUMN_LABELS[column]}（{column}）列"
                    f"应为非负整数，实际为 {value!r}"
                )
            table[row][column] = value
        extra = sorted(set(cells) - set(REPORT_COLUMNS))
        if extra:
            raise PublishedTableError(
                f"{place}：{row_label(row)}（{row}）行有未知的列 {'、'.join(extra)}"
            )
    return table


# ------------------------------------------------------------------------------------- text

# Words of the column header lines; a line without numbers that carries one is a header.
_HEADER_WORDS = (
    "勾稽关系",
    "申请人情况",
    "自然人",
    "法人或其他组织",
    "商业企业",
    "科研机构",
    "社会公益组织",
    "法律服务机构",
)

# Group cells that may stand in front of a row label, with the outcome group they open
# ("" = any group). "(一)予以公开" and "(二)部分公开" are rows themselves, and so is
# "(六)其他处理" when numbers follow it directly (the 2019 format's single row).
_GROUP_CELLS: dict[str, str] = {
    "三本年度办理结果": "",
    "本年度办理结果": "",
    "三不予公开": "withheld",
    "不予公开": "withheld",
    "四无法提供": "unavailable",
    "无法提供": "unavailable",
    "五不予处理": "rejected",
    "不予处理": "rejected",
    "六其他处理": "other",
    "其他处理": "other",
}

# A cell that stands where a number should: digits (with thousands commas or a decimal
# point), a sign, or the dashes/slashes some portals print for "none". Such a cell ends
# the label part of the line, and must then be a plain non-negative integer.
_NUMBER_LIKE = re.compile(r"^(?:[-+−]?[\d.,]*\d[\d.,]*|[-—–―/\\]+)$")
_INTEGER = re.compile(r"^(?:\d+|\d{1,3}(?:,\d{3})+)$")

_LEAF_COUNT = 7  # six applicant columns + 总计, in the order of REPORT_COLUMNS


def _key(text: str) -> str:
    """A label reduced to its words: width folded, spaces and punctuation dropped."""
    folded = unicodedata.normalize("NFKC", text)
    return "".join(c for c in folded if unicodedata.category(c)[0] not in "PZC" and c != "·")


def _fixed_row(key: str) -> str | None:
    """The non-outcome rows, matched on their distinctive words."""
    if "本年新收" in key:
        return "new"
    if "上年结转" in key:
        return "carried_in"
    if "结转下年度" in key:
        return "carried_out"
    if key in ("七总计", "总计"):
        return "total"
    if key in ("new", "carried_in", "carried_out", "total"):
        return key
    return None


@dataclass(frozen=True)
class _Label:
    row: str
    single_other: bool  # the 2019 format's "(六)其他处理" row, read as other.other


def _row_for(label: str) -> _Label | None:
    """The row a label names, or None; outcome labels go through `parse_outcome`."""
    key = _key(label)
    if not key:
        return None
    fixed = _fixed_row(key)
    if fixed is not None:
        return _Label(fixed, False)
    try:
        outcome = parse_outcome(label)
    except DomainError:
        return None
    return _Label(outcome.value, key in ("六其他处理", "其他处理"))


def _cells(line: str) -> list[str]:
    """The cells of a portal line (``|``, full-width ``｜`` or tab), trailing empties dropped."""
    cells = [c.strip() for c in re.split(r"[|\t]", unicodedata.normalize("NFKC", line))]
    while cells and not cells[-1]:
        cells.pop()
    return cells


def _parse_text(path: Path, text: str) -> Table:
    """The section-三 table of a portal text; see the module docstring for the form.

    Lines before the first data row (titles, the header) are skipped unless they name a
    row of the table; from the first data row to 四、结转下年度继续办理 every line must be
    a header line, a group heading or a readable data row; whatever follows the last row
    (section 四, notes) is not read.
    """
    lines = text.splitlines()
    table = empty_table()
    seen: dict[str, int] = {}
    single_other_line: int | None = None
    in_body = False

    def fail(number: int, reason: str) -> PublishedTableError:
        return PublishedTableError(
            f"{path} 第{number}行无法读取：{reason}。该行内容：“{lines[number - 1].strip()}”",
            number,
        )

    for number, line in enumerate(lines, start=1):
        cells = _cells(line)
        if not any(cells):
            continue
        first_number = next((i for i, c in enumerate(cells) if _NUMBER_LIKE.match(c)), None)
        leading = [c for c in (cells if first_number is None else cells[:first_number]) if c]
        keys = [_key(c) for c in leading]

        if first_number is None:
            if not in_body:
                continue  # titles and the header before the table
            if any(word in k for k in keys for word in _HEADER_WORDS):
                continue  # the header repeated, e.g. after a page break
            if keys and all(k in _GROUP_CELLS for k in keys):
                continue  # a group heading on a line of its own
            if leading and _row_for(leading[-1]) is not None:
                raise fail(number, "这一行只有行名，没有数字")
            raise fail(number, "不是表头，也不是可识别的数据行")

        if not leading:
            if in_body:
                raise fail(number, "数字前没有行名")
            continue
        label = _row_for(leading[-1])
        if label is None:
            if in_body:
                raise fail(number, f"无法识别行名“{leading[-1]}”")
            continue
        for cell, key in zip(leading[:-1], keys[:-1], strict=True):
            group = _GROUP_CELLS.get(key)
            if group is None:
                raise fail(number, f"行名前的单元格“{cell}”无法识别")
            if group and not label.row.startswith(group + "."):
                raise fail(number, f"“{leading[-1]}”不属于“{cell}”")

        values = cells[first_number:]
        if len(values) < _LEAF_COUNT:
            raise fail(number, f"只有{len(values)}个数字，应为{_LEAF_COUNT}个（六类申请人及总计）")
        if len(values) > _LEAF_COUNT:
            raise fail(number, f"有{len(values)}个单元格，多于{_LEAF_COUNT}个（六类申请人及总计）")
        for column, value in zip(REPORT_COLUMNS, values, strict=True):
            if not _INTEGER.match(value):
                shown = f"“{value}”" if value else "空白"
                raise fail(number, f"{COLUMN_LABELS[column]}列的{shown}不是非负整数")

        if label.row in seen:
            raise fail(number, f"与第{seen[label.row]}行重复，都是“{row_label(label.row)}”行")
        seen[label.row] = number
        if label.single_other:
            single_other_line = number
        for column, value in zip(REPORT_COLUMNS, values, strict=True):
            table[label.row][column] = int(value.replace(",", ""))
        in_body = True
        if label.row == "carried_out":
            break

    optional: set[str] = set()
    if single_other_line is not None:
        # The 2019 format: （六）其他处理 is one row, read as other.other; its 2021
        # sub-rows 1 and 2 do not exist there and stay 0.
        both = [r for r in ("other.no_supplement", "other.fee_unpaid") if r in seen]
        if both:
            raise fail(
                seen[both[0]],
                f"第{single_other_line}行已是 2019 年格式不分项的“（六）其他处理”行，不能再有分项",
            )
        optional = {"other.no_supplement", "other.fee_unpaid"}
    missing = [r for r in ROWS if r not in seen and r not in optional]
    if missing:
        raise PublishedTableError(
            f"{path} 缺少以下行：" + "、".join(f"“{row_label(r)}”" for r in missing)
        )
    return table


# ------------------------------------------------------------------------------ carry chain


@dataclass(frozen=True)
class CarryLink:
    """One step of an agency's carry chain: 上年结转 of `year` against 结转下年度 before it.

    `checked` is False when the tables cannot be compared (a year missing in between);
    such a link is not a failure, but the gap is reported so nobody mistakes it for a pass.
    """

    agency: str | None
    previous_year: int
    year: int
    previous_source: str
    source: str
    checked: bool
    ok: bool
    detail: str
    check: Check | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "agency": self.agency,
            "previous_year": self.previous_year,
            "year": self.year,
            "previous_file": self.previous_source,
            "file": self.source,
            "checked": self.checked,
            "ok": self.ok,
            "detail": self.detail,
        }


def check_carry_chain(tables: Iterable[PublishedTable]) -> list[CarryLink]:
    """Year-to-year links per agency (tables without agency form one group of their own).

    Consecutive years are checked cell for cell with `domain.report.check_carry`; a gap is
    reported unchecked. The same year twice with identical figures is one table; with
    different figures it is a failed link, since a chain through either would be a guess.
    """
    groups: dict[str | None, list[PublishedTable]] = {}
    for table in tables:
        groups.setdefault(table.agency, []).append(table)
    links: list[CarryLink] = []
    for agency, members in groups.items():
        by_year: dict[int, PublishedTable] = {}
        for table in sorted(members, key=lambda t: t.year):
            first = by_year.setdefault(table.year, table)
            if first is not table and first.table != table.table:
                links.append(
                    CarryLink(
                        agency,
                        table.year,
                        table.year,
                        first.source,
                        table.source,
                        True,
                        False,
                        f"{table.year}年度有两份数字不同的表格：{first.source} 与 {table.source}",
                    )
                )
        years = sorted(by_year)
        for previous, year in zip(years, years[1:], strict=False):
            before, after = by_year[previous], by_year[year]
            if year != previous + 1:
                missing = "、".join(str(y) for y in range(previous + 1, year))
                links.append(
                    CarryLink(
                        agency,
                        previous,
                        year,
                        before.source,
                        after.source,
                        False,
                        True,
                        f"缺少{missing}年度的表格，{previous}年与{year}年之间的结转衔接无法核对",
                    )
                )
                continue
            check = check_carry(
                year,
                after.table["carried_in"],
                before.table["carried_out"],
                previous_state="已公布",
            )
            links.append(
                CarryLink(
                    agency,
                    previous,
                    year,
                    before.source,
                    after.source,
                    True,
                    check.ok,
                    check.detail,
                    check,
                )
            )
    return links
