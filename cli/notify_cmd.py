"""`ogi notify test`: send a sample message over e-mail or a webhook to check the settings."""

from __future__ import annotations

import typer

from cli.common import runtime
from cli.output import console, fail

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
