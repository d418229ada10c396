"""Read and check a ledger file (台账) before anything is imported (RULES §5 "Ledger import").

Offices move to the engine with the ledger they already keep in Excel: one row per
application, eight columns, written by hand over years. RULES §5 says the whole file is checked
first and one bad row rejects the file with a message per bad row, so this module reads the
file completely, collects *every* problem of every row, and either returns clean rows or raises
`LedgerError` with all of them. People fix their spreadsheet once instead of once per error.

The checks here are a superset of what `domain.case.register` enforces for an imported case,
so rows that pass here will not be refused one by one while writing. This module deliberately
touches no database: whether a case number already exists is checked by the import service,
which also does the writing.

Messages are Chinese and point at the cell as the office sees it: "第N行" counts rows the way
the spreadsheet shows them (the header is row 1), and the column is named as the file names it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from domain.errors import DomainError
from domain.outcomes import (
    ApplicantType,
    Channel,
    Outcome,
    parse_applicant_type,
    parse_channel,
    parse_outcome,
)

# The eight columns of RULES §5, in contract order: English name, Chinese name.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("case_no", "申请编号"),
    ("applicant_type", "申请人类型"),
    ("applicant_name", "申请人"),
    ("channel", "申请方式"),
    ("received_on", "收到申请日期"),
    ("content", "申请内容"),
    ("outcome", "办理结果"),
    ("concluded_on", "答复日期"),
)
_CHINESE = dict(COLUMNS)
_HEADER_TO_FIELD: dict[str, str] = {
    **{en: en for en, _ in COLUMNS},
    **{zh: en for en, zh in COLUMNS},
}

SUPPORTED_SUFFIXES = (".csv", ".xlsx")

# Rule names carried by problems (and shown in messages), short Chinese phrases like
# the ones `domain.case` uses, so the same rule reads the same everywhere.
RULE_FORMAT = "文件格式"
RULE_HEADER = "表头"
RULE_REQUIRED = "必填"
RULE_DATE = "日期格式"
RULE_FUTURE = "日期不能在未来"
RULE_ORDER = "事件顺序"
RULE_UNIQUE = "申请编号不得重复"

DATE_FORMATS_HINT = "YYYY-MM-DD、YYYY/M/D、YYYY.M.D 或 YYYY年M月D日"

# One separator used throughout ("2024-1-5", "2024/01/05", "2024.1.5") or the Chinese form
# ("2024年1月5日"); mixed separators are more likely a typo than a date.
_DATE_RE = re.compile(
    r"(?P<y>\d{4})(?:(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})"
    r"|\s*年\s*(?P<m2>\d{1,2})\s*月\s*(?P<d2>\d{1,2})\s*日?)"
)


@dataclass(frozen=True)
class LedgerRow:
    """One checked application from the ledger, with values already parsed."""

    line: int  # the row number as a spreadsheet shows it: header is row 1, first data row is 2
    case_no: str
    applicant_type: ApplicantType
    applicant_name: str
    channel: Channel
    received_on: dt.date
    content: str
    outcome: Outcome | None  # None = still open
    concluded_on: dt.date | None


@dataclass(frozen=True)
class RowProblem:
    """One thing wrong with the file, located as precisely as possible.

    `line` is None for problems of the whole file (a missing column, an unreadable file);
    `column` is the header as written in the file, or, for a missing column, the name the
    office would have to add (in the language the rest of the header uses).
    """

    line: int | None
    column: str | None
    rule: str
    message: str


class LedgerError(DomainError):
    """The ledger was refused; `problems` lists every reason, sorted by line.

    File-level problems (line None) come first. `str(e)` is all messages, one per line, ready
    to show to the office as they are; nothing of the file was written.
    """

    def __init__(self, problems: Sequence[RowProblem]):
        self.problems: list[RowProblem] = sorted(
            problems, key=lambda p: (p.line is not None, p.line or 0)
        )
        first = self.problems[0] if self.problems else None
        super().__init__(
            "\n".join(p.message for p in self.problems),
            field=first.column if first else None,
            rule=first.rule if first else None,
        )

    def __str__(self) -> str:
        return "\n".join(p.message for p in self.problems)


# ---------------------------------------------------------------------------------- reading


def read_ledger(path: Path, *, today: dt.date) -> list[LedgerRow]:
    """Read a `.csv` or `.xlsx` ledger and return its rows, or raise `LedgerError`.

    `today` is today in Asia/Shanghai (RULES §1); the caller passes it so that the check
    is reproducible and this module needs no clock.
    """
    path = Path(path)
    table = _read_table(path)
    if not table:
        raise LedgerError([_file_problem(f"文件“{path.name}”是空的：第1行应为表头", RULE_HEADER)])
    header_at = _header_row(table)
    columns = _map_header(table[header_at])

    problems: list[RowProblem] = []
    rows: list[LedgerRow] = []
    first_line_of: dict[str, int] = {}
    for line, cells in enumerate(table[header_at + 1 :], start=header_at + 2):
        if all(_text(c) == "" for c in cells):
            continue  # an empty row is skipped, but still counts as a spreadsheet row
        checker = _RowChecker(line, cells, columns, today)
        row = checker.check(first_line_of)
        problems.extend(checker.problems)
        if row is not None:
            rows.append(row)
    if problems:
        raise LedgerError(problems)
    return rows


def _file_problem(message: str, rule: str, column: str | None = None) -> RowProblem:
    return RowProblem(line=None, column=column, rule=rule, message=f"{message}（规则：{rule}）")


def _read_table(path: Path) -> list[list[Any]]:
    """All rows of the file as lists of raw cell values, header first."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        shown = path.suffix or "（无扩展名）"
        raise LedgerError(
            [
                _file_problem(
                    f"不支持的台账文件格式“{shown}”（文件“{path.name}”）："
                    "请另存为 .xlsx 或 .csv（UTF-8 或 GBK 编码）后再导入",
                    RULE_FORMAT,
                )
            ]
        )
    try:
        if suffix == ".csv":
            return _read_csv(path)
        return _read_xlsx(path)
    except LedgerError:
        raise
    except OSError as e:
        reason = e.strerror or str(e)
        raise LedgerError(
            [_file_problem(f"无法读取文件“{path.name}”：{reason}", RULE_FORMAT)]
        ) from e


def _read_csv(path: Path) -> list[list[Any]]:
    """CSV as UTF-8 (BOM or not), falling back to GB18030: Excel on Chinese Windows saves GBK."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError as e:
            raise LedgerError(
                [
                    _file_problem(
                        f"无法识别文件“{path.name}”的编码：请以 UTF-8 或 GBK 编码保存 CSV",
                        RULE_FORMAT,
                    )
                ]
            ) from e
    try:
        return [list(r) for r in csv.reader(io.StringIO(text, newline=""))]
    except csv.Error as e:
        raise LedgerError(
            [_file_problem(f"文件“{path.name}”不是有效的 CSV：{e}", RULE_FORMAT)]
        ) from e


def _read_xlsx(path: Path) -> list[list[Any]]:
    """The first worksheet's values (formulas as their cached results)."""
    import openpyxl  # imported here: only xlsx imports pay for it

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError) as e:
        raise LedgerError(
            [_file_problem(f"文件“{path.name}”不是有效的 .xlsx 工作簿：{e}", RULE_FORMAT)]
        ) from e
    try:
        if not wb.worksheets:
            return []
        ws = wb.worksheets[0]
        # Some tools write a wrong <dimension>; without it openpyxl reads every stored cell.
        ws.reset_dimensions()
        return [list(r) for r in ws.iter_rows(values_only=True)]
    finally:
        wb.close()


# ----------------------------------------------------------------------------------- header


def _clean_header(value: Any) -> str:
    """Header text without surrounding (also full-width) spaces or a stray BOM."""
    return _text(value).replace("\ufeff", "").strip()


HEADER_SEARCH_ROWS = 10


def _header_row(table: list[list[Any]]) -> int:
    """The row holding the header: offices often put a title row (or two) above it.

    The first of the top rows that names at least half of the eight columns; the first row
    when none does (its missing columns are then reported as usual).
    """
    for index, cells in enumerate(table[:HEADER_SEARCH_ROWS]):
        known = {_HEADER_TO_FIELD.get(_clean_header(c)) for c in cells} - {None}
        if len(known) >= len(COLUMNS) // 2:
            return index
    return 0


def _map_header(header: Sequence[Any]) -> dict[str, tuple[int, str]]:
    """Map each field to (cell index, header as written); refuse missing or doubled columns.

    Unknown columns are ignored: offices keep extra columns (经办人, 备注…) in their ledgers.
    """
    columns: dict[str, tuple[int, str]] = {}
    problems: list[RowProblem] = []
    chinese = english = 0
    for index, cell in enumerate(header):
        name = _clean_header(cell)
        field = _HEADER_TO_FIELD.get(name)
        if field is None:
            continue
        if name == field:
            english += 1
        else:
            chinese += 1
        if field in columns:
            first_index, first_name = columns[field]
            problems.append(
                _file_problem(
                    f"表头中“{first_name}”（第{first_index + 1}列）和“{name}”（第{index + 1}列）"
                    f"是同一列 {_both(field)}，只能保留一列",
                    RULE_HEADER,
                    column=name,
                )
            )
            continue
        columns[field] = (index, name)
    for field, zh in COLUMNS:
        if field not in columns:
            shown = zh if chinese > english else field
            problems.append(
                _file_problem(f"缺少必需的列：{_both(field)}", RULE_HEADER, column=shown)
            )
    if problems:
        raise LedgerError(problems)
    return columns


def _both(field: str) -> str:
    """A column named both ways, e.g. "收到申请日期（received_on）"."""
    return f"{_CHINESE[field]}（{field}）"


# ------------------------------------------------------------------------------------ cells


def _text(value: Any) -> str:
    """A cell as stripped text; whole-number floats lose their ".0" (Excel stores numbers so)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    return str(value).strip()


EXCEL_EPOCH = dt.date(1899, 12, 30)
EXCEL_SERIALS = (36526, 73050)  # 2000-01-01 .. 2099-12-31


class _DateError(ValueError):
    """A date cell that is not a date; the message part after the column name."""


def _parse_date(value: Any) -> dt.date:
    """A date from an xlsx date cell or one of the written forms in `DATE_FORMATS_HINT`."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = unicodedata.normalize("NFKC", _text(value)).strip()
    if text.isdigit() and EXCEL_SERIALS[0] <= int(text) <= EXCEL_SERIALS[1]:
        # an Excel date serial (a date cell saved as a number): days since 1899-12-30
        return EXCEL_EPOCH + dt.timedelta(days=int(text))
    match = _DATE_RE.fullmatch(text)
    if match is None:
        raise _DateError(f"“{_text(value)}”不是可识别的日期，应写作 {DATE_FORMATS_HINT}")
    month = match.group("m") or match.group("m2")
    day = match.group("d") or match.group("d2")
    try:
        return dt.date(int(match.group("y")), int(month), int(day))
    except ValueError as e:
        raise _DateError(f"“{_text(value)}”不是有效的日期（该日不存在）") from e


class _RowChecker:
    """Checks one data row, collecting every problem instead of stopping at the first."""

    def __init__(
        self,
        line: int,
        cells: Sequence[Any],
        columns: dict[str, tuple[int, str]],
        today: dt.date,
    ):
        self.line = line
        self.cells = cells
        self.columns = columns
        self.today = today
        self.problems: list[RowProblem] = []

    def raw(self, field: str) -> Any:
        index = self.columns[field][0]
        return self.cells[index] if index < len(self.cells) else None

    def text(self, field: str) -> str:
        return _text(self.raw(field))

    def problem(self, field: str, detail: str, rule: str) -> None:
        column = self.columns[field][1]
        self.problems.append(
            RowProblem(
                line=self.line,
                column=column,
                rule=rule,
                message=f"第{self.line}行 “{column}”列：{detail}（规则：{rule}）",
            )
        )

    def required(self, field: str) -> str | None:
        value = self.text(field)
        if value == "":
            self.problem(field, f"{_both(field)}不能为空", RULE_REQUIRED)
            return None
        return value

    def parsed(self, field: str, parse: Callable[[str], Any]) -> Any:
        """Run a domain parser; its DomainError becomes a problem of this cell."""
        value = self.required(field)
        if value is None:
            return None
        try:
            return parse(value)
        except DomainError as e:
            self.problem(field, e.message, e.rule or RULE_FORMAT)
            return None

    def date(self, field: str, *, required: bool) -> dt.date | None:
        if self.text(field) == "":
            if required:
                self.required(field)
            return None
        try:
            value = _parse_date(self.raw(field))
        except _DateError as e:
            self.problem(field, str(e), RULE_DATE)
            return None
        if value > self.today:
            self.problem(
                field,
                f"“{value.isoformat()}”晚于今天 {self.today.isoformat()}",
                RULE_FUTURE,
            )
            return None
        return value

    def check(self, first_line_of: dict[str, int]) -> LedgerRow | None:
        """The parsed row, or None when it has problems (they are in `self.problems`)."""
        case_no = self.required("case_no")
        if case_no is not None:
            first = first_line_of.setdefault(case_no, self.line)
            if first != self.line:
                self.problem("case_no", f"申请编号“{case_no}”与第{first}行重复", RULE_UNIQUE)
        applicant_type = self.parsed("applicant_type", parse_applicant_type)
        applicant_name = self.required("applicant_name")
        channel = self.parsed("channel", parse_channel)
        received_on = self.date("received_on", required=True)
        content = self.required("content")

        outcome_given = self.text("outcome") != ""
        concluded_given = self.text("concluded_on") != ""
        outcome = self.parsed("outcome", parse_outcome) if outcome_given else None
        concluded_on = self.date("concluded_on", required=False)
        if outcome_given and not concluded_given:
            self.problem(
                "concluded_on",
                f"已填写办理结果“{self.text('outcome')}”，须同时填写{_both('concluded_on')}",
                RULE_REQUIRED,
            )
        if concluded_given and not outcome_given:
            self.problem(
                "outcome",
                f"已填写答复日期“{self.text('concluded_on')}”，须同时填写{_both('outcome')}"
                "；未办结的申请两列都应留空",
                RULE_REQUIRED,
            )
        if concluded_on is not None and received_on is not None and concluded_on < received_on:
            self.problem(
                "concluded_on",
                f"“{concluded_on.isoformat()}”早于收到申请日期 {received_on.isoformat()}",
                RULE_ORDER,
            )

        if (
            self.problems
            or case_no is None
            or applicant_name is None
            or content is None
            or received_on is None
        ):
            return None
        return LedgerRow(
            line=self.line,
            case_no=case_no,
            applicant_type=applicant_type,
            applicant_name=applicant_name,
            channel=channel,
            received_on=received_on,
            content=content,
            outcome=outcome,
            concluded_on=concluded_on,
        )


# ---------------------------------------------------------------------------------- writing


def ledger_csv(cases: Sequence[dict[str, Any]], extra: Sequence[tuple[str, str]] = ()) -> str:
    """Cases as a ledger with the eight Chinese columns first (so `ogi import ledger` reads
    it back), labels instead of codes, then `extra` columns (key, Chinese header)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([zh for _, zh in COLUMNS] + [zh for _, zh in extra])
    for case in cases:
        outcome = case.get("outcome")
        writer.writerow(
            [
                case["case_no"],
                ApplicantType(case["applicant_type"]).label,
                case["applicant_name"],
                Channel(case["channel"]).label,
                case["received_on"],
                case["content"],
                Outcome(outcome).row_label if outcome else "",
                case.get("concluded_on") or "",
                *("" if case.get(key) is None else case[key] for key, _ in extra),
            ]
        )
    return out.getvalue()
