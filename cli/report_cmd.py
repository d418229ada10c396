"""`ogi report …`, `ogi year …`, `ogi remedy …`, `ogi annual set`: the annual report side."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from cli.common import JsonOption, UserOption, actor, actor_or_system, today, uow
from cli.output import (
    EXIT_LOCKED,
    EXIT_RULE,
    EXIT_USAGE,
    console,
    err_console,
    fail,
    parse_date,
    print_json,
)

report_app = typer.Typer(no_args_is_help=True)
year_app = typer.Typer(no_args_is_help=True)
remedy_app = typer.Typer(no_args_is_help=True)
annual_app = typer.Typer(no_args_is_help=True)

FORMATS = ("json", "md", "html", "docx", "xlsx")


@report_app.command("annual", help="生成年度报告（第三、四部分按案件数据自动统计，含校验）")
def annual_cmd(
    year: int = typer.Option(..., "--year", help="报告年度"),
    agency: str = typer.Option(..., "--agency", help="机关代码"),
    scope: str = typer.Option("self", "--scope", help="self（本机关）或 region（本行政区域）"),
    fmt: str = typer.Option("json", "--format", help="json / md / html / docx / xlsx"),
    output: Path = typer.Option(
        None, "--output", "-o", help="输出文件；docx/xlsx 默认 年度报告-机关-年度.扩展名"
    ),
    user: str = UserOption,
) -> None:
    """Sections 三 and 四 from the cases, with the checks; other formats laid out like the national format."""
    from services.reports import annual_report

    if fmt not in FORMATS:
        fail(f"--format 应为 {' / '.join(FORMATS)}", EXIT_USAGE)
    report = annual_report(
        uow(), year, agency, actor=actor_or_system(user), today=today(), scope=scope
    )
    failed = [c for c in report.checks if not c["ok"]]
    if fmt == "json":
        data = json.dumps(report.contract(), ensure_ascii=False, indent=2) + "\n"
        if output:
            output.write_text(data, encoding="utf-8")
        else:
            typer.echo(data, nl=False)
    else:
        from formats.report import render

        content = render(report.document(), fmt)
        if output is None and fmt in ("docx", "xlsx"):
            output = Path(f"年度报告-{agency}-{year}.{fmt}")
        if output:
            output.write_bytes(content)
            console.print(f"已生成 {output}")
        else:
            typer.echo(content.decode("utf-8"), nl=False)
    for check in failed:
        err_console.print(f"[yellow]校验未通过：{check['name']}：{check['detail']}[/yellow]")


@report_app.command("check", help="校验已公布的年度报告表格（勾稽关系、合计和跨年度结转）")
def check_cmd(
    files: list[Path] = typer.Argument(
        ..., help="已公布的第三部分表格（JSON 或门户网站的竖线分隔文本）"
    ),
    year: int = typer.Option(None, "--year", help="文本表格的年度（默认取文件名中的四位年份）"),
    as_json: bool = JsonOption,
) -> None:
    """Check published tables: balances, totals and the carry chain across years."""
    from cli.report_check import check_command

    raise typer.Exit(check_command(files, year, as_json))


@year_app.command("close", help="年末结转：记录结转下年度继续办理的案件（可重复运行）")
def close_cmd(
    year: int = typer.Argument(..., help="年度"),
    agency: str = typer.Option(None, "--agency", help="只结转此机关（默认全部）"),
    user: str = UserOption,
    as_json: bool = JsonOption,
) -> None:
    """Record the cases carried out of the year (结转); safe to run again."""
    from services.years import close_year

    results = close_year(uow(), year, actor=actor(user), today=today(), agency=agency)
    if as_json:
        print_json([r.__dict__ for r in results])
    else:
        for r in results:
            if r.skipped:
                err_console.print(
                    f"[yellow]{r.agency}：{r.year} 年度{r.skipped}，未重新结转[/yellow]"
                )
                continue
            mark = "平衡" if r.balanced else "[red]不平衡[/red]"
            console.print(
                f"{r.agency}：{r.year} 年度结转下年度 {r.carried_out} 件，勾稽{mark}，已通知 {len(r.notified)} 人"
            )
            for detail in r.failed_checks:
                err_console.print(f"  [red]{detail}[/red]")
    if any(not r.balanced for r in results):
        raise typer.Exit(EXIT_RULE)
    if any(r.skipped for r in results):
        raise typer.Exit(EXIT_LOCKED)


@year_app.command("lock", help="锁定已公布年度：此后改变该年度统计数字的操作将被拒绝")
def lock_cmd(
    year: int = typer.Argument(..., help="年度"),
    agency: str = typer.Option(None, "--agency", help="只锁定此机关（默认全部）"),
    user: str = UserOption,
) -> None:
    """Lock a published year: changes that would alter its figures are refused."""
    from services.years import lock_year

    locked = lock_year(uow(), year, actor=actor(user), today=today(), agency=agency)
    console.print(f"已锁定 {year} 年度：{'、'.join(locked) if locked else '（均已锁定）'}")


@year_app.command("unlock", help="解除年度锁定（须说明理由，留痕）")
def unlock_cmd(
    year: int = typer.Argument(..., help="年度"),
    reason: str = typer.Option(..., "--reason", help="解锁理由（留痕）"),
    agency: str = typer.Option(None, "--agency", help="只解锁此机关（默认全部）"),
    user: str = UserOption,
) -> None:
    """Unlock a year; the reason is recorded with who and when."""
    from services.years import unlock_year

    unlocked = unlock_year(
        uow(), year, actor=actor(user), today=today(), reason=reason, agency=agency
    )
    console.print(f"已解除 {year} 年度锁定：{'、'.join(unlocked)}（理由已记录）")


@remedy_app.command("add", help="登记行政复议或行政诉讼（年度报告第四部分）")
def remedy_add(
    case_no: str = typer.Argument(..., help="案件编号"),
    kind: str = typer.Option(
        ...,
        "--kind",
        help="reconsideration（行政复议）/ litigation_direct（未经复议直接起诉）/ litigation_after_reconsideration（复议后起诉）",
    ),
    filed_on: str = typer.Option(..., "--filed-on", help="申请复议或起诉日期"),
    result: str = typer.Option("pending", "--result", help="upheld / corrected / other / pending"),
    result_on: str = typer.Option(None, "--result-on", help="结果日期"),
    note: str = typer.Option("", "--note"),
    user: str = UserOption,
    as_json: bool = JsonOption,
) -> None:
    """Record a reconsideration or litigation against a case (section 四)."""
    from services.reports import add_remedy

    filed = parse_date(filed_on, "--filed-on")
    assert filed is not None
    remedy_id = add_remedy(
        uow(),
        case_no,
        kind,
        filed,
        actor=actor(user),
        today=today(),
        result=result,
        result_on=parse_date(result_on, "--result-on"),
        note=note,
    )
    if as_json:
        print_json({"id": remedy_id})
    else:
        console.print(f"已记录复议诉讼 #{remedy_id}（{case_no}）")


@remedy_app.command("update", help="登记复议或诉讼的结果")
def remedy_update(
    remedy_id: int = typer.Argument(..., help="记录编号"),
    result: str = typer.Option(..., "--result", help="upheld / corrected / other / pending"),
    result_on: str = typer.Option(None, "--result-on", help="结果日期"),
    user: str = UserOption,
) -> None:
    """Record a remedy's result later."""
    from services.reports import update_remedy

    update_remedy(
        uow(),
        remedy_id,
        result,
        parse_date(result_on, "--result-on"),
        actor=actor(user),
        today=today(),
    )
    console.print(f"已更新复议诉讼 #{remedy_id} 的结果")


@remedy_app.command("list", help="列出复议诉讼记录")
def remedy_list(case_no: str = typer.Option(None, "--case"), as_json: bool = JsonOption) -> None:
    from services.reports import list_remedies

    rows = list_remedies(uow(), case_no)
    if as_json:
        print_json(rows)
        return
    table = Table("#", "案件编号", "类别", "日期", "结果", "结果日期")
    for r in rows:
        table.add_row(
            str(r["id"]),
            r["case_no"],
            r["kind"],
            str(r["filed_on"]),
            r["result"],
            str(r["result_on"] or ""),
        )
    console.print(table)


@annual_app.command("set", help="填报年度报告第二部分数字和第一、五、六部分文字")
def annual_set(
    year: int = typer.Option(..., "--year"),
    agency: str = typer.Option(..., "--agency"),
    section2: list[str] = typer.Option(
        None,
        "--section2",
        help="第二部分数字，如 rules_issued=3 或 fees_amount_wan=12.50（可重复）",
    ),
    overview: Path = typer.Option(None, "--overview", help="一、总体情况（文本文件）"),
    problems: Path = typer.Option(
        None, "--problems", help="五、存在的主要问题及改进情况（文本文件）"
    ),
    other_matters: Path = typer.Option(None, "--other", help="六、其他需要报告的事项（文本文件）"),
    user: str = UserOption,
) -> None:
    """Enter section 二's figures and the text sections of a year's report."""
    from services.reports import set_annual_text

    values = {}
    for item in section2 or []:
        if "=" not in item:
            fail(f"--section2 的格式应为 项目=数值，实为“{item}”", EXIT_USAGE)
        key, value = item.split("=", 1)
        values[key.strip()] = value.strip()

    def text(path: Path | None) -> str | None:
        return path.read_text(encoding="utf-8-sig") if path else None

    set_annual_text(
        uow(),
        year,
        agency,
        actor=actor(user),
        today=today(),
        section2=values,
        overview=text(overview),
        problems=text(problems),
        other_matters=text(other_matters),
    )
    console.print(f"已保存 {agency} {year} 年度报告的填报内容")


def register(app: typer.Typer) -> None:
    app.add_typer(report_app, name="report", help="年度报告：生成与校验")
    app.add_typer(year_app, name="year", help="年末结转、锁定与解锁")
    app.add_typer(remedy_app, name="remedy", help="行政复议、行政诉讼记录")
    app.add_typer(annual_app, name="annual", help="年度报告人工填报部分（第二、一、五、六部分）")
