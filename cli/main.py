"""The `ogi` command: a thin translation from arguments to one service call each."""

from __future__ import annotations

import typer

from cli import (
    admin,
    calendar_cmd,
    cases_cmd,
    db_cmd,
    deadline_cmd,
    demo_cmd,
    flows_cmd,
    import_cmd,
    inbox_cmd,
    notify_cmd,
    report_cmd,
    scheduler_cmd,
)
from cli.output import friendly_errors

app = typer.Typer(
    help="ogi —— 政府信息公开依申请办理引擎（期限计算、案件流程、年度报告）",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


@app.callback()
def root(
    db: str = typer.Option(
        None,
        "--db",
        envvar="OGI_DATABASE_URL",
        help="数据库地址；默认当前目录下的 SQLite 文件 ogi.db",
    ),
) -> None:
    """Global options: the database to use. Logs go to stderr (warnings and errors; `ogi
    serve` and `ogi scheduler run` log more), ID numbers masked, as OGI_LOG_FORMAT says."""
    from cli.common import configure
    from services.logs import configure_logging

    configure(db)
    configure_logging(level="WARNING")


admin.register(app)
report_cmd.register(app)
app.add_typer(calendar_cmd.app, name="calendar", help="节假日日历：解析、导入通知，查看覆盖范围")
app.add_typer(deadline_cmd.app, name="deadline", help="答复期限计算与说明")
app.add_typer(cases_cmd.app, name="case", help="案件登记、办理与查询")
app.add_typer(import_cmd.app, name="import", help="从台账导入案件")
app.command("export", help="导出案件（CSV 或 JSON）")(cases_cmd.export)
app.add_typer(inbox_cmd.app, name="inbox", help="我的消息：提醒、逾期预警、升级通知、年度结转")
app.add_typer(notify_cmd.app, name="notify", help="通知：测试渠道、投递失败与重发、机关的群机器人和自动办结设置")
app.add_typer(scheduler_cmd.app, name="scheduler", help="内置调度器：按计划运行各流程")
app.add_typer(flows_cmd.app, name="flows", help="定时流程：提醒扫描、消息投递、年度结转")
app.add_typer(db_cmd.app, name="db", help="数据库：结构版本、升级、复制到另一个数据库")
app.command("demo", help="演示：新建 SQLite 数据库，登记并办理一批申请，显示待办队列")(
    demo_cmd.demo
)


def main() -> None:
    """Console-script entry point: every expected error becomes a message and an exit code."""
    from typer import Abort, Exit
    from typer._click.exceptions import UsageError

    from cli.output import EXIT_USAGE, click_message, fail

    with friendly_errors():
        try:
            result = app(standalone_mode=False)
        except Exit as exc:
            raise SystemExit(exc.exit_code) from None
        except Abort:
            fail("已取消", EXIT_USAGE)
        except UsageError as exc:
            fail(click_message(exc), EXIT_USAGE)
        if isinstance(result, int) and result:
            raise SystemExit(result)


if __name__ == "__main__":
    main()
