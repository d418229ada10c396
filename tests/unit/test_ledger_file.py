"""Reading and checking ledger files (RULES §5 "Ledger import").

Files are built here the way offices produce them (Excel-saved CSV in GBK, CSV with a BOM,
real xlsx date cells, Chinese headers in their own order), because the point of the reader
is to accept what offices actually have and to refuse the rest with messages that point at
the exact spreadsheet cell.
"""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from domain.outcomes import ApplicantType, Channel, Outcome
from formats.ledger import LedgerError, LedgerRow, RowProblem, read_ledger

TODAY = date(2026, 6, 30)

EN_HEADER = [
    "case_no",
    "applicant_type",
    "applicant_name",
    "channel",
    "received_on",
    "content",
    "outcome",
    "concluded_on",
]

# Chinese headers in an order of their own, plus a column the engine does not know.
ZH_HEADER = [
    "收到申请日期",
    "申请编号",
    "申请人",
    "申请人类型",
    "申请方式",
    "申请内容",
    "备注",
    "办理结果",
    "答复日期",
]


def write_csv(path: Path, rows: list[list[object]], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as f:
        csv.writer(f).writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def zh_rows() -> list[list[object]]:
    return [
        ZH_HEADER,
        ["2026/1/5", "2026-001", "张三", "自然人", "当面提交", "某路段规划图", "无", "（一）予以公开", "2026年1月20日"],
        ["2026.2.3", "2026-002", "某某科技有限公司", "法人或其他组织·商业企业", "互联网", "某项目环评批复", "", "本机关不掌握相关政府信息", "2026-02-10"],
        ["2026年3月1日", "2026-003", "李四", "自然人", "互联网", "某年度预算", "", "", ""],
    ]  # fmt: skip


def assert_zh_rows(rows: list[LedgerRow]) -> None:
    assert [r.line for r in rows] == [2, 3, 4]
    first, second, third = rows
    assert first == LedgerRow(
        line=2,
        case_no="2026-001",
        applicant_type=ApplicantType.NATURAL_PERSON,
        applicant_name="张三",
        channel=Channel.IN_PERSON,
        received_on=date(2026, 1, 5),
        content="某路段规划图",
        outcome=Outcome.DISCLOSED,
        concluded_on=date(2026, 1, 20),
    )
    assert second.applicant_type is ApplicantType.BUSINESS
    assert second.channel is Channel.ONLINE
    assert second.received_on == date(2026, 2, 3)
    assert second.outcome is Outcome.UNAVAILABLE_NOT_HELD
    assert second.concluded_on == date(2026, 2, 10)
    assert third.received_on == date(2026, 3, 1)
    assert third.outcome is None and third.concluded_on is None


def problems_of(path: Path) -> list[RowProblem]:
    with pytest.raises(LedgerError) as info:
        read_ledger(path, today=TODAY)
    return info.value.problems


# ------------------------------------------------------------------------------- good files


def test_english_headers_and_codes(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "ledger.csv",
        [
            EN_HEADER,
            ["A-1", "natural_person", "王五", "mail", "2025-12-29", "某通知", "partial", "2026-01-15"],
            ["A-2", "legal_services", "某律师事务所", "fax", "2026-06-30", "某批复", "", ""],
            ["A-3", "other_org", " 某协会 ", "other", "2025-11-03", "某文件", "other.other", "2025-11-03"],
        ],
    )  # fmt: skip
    rows = read_ledger(path, today=TODAY)
    assert [r.case_no for r in rows] == ["A-1", "A-2", "A-3"]
    assert rows[0].outcome is Outcome.PARTIAL
    assert rows[0].channel is Channel.MAIL
    assert rows[1].applicant_type is ApplicantType.LEGAL_SERVICES
    assert rows[1].received_on == TODAY  # today itself is not the future
    assert rows[1].outcome is None
    assert rows[2].applicant_name == "某协会"  # cells are stripped
    assert rows[2].concluded_on == rows[2].received_on  # answered on the spot


def test_chinese_headers_labels_other_order_with_bom(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "台账.csv", zh_rows(), encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert_zh_rows(read_ledger(path, today=TODAY))


def test_gb18030_csv_as_excel_saves_it(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "台账.csv", zh_rows(), encoding="gb18030")
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    assert_zh_rows(read_ledger(path, today=TODAY))


def test_header_cells_are_stripped_including_full_width_spaces(tmp_path: Path) -> None:
    header = [f"\u3000{h} " for h in EN_HEADER]
    path = write_csv(
        tmp_path / "ledger.csv",
        [header, ["A-1", "自然人", "张三", "邮寄", "2026-01-05", "某文件", "", ""]],
    )
    assert read_ledger(path, today=TODAY)[0].case_no == "A-1"


def test_xlsx_with_real_date_cells(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "台账.xlsx",
        [
            ZH_HEADER,
            [date(2026, 1, 5), 2026001, "张三", "自然人", "当面提交", "某规划", None, "予以公开", datetime(2026, 1, 20, 16, 30)],
            [None] * len(ZH_HEADER),  # an empty row in the middle
            ["2026/2/3", "2026-002", "某研究所", "科研机构", "传真", "某数据", None, "（三）不予公开 1.属于国家秘密", date(2026, 2, 28)],
            [datetime(2026, 3, 2, 9, 0), "2026-003", "李四", "自然人", "互联网", "某预算", None, None, None],
        ],
    )  # fmt: skip
    rows = read_ledger(path, today=TODAY)
    assert [r.line for r in rows] == [2, 4, 5]
    assert rows[0].case_no == "2026001"  # a number typed into the cell
    assert rows[0].received_on == date(2026, 1, 5)
    assert rows[0].concluded_on == date(2026, 1, 20)  # a datetime becomes its date
    assert rows[1].received_on == date(2026, 2, 3)  # dates typed as text work too
    assert rows[1].applicant_type is ApplicantType.RESEARCH
    assert rows[1].outcome is Outcome.WITHHELD_STATE_SECRET
    assert rows[2].received_on == date(2026, 3, 2)
    assert rows[2].outcome is None


def test_header_only_file_has_no_rows(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "ledger.csv", [EN_HEADER])
    assert read_ledger(path, today=TODAY) == []


# -------------------------------------------------------------------------------- bad rows


def test_every_bad_row_is_reported_with_line_column_and_rule(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "台账.csv",
        [
            ZH_HEADER,
            ["2026-01-05", "2026-001", "张三", "自然人", "当面提交", "某规划", "", "予以公开", "2026-01-20"],
            ["2026-02-30", "2026-002", "李四", "自然人", "当面提交", "某预算", "", "", ""],
            ["2026-01-10", "2026-003", "王五", "自然人", "互联网", "某文件", "", "已经答复了", "2026-01-15"],
            ["2026-03-10", "2026-004", "赵六", "自然人", "邮寄", "某批复", "", "予以公开", "2026-03-01"],
            ["2026-01-06", "2026-001", "孙七", "自然人", "传真", "某通知", "", "", ""],
        ],
    )  # fmt: skip
    with pytest.raises(LedgerError) as info:
        read_ledger(path, today=TODAY)
    err = info.value
    got = [(p.line, p.column, p.rule) for p in err.problems]
    assert got == [
        (3, "收到申请日期", "日期格式"),
        (4, "办理结果", "RULES §2.3"),
        (5, "答复日期", "事件顺序"),
        (6, "申请编号", "申请编号不得重复"),
    ]
    messages = [p.message for p in err.problems]
    assert messages[0].startswith("第3行") and "收到申请日期" in messages[0]
    assert "“2026-02-30”" in messages[0] and "日期格式" in messages[0]
    assert messages[1].startswith("第4行") and "“已经答复了”" in messages[1]
    assert "办理结果" in messages[1]
    assert messages[2].startswith("第5行") and "答复日期" in messages[2]
    assert "2026-03-01" in messages[2] and "2026-03-10" in messages[2]
    assert messages[3].startswith("第6行") and "与第2行重复" in messages[3]
    assert "“2026-001”" in messages[3]
    assert str(err) == "\n".join(messages)


def test_several_problems_in_one_row_and_all_rules(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "ledger.csv",
        [
            EN_HEADER,
            ["", "robot", "", "pigeon", "2026-07-01", "", "", ""],
            ["B-2", "natural_person", "张三", "online", "2026-01-05", "某文件", "disclosed", ""],
            ["B-3", "natural_person", "张三", "online", "2026-01-05", "某文件", "", "2026-01-09"],
            ["B-4", "natural_person", "张三", "online", "2026-01-05", "某文件", "disclosed", "2026-07-01"],
            ["B-5", "natural_person", "张三", "online", "5/1/2026", "某文件", "", ""],
        ],
    )  # fmt: skip
    got = [(p.line, p.column, p.rule) for p in problems_of(path)]
    assert got == [
        (2, "case_no", "必填"),
        (2, "applicant_type", "RULES §2.1"),
        (2, "applicant_name", "必填"),
        (2, "channel", "RULES §2.1"),
        (2, "received_on", "日期不能在未来"),
        (2, "content", "必填"),
        (3, "concluded_on", "必填"),  # an outcome needs its answer date
        (4, "outcome", "必填"),  # an answer date needs its outcome
        (5, "concluded_on", "日期不能在未来"),
        (6, "received_on", "日期格式"),
    ]


def test_empty_row_is_skipped_without_shifting_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "ledger.csv"
    path.write_text(
        ",".join(EN_HEADER) + "\r\n"
        "C-1,natural_person,张三,online,2026-01-05,某文件,,\r\n"
        "\r\n"
        ",,,,,,,\r\n"
        "C-2,natural_person,李四,online,2026-13-01,某文件,,\r\n",
        encoding="utf-8",
    )
    problems = problems_of(path)
    assert [(p.line, p.column) for p in problems] == [(5, "received_on")]
    assert problems[0].message.startswith("第5行")

    path.write_text(path.read_text(encoding="utf-8").replace("2026-13-01", "2026-01-13"))
    rows = read_ledger(path, today=TODAY)
    assert [(r.line, r.case_no) for r in rows] == [(2, "C-1"), (5, "C-2")]


# ------------------------------------------------------------------------- file problems


def test_missing_column_names_it_both_ways(tmp_path: Path) -> None:
    header = [h for h in ZH_HEADER if h != "办理结果"]
    path = write_csv(tmp_path / "台账.csv", [header, ["2026-01-05"] * len(header)])
    problems = problems_of(path)
    assert len(problems) == 1
    (problem,) = problems
    assert problem.line is None
    assert problem.column == "办理结果"
    assert "办理结果" in problem.message and "outcome" in problem.message
    assert not problem.message.startswith("第")


def test_doubled_column_is_refused(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "ledger.csv", [[*EN_HEADER, "申请编号"]])
    problems = problems_of(path)
    assert [(p.line, p.column, p.rule) for p in problems] == [(None, "申请编号", "表头")]


def test_unsupported_extension(tmp_path: Path) -> None:
    path = tmp_path / "台账.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0")
    (problem,) = problems_of(path)
    assert problem.line is None and problem.column is None
    assert ".xls" in problem.message and ".xlsx" in problem.message


def test_unreadable_files(tmp_path: Path) -> None:
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip file")
    (problem,) = problems_of(broken)
    assert problem.line is None and "broken.xlsx" in problem.message

    (problem,) = problems_of(tmp_path / "missing.csv")
    assert problem.line is None and "missing.csv" in problem.message

    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    (problem,) = problems_of(empty)
    assert problem.line is None and "表头" in problem.message


def test_a_title_row_above_the_header_is_skipped(tmp_path: Path) -> None:
    """Offices put the ledger's title (and a blank line) above the header row."""
    rows = [["历下区政府信息公开申请台账（2026年）"], [], *zh_rows()]
    read = read_ledger(write_xlsx(tmp_path / "titled.xlsx", rows), today=TODAY)
    # the rows keep the numbers the spreadsheet shows: the header is now row 3
    assert [r.line for r in read] == [4, 5, 6]
    assert read[0].case_no == "2026-001" and read[0].received_on == date(2026, 1, 5)


def test_excel_date_serials_are_dates(tmp_path: Path) -> None:
    """A date cell saved as a number: 46027 is 2026-01-05 (days since 1899-12-30)."""
    # count: 2026-01-01 is serial 46023 (1899-12-30 + 46023 days), so 01-05 is 46027
    rows = [EN_HEADER, ["2026-009", "natural_person", "王五", "online", 46027, "某文件", "", ""]]
    read = read_ledger(write_csv(tmp_path / "serial.csv", rows), today=TODAY)
    assert read[0].received_on == date(2026, 1, 5)
    too_big = [EN_HEADER, ["2026-010", "natural_person", "王五", "online", 99999, "某文件", "", ""]]
    assert problems_of(write_csv(tmp_path / "bad.csv", too_big))[0].column == "received_on"
