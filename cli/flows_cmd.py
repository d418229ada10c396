"""`ogi flows …`: run a flow by hand as of a day, and see the last runs."""

from __future__ import annotations

import sys
from typing import Any

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
    from services.bootstrap import shanghai_minute

    runs = status(uow())
    upcoming = next_runs(runtime().clock.now())
    if as_json:
        print_json({"runs": runs, "next": upcoming})
        return
    console.print("最近运行：" if runs else "尚无运行记录")
    for run in runs:
        state = "出错：" + run["error"] if run["error"] else ("完成" if run["finished_at"] else "未完成")
        started = shanghai_minute(run["started_at"])
        console.print(f"  #{run['id']} {run['kind']} 按 {run['as_of']} 开始 {started} {state} {run['counts']}")
    console.print("下次计划：")
    for item in upcoming:
        console.print(f"  {item['kind']}：{item['at']}")


# -- scaled mode (Prefect) ----------------------------------------------------------------------

PoolOption = typer.Option(
    "ogi", "--pool", envvar="OGI_PREFECT_POOL", help="Prefect 工作池名称（process 类型），默认 ogi"
)


def _scaled_mode() -> Any:
    """The scaled-mode module, for commands run under `OGI_SCHEDULER=prefect` only: the
    embedded scheduler then refuses to start, so the flows are never triggered by both.
    Checked before Prefect is imported (about 1.5 s), so the refusal is immediate; an
    installation without the `scaled` extra gets a message, not a traceback."""
    from domain.errors import UsageError

    if runtime().settings.scheduler != "prefect":
        raise UsageError(
            "当前 OGI_SCHEDULER 为 embedded（内置调度器触发流程）；"
            "改由 Prefect 触发请先设置 OGI_SCHEDULER=prefect，并停用内置调度器（ogi serve --no-scheduler）",
            field="OGI_SCHEDULER",
            rule="调度方式",
        )
    try:
        from flows import prefect_flows
    except ModuleNotFoundError as exc:
        if not (exc.name or "").startswith("prefect"):
            raise
        raise UsageError(
            "未安装 Prefect：规模化部署需要可选依赖 scaled（prefect==3.8.8），请在 ogi 的环境中安装",
            field="OGI_SCHEDULER",
            rule="调度方式",
        ) from None
    return prefect_flows


@app.command(
    "deploy",
    help="在 Prefect 服务器上创建或更新各定时流程的部署（cron，Asia/Shanghai，process 工作池）；需 OGI_SCHEDULER=prefect",
)
def deploy_cmd(pool: str = PoolOption, as_json: bool = JsonOption) -> None:
    """Create or update the Prefect deployments: one per scheduled flow, cron in Asia/Shanghai."""
    result = _scaled_mode().deploy(runtime().settings.database_url, pool)
    if as_json:
        print_json(result)
        return
    console.print(
        f"已在 Prefect（{result['api_url']}）创建或更新 {len(result['deployments'])} 个部署，工作池 {pool}："
    )
    for item in result["deployments"]:
        console.print(f"  {item['deployment']}：{item['label']}（cron {item['cron']}，{item['timezone']}）")
    automation = result["automation"]
    console.print(f"{'已建立' if automation['created'] else '已有'}自动化：{automation['name']}")
    console.print(f"再启动执行进程：ogi flows worker --pool {pool}")


@app.command(
    "worker", help="启动 Prefect 执行进程（process 类型），运行工作池中的流程，按 Ctrl-C 停止"
)
def worker_cmd(pool: str = PoolOption) -> None:
    """Run a Prefect process worker for the pool in the foreground until Ctrl-C."""
    import os

    scaled = _scaled_mode()
    scaled.require_shared_database(runtime().settings.database_url)  # its runs use this one
    url = scaled.api_url()
    command = scaled.worker_command(pool)
    console.print(f"启动 Prefect 执行进程：工作池 {pool}，服务器 {url}；按 Ctrl-C 停止")
    sys.stdout.flush()
    os.execv(command[0], command)  # the worker takes this process over: signals reach it directly
