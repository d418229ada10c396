"""`ogi inbox`: a user's messages (RULES §5 "Inbox"), and marking them read."""

from __future__ import annotations

import typer

from cli.common import JsonOption, UserOption, actor, uow
from cli.output import console, print_json

app = typer.Typer()


@app.callback(invoke_without_command=True)
def inbox_cmd(
    ctx: typer.Context,
    user: str = UserOption,
    as_json: bool = JsonOption,
    unread: bool = typer.Option(False, "--unread", help="只看未读消息"),
) -> None:
    """My messages, newest first: reminders, overdue alerts, escalations, year-end lists."""
    ctx.obj = {"user": user}
    if ctx.invoked_subcommand is not None:
        return
    from services.inbox import inbox

    items = inbox(uow(), actor=actor(user), unread=unread)
    if as_json:
        print_json(items)
        return
    if not items:
        console.print("没有消息")
    for item in items:
        mark = " " if item["read"] else "●"
        console.print(f"{mark} [{item['id']}] {item['text']}")


@app.command("read")
def read_cmd(
    ctx: typer.Context,
    ids: list[int] = typer.Argument(..., help="消息编号"),
    user: str = UserOption,
) -> None:
    """Mark messages read."""
    from services.inbox import mark_read

    name = user or (ctx.obj or {}).get("user")
    done = mark_read(uow(), ids, actor=actor(name))
    console.print(f"已标记 {len(done)} 条为已读")
