"""Checking published section-三 tables: `formats.published` and `ogi report check`.

The reference tables in shared/reference are a real district's reports: the portal text and,
independently, the RULES §5 JSON of the same tables. Reading the text must give the JSON cell
for cell; both must pass RULES §4.3. Broken copies are written to tmp_path so every failure
message can be checked for the numbers and the line it names. An inline table with the
portal's quirks keeps the parser tested when shared/ is not there.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from cli.report_check import check_command
from domain.report import REPORT_COLUMNS, ROWS, Table, check_table, empty_table
from formats.published import PublishedTableError, check_carry_chain, read_published

REPO = Path(__file__).resolve().parents[2]
REFERENCE = REPO / "tests" / "fixtures" / "reference"

# A 2021-format table as a portal renders it: a title, the three header lines, group cells
# in front of rows, full- and half-width brackets, a space inside a word ("重新 出具"),
# full-width separators on one line, a blank line, trailing empty cells.
INLINE_2021 = """\
三、收到和处理政府信息公开申请情况
(本列数据的勾稽关系为:第一项加第二项之和, 等于第三项加第四项之和) | 申请人情况 | ||||||||
自然人 | 法人或其他组织 | 总计 | |||||||
商业 企业 | 科研 机构 | 社会公益组织 | 法律服务机构 | 其他 | |||||
一、本年新收政府信息公开申请数量 | 5 | 1 | 0 | 0 | 0 | 1 | 7 | ||
二、上年结转政府信息公开申请数量 | 1 | 0 | 0 | 0 | 0 | 0 | 1 | ||
三、本年度办理结果 | （一）予以公开 | 2 | 1 | 0 | 0 | 0 | 0 | 3 | |
(二)部分公开(区分处理的,只计这一情形,不计其他情形) | 1 | 0 | 0 | 0 | 0 | 0 | 1 | ||
(三)不予公开 | 1.属于国家秘密 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | |
2.其他法律行政法规禁止公开 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | ||
3.危及“三安全一稳定” | 0 | 0 | 0 | 0 | 0 | 0 | 0 | ||
4.保护第三方合法权益 ｜ 1 ｜ 0 ｜ 0 ｜ 0 ｜ 0 ｜ 0 ｜ 1 ｜｜
5.属于三类内部事务信息 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | ||
6.属于四类过程性信息 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | ||
7.属于行政执法案卷 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | ||
8.属于行政查询事项 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | ||

（四）无法提供 | 1.本机关不掌握相关政府信息 | 1 | 0 | 0 | 0 | 0 | 0 | 1 | |
2.没有现成信息需要另行制作 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | ||
3.补正后申请内容仍不明确 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | ||
(五)不予处理 | 1.信访举报投诉类申请 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | |
2.重复申请 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | ||
3.要求提供公开出版物 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | ||
4.无正当理由大量反复申请 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | ||
5.要求行政机关确认或重新 出具已获取信息 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | ||
(六)其他处理 | 1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | |
2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | ||
3.其他 | 0 | 0 | 0 | 0 | 0 | 1 | 1 | ||
(七)总计 | 5 | 1 | 0 | 0 | 0 | 1 | 7 | ||
四、结转下年度继续办理 | 1 | 0 | 0 | 0 | 0 | 0 | 1 |
"""

INLINE_CELLS: dict[str, dict[str, int]] = {
    "new": {"natural_person": 5, "business": 1, "other_org": 1, "total": 7},
    "carried_in": {"natural_person": 1, "total": 1},
    "disclosed": {"natural_person": 2, "business": 1, "total": 3},
    "partial": {"natural_person": 1, "total": 1},
    "withheld.third_party": {"natural_person": 1, "total": 1},
    "unavailable.not_held": {"natural_person": 1, "total": 1},
    "other.other": {"other_org": 1, "total": 1},
    "total": {"natural_person": 5, "business": 1, "other_org": 1, "total": 7},
    "carried_out": {"natural_person": 1, "total": 1},
}


def inline_table() -> Table:
    table = empty_table()
    for row, cells in INLINE_CELLS.items():
        table[row].update(cells)
    return table


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def replace_line(text: str, containing: str, new_line: str | None) -> tuple[str, int]:
    """Replace (or with None, delete) the one line containing a text; return its number."""
    lines = text.splitlines()
    [index] = [i for i, line in enumerate(lines) if containing in line]
    if new_line is None:
        del lines[index]
    else:
        lines[index] = new_line
    return "\n".join(lines) + "\n", index + 1


def insert_after(text: str, containing: str, new_line: str) -> tuple[str, int]:
    lines = text.splitlines()
    [index] = [i for i, line in enumerate(lines) if containing in line]
    lines.insert(index + 1, new_line)
    return "\n".join(lines) + "\n", index + 2


def published_json() -> dict[int, dict[str, Any]]:
    data = json.loads((REFERENCE / "published-tables.json").read_text(encoding="utf-8"))
    return {report["year"]: report for report in data["reports"]}


def run_json(capsys: pytest.CaptureFixture[str], files: list[Path], year: int | None = None):
    code = check_command(files, year, as_json=True)
    return code, json.loads(capsys.readouterr().out)


def failed(result: dict[str, Any]) -> dict[str, str]:
    return {c["name"]: c["detail"] for t in result["tables"] for c in t["checks"] if not c["ok"]}


# ------------------------------------------------------------------------------ inline text


def test_inline_portal_text_is_read_with_its_quirks(tmp_path: Path) -> None:
    [table] = read_published(write(tmp_path / "lixia-2021.txt", INLINE_2021))
    assert table.year == 2021
    assert table.agency is None
    assert table.table == inline_table()
    assert all(check.ok for check in check_table(table.table))


def test_inline_2019_format_single_other_row_counts_as_other_other(tmp_path: Path) -> None:
    text, _ = replace_line(
        INLINE_2021, "1.申请人无正当理由", "(六)其他处理 | 0 | 0 | 0 | 0 | 0 | 1 | 1 | ||"
    )
    text, _ = replace_line(text, "2.申请人逾期未按", None)
    text, _ = replace_line(text, "3.其他 |", None)
    [table] = read_published(write(tmp_path / "table-2019.txt", text))
    assert table.table == inline_table()
    assert table.table["other.no_supplement"] == dict.fromkeys(REPORT_COLUMNS, 0)
    assert table.table["other.fee_unpaid"] == dict.fromkeys(REPORT_COLUMNS, 0)


def test_inline_passes_through_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path / "lixia-2021.txt", INLINE_2021)
    assert check_command([path], None, as_json=False) == 0
    out = capsys.readouterr().out
    assert "2021年度" in out and "9/9" in out and "全部检查通过" in out


# ------------------------------------------------------------------------ reference tables


@pytest.mark.parametrize("year", [2019, 2021])
def test_reference_text_reads_as_the_published_json(year: int) -> None:
    [table] = read_published(REFERENCE / f"published-table-{year}.txt")
    expected = published_json()[year]["section3"]["rows"]
    assert table.year == year
    assert table.agency is None
    for row in ROWS:
        for column in REPORT_COLUMNS:
            assert table.table[row][column] == expected[row][column], (row, column)
    assert table.table == expected


def test_reference_json_file_gives_every_report() -> None:
    tables = read_published(REFERENCE / "published-tables.json")
    assert [(t.year, t.agency) for t in tables] == [(2019, "lixia"), (2021, "lixia")]
    for table in tables:
        assert table.table == published_json()[table.year]["section3"]["rows"]
    [only_2021] = read_published(REFERENCE / "published-tables.json", year=2021)
    assert only_2021.year == 2021


def test_reference_tables_pass_all_checks(capsys: pytest.CaptureFixture[str]) -> None:
    files = [
        REFERENCE / "published-table-2019.txt",
        REFERENCE / "published-table-2021.txt",
        REFERENCE / "published-tables.json",
    ]
    code, result = run_json(capsys, files)
    assert code == 0
    assert result["ok"] is True
    assert len(result["tables"]) == 4
    assert all(
        len(t["checks"]) == 9 and all(c["ok"] for c in t["checks"]) for t in result["tables"]
    )


def test_one_changed_cell_fails_the_sums_it_breaks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """自然人 予以公开 181→180: the row's 总计 (187) and the column's （七）总计 (314) no longer
    match their parts; the balance 一+二 = 七+四 does not involve 予以公开, so it still holds."""
    original = (REFERENCE / "published-table-2021.txt").read_text(encoding="utf-8")
    changed = original.replace("(一)予以公开 | 181 |", "(一)予以公开 | 180 |")
    assert changed != original
    path = write(tmp_path / "published-table-2021.txt", changed)
    code, result = run_json(capsys, [path])
    assert code == 1
    assert result["ok"] is False
    problems = failed(result)
    assert set(problems) == {"total_column", "total_row"}
    assert "总计 187" in problems["total_column"] and "六类之和 186" in problems["total_column"]
    assert "自然人列" in problems["total_row"]
    assert "总计 314" in problems["total_row"] and "各项之和 313" in problems["total_row"]

    assert check_command([path], None, as_json=False) == 1
    out = capsys.readouterr().out
    assert "✗" in out and "187" in out and "313" in out and str(path) in out
    assert "（一）予以公开 × 总计" in out and "（七）总计 × 自然人" in out


def test_changed_carry_out_row_fails_the_balance_of_its_columns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    original = (REFERENCE / "published-table-2021.txt").read_text(encoding="utf-8")
    text, _ = replace_line(
        original, "四、结转下年度", "四、结转下年度继续办理 | 13 | 0 | 0 | 0 | 0 | 0 | 13 |"
    )
    code, result = run_json(capsys, [write(tmp_path / "t-2021.txt", text)])
    assert code == 1
    problems = failed(result)
    assert set(problems) == {"balance.natural_person", "balance.total"}
    assert "= 326" in problems["balance.natural_person"]
    assert "四、结转下年度 13 = 327" in problems["balance.natural_person"]
    assert "= 343" in problems["balance.total"] and "= 344" in problems["balance.total"]


# ------------------------------------------------------------------------------ carry chain


def year_2020(carried_in_natural: int) -> dict[str, Any]:
    """A balanced 2020 table (no agency, like the portal text) with a chosen 上年结转."""
    table = empty_table()
    n = carried_in_natural
    table["new"].update(natural_person=10, total=10)
    table["carried_in"].update(natural_person=n, total=n)
    table["disclosed"].update(natural_person=10 + n, total=10 + n)
    table["total"].update(natural_person=10 + n, total=10 + n)
    return {"year": 2020, "agency": None, "template": "2019", "section3": {"rows": table}}


def test_carry_chain_names_both_numbers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fabricated = tmp_path / "fabricated.json"
    fabricated.write_text(json.dumps(year_2020(3), ensure_ascii=False), encoding="utf-8")
    files = [REFERENCE / "published-table-2019.txt", fabricated]

    code, result = run_json(capsys, files)
    assert code == 1
    assert all(c["ok"] for t in result["tables"] for c in t["checks"])
    [link] = result["chain"]
    assert (link["previous_year"], link["year"], link["checked"], link["ok"]) == (
        2019,
        2020,
        True,
        False,
    )
    assert "2020年上年结转 3" in link["detail"] and "2019年结转下年度 2" in link["detail"]

    assert check_command(files, None, as_json=False) == 1
    out = capsys.readouterr().out
    assert "2019→2020" in out and "2020年上年结转 3" in out and "2019年结转下年度 2" in out


def test_carry_chain_that_matches_passes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fabricated = tmp_path / "fabricated.json"
    fabricated.write_text(json.dumps(year_2020(2), ensure_ascii=False), encoding="utf-8")
    code, result = run_json(capsys, [fabricated, REFERENCE / "published-table-2019.txt"])
    assert code == 0
    [link] = result["chain"]
    assert link["checked"] and link["ok"]


def test_missing_year_is_a_gap_not_a_failure(capsys: pytest.CaptureFixture[str]) -> None:
    files = [REFERENCE / "published-table-2021.txt", REFERENCE / "published-table-2019.txt"]
    code, result = run_json(capsys, files)
    assert code == 0
    assert result["ok"] is True
    [link] = result["chain"]
    assert (link["previous_year"], link["year"], link["checked"]) == (2019, 2021, False)
    assert "缺少2020年度" in link["detail"] and "无法核对" in link["detail"]

    assert check_command(files, None, as_json=False) == 0
    out = capsys.readouterr().out
    assert "缺少2020年度" in out and "无法核对" in out


def test_same_year_twice_with_different_figures_fails_the_chain(tmp_path: Path) -> None:
    a = read_published(write(tmp_path / "a-2021.txt", INLINE_2021))
    changed, _ = replace_line(
        INLINE_2021, "4.保护第三方", "4.保护第三方合法权益 | 1 | 0 | 0 | 0 | 0 | 0 | 2 |"
    )
    b = read_published(write(tmp_path / "b-2021.txt", changed))
    [link] = check_carry_chain(a + b)
    assert not link.ok and "两份数字不同" in link.detail
    assert check_carry_chain(a + a) == []


# --------------------------------------------------------------------------- unreadable files

BROKEN_LINES = [
    pytest.param("@@@ 乱码 @@@ 无法识别", "不是表头", id="garbage"),
    pytest.param("某某未知行 | 1 | 0 | 0 | 0 | 0 | 0 | 1 |", "无法识别行名", id="unknown-label"),
    pytest.param(
        "5.属于三类内部事务信息 | 0 | 0 | 0 | 0 | 0 | 0 |", "只有6个数字", id="six-numbers"
    ),
    pytest.param(
        "5.属于三类内部事务信息 | 0 | 0 | 0.5 | 0 | 0 | 0 | 0 |", "“0.5”不是非负整数", id="decimal"
    ),
    pytest.param(
        "5.属于三类内部事务信息 | 0 | — | 0 | 0 | 0 | 0 | 0 |", "“—”不是非负整数", id="dash"
    ),
    pytest.param("5.属于三类内部事务信息 | 0 | | 0 | 0 | 0 | 0 | 0 |", "空白", id="blank-cell"),
    pytest.param("5.属于三类内部事务信息 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |", "多于7个", id="eight"),
    pytest.param(
        "(四)无法提供 | 5.属于三类内部事务信息 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |",
        "不属于",
        id="wrong-group",
    ),
    pytest.param("5.属于三类内部事务信息", "只有行名", id="no-numbers"),
]


@pytest.mark.parametrize(("line", "reason"), BROKEN_LINES)
def test_unreadable_line_names_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], line: str, reason: str
) -> None:
    text, number = replace_line(INLINE_2021, "5.属于三类内部事务信息", line)
    path = write(tmp_path / "table-2021.txt", text)
    with pytest.raises(PublishedTableError) as caught:
        read_published(path)
    assert caught.value.line_number == number
    assert f"第{number}行" in caught.value.message
    assert reason in caught.value.message
    assert f"“{line}”" in caught.value.message

    assert check_command([path], None, as_json=False) == 2
    captured = capsys.readouterr()
    assert f"第{number}行" in captured.err and line in captured.err
    assert captured.out == ""


def test_garbage_line_inserted_in_the_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text, number = insert_after(INLINE_2021, "2.重复申请", "xx 123 yy")
    path = write(tmp_path / "table-2021.txt", text)
    code, result = run_json(capsys, [path])
    assert code == 2
    assert result["ok"] is False
    assert result["error"]["line"] == number
    assert f"第{number}行" in result["error"]["message"]


def test_unreadable_file_stops_before_any_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = write(tmp_path / "good-2021.txt", INLINE_2021)
    text, _ = replace_line(INLINE_2021, "(七)总计", "(七)总计 | x | 1 | 0 | 0 | 0 | 1 | 7 |")
    bad = write(tmp_path / "bad-2022.txt", text)
    assert check_command([good, bad], None, as_json=False) == 2
    captured = capsys.readouterr()
    assert "bad-2022.txt" in captured.err
    assert "9/9" not in captured.out


def test_missing_row_is_named(tmp_path: Path) -> None:
    text, _ = replace_line(INLINE_2021, "(七)总计", None)
    with pytest.raises(PublishedTableError) as caught:
        read_published(write(tmp_path / "t-2021.txt", text))
    assert "缺少" in caught.value.message and "（七）总计" in caught.value.message
    assert caught.value.line_number is None


def test_duplicate_row_is_refused(tmp_path: Path) -> None:
    text, number = insert_after(
        INLINE_2021, "2.重复申请", "2.重复申请 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |"
    )
    with pytest.raises(PublishedTableError) as caught:
        read_published(write(tmp_path / "t-2021.txt", text))
    assert caught.value.line_number == number
    assert f"与第{number - 1}行重复" in caught.value.message


def test_missing_file_and_empty_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert check_command([tmp_path / "none-2021.txt"], None, as_json=False) == 2
    assert "找不到文件" in capsys.readouterr().err
    with pytest.raises(PublishedTableError, match="缺少以下行"):
        read_published(write(tmp_path / "empty-2021.txt", ""))


# ------------------------------------------------------------------------------------ years


def test_year_from_file_name_or_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    named = write(tmp_path / "lixia-2021-section3.txt", INLINE_2021)
    assert read_published(named)[0].year == 2021
    assert read_published(named, year=2019)[0].year == 2019  # the option wins

    unnamed = write(tmp_path / "table.txt", INLINE_2021)
    code, result = run_json(capsys, [unnamed], year=2021)
    assert code == 0
    assert result["tables"][0]["year"] == 2021


def test_no_year_at_all_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    unnamed = write(tmp_path / "table.txt", INLINE_2021)
    assert check_command([unnamed], None, as_json=False) == 2
    err = capsys.readouterr().err
    assert "无法确定" in err and "年度" in err and "--year" in err

    two = write(tmp_path / "2019-vs-2021.txt", INLINE_2021)
    with pytest.raises(PublishedTableError, match="多个年份"):
        read_published(two)


# ------------------------------------------------------------------------------------- JSON


def report_json(table: Table, **extra: Any) -> dict[str, Any]:
    return {"year": 2021, "agency": "demo", "section3": {"rows": table}, **extra}


def test_json_single_report_object(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    path.write_text(json.dumps(report_json(inline_table())), encoding="utf-8")
    [table] = read_published(path)
    assert (table.year, table.agency, table.table) == (2021, "demo", inline_table())
    with pytest.raises(PublishedTableError, match="没有2020年度的报告"):
        read_published(path, year=2020)


def test_json_missing_row_or_column_is_named(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    table: dict[str, Any] = inline_table()
    del table["withheld.third_party"]
    path.write_text(json.dumps(report_json(table)), encoding="utf-8")
    with pytest.raises(
        PublishedTableError,
        match=r"缺少 （三）不予公开 4\.保护第三方合法权益（withheld\.third_party）行",
    ):
        read_published(path)

    table = inline_table()
    del table["carried_in"]["research"]
    path.write_text(json.dumps(report_json(table)), encoding="utf-8")
    with pytest.raises(PublishedTableError, match="上年结转.*行缺少 科研机构（research）列"):
        read_published(path)

    table = inline_table()
    table["new"]["total"] = "7"  # type: ignore[assignment]
    path.write_text(json.dumps(report_json(table)), encoding="utf-8")
    with pytest.raises(PublishedTableError, match="应为非负整数"):
        read_published(path)


def test_json_2019_other_row_and_bad_json(tmp_path: Path) -> None:
    table: dict[str, Any] = inline_table()
    table["other"] = table.pop("other.other")
    del table["other.no_supplement"], table["other.fee_unpaid"]
    path = tmp_path / "report.json"
    path.write_text(json.dumps(report_json(table)), encoding="utf-8")
    assert read_published(path)[0].table == inline_table()

    broken = write(tmp_path / "broken.json", '{"year": 2021,\n "section3": }')
    with pytest.raises(PublishedTableError) as caught:
        read_published(broken)
    assert caught.value.line_number == 2 and "第2行" in caught.value.message


# -------------------------------------------------------------------------------- real CLI


@functools.cache
def _ogi(*args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *map(str, args)],
        cwd=REPO,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=120,
    )




def test_cli_report_check(tmp_path: Path) -> None:
    good = write(tmp_path / "lixia-2021.txt", INLINE_2021)
    result = _ogi("report", "check", good, "--json")
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert output["ok"] is True and output["tables"][0]["year"] == 2021

    unnamed = write(tmp_path / "table.txt", INLINE_2021)
    assert _ogi("report", "check", unnamed).returncode == 2
    assert _ogi("report", "check", unnamed, "--year", "2021").returncode == 0

    text, number = replace_line(
        INLINE_2021, "2.重复申请", "2.重复申请 | 0 | 0 | ? | 0 | 0 | 0 | 0 |"
    )
    bad = write(tmp_path / "bad-2021.txt", text)
    result = _ogi("report", "check", bad)
    assert result.returncode == 2
    assert f"第{number}行" in result.stderr


def test_cli_reference_tables_and_broken_copy(tmp_path: Path) -> None:
    result = _ogi(
        "report",
        "check",
        REFERENCE / "published-table-2019.txt",
        REFERENCE / "published-table-2021.txt",
    )
    assert result.returncode == 0, result.stderr
    assert "缺少2020年度" in result.stdout

    original = (REFERENCE / "published-table-2021.txt").read_text(encoding="utf-8")
    path = write(tmp_path / "published-table-2021.txt", original.replace("| 181 |", "| 180 |"))
    result = _ogi("report", "check", path)
    assert result.returncode == 1
    assert "187" in result.stdout and "313" in result.stdout
