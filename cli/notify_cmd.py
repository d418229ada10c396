"""`ogi notify …`: send a sample message to check a channel, see and re-send the deliveries
given up on, and set an agency's notification channels."""

from __future__ import annotations

import typer
from rich.table import Table

from cli.common import JsonOption, actor, runtime, today, uow
from cli.output import console, fail, print_json

app = typer.Typer(no_args_is_help=True)


@app.command("test")
def test_cmd(
    channel: str = typer.Option(..., "--channel", help="email 或 webhook"),
    to: str = typer.Option(..., "--to", help="收件地址，或 webhook 地址"),
    flavor: str = typer.Option("json", "--flavor", help="webhook 类型：wecom、dingtalk、json"),
    secret: str = typer.Option("", "--secret", help="钉钉加签密钥"),
) -> None:
    """Send one sample message now and say whether it was delivered."""
    from flows.dispatch import send_test

    result = send_test(runtime().settings, channel, to, flavor=flavor, secret=secret)
    if not result.ok:
        fail(f"发送失败：{result.detail}")
    console.print(f"已发送：{result.detail}")


AdminUser = typer.Option("admin", "--user", "-u", envvar="OGI_USER", help="操作人（系统管理员）")


@app.command("failures")
def failures_cmd(user: str = AdminUser, as_json: bool = JsonOption) -> None:
    """Deliveries given up on after 24 hours of failures (RULES §6)."""
    from domain.delivery import CHANNEL_LABELS
    from services.bootstrap import shanghai_minute
    from services.deliveries import failed_deliveries

    rows = failed_deliveries(uow(), actor=actor(user))
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print("没有投递失败的消息")
        return
    table = Table("编号", "渠道", "对象", "尝试次数", "放弃时间", "最后错误")
    for r in rows:
        finished = shanghai_minute(r["finished_at"])
        channel = CHANNEL_LABELS.get(r["channel"], r["channel"])
        table.add_row(str(r["id"]), channel, r["target"], str(r["attempts"]), finished, r["error"])
    console.print(table)
    console.print("修复邮件服务器或群机器人后，用 ogi notify retry 编号… 重新投递")


@app.command("retry")
def retry_cmd(
    ids: list[int] = typer.Argument(..., help="投递失败记录的编号（见 ogi notify failures）"),
    user: str = AdminUser,
    as_json: bool = JsonOption,
) -> None:
    """Queue failed deliveries again; the next dispatcher run sends them."""
    from services.deliveries import retry_deliveries

    queued = retry_deliveries(uow(), ids, actor=actor(user), today=today())
    if as_json:
        print_json({"queued": queued})
        return
    console.print(f"已重新排队 {len(queued)} 条，下次投递时发送")


@app.command("settings")
def settings_cmd(
    agency: str = typer.Argument(..., help="机关代码"),
    webhook_flavor: str = typer.Option(
        None, "--webhook-flavor", help="群机器人类型：wecom（企业微信）、dingtalk（钉钉）、json；空字符串清除"
    ),
    webhook_url: str = typer.Option(None, "--webhook-url", help="webhook 地址；空字符串清除"),
    webhook_secret: str = typer.Option(None, "--webhook-secret", help="钉钉加签密钥"),
    report_kind: str = typer.Option(
        None, "--report-kind", help="department（部门，1月31日前）或 government（政府，3月31日前）"
    ),
    auto_close_abandoned: bool = typer.Option(
        None, "--auto-close-abandoned/--no-auto-close-abandoned", help="补正期限届满自动视为放弃"
    ),
    auto_close_unpaid: bool = typer.Option(
        None, "--auto-close-unpaid/--no-auto-close-unpaid", help="缴费期限届满自动终止"
    ),
    user: str = AdminUser,
    as_json: bool = JsonOption,
) -> None:
    """Show an agency's notification settings, or change the ones given."""
    from dataclasses import asdict, replace

    from domain.agency_settings import FLAVOR_LABELS, REPORT_KIND_LABELS
    from services.deliveries import agency_settings
    from services.directory import set_notification_settings

    who = actor(user)
    current = agency_settings(uow(), agency, actor=who)
    changes = {
        name: value
        for name, value in (
            ("webhook_flavor", webhook_flavor),
            ("webhook_url", webhook_url),
            ("webhook_secret", webhook_secret),
            ("report_kind", report_kind),
            ("auto_close_abandoned", auto_close_abandoned),
            ("auto_close_unpaid", auto_close_unpaid),
        )
        if value is not None
    }
    if changes:
        current = set_notification_settings(
            uow(), agency, replace(current, **changes), actor=who, today=today()
        )
    shown = asdict(current) | {"webhook_secret": "已设置" if current.webhook_secret else ""}
    if as_json:
        print_json({"agency": agency, **shown})
        return
    console.print(f"{agency} 的通知设置{'（已更新）' if changes else ''}：")
    flavor = FLAVOR_LABELS.get(current.webhook_flavor, "未设置")
    console.print(f"  群机器人：{flavor} {current.webhook_url}")
    console.print(f"  加签密钥：{shown['webhook_secret'] or '无'}")
    console.print(f"  年度报告：{REPORT_KIND_LABELS.get(current.report_kind, current.report_kind)}")
    console.print(f"  补正期限届满自动视为放弃：{'是' if current.auto_close_abandoned else '否'}")
    console.print(f"  缴费期限届满自动终止：{'是' if current.auto_close_unpaid else '否'}")

