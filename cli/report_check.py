"""`ogi report check FILE... [--year Y] [--json]`: do published section-三 tables add up?

A published annual report cannot be corrected silently, so before (or after) publishing,
people want the arithmetic of RULES §4.3 checked on exactly what the portal shows, and the
上年结转 of each year compared with the 结转下年度 of the year before. This command reads
the tables (`formats.published`), runs `domain.report.check_table` on each and
`check_carry` along each agency's years, and says which cells disagree and by how much.

Exit codes (cli.output): 0 everything adds up; 1 some check failed; 2 a file could not be
read — then nothing is checked, because a partial answer would look like a clean one.
"""

from __future__ import annotations

from pathlib import Path

from cli.output import EXIT_OK, EXIT_RULE, EXIT_USAGE, console, err_console, print_json
from domain.report import COLUMN_LABELS, Check, check_table, row_label
from formats.published import (
    CarryLink,
    PublishedTable,
    PublishedTableError,
    check_carry_chain,
    read_published,
)


def check_command(files: list[Path], year: int | None, as_json: bool) -> int:
    """Read every file, check every table and the carry chains; return the exit code."""
    tables: list[PublishedTable] = []
    for path in files:
        try:
            tables.extend(read_published(path, year))
        except PublishedTableError as exc:
            _print_unreadable(path, exc, as_json)
            return EXIT_USAGE
    results = [(table, check_table(table.table)) for table in tables]
    chain = check_carry_chain(tables)
    ok = all(c.ok for _, checks in results for c in checks) and all(link.ok for link in chain)
    if as_json:
        print_json(
            {
                "tables": [
                    {
                        "file": table.source,
                        "year": table.year,
                        "agency": table.agency,
                        "checks": [c.to_json() for c in checks],
                    }
                    for table, checks in results
                ],
                "chain": [link.to_json() for link in chain],
                "ok": ok,
            }
        )
    else:
        for table, checks in results:
            _print_table(table, checks)
        _print_chain(tables, chain)
        _print(
            "结论：全部检查通过" if ok else "结论：发现不一致，见上文标 ✗ 的项目",
            "bold green" if ok else "bold red",
        )
    return EXIT_OK if ok else EXIT_RULE


def _print(text: str, style: str | None = None) -> None:
    """One line on stdout; markup off so file names and labels print as they are."""
    console.print(text, style=style, markup=False, soft_wrap=True)


def _print_unreadable(path: Path, exc: PublishedTableError, as_json: bool) -> None:
    err_console.print(f"错误：{exc.message}", style="bold red", markup=False, soft_wrap=True)
    if as_json:
        print_json(
            {
                "error": {"file": str(path), "line": exc.line_number, "message": exc.message},
                "ok": False,
            }
        )


def _title(table: PublishedTable) -> str:
    agency = f"，机关 {table.agency}" if table.agency else ""
    return f"{table.source}（{table.year}年度{agency}）"


def _cells(check: Check) -> str:
    """The cells a failed check involves, as row × column labels."""
    return "、".join(f"{row_label(row)} × {COLUMN_LABELS[column]}" for row, column in check.cells)


def _print_table(table: PublishedTable, checks: list[Check]) -> None:
    failed = [c for c in checks if not c.ok]
    for check in failed:
        where = f"（涉及单元格：{_cells(check)}）" if check.cells else ""
        _print(f"✗ {_title(table)} {check.name}：{check.detail}{where}", "red")
    passed = len(checks) - len(failed)
    if failed:
        _print(f"{_title(table)}：未通过，{passed}/{len(checks)} 项检查通过", "bold red")
    else:
        _print(f"{_title(table)}：通过，{passed}/{len(checks)} 项检查全部通过", "green")


def _print_chain(tables: list[PublishedTable], chain: list[CarryLink]) -> None:
    for link in chain:
        agency = f"机关 {link.agency}" if link.agency else "未注明机关的表格"
        span = f"{link.previous_year}→{link.year}"
        files = f"（{link.previous_source} → {link.source}）"
        if not link.checked:
            _print(f"？ 结转衔接 {agency} {span}：{link.detail}", "yellow")
        elif link.ok:
            _print(f"✓ 结转衔接 {agency} {span}：{link.detail}", "green")
        else:
            _print(f"✗ 结转衔接 {agency} {span}：{link.detail}{files}", "red")
    named = sorted({t.agency for t in tables if t.agency})
    if named and any(t.agency is None for t in tables):
        # Portal text carries no agency; say so rather than silently skip the comparison.
        _print(
            "注意：未注明机关的表格（如网页文本）单独成组，未与机关 "
            + "、".join(named)
            + " 的表格做结转衔接核对",
            "yellow",
        )
