"""`ogi deadline explain FILE.json`: the RULES §5 deadline contract."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from cli.output import EXIT_USAGE, console, err_console, fail, print_json, print_steps
from domain.calendar import WorkCalendar
from domain.clock import explain

app = typer.Typer(no_args_is_help=True)


def current_calendar() -> WorkCalendar:
    """The installation's calendar when a database is set up, else the bundled one (said so)."""
    from cli.common import uow
    from services.calendar_service import installation_calendar

    calendar, warning = installation_calendar(uow())
    if warning:
        err_console.print(f"[yellow]{warning}[/yellow]", soft_wrap=True)
    return calendar


@app.command("explain", help="按事件计算答复期限并说明计算过程（JSON 输入输出，见说明文档）")
def explain_cmd(
    file: Path = typer.Argument(..., help='JSON：{"received_on": "YYYY-MM-DD", "events": [...]}'),
    as_json: bool = typer.Option(False, "--json", help="输出 JSON（供系统对接使用）"),
) -> None:
    """Compute the due date and explain it; a sequence the law does not allow exits non-zero."""
    try:
        data = json.loads(file.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as exc:
        fail(f"{file} 不是有效的 JSON：第{exc.lineno}行第{exc.colno}列，{exc.msg}", EXIT_USAGE)
    state = explain(data, current_calendar())
    if as_json:
        print_json(state.to_json())
        return
    labels = {"running": "计时中", "paused": "暂停（征求意见）", "stopped": "停止"}
    console.print(f"答复期限：{state.due.isoformat() if state.due else '（计时停止，暂无）'}")
    console.print(f"状态：{labels[state.clock.value]}")
    if state.waiting_due:
        console.print(f"等待期限：{state.waiting_due.isoformat()}")
    if state.provisional:
        console.print("[bold yellow]注意：此期限为暂定（涉及尚未公布的节假日安排）[/bold yellow]")
    console.print("计算过程：")
    print_steps([step.text for step in state.steps])
