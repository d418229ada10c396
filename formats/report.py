"""The annual report as a document: Markdown, HTML, Word (DOCX) and Excel (XLSX).

`render(report, fmt)` takes the dict of `services.report_service.annual_report` and returns
the file's bytes. The four formats must show the same table in the same shape as the
national format (国办公开办函〔2021〕30号, or the 2019 one for the 2019–2020 reports), so the
shape is decided once, here, as data:

- `section3_layout(template)` lists the rows of section 三 with the labels that start on
  each row and how far they span (the vertical "三、本年度办理结果" and group cells);
- `section3_table`, `section4_table` and `section2_table` turn a report into a `TableSpec`:
  a grid of `Cell`s, each with its row, column, rowspan and colspan;
- each format only walks a `TableSpec` (HTML and Markdown through the Jinja2 templates in
  `seeds/templates/`, DOCX and XLSX in the small writers below), so no format decides on its
  own which label goes where.

Markdown cannot merge cells; it gets the "flat" form of the same tables (`FlatTable`), where
a leaf row carries its full label, e.g. "（三）不予公开 1.属于国家秘密".
"""

from __future__ import annotations

import dataclasses
import functools
import io
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

import jinja2
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from domain.errors import DomainError
from domain.outcomes import (
    APPLICANT_TYPES,
    LEGAL_PERSON_PREFIX,
    OUTCOMES,
    TEMPLATE_2019,
    Outcome,
    outcome_rows,
    row_key_for,
)
from domain.report import (
    REMEDY_KIND_LABELS,
    REMEDY_KINDS,
    REMEDY_RESULT_LABELS,
    REMEDY_RESULTS,
    REPORT_COLUMNS,
    ROW_LABELS,
    SECTION2_FIELDS,
)

FORMATS: tuple[str, ...] = ("md", "html", "docx", "xlsx")

HEADINGS: dict[str, str] = {
    "overview": "一、总体情况",
    "section2": "二、主动公开政府信息情况",
    "section3": "三、收到和处理政府信息公开申请情况",
    "section4": "四、政府信息公开行政复议、行政诉讼情况",
    "problems": "五、存在的主要问题及改进情况",
    "other": "六、其他需要报告的事项",
    "checks": "校验结果",
}

SECTION3_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
APPLICANTS_HEAD = "申请人情况"
RESULTS_LABEL = "三、本年度办理结果"
TOTAL_HEAD = "总计"
EMPTY_TEXT = "（未填写）"

Value = int | Decimal | None
CellKind = Literal["head", "label", "num"]


# -- the table model ----------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One (possibly merged) cell of a table, placed by its top-left corner."""

    row: int
    col: int
    text: str
    kind: CellKind = "label"
    rowspan: int = 1
    colspan: int = 1
    value: Value = None  # the number itself, for XLSX (numbers stay numbers there)
    align: Literal["center", "left"] = "center"

    @property
    def merged(self) -> bool:
        return self.rowspan > 1 or self.colspan > 1


@dataclass(frozen=True)
class TableSpec:
    """A table as every format draws it: grid size, header rows, merged cells, widths."""

    n_rows: int
    n_cols: int
    header_rows: int
    cells: tuple[Cell, ...]
    widths_cm: tuple[float, ...]

    def rows(self) -> list[list[Cell]]:
        """Cells grouped by the row they start on, left to right (what HTML needs)."""
        out: list[list[Cell]] = [[] for _ in range(self.n_rows)]
        for cell in sorted(self.cells, key=lambda c: (c.row, c.col)):
            out[cell.row].append(cell)
        return out

    def width_percents(self) -> list[str]:
        total = sum(self.widths_cm)
        return [f"{100 * w / total:.2f}" for w in self.widths_cm]

    def coverage(self) -> dict[tuple[int, int], Cell]:
        """Which cell covers each grid position; a gap or an overlap is a bug in a builder."""
        covered: dict[tuple[int, int], Cell] = {}
        for cell in self.cells:
            for r in range(cell.row, cell.row + cell.rowspan):
                for c in range(cell.col, cell.col + cell.colspan):
                    if (r, c) in covered:
                        raise ValueError(f"cells overlap at {(r, c)}: {cell} / {covered[(r, c)]}")
                    covered[(r, c)] = cell
        missing = [
            (r, c) for r in range(self.n_rows) for c in range(self.n_cols) if (r, c) not in covered
        ]
        if missing:
            raise ValueError(f"grid positions not covered: {missing[:5]}")
        return covered


@dataclass(frozen=True)
class FlatTable:
    """A table without merged cells (Markdown): a title, one header row, text rows."""

    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


# -- section 三: the layout, decided once ---------------------------------------------------

_OUTCOME_CODES = frozenset(o.value for o in OUTCOMES)


@dataclass(frozen=True)
class LayoutRow:
    """One row of section 三 and the label cells that start on it.

    Three label columns: 0 holds 一、/二、/四、 (spanning all three columns) or the vertical
    "三、本年度办理结果"; 1 holds a group （一）–（七） (spanning columns 1–2 when it has no
    leaves, or rowspan rows when it has); 2 holds a leaf "1.属于国家秘密". A label that
    started on an earlier row and still covers this one is None here.
    """

    key: str  # row key: a domain.report.ROWS key, or "other" (the 2019 format's （六）)
    sources: tuple[str, ...]  # report rows summed into this row
    flat_label: str  # the full label for formats without merged cells
    section_label: str | None = None
    section_rowspan: int = 1
    group_label: str | None = None
    group_rowspan: int = 1
    leaf_label: str | None = None


def section3_layout(template: str) -> list[LayoutRow]:
    """The rows of section 三 for a report template ("2021" or "2019"), top to bottom.

    Built from `outcome_rows(template)`, so the 2019 format's single （六）其他处理 row (the
    sum of the three other.* outcomes) comes out of the same code as the 2021 leaves.
    """
    keys = outcome_rows(template)
    leaf_rows: list[tuple[str, tuple[str, ...], str, str | None, str]] = []
    for key in keys:
        sources = tuple(o.value for o in OUTCOMES if row_key_for(o, template) == key)
        if key not in _OUTCOME_CODES:  # the 2019 （六）其他处理: a group that is one row
            group = Outcome(sources[0]).group
            leaf_rows.append((key, sources, group, None, group))
            continue
        o = Outcome(key)
        if o.number is None:  # （一）, （二）: the group is the row
            leaf_rows.append((key, sources, o.group, None, o.group))
        else:
            leaf_rows.append((key, sources, o.group, f"{o.number}.{o.label}", o.row_label))

    group_sizes: dict[str, int] = {}
    for _, _, group, leaf, _ in leaf_rows:
        if leaf is not None:
            group_sizes[group] = group_sizes.get(group, 0) + 1

    results: list[LayoutRow] = []
    seen: set[str] = set()
    for key, sources, group, leaf, flat in leaf_rows:
        starts_group = group not in seen
        seen.add(group)
        results.append(
            LayoutRow(
                key=key,
                sources=sources,
                flat_label=flat,
                group_label=group if starts_group else None,
                group_rowspan=group_sizes.get(group, 1) if starts_group else 1,
                leaf_label=leaf,
            )
        )
    results.append(
        LayoutRow("total", ("total",), ROW_LABELS["total"], group_label=ROW_LABELS["total"])
    )
    results[0] = dataclasses.replace(
        results[0], section_label=RESULTS_LABEL, section_rowspan=len(results)
    )

    def own(key: str) -> LayoutRow:
        return LayoutRow(key, (key,), ROW_LABELS[key], section_label=ROW_LABELS[key])

    return [own("new"), own("carried_in"), *results, own("carried_out")]


SECTION3_LABEL_COLS = 3
SECTION3_HEADER_ROWS = 3


def section3_header() -> list[Cell]:
    """The national format's three header rows over 3 label + 7 number columns."""
    first = SECTION3_LABEL_COLS
    orgs = APPLICANT_TYPES[1:]
    cells = [
        Cell(0, 0, SECTION3_NOTE, "head", rowspan=SECTION3_HEADER_ROWS, colspan=first),
        Cell(0, first, APPLICANTS_HEAD, "head", colspan=len(REPORT_COLUMNS)),
        Cell(1, first, APPLICANT_TYPES[0].short_label, "head", rowspan=2),
        Cell(1, first + 1, LEGAL_PERSON_PREFIX, "head", colspan=len(orgs)),
        Cell(1, first + 1 + len(orgs), TOTAL_HEAD, "head", rowspan=2),
    ]
    cells += [Cell(2, first + 1 + i, a.short_label, "head") for i, a in enumerate(orgs)]
    return cells


def _row_values(rows: Mapping[str, Mapping[str, int]], sources: Iterable[str]) -> list[int]:
    values = [0] * len(REPORT_COLUMNS)
    for source in sources:
        if source not in rows:
            raise DomainError(
                f"报告数据缺少第三部分的行“{source}”", field="section3", rule="RULES §5"
            )
        for i, column in enumerate(REPORT_COLUMNS):
            values[i] += int(rows[source].get(column, 0))
    return values


def section3_table(report: Mapping[str, Any]) -> TableSpec:
    """Section 三 as a grid: header, label cells from `section3_layout`, the numbers."""
    layout = section3_layout(str(report["template"]))
    rows = report["section3"]["rows"]
    cells = section3_header()
    first = SECTION3_LABEL_COLS
    for i, lr in enumerate(layout):
        r = SECTION3_HEADER_ROWS + i
        if lr.section_label is not None:
            if lr.group_label is None and lr.leaf_label is None:
                cells.append(Cell(r, 0, lr.section_label, colspan=first, align="left"))
            else:
                cells.append(Cell(r, 0, lr.section_label, rowspan=lr.section_rowspan))
        if lr.group_label is not None:
            if lr.leaf_label is None:
                cells.append(Cell(r, 1, lr.group_label, colspan=first - 1, align="left"))
            else:
                cells.append(Cell(r, 1, lr.group_label, rowspan=lr.group_rowspan))
        if lr.leaf_label is not None:
            cells.append(Cell(r, 2, lr.leaf_label, align="left"))
        for j, v in enumerate(_row_values(rows, lr.sources)):
            cells.append(Cell(r, first + j, str(v), "num", value=v))
    return TableSpec(
        n_rows=SECTION3_HEADER_ROWS + len(layout),
        n_cols=first + len(REPORT_COLUMNS),
        header_rows=SECTION3_HEADER_ROWS,
        cells=tuple(cells),
        widths_cm=(0.9, 2.3, 5.6, *([1.17] * len(REPORT_COLUMNS))),  # 17 cm: A4 less margins
    )


def section3_flat(report: Mapping[str, Any]) -> FlatTable:
    """Section 三 without merges: the full label of each row, then its seven numbers."""
    layout = section3_layout(str(report["template"]))
    rows = report["section3"]["rows"]
    header = (SECTION3_NOTE, *(a.label for a in APPLICANT_TYPES), TOTAL_HEAD)
    out: list[tuple[str, ...]] = []
    for lr in layout:
        if lr.section_label == RESULTS_LABEL:  # a heading line, as the label column reads
            out.append((RESULTS_LABEL, *([""] * len(REPORT_COLUMNS))))
        out.append((lr.flat_label, *(str(v) for v in _row_values(rows, lr.sources))))
    return FlatTable("", header, tuple(out))


# -- section 四 -----------------------------------------------------------------------------

REMEDY_COLUMNS: tuple[str, ...] = (*REMEDY_RESULTS, "total")


def _remedy_label(result: str) -> str:
    return REMEDY_RESULT_LABELS.get(result, TOTAL_HEAD)


def section4_numbers(report: Mapping[str, Any]) -> list[int]:
    """The 15 numbers in the national order: 复议, 直接起诉, 复议后起诉 × 维持…总计."""
    section = report["section4"]
    return [int(section[kind][result]) for kind in REMEDY_KINDS for result in REMEDY_COLUMNS]


def section4_table(report: Mapping[str, Any]) -> TableSpec:
    """行政复议 (5) | 行政诉讼 (10: 未经复议直接起诉 5 | 复议后起诉 5), one row of numbers.

    The two-level heads come from `REMEDY_KIND_LABELS` ("行政诉讼·复议后起诉"): kinds whose
    label has no "·" span both header rows, the others share their first part.
    """
    width = len(REMEDY_COLUMNS)
    cells: list[Cell] = []
    col = 0
    for head, group in itertools.groupby(
        REMEDY_KINDS, key=lambda k: REMEDY_KIND_LABELS[k].partition("·")[0]
    ):
        kinds = list(group)
        subs = [REMEDY_KIND_LABELS[k].partition("·")[2] for k in kinds]
        if not any(subs):
            cells.append(Cell(0, col, head, "head", rowspan=2, colspan=width * len(kinds)))
        else:
            cells.append(Cell(0, col, head, "head", colspan=width * len(kinds)))
            cells += [
                Cell(1, col + i * width, sub, "head", colspan=width) for i, sub in enumerate(subs)
            ]
        for i in range(len(kinds) * width):
            cells.append(Cell(2, col + i, _remedy_label(REMEDY_COLUMNS[i % width]), "head"))
        col += width * len(kinds)
    for j, v in enumerate(section4_numbers(report)):
        cells.append(Cell(3, j, str(v), "num", value=v))
    return TableSpec(4, col, 3, tuple(cells), tuple([1.13] * col))


def section4_flat(report: Mapping[str, Any]) -> FlatTable:
    header = ("类别", *(_remedy_label(r) for r in REMEDY_COLUMNS))
    section = report["section4"]
    rows = tuple(
        (REMEDY_KIND_LABELS[kind], *(str(int(section[kind][r])) for r in REMEDY_COLUMNS))
        for kind in REMEDY_KINDS
    )
    return FlatTable("", header, rows)


# -- section 二 -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    """One block of section 二: "第二十条第（一）项", its column heads, its rows of values."""

    title: str
    columns: tuple[str, ...]  # the first is "信息内容"
    rows: tuple[tuple[str, tuple[Value, ...]], ...]

    def flat(self) -> FlatTable:
        return FlatTable(
            self.title,
            self.columns,
            tuple((label, *(_value_text(v) for v in values)) for label, values in self.rows),
        )


# Section 二 of the 2021 format, by SECTION2_FIELDS key (None: a cell with no field).
_S2_2021: tuple[
    tuple[str, tuple[str, ...], tuple[tuple[str, tuple[str | None, ...]], ...]], ...
] = (
    (
        "第二十条第（一）项",
        ("信息内容", "本年制发件数", "本年废止件数", "现行有效件数"),
        (
            ("规章", ("rules_issued", "rules_repealed", "rules_in_force")),
            ("行政规范性文件", ("normative_issued", "normative_repealed", "normative_in_force")),
        ),
    ),
    (
        "第二十条第（五）项",
        ("信息内容", "本年处理决定数量"),
        (("行政许可", ("licensing_decisions",)),),
    ),
    (
        "第二十条第（六）项",
        ("信息内容", "本年处理决定数量"),
        (("行政处罚", ("penalty_decisions",)), ("行政强制", ("coercion_decisions",))),
    ),
    (
        "第二十条第（八）项",
        ("信息内容", "本年收费金额（单位：万元）"),
        (("行政事业性收费", ("fees_amount_wan",)),),
    ),
)

# The 2019 format's blocks, filled with the 2021-format figures where they mean the same.
_S2_2019: tuple[
    tuple[str, tuple[str, ...], tuple[tuple[str, tuple[str | None, ...]], ...]], ...
] = (
    (
        "第二十条第（一）项",
        ("信息内容", "本年新制作数量", "本年新公开数量", "对外公开总数量"),
        (
            ("规章", ("rules_issued", None, "rules_in_force")),
            ("规范性文件", ("normative_issued", None, "normative_in_force")),
        ),
    ),
    (
        "第二十条第（五）项",
        ("信息内容", "上一年项目数量", "本年增/减", "处理决定数量"),
        (
            ("行政许可", (None, None, "licensing_decisions")),
            ("其他对外管理服务事项", (None, None, None)),
        ),
    ),
    (
        "第二十条第（六）项",
        ("信息内容", "上一年项目数量", "本年增/减", "处理决定数量"),
        (
            ("行政处罚", (None, None, "penalty_decisions")),
            ("行政强制", (None, None, "coercion_decisions")),
        ),
    ),
    (
        "第二十条第（八）项",
        ("信息内容", "上一年项目数量", "本年增/减"),
        (("行政事业性收费", (None, None)),),
    ),
    (
        "第二十条第（九）项",
        ("信息内容", "采购项目数量", "采购总金额"),
        (("政府集中采购", (None, None)),),
    ),
)

SECTION2_NOTE_2019 = (
    "注：本报告按2019年格式（国办公开办函〔2019〕60号）列示，第二部分数据按2021年格式采集，"
    "表中只填能直接对应的数字：“本年新制作数量”取本年制发件数，“对外公开总数量”取现行有效件数，"
    "“处理决定数量”照录；2019年格式另有的栏目未采集，留空。"
)


def _value_text(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value)


def _section2_value(section2: Mapping[str, Any], key: str | None) -> Value:
    """An entered figure as a number (count: int, amount: Decimal), None when not entered."""
    if key is None:
        return None
    raw = section2.get(key)
    if raw is None or str(raw).strip() == "":
        return None
    kind = SECTION2_FIELDS[key][1]
    try:
        return int(str(raw).strip()) if kind == "count" else Decimal(str(raw).strip())
    except (ValueError, InvalidOperation):
        raise DomainError(
            f"{SECTION2_FIELDS[key][0]}（{key}）不是数字：“{raw}”", field=key, rule="第二部分项目"
        ) from None


def section2_parts(report: Mapping[str, Any]) -> list[Part]:
    section2 = (report.get("extra") or {}).get("section2") or {}
    spec = _S2_2019 if str(report["template"]) == TEMPLATE_2019 else _S2_2021
    return [
        Part(
            title,
            columns,
            tuple(
                (label, tuple(_section2_value(section2, k) for k in keys)) for label, keys in rows
            ),
        )
        for title, columns, rows in spec
    ]


def section2_note(report: Mapping[str, Any]) -> str:
    """For the 2019 format: how the figures were placed, and those that have no column."""
    if str(report["template"]) != TEMPLATE_2019:
        return ""
    section2 = (report.get("extra") or {}).get("section2") or {}
    unplaced = []
    for key in ("rules_repealed", "normative_repealed", "fees_amount_wan"):
        value = _section2_value(section2, key)
        if value is not None:
            unplaced.append(f"{SECTION2_FIELDS[key][0]}为{_value_text(value)}")
    note = SECTION2_NOTE_2019
    if unplaced:
        note += "2019年格式无对应栏目的数字：" + "，".join(unplaced) + "。"
    return note


def section2_table(report: Mapping[str, Any]) -> TableSpec:
    """All blocks of section 二 in one grid; a block with fewer columns widens its last one."""
    parts = section2_parts(report)
    n_cols = max(len(p.columns) for p in parts)
    cells: list[Cell] = []
    r = 0

    def line(texts: Sequence[tuple[str, Value]], kind_first: CellKind, kind_rest: CellKind) -> None:
        for c, (text, value) in enumerate(texts):
            span = n_cols - c if c == len(texts) - 1 else 1
            kind = kind_first if c == 0 else kind_rest
            cells.append(Cell(r, c, text, kind, colspan=span, value=value))

    for part in parts:
        cells.append(Cell(r, 0, part.title, "head", colspan=n_cols))
        r += 1
        line([(t, None) for t in part.columns], "head", "head")
        r += 1
        for label, values in part.rows:
            line([(label, None), *((_value_text(v), v) for v in values)], "label", "num")
            r += 1
    return TableSpec(r, n_cols, 0, tuple(cells), (4.5, *([12.5 / (n_cols - 1)] * (n_cols - 1))))


# -- the whole document ---------------------------------------------------------------------


@dataclass(frozen=True)
class CheckLine:
    ok: bool
    name: str
    detail: str

    @property
    def mark(self) -> str:
        return "✓" if self.ok else "✗"


@dataclass(frozen=True)
class ReportView:
    """Everything a format prints, computed once from the report dict."""

    title: str
    template: str
    headings: Mapping[str, str]
    overview: list[str]
    section2_parts: list[Part]
    section2_table: TableSpec
    section2_note: str
    section3_table: TableSpec
    section3_flat: FlatTable
    summary: str
    section4_table: TableSpec
    section4_flat: FlatTable
    problems: list[str]
    other_matters: list[str]
    checks: list[CheckLine] = field(default_factory=list)


def _paragraphs(text: str | None, *, placeholder: bool = True) -> list[str]:
    """Staff text, one paragraph per non-empty line; a section left empty says so visibly
    (EMPTY_TEXT) rather than printing a bare heading that looks finished."""
    lines = [line.strip() for line in (text or "").splitlines()]
    lines = [line for line in lines if line]
    return lines or ([EMPTY_TEXT] if placeholder else [])


def build_view(report: Mapping[str, Any]) -> ReportView:
    """Compute every table and text once, so the four formats cannot drift apart."""
    extra = report.get("extra") or {}
    year = report["year"]
    fees = extra.get("fees_collected_wan", "0.00")
    return ReportView(
        title=f"{extra.get('agency_name', report.get('agency', ''))}{year}年政府信息公开工作年度报告",
        template=str(report["template"]),
        headings=HEADINGS,
        overview=_paragraphs(extra.get("overview")),
        section2_parts=section2_parts(report),
        section2_table=section2_table(report),
        section2_note=section2_note(report),
        section3_table=section3_table(report),
        section3_flat=section3_flat(report),
        summary=str(extra.get("summary", "")),
        section4_table=section4_table(report),
        section4_flat=section4_flat(report),
        problems=_paragraphs(extra.get("problems")),
        other_matters=[
            *_paragraphs(extra.get("other_matters"), placeholder=False),
            f"本年度收取信息处理费{fees}万元。",
        ],
        checks=[
            CheckLine(bool(c.get("ok")), str(c.get("name", "")), str(c.get("detail", "")))
            for c in report.get("checks") or []
        ],
    )


def render(report: Mapping[str, Any], fmt: str) -> bytes:
    """The report as a file in `fmt` ("md", "html", "docx", "xlsx"); md and html are UTF-8."""
    if fmt not in FORMATS:
        raise DomainError(
            f"报告格式（format）无法识别：“{fmt}”。可选：{'、'.join(FORMATS)}",
            field="format",
            rule="RULES §5",
        )
    view = build_view(report)
    if fmt == "md":
        return _jinja().get_template("report.md.j2").render(view=view).encode("utf-8")
    if fmt == "html":
        return _jinja().get_template("report.html.j2").render(view=view).encode("utf-8")
    if fmt == "docx":
        return _docx(view)
    return _xlsx(view)


# -- HTML and Markdown ----------------------------------------------------------------------


def _md_cell(text: object) -> str:
    """A pipe-table cell: a "|" would end the cell, a newline the row."""
    return str(text).replace("|", "\\|").replace("\n", " ")


@functools.cache
def _jinja() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("seeds", "templates"),
        autoescape=jinja2.select_autoescape(
            enabled_extensions=("html", "html.j2"), default_for_string=False
        ),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["md_cell"] = _md_cell
    return env


# -- DOCX -----------------------------------------------------------------------------------

BODY_FONT = "仿宋"
TABLE_FONT = "宋体"
TITLE_FONT = "宋体"
HEADING_FONT = "黑体"
LATIN_FONT = "Times New Roman"


def _east_asian(element: Any, name: str) -> None:
    """Word picks CJK glyphs from w:eastAsia; python-docx's font.name only sets ascii/hAnsi."""
    rpr = element.get_or_add_rPr()
    rfonts = rpr.get_or_add_rFonts()
    rfonts.set(qn("w:eastAsia"), name)


def _run(paragraph: Any, text: str, font: str, size: float, *, bold: bool = False) -> Any:
    run = paragraph.add_run(text)
    run.font.name = LATIN_FONT
    run.font.size = Pt(size)
    run.font.bold = bold
    _east_asian(run._element, font)
    return run


def _docx_paragraph(
    doc: Any, text: str, *, indent: bool = True, size: float = 12, space_before: float = 0
) -> None:
    p = doc.add_paragraph()
    p.paragraph_format.space_before = Pt(space_before)
    if indent:
        p.paragraph_format.first_line_indent = Pt(size * 2)
    _run(p, text, BODY_FONT, size)


def _docx_heading(doc: Any, text: str, *, new_page: bool = False) -> None:
    p = doc.add_paragraph()
    p.paragraph_format.page_break_before = new_page
    p.paragraph_format.space_before = Pt(10)
    p.paragraph_format.space_after = Pt(4)
    p.paragraph_format.keep_with_next = True
    _run(p, text, HEADING_FONT, 14)


def _docx_table(doc: Any, spec: TableSpec, *, size: float = 9) -> Any:
    """Draw a TableSpec: widths first, then merges (python-docx adds up merged widths)."""
    spec.coverage()
    table = doc.add_table(rows=spec.n_rows, cols=spec.n_cols)
    table.style = "Table Grid"
    table.autofit = False
    # The grid is taken once: table.cell() rebuilds the list of all cells on every call, which
    # made one report take seconds. The cells stay valid through the merges below because
    # no position is merged twice (TableSpec.coverage).
    grid = [row.cells for row in table.rows]
    for c, width in enumerate(spec.widths_cm):
        table.columns[c].width = Cm(width)
        for r in range(spec.n_rows):
            grid[r][c].width = Cm(width)
    for r, row in enumerate(table.rows):
        trpr = row._tr.get_or_add_trPr()
        trpr.append(trpr.makeelement(qn("w:cantSplit"), {}))
        if r < spec.header_rows:  # repeat the header rows if the table must break anyway
            trpr.append(trpr.makeelement(qn("w:tblHeader"), {}))
    for cell in spec.cells:
        target = grid[cell.row][cell.col]
        if cell.merged:
            target = target.merge(grid[cell.row + cell.rowspan - 1][cell.col + cell.colspan - 1])
        target.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        p = target.paragraphs[0]
        p.alignment = WD_ALIGN_PARAGRAPH.LEFT if cell.align == "left" else WD_ALIGN_PARAGRAPH.CENTER
        p.paragraph_format.space_before = Pt(0)
        p.paragraph_format.space_after = Pt(0)
        p.paragraph_format.line_spacing = 1.0
        # Every row keeps with the next, so Word moves a table that fits on one page to the
        # next page instead of splitting it (LibreOffice ignores this inside tables).
        p.paragraph_format.keep_with_next = cell.row + cell.rowspan < spec.n_rows
        if cell.text:
            _run(p, cell.text, TABLE_FONT, size, bold=cell.kind == "head")
    return table


def _docx(view: ReportView) -> bytes:
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2)
    section.top_margin = section.bottom_margin = Cm(2.2)
    normal = doc.styles["Normal"]
    normal.font.name = LATIN_FONT
    normal.font.size = Pt(12)
    _east_asian(normal.element, BODY_FONT)

    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.space_after = Pt(12)
    _run(title, view.title, TITLE_FONT, 18, bold=True)

    h = view.headings
    _docx_heading(doc, h["overview"])
    for text in view.overview:
        _docx_paragraph(doc, text)
    _docx_heading(doc, h["section2"])
    _docx_table(doc, view.section2_table, size=10.5)
    if view.section2_note:
        _docx_paragraph(doc, view.section2_note, indent=False, size=9, space_before=3)
    # Section 三 (heading, 3 + 25 rows, summary) fits on one page; starting it on a new page
    # keeps it whole in every renderer (LibreOffice ignores keep-with-next inside tables).
    _docx_heading(doc, h["section3"], new_page=True)
    _docx_table(doc, view.section3_table)
    _docx_paragraph(doc, view.summary, space_before=6)
    _docx_heading(doc, h["section4"])
    _docx_table(doc, view.section4_table)
    _docx_heading(doc, h["problems"])
    for text in view.problems:
        _docx_paragraph(doc, text)
    _docx_heading(doc, h["other"])
    for text in view.other_matters:
        _docx_paragraph(doc, text)
    _docx_heading(doc, h["checks"])
    for check in view.checks:
        _docx_paragraph(doc, f"{check.mark} {check.name} {check.detail}", indent=False, size=9)

    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


# -- XLSX -----------------------------------------------------------------------------------

_THIN = Side(style="thin")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_XLSX_FONT = "宋体"
CM_TO_CHARS = 4.4  # Excel column width is in characters of the default font


def _xlsx_table(ws: Any, spec: TableSpec, *, top: int = 1, left: int = 1) -> int:
    """Draw a TableSpec at (top, left); numbers stay numbers. Returns the next free row."""
    spec.coverage()
    for cell in spec.cells:
        r, c = top + cell.row, left + cell.col
        target = ws.cell(row=r, column=c, value=cell.value if cell.kind == "num" else cell.text)
        if isinstance(cell.value, Decimal):
            target.number_format = "0.00"
        target.font = Font(name=_XLSX_FONT, size=10, bold=cell.kind == "head")
        target.alignment = Alignment(horizontal=cell.align, vertical="center", wrap_text=True)
        for rr in range(r, r + cell.rowspan):
            for cc in range(c, c + cell.colspan):
                ws.cell(row=rr, column=cc).border = _BORDER
        if cell.merged:
            ws.merge_cells(
                start_row=r,
                start_column=c,
                end_row=r + cell.rowspan - 1,
                end_column=c + cell.colspan - 1,
            )
    for i, width in enumerate(spec.widths_cm):
        ws.column_dimensions[get_column_letter(left + i)].width = round(width * CM_TO_CHARS, 1)
    return top + spec.n_rows


def _xlsx_text(ws: Any, row: int, text: str, n_cols: int) -> None:
    """A paragraph under a table, merged across the table's width."""
    cell = ws.cell(row=row, column=1, value=text)
    cell.font = Font(name=_XLSX_FONT, size=10)
    cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=n_cols)
    ws.row_dimensions[row].height = 15 * (1 + len(text) // (n_cols * 6))


def _xlsx(view: ReportView) -> bytes:
    wb = Workbook()
    ws2 = wb.active
    ws2.title = "二、主动公开"
    end = _xlsx_table(ws2, view.section2_table)
    if view.section2_note:
        _xlsx_text(ws2, end + 1, view.section2_note, view.section2_table.n_cols)

    ws3 = wb.create_sheet("三、申请情况")
    end = _xlsx_table(ws3, view.section3_table)
    ws3.freeze_panes = ws3.cell(row=SECTION3_HEADER_ROWS + 1, column=SECTION3_LABEL_COLS + 1)
    if view.summary:
        _xlsx_text(ws3, end + 1, view.summary, view.section3_table.n_cols)

    ws4 = wb.create_sheet("四、复议诉讼")
    _xlsx_table(ws4, view.section4_table)

    wsc = wb.create_sheet("校验")
    wsc.append(["结果", "名称", "说明"])
    for check in view.checks:
        wsc.append([check.mark, check.name, check.detail])
    for col, width in zip("ABC", (6, 22, 90), strict=True):
        wsc.column_dimensions[col].width = width
    for row in wsc.iter_rows():
        for cell in row:
            cell.font = Font(name=_XLSX_FONT, size=10, bold=cell.row == 1)

    for ws in (ws2, ws3, ws4):
        ws.oddHeader.center.text = view.title  # printed pages say whose report this is
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws2.sheet_view.tabSelected = False
    wb.active = 1  # open on section 三, the table people come for
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
