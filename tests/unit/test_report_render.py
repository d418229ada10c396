"""The annual report documents (MD, HTML, DOCX, XLSX) against the national table layout.

The expected positions are written out from the national format (reference
annual-report-format.md, and the published 2021 table of 历下区): 3 header rows, 3 label
columns, 7 number columns; rows 一、二 then 三 over the outcome rows and （七）总计, then 四.
The published reports of shared/reference/published-tables.json give real numbers (自然人 ×
予以公开 = 181, 总计 × （七）总计 = 331); a synthetic table built with the domain functions
covers the same ground when shared/ is not checked out, and checks what the published
numbers cannot (the 2019 （六） row as a sum, the order of the 15 section-四 numbers).
"""

from __future__ import annotations

import copy
import io
import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from docx import Document
from docx.oxml.ns import qn

from domain.errors import DomainError
from domain.report import (
    SECTION2_FIELDS,
    Section3Counts,
    build_section3,
    build_section4,
    check_table,
    summary_paragraph,
)
from formats.report import (
    SECTION3_NOTE,
    render,
    section2_table,
    section3_layout,
    section3_table,
    section4_table,
)

REFERENCE = Path(__file__).resolve().parents[1] / "fixtures" / "reference" / "published-tables.json"

AGENCY_NAME = "济南市历下区人民政府"
SUMMARY = "这是第三部分的摘要段落，予以公开占56.5%。"
NEW = "一、本年新收政府信息公开申请数量"
CARRIED_IN = "二、上年结转政府信息公开申请数量"
RESULTS = "三、本年度办理结果"
CARRIED_OUT = "四、结转下年度继续办理"
DISCLOSED = "（一）予以公开"
PARTIAL = "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"
WITHHELD = "（三）不予公开"
OTHER = "（六）其他处理"
TOTAL = "（七）总计"
ORGS = ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]


def extra(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "agency_name": AGENCY_NAME,
        "scope": "self",
        "summary": SUMMARY,
        "section2": {},
        "overview": "本年度，本机关认真贯彻《条例》。\n全年主动公开信息1234条。",
        "problems": "依申请公开答复规范性有待提高。",
        "other_matters": "无其他需要报告的事项。",
        "fees_collected_wan": "0.03",
    }
    return {**base, **changes}


def published(year: int) -> dict[str, Any]:
    data = json.loads(REFERENCE.read_text(encoding="utf-8"))
    report = copy.deepcopy(next(r for r in data["reports"] if r["year"] == year))
    report["checks"] = [c.to_json() for c in check_table(report["section3"]["rows"])]
    report["extra"] = extra()
    return report


def synthetic(template: str = "2021") -> dict[str, Any]:
    """A small consistent table: each other.* row non-zero, 15 distinct section-四 numbers."""
    year = 2021 if template == "2021" else 2020
    table = build_section3(
        Section3Counts(
            new={"natural_person": 5, "business": 2},
            carried_in={"natural_person": 1},
            carried_out={"natural_person": 1},
            concluded={
                ("disclosed", "natural_person"): 2,
                ("partial", "business"): 1,
                ("withheld.state_secret", "natural_person"): 1,
                ("other.no_supplement", "natural_person"): 1,
                ("other.fee_unpaid", "natural_person"): 1,
                ("other.other", "business"): 1,
            },
        )
    )
    results = ("upheld", "corrected", "other", "pending")
    kinds = ("reconsideration", "litigation_direct", "litigation_after_reconsideration")
    section4 = build_section4(
        {(k, r): 4 * i + j + 1 for i, k in enumerate(kinds) for j, r in enumerate(results)}
    )
    return {
        "year": year,
        "agency": "lixia",
        "template": template,
        "section3": {"rows": table},
        "section4": section4,
        "checks": [c.to_json() for c in check_table(table)],
        "extra": extra(summary=summary_paragraph(year, table)),
    }


@pytest.fixture
def report_2021() -> dict[str, Any]:
    return published(2021)


@pytest.fixture
def report_2019() -> dict[str, Any]:
    return published(2019)


def docx_table(data: bytes, first_cell: str) -> Any:
    doc = Document(io.BytesIO(data))
    return next(t for t in doc.tables if t.cell(0, 0).text == first_cell)


def all_cell_texts(table: Any) -> set[str]:
    return {cell.text for row in table.rows for cell in row.cells}


# -- the format argument --------------------------------------------------------------------


def test_unknown_format_is_refused() -> None:
    with pytest.raises(DomainError) as excinfo:
        render(synthetic(), "pdf")
    assert excinfo.value.field == "format"


@pytest.mark.parametrize("fmt", ["md", "html", "docx", "xlsx"])
@pytest.mark.parametrize("template", ["2021", "2019"])
def test_every_format_renders_bytes(fmt: str, template: str) -> None:
    data = render(synthetic(template), fmt)
    assert isinstance(data, bytes) and data
    if fmt in ("md", "html"):
        assert "政府信息公开工作年度报告" in data.decode("utf-8")
    else:
        assert data[:2] == b"PK"  # both are zip packages


# -- the one layout --------------------------------------------------------------------------


def test_layout_2021_rows_and_spans() -> None:
    layout = section3_layout("2021")
    assert [lr.key for lr in layout][:3] == ["new", "carried_in", "disclosed"]
    assert [lr.key for lr in layout][-2:] == ["total", "carried_out"]
    assert len(layout) == 2 + 21 + 1 + 1
    results = layout[2]
    assert (results.section_label, results.section_rowspan) == (RESULTS, 22)
    groups = {lr.group_label: lr.group_rowspan for lr in layout if lr.group_label}
    assert groups[WITHHELD] == 8
    assert groups["（四）无法提供"] == 3
    assert groups["（五）不予处理"] == 5
    assert groups[OTHER] == 3
    assert groups[DISCLOSED] == groups[PARTIAL] == groups[TOTAL] == 1
    assert [lr.leaf_label for lr in layout if lr.key.startswith("other.")][2] == "3.其他"


def test_layout_2019_has_one_other_row_summing_the_three() -> None:
    layout = section3_layout("2019")
    assert len(layout) == 2 + 18 + 1 + 1 + 1
    other = [lr for lr in layout if lr.group_label == OTHER]
    assert len(other) == 1
    assert other[0].leaf_label is None
    assert other[0].sources == ("other.no_supplement", "other.fee_unpaid", "other.other")
    assert not [lr for lr in layout if lr.key.startswith("other.")]
    assert layout[2].section_rowspan == 20


@pytest.mark.parametrize("template", ["2021", "2019"])
def test_every_grid_position_is_covered_exactly_once(template: str) -> None:
    report = synthetic(template)
    for spec in (section2_table(report), section3_table(report), section4_table(report)):
        assert len(spec.coverage()) == spec.n_rows * spec.n_cols


# -- DOCX ------------------------------------------------------------------------------------


def check_docx_header(t: Any) -> None:
    """The national format's three header rows and their merges."""
    note = t.cell(0, 0)
    assert note.text == SECTION3_NOTE
    for r in range(3):
        for c in range(3):
            assert t.cell(r, c)._tc is note._tc, (r, c)
    assert t.cell(3, 0)._tc is not note._tc
    assert t.cell(0, 3).text == "申请人情况"
    assert all(t.cell(0, c)._tc is t.cell(0, 3)._tc for c in range(3, 10))
    assert t.cell(1, 3).text == "自然人"
    assert t.cell(1, 3)._tc is t.cell(2, 3)._tc
    assert t.cell(1, 4).text == "法人或其他组织"
    assert all(t.cell(1, c)._tc is t.cell(1, 4)._tc for c in range(4, 9))
    assert t.cell(1, 9).text == "总计"
    assert t.cell(1, 9)._tc is t.cell(2, 9)._tc
    assert [t.cell(2, c).text for c in range(4, 9)] == ORGS


def test_docx_2021_section3(report_2021: dict[str, Any]) -> None:
    t = docx_table(render(report_2021, "docx"), SECTION3_NOTE)
    check_docx_header(t)
    assert len(t.rows) == 3 + 25
    assert len(t.columns) == 10
    # 一、 and 二、 span the three label columns
    assert t.cell(3, 0).text == NEW and t.cell(3, 2)._tc is t.cell(3, 0)._tc
    assert [t.cell(3, c).text for c in range(3, 10)] == ["324", "6", "0", "0", "0", "11", "341"]
    assert t.cell(4, 0).text == CARRIED_IN
    # 三、本年度办理结果 runs down column 0 over rows 5..26 (21 outcomes + （七）总计)
    assert t.cell(5, 0).text == RESULTS
    assert t.cell(26, 0)._tc is t.cell(5, 0)._tc
    assert t.cell(27, 0)._tc is not t.cell(5, 0)._tc
    # （一） spans columns 1-2; 自然人 × 予以公开 = 181
    assert t.cell(5, 1).text == DISCLOSED and t.cell(5, 2)._tc is t.cell(5, 1)._tc
    assert t.cell(5, 3).text == "181"
    assert t.cell(6, 1).text == PARTIAL and t.cell(6, 3).text == "10"
    # （三） runs down column 1 over its 8 leaves
    assert t.cell(7, 1).text == WITHHELD
    assert t.cell(14, 1)._tc is t.cell(7, 1)._tc and t.cell(15, 1)._tc is not t.cell(7, 1)._tc
    assert t.cell(7, 2).text == "1.属于国家秘密"
    assert t.cell(14, 2).text == "8.属于行政查询事项"
    assert t.cell(15, 1).text == "（四）无法提供" and t.cell(15, 3).text == "98"
    assert t.cell(18, 1).text == "（五）不予处理"
    assert t.cell(23, 1).text == OTHER and t.cell(25, 2).text == "3.其他"
    assert t.cell(25, 9).text == "14"
    # （七）总计 × 总计 = 331; 四、 spans the label columns
    assert t.cell(26, 1).text == TOTAL and t.cell(26, 9).text == "331"
    assert t.cell(27, 0).text == CARRIED_OUT and t.cell(27, 2)._tc is t.cell(27, 0)._tc
    assert t.cell(27, 9).text == "12"


def test_docx_2019_has_one_other_row(report_2019: dict[str, Any]) -> None:
    t = docx_table(render(report_2019, "docx"), SECTION3_NOTE)
    check_docx_header(t)
    assert len(t.rows) == 3 + 23
    texts = all_cell_texts(t)
    assert "3.其他" not in texts
    assert not any(x.startswith("1.申请人无正当理由") for x in texts)
    other_rows = [r for r in range(len(t.rows)) if t.cell(r, 1).text == OTHER]
    assert other_rows == [23]
    assert t.cell(23, 2)._tc is t.cell(23, 1)._tc
    assert t.cell(24, 1).text == TOTAL and t.cell(24, 9).text == "213"
    assert t.cell(5, 3).text == "128"


def test_docx_2019_other_row_is_the_sum_of_the_three() -> None:
    t = docx_table(render(synthetic("2019"), "docx"), SECTION3_NOTE)
    row = next(r for r in range(len(t.rows)) if t.cell(r, 1).text == OTHER)
    # natural person: no_supplement 1 + fee_unpaid 1; business: other 1
    assert [t.cell(row, c).text for c in range(3, 10)] == ["2", "1", "0", "0", "0", "0", "3"]


def test_docx_text_sections_fonts_and_checks() -> None:
    report = synthetic()
    report["checks"].append({"name": "carry_chain", "ok": False, "detail": "上年结转不一致"})
    doc = Document(io.BytesIO(render(report, "docx")))
    paragraphs = [p.text for p in doc.paragraphs]
    assert paragraphs[0] == f"{AGENCY_NAME}2021年政府信息公开工作年度报告"
    for heading in (
        "一、总体情况",
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
        "四、政府信息公开行政复议、行政诉讼情况",
        "五、存在的主要问题及改进情况",
        "六、其他需要报告的事项",
        "校验结果",
    ):
        assert heading in paragraphs
    assert report["extra"]["summary"] in paragraphs
    assert "本年度收取信息处理费0.03万元。" in paragraphs
    assert "✓ balance.total " + report["checks"][6]["detail"] in paragraphs
    assert "✗ carry_chain 上年结转不一致" in paragraphs
    # the summary comes after the section-三 table, before section 四
    assert paragraphs.index(report["extra"]["summary"]) < paragraphs.index(
        "四、政府信息公开行政复议、行政诉讼情况"
    )
    normal = doc.styles["Normal"].element.rPr.rFonts
    assert normal.get(qn("w:eastAsia")) == "仿宋"
    run = docx_table(render(report, "docx"), SECTION3_NOTE).cell(5, 3).paragraphs[0].runs[0]
    assert run._element.rPr.rFonts.get(qn("w:eastAsia")) == "宋体"


def test_docx_section4_headers_and_numbers() -> None:
    doc = Document(io.BytesIO(render(synthetic(), "docx")))
    t = next(t for t in doc.tables if t.cell(0, 0).text == "行政复议")
    assert t.cell(0, 0)._tc is t.cell(1, 4)._tc
    assert t.cell(0, 5).text == "行政诉讼" and t.cell(0, 14)._tc is t.cell(0, 5)._tc
    assert t.cell(1, 5).text == "未经复议直接起诉" and t.cell(1, 10).text == "复议后起诉"
    assert [t.cell(2, c).text for c in range(5)] == [
        "结果维持",
        "结果纠正",
        "其他结果",
        "尚未审结",
        "总计",
    ]
    assert [t.cell(3, c).text for c in range(15)] == [
        str(n) for n in (1, 2, 3, 4, 10, 5, 6, 7, 8, 26, 9, 10, 11, 12, 42)
    ]


# -- XLSX ------------------------------------------------------------------------------------

HEADER_MERGES = {"A1:C3", "D1:J1", "D2:D3", "E2:I2", "J2:J3"}
BODY_MERGES_2021 = {
    "A4:C4",  # 一、
    "A5:C5",  # 二、
    "A6:A27",  # 三、本年度办理结果
    "B6:C6",  # （一）
    "B7:C7",  # （二）
    "B8:B15",  # （三） 8 leaves
    "B16:B18",  # （四） 3
    "B19:B23",  # （五） 5
    "B24:B26",  # （六） 3
    "B27:C27",  # （七）总计
    "A28:C28",  # 四、
}


def load_xlsx(data: bytes) -> Any:
    return openpyxl.load_workbook(io.BytesIO(data))


def test_xlsx_2021_section3(report_2021: dict[str, Any]) -> None:
    wb = load_xlsx(render(report_2021, "xlsx"))
    assert {"二、主动公开", "三、申请情况", "四、复议诉讼", "校验"} <= set(wb.sheetnames)
    ws = wb["三、申请情况"]
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert merged >= HEADER_MERGES | BODY_MERGES_2021
    assert ws["A1"].value == SECTION3_NOTE
    assert ws["D1"].value == "申请人情况"
    assert (ws["D2"].value, ws["E2"].value, ws["J2"].value) == ("自然人", "法人或其他组织", "总计")
    assert [ws.cell(3, c).value for c in range(5, 10)] == ORGS
    assert ws["A6"].value == RESULTS and ws["B6"].value == DISCLOSED
    assert ws["D6"].value == 181 and isinstance(ws["D6"].value, int)
    assert ws["B27"].value == TOTAL and ws["J27"].value == 331
    assert ws["B8"].value == WITHHELD and ws["C8"].value == "1.属于国家秘密"
    assert ws["A28"].value == CARRIED_OUT and ws["J28"].value == 12
    numbers = [ws.cell(r, c).value for r in range(4, 29) for c in range(4, 11)]
    assert all(isinstance(n, int) for n in numbers)
    assert any(cell.value == SUMMARY for row in ws.iter_rows() for cell in row)


def test_xlsx_2019_one_other_row(report_2019: dict[str, Any]) -> None:
    ws = load_xlsx(render(report_2019, "xlsx"))["三、申请情况"]
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert merged >= HEADER_MERGES
    assert {"A6:A25", "B24:C24", "B25:C25", "A26:C26"} <= merged
    labels = [ws.cell(r, 2).value for r in range(4, 27)]
    assert labels.count(OTHER) == 1
    assert "3.其他" not in [ws.cell(r, 3).value for r in range(4, 27)]
    assert ws["J25"].value == 213


def test_xlsx_section4_fifteen_numbers_in_order() -> None:
    ws = load_xlsx(render(synthetic(), "xlsx"))["四、复议诉讼"]
    assert {"A1:E2", "F1:O1", "F2:J2", "K2:O2"} <= {str(r) for r in ws.merged_cells.ranges}
    assert [ws.cell(4, c).value for c in range(1, 16)] == [
        1, 2, 3, 4, 10, 5, 6, 7, 8, 26, 9, 10, 11, 12, 42,
    ]  # fmt: skip


def test_xlsx_section4_published(report_2021: dict[str, Any]) -> None:
    ws = load_xlsx(render(report_2021, "xlsx"))["四、复议诉讼"]
    assert [ws.cell(4, c).value for c in range(1, 16)] == [
        3, 3, 4, 0, 10, 3, 1, 0, 0, 4, 0, 0, 0, 0, 0,
    ]  # fmt: skip


def test_xlsx_section2_places_every_field_and_leaves_blanks() -> None:
    values: dict[str, Any] = {}
    for i, (key, (_, kind)) in enumerate(SECTION2_FIELDS.items()):
        values[key] = i + 1 if kind == "count" else "123.45"
    report = synthetic()
    report["extra"]["section2"] = values
    ws = load_xlsx(render(report, "xlsx"))["二、主动公开"]
    found = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, int | float)]
    assert sorted(found) == sorted(float(v) for v in values.values())
    assert ws["B3"].value == values["rules_issued"]

    empty = load_xlsx(render(synthetic(), "xlsx"))["二、主动公开"]
    assert empty["A3"].value == "规章" and empty["B3"].value is None


def test_xlsx_checks_sheet() -> None:
    report = synthetic()
    ws = load_xlsx(render(report, "xlsx"))["校验"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("结果", "名称", "说明")
    assert len(rows) == 1 + len(report["checks"])
    assert rows[1][0] == "✓" and rows[1][1] == report["checks"][0]["name"]


# -- HTML ------------------------------------------------------------------------------------


class Tables(HTMLParser):
    """Collects <title> and every table as rows of (tag, attrs, text) cells."""

    def __init__(self) -> None:
        super().__init__()
        self.title = ""
        self.tables: list[tuple[str, list[list[tuple[str, dict[str, str], str]]]]] = []
        self._cell: tuple[str, dict[str, str]] | None = None
        self._text: list[str] = []
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self._in_title = True
        elif tag == "table":
            self.tables.append((dict(attrs).get("class") or "", []))
        elif tag == "tr":
            self.tables[-1][1].append([])
        elif tag in ("td", "th"):
            self._cell, self._text = (tag, {k: v or "" for k, v in attrs}), []

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag in ("td", "th") and self._cell:
            self.tables[-1][1][-1].append((*self._cell, "".join(self._text).strip()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        elif self._cell:
            self._text.append(data)


def html_grid(rows: list[list[tuple[str, dict[str, str], str]]]) -> dict[tuple[int, int], str]:
    """Expand rowspan/colspan the way a browser does: each position gets its cell's text."""
    grid: dict[tuple[int, int], str] = {}
    for r, row in enumerate(rows):
        c = 0
        for _, attrs, text in row:
            while (r, c) in grid:
                c += 1
            for dr in range(int(attrs.get("rowspan", 1))):
                for dc in range(int(attrs.get("colspan", 1))):
                    grid[(r + dr, c + dc)] = text
            c += int(attrs.get("colspan", 1))
    return grid


def test_html_2021_section3(report_2021: dict[str, Any]) -> None:
    html = render(report_2021, "html").decode("utf-8")
    parser = Tables()
    parser.feed(html)
    assert parser.title == f"{AGENCY_NAME}2021年政府信息公开工作年度报告"
    rows = next(rows for cls, rows in parser.tables if cls == "section3")
    first = rows[0][0]
    assert first[2] == SECTION3_NOTE
    assert (first[1].get("rowspan"), first[1].get("colspan")) == ("3", "3")
    spans = {text: attrs for row in rows for _, attrs, text in row}
    assert spans["申请人情况"].get("colspan") == "7"
    assert spans["法人或其他组织"].get("colspan") == "5"
    assert spans["自然人"].get("rowspan") == "2" and spans["总计"].get("rowspan") == "2"
    assert spans[RESULTS].get("rowspan") == "22"
    assert spans[WITHHELD].get("rowspan") == "8"
    assert spans[DISCLOSED].get("colspan") == "2"
    assert spans[NEW].get("colspan") == "3"
    grid = html_grid(rows)
    assert grid[(5, 0)] == RESULTS and grid[(5, 1)] == DISCLOSED and grid[(5, 3)] == "181"
    assert grid[(26, 1)] == TOTAL and grid[(26, 9)] == "331"
    assert grid[(14, 1)] == WITHHELD and grid[(14, 2)] == "8.属于行政查询事项"
    assert grid[(27, 0)] == CARRIED_OUT and grid[(27, 9)] == "12"
    assert len({r for r, _ in grid}) == 28 and len({c for _, c in grid}) == 10
    assert SUMMARY in html
    section4 = next(rows for cls, rows in parser.tables if cls == "section4")
    assert [text for _, _, text in section4[3]][:5] == ["3", "3", "4", "0", "10"]


def test_html_2019_section3(report_2019: dict[str, Any]) -> None:
    parser = Tables()
    parser.feed(render(report_2019, "html").decode("utf-8"))
    rows = next(rows for cls, rows in parser.tables if cls == "section3")
    grid = html_grid(rows)
    assert grid[(23, 1)] == OTHER and grid[(23, 2)] == OTHER
    assert "3.其他" not in grid.values()
    assert grid[(24, 9)] == "213"


def test_html_escapes_entered_text() -> None:
    report = synthetic()
    report["extra"]["agency_name"] = "<script>alert(1)</script>局"
    report["extra"]["overview"] = "a < b & c"
    html = render(report, "html").decode("utf-8")
    assert "<script>" not in html
    assert "&lt;script&gt;" in html and "a &lt; b &amp; c" in html


# -- Markdown ---------------------------------------------------------------------------------


def test_md_2021(report_2021: dict[str, Any]) -> None:
    md = render(report_2021, "md").decode("utf-8")
    assert md.startswith(f"# {AGENCY_NAME}2021年政府信息公开工作年度报告\n")
    assert SUMMARY in md
    for lr in section3_layout("2021"):
        assert lr.flat_label in md
    assert "| （一）予以公开 | 181 | 2 | 0 | 0 | 0 | 4 | 187 |" in md
    assert "| （三）不予公开 1.属于国家秘密 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |" in md
    assert "| （六）其他处理 3.其他 | 5 | 2 | 0 | 0 | 0 | 7 | 14 |" in md
    assert "| （七）总计 | 314 | 6 | 0 | 0 | 0 | 11 | 331 |" in md
    assert "| 行政复议 | 3 | 3 | 4 | 0 | 10 |" in md
    assert "本年度收取信息处理费0.03万元。" in md
    assert not any(line.endswith(" ") for line in md.splitlines())


def test_md_2019_and_section2_note() -> None:
    report = synthetic("2019")
    report["extra"]["section2"] = {
        "rules_issued": 2,
        "rules_repealed": 1,
        "fees_amount_wan": "3.50",
    }
    md = render(report, "md").decode("utf-8")
    for lr in section3_layout("2019"):
        assert lr.flat_label in md
    assert "| （六）其他处理 | 2 | 1 | 0 | 0 | 0 | 0 | 3 |" in md
    assert "3.其他" not in md
    assert "| 信息内容 | 本年新制作数量 | 本年新公开数量 | 对外公开总数量 |" in md
    assert "| 规章 | 2 |  |  |" in md
    assert "2019年格式" in md and "规章·本年废止件数为1" in md
    assert "行政事业性收费·本年收费金额（万元）为3.50" in md
    assert report["extra"]["summary"] in md
    assert "- ✓ balance.natural_person " in md
