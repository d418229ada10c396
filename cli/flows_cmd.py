"""`ogi flows …`: run a flow by hand as of a day, and see the last runs."""

from __future__ import annotations

import typer

from cli.common import JsonOption, runtime, uow
from cli.output import console, parse_date, print_json

app = typer.Typer(no_args_is_help=True)
run_app = typer.Typer(no_args_is_help=True)
app.add_typer(run_app, name="run", help="立即运行一个流程")


@run_app.command("sweep")
def sweep_cmd(
    today: str = typer.Option(None, "--today", help="按哪一天运行（YYYY-MM-DD），默认今天"),
    as_json: bool = JsonOption,
) -> None:
    """The daily reminder sweep (RULES §6) as of a day."""
    from flows.sweep import run_sweep

    day = parse_date(today, "--today") or runtime().today()
    result = run_sweep(uow(), day).to_json()
    if as_json:
        print_json(result)
        return
    console.print(f"{result['today']}：发送 {result['sent']} 条提醒，跳过 {result['skipped']} 条")
    for kind, count in result["by_kind"].items():
        console.print(f"  {kind}：{count}")


@run_app.command("dispatch")
def dispatch_cmd(as_json: bool = JsonOption) -> None:
    """Deliver the outbox: e-mail digests and webhooks, with retries."""
    from flows.dispatch import run_dispatch

    result = run_dispatch(uow(), runtime().today(), runtime().settings).to_json()
    if as_json:
        print_json(result)
        return
    console.print(
        f"已送达 {result['delivered']}，待重试 {result['retrying']}，失败 {result['failed']}"
    )


@run_app.command("calendar-check")
def calendar_check_cmd(as_json: bool = JsonOption) -> None:
    """Recompute every open case on the calendar as loaded (the daily safety net)."""
    from flows.recompute import run_recompute

    moved = run_recompute(uow(), runtime().today())
    if as_json:
        print_json({"moved": moved})
        return
    console.print(f"日历检查完成：{moved} 件案件的期限按当前日历调整")


@run_app.command("year-end")
def year_end_cmd(
    year: int = typer.Option(None, "--year", help="结转的年度，默认去年"),
    today: str = typer.Option(None, "--today", help="按哪一天运行（YYYY-MM-DD），默认今天"),
    as_json: bool = JsonOption,
) -> None:
    """The year-end flow (RULES §3) for every agency."""
    from flows.yearend import run_year_end

    day = parse_date(today, "--today") or runtime().today()
    result = run_year_end(uow(), day, year or day.year - 1)
    if as_json:
        print_json(result)
        return
    for item in result["agencies"]:
        console.print(f"{item['agency']}：结转 {item['carried_out']} 件，平衡：{item['balanced']}")


@app.command("status")
def status_cmd(as_json: bool = JsonOption) -> None:
    """The last flow runs and what is scheduled next."""
    from flows.runs import status
    from flows.schedule import next_runs

    runs = status(uow())
    upcoming = next_runs(runtime().clock.now())
    if as_json:
        print_json({"runs": runs, "next": upcoming})
        return
    console.print("最近运行：" if runs else "尚无运行记录")
    for run in runs:
        state = "出错：" + run["error"] if run["error"] else ("完成" if run["finished_at"] else "未完成")
        console.print(f"  #{run['id']} {run['kind']} 按 {run['as_of']} 开始 {run['started_at']:%Y-%m-%d %H:%M} {state} {run['counts']}")
    console.print("下次计划：")
    for item in upcoming:
        console.print(f"  {item['kind']}：{item['at']}")
