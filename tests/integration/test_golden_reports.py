"""Golden test: the engine reproduces two published annual-report tables of 历下区 cell for cell.

The source of truth is `shared/reference/published-tables.json` (sections 三 and 四 of the 2019
and 2021 reports of 济南市历下区人民政府, as published). A ledger is generated from those numbers
alone: every published (outcome, applicant type) count of year Y becomes that many cases
concluded in Y, every 上年结转 / 结转下年度 count becomes cases received in one year and concluded
in the next (or still open), so one consistent case history covers 2019–2022:

- 2019: 上年结转 0; its 结转下年度 cases are received in December 2019 and concluded in 2020;
- 2021: its 上年结转 cases are received in December 2020 and concluded in January 2021; its
  结转下年度 cases are received in December 2021, most concluded in 2022, two still open.

The ledger goes through the real `ogi import ledger`, the remedies through `ogi remedy add` /
`ogi remedy update`, and the report through `ogi report annual --format json`; the contract
JSON must equal the published table exactly, and every check must pass.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
REFERENCE = REPO / "tests" / "fixtures" / "reference" / "published-tables.json"
TODAY = "2026-11-20"
AGENCY = "lixia"
AGENCY_NAME = "济南市历下区人民政府"
ROW_KEYS_NOT_OUTCOMES = ("new", "carried_in", "total", "carried_out")
COLUMNS = ("natural_person", "business", "research", "nonprofit", "legal_services", "other_org")
CHANNELS = ("online", "mail", "in_person")



def published() -> dict[int, dict[str, Any]]:
    data = json.loads(REFERENCE.read_text(encoding="utf-8"))
    return {report["year"]: report for report in data["reports"]}


# -- the command line -----------------------------------------------------------------------


def ogi_command() -> list[str]:
    script = Path(sys.executable).with_name("ogi")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "cli.main"]


def run_ogi(url: str, *args: str, expect: int = 0) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OGI_DATABASE_URL": url, "OGI_USER": "admin", "OGI_TODAY": TODAY}
    done = subprocess.run(
        [*ogi_command(), *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == expect, (
        f"ogi {' '.join(args)} exited {done.returncode} (expected {expect})\n"
        f"stdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    )
    return done


# -- the ledger, generated from the published numbers --------------------------------------


def spread(year: int, i: int) -> tuple[dt.date, dt.date]:
    """Receipt and answer dates of the i-th case new and concluded in `year` (both in it)."""
    received = dt.date(year, 1, 2) + dt.timedelta(days=i % 320)
    return received, received + dt.timedelta(days=i % 20)


def ledger_rows(reports: dict[int, dict[str, Any]]) -> tuple[list[dict[str, str]], dict]:
    """Rows of the ledger and, per year, the (case number, answer date) concluded in it."""
    years = sorted(reports)
    # A published year's 上年结转 cases are generated with it (received in December of the
    # year before); its 结转下年度 cases are concluded in the next year, which therefore must
    # not be published too (it would generate them a second time). True of 2019 and 2021.
    assert all(b - a > 1 for a, b in zip(years, years[1:], strict=False)), years
    rows: list[dict[str, str]] = []
    concluded_in: dict[int, list[tuple[str, dt.date]]] = {}

    def add(column: str, received: dt.date, outcome: str | None, concluded: dt.date | None) -> None:
        n = len(rows) + 1
        case_no = f"历下依申请〔{received.year}〕{n:05d}"
        rows.append(
            {
                "申请编号": case_no,
                "申请人类型": column,
                "申请人": f"申请人{n}",
                "申请方式": CHANNELS[n % len(CHANNELS)],
                "收到申请日期": received.isoformat(),
                "申请内容": f"政府信息公开申请第{n}件",
                "办理结果": outcome or "",
                "答复日期": concluded.isoformat() if concluded else "",
            }
        )
        if concluded is not None:
            concluded_in.setdefault(concluded.year, []).append((case_no, concluded))

    for year in years:
        table = reports[year]["section3"]["rows"]
        outcomes = [r for r in table if r not in ROW_KEYS_NOT_OUTCOMES]
        for column in COLUMNS:
            # The column's concluded cases, one per published unit, in row order; the first
            # `carried_in` of them were received in December of the previous year.
            conclusions = [o for o in outcomes for _ in range(table[o][column])]
            n_in = table["carried_in"][column]
            for k, outcome in enumerate(conclusions):
                if k < n_in:
                    received = dt.date(year - 1, 12, 10 + k % 15)
                    add(column, received, outcome, dt.date(year, 1, 5 + k % 20))
                else:
                    received, concluded = spread(year, k)
                    add(column, received, outcome, concluded)
            # 结转下年度: received in late December, answered from 6 January of the next year
            # on (2019's all in 2020); of 2021's, the last two of a column are still open.
            n_out = table["carried_out"][column]
            for k in range(n_out):
                received = dt.date(year, 12, 15 + k % 15)
                if year + 1 == 2020 or k < n_out - 2:
                    concluded = dt.date(year + 1, 1, 6) + dt.timedelta(days=k * 3)
                    add(column, received, "disclosed", concluded)
                else:
                    add(column, received, None, None)  # still open today
    return rows, concluded_in


def write_ledger(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


# -- section 四, recorded through the command line ------------------------------------------


def record_remedies(
    url: str, year: int, section4: dict[str, dict[str, int]], cases: list[tuple[str, dt.date]]
) -> None:
    """One remedy per published unit of section 四, each against a case concluded in `year`.

    Filed on 15 December; a result is dated 28 December (so it counts), except for the
    published 尚未审结 ones, which get a result dated in March of the next year: on 31 December
    of the filing year they were still pending. The first remedy with a result of each year is
    recorded as pending and updated later (`ogi remedy update`).
    """
    filed = dt.date(year, 12, 15)
    pool = iter(case_no for case_no, concluded in cases if concluded <= filed)
    first_update = True
    for kind, results in section4.items():
        for result, n in results.items():
            if result == "total":
                continue
            for _ in range(n):
                case_no = next(pool)
                if result == "pending" or first_update:
                    added = run_ogi(
                        url, "remedy", "add", case_no, "--kind", kind,
                        "--filed-on", filed.isoformat(), "--json",
                    )  # fmt: skip
                    remedy_id = json.loads(added.stdout)["id"]
                    if result == "pending":
                        final, on = "upheld", dt.date(year + 1, 3, 10)
                    else:
                        final, on = result, dt.date(year, 12, 28)
                        first_update = False
                    run_ogi(
                        url, "remedy", "update", str(remedy_id),
                        "--result", final, "--result-on", on.isoformat(),
                    )  # fmt: skip
                else:
                    run_ogi(
                        url, "remedy", "add", case_no, "--kind", kind,
                        "--filed-on", filed.isoformat(),
                        "--result", result, "--result-on", dt.date(year, 12, 28).isoformat(),
                    )  # fmt: skip


# -- the test -------------------------------------------------------------------------------


@pytest.fixture
def imported_db(db_url: str, tmp_path: Path) -> tuple[str, dict[int, list[tuple[str, dt.date]]]]:
    """A database holding the generated case history of 历下区 (section 三's source)."""
    run_ogi(db_url, "init", "--agency", AGENCY, "--agency-name", AGENCY_NAME)
    rows, concluded_in = ledger_rows(published())
    ledger = write_ledger(tmp_path / "历下区依申请公开台账.csv", rows)
    imported = json.loads(
        run_ogi(db_url, "import", "ledger", str(ledger), "--agency", AGENCY, "--json").stdout
    )
    assert (imported["rows"], imported["dry_run"]) == (len(rows), False)
    return db_url, concluded_in


@pytest.fixture
def golden_db(imported_db: tuple[str, dict[int, list[tuple[str, dt.date]]]]) -> str:
    """The same with the remedies of section 四 recorded."""
    url, concluded_in = imported_db
    for year, report in published().items():
        record_remedies(url, year, report["section4"], concluded_in[year])
    return url


def test_generated_ledger_is_a_plausible_history() -> None:
    """The generator itself: valid dates, and the published 一 (new) rows come out of it."""
    reports = published()
    rows, _ = ledger_rows(reports)
    assert len({r["申请编号"] for r in rows}) == len(rows)
    for row in rows:
        received = dt.date.fromisoformat(row["收到申请日期"])
        assert received <= dt.date.fromisoformat(TODAY)
        if row["答复日期"]:
            assert (
                received <= dt.date.fromisoformat(row["答复日期"]) <= dt.date.fromisoformat(TODAY)
            )
    for year, report in reports.items():
        new = report["section3"]["rows"]["new"]
        for column in COLUMNS:
            generated = sum(
                1
                for r in rows
                if r["申请人类型"] == column and r["收到申请日期"].startswith(str(year))
            )
            assert generated == new[column], (year, column)


def assert_published(report: dict[str, Any], expected: dict[str, Any]) -> None:
    assert report["year"] == expected["year"]
    assert report["agency"] == expected["agency"]
    assert report["template"] == expected["template"]
    got_rows, want_rows = report["section3"]["rows"], expected["section3"]["rows"]
    assert list(got_rows) == list(want_rows)
    for row, cells in want_rows.items():
        assert got_rows[row] == cells, f"{expected['year']} section 三 row {row}"
    assert report["section4"] == expected["section4"], f"{expected['year']} section 四"
    names = {c["name"] for c in report["checks"]}
    assert {f"balance.{c}" for c in (*COLUMNS, "total")} | {
        "total_column",
        "total_row",
        "carry_chain",
    } <= names
    bad = [c for c in report["checks"] if c["ok"] is not True]
    assert not bad, bad


def test_annual_reports_equal_the_published_tables(golden_db: str) -> None:
    for year, expected in published().items():
        out = run_ogi(
            golden_db, "report", "annual", "--year", str(year), "--agency", AGENCY,
            "--format", "json",
        )  # fmt: skip
        assert_published(json.loads(out.stdout), expected)
        assert "校验未通过" not in out.stderr


def _docx_rows(path: Path) -> list[list[str]]:
    import docx

    document = docx.Document(str(path))
    return [[cell.text.strip() for cell in row.cells] for t in document.tables for row in t.rows]


def _xlsx_rows(path: Path) -> list[list[str]]:
    import openpyxl

    workbook = openpyxl.load_workbook(path, data_only=True)
    return [
        ["" if v is None else str(v).strip() for v in row]
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
    ]


def test_document_formats_show_the_published_figures(
    imported_db: tuple[str, Any], tmp_path: Path
) -> None:
    """2021 （一）予以公开 (published): 181, 2, 0, 0, 0, 4 by applicant column, 187 in 总计."""
    for fmt, read in (("docx", _docx_rows), ("xlsx", _xlsx_rows)):
        target = tmp_path / f"report-2021.{fmt}"
        run_ogi(
            imported_db[0], "report", "annual", "--year", "2021", "--agency", AGENCY,
            "--format", fmt, "-o", str(target),
        )  # fmt: skip
        rows = read(target)
        disclosed = [r for r in rows if any(c.endswith("予以公开") and "不予" not in c for c in r)]
        assert disclosed, f"{fmt}: no （一）予以公开 row"
        numbers = [c for c in disclosed[0] if c.isdigit()]
        assert numbers[-7:] == ["181", "2", "0", "0", "0", "4", "187"], (fmt, disclosed[0])
