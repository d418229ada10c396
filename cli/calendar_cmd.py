"""`ogi calendar …`: the holiday notice parser, imports, overrides and coverage."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import typer
from rich.table import Table

from cli.common import JsonOption, engine
from cli.output import EXIT_RULE, EXIT_USAGE, console, err_console, fail, parse_date, print_json
from domain.calendar import EntryKind
from domain.notice import NoticeEntry, ParsedNotice, merge_notice, parse_notice

app = typer.Typer(no_args_is_help=True)


def read_text(path: Path) -> str:
    """A notice file as text: UTF-8 (with or without BOM), else GB18030 as saved on office PCs."""
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    fail(f"无法识别文件 {path} 的编码（应为 UTF-8 或 GB18030）", EXIT_USAGE)


def _merged(base: Path, notice: ParsedNotice) -> ParsedNotice:
    """The base notice's year after `notice` (an adjustment or extension), as one schedule.

    The base file is parsed and merged as a schedule first, then `notice` is merged over it;
    the result is handed on as a schedule notice of that year.
    """
    base_notice = parse_notice(read_text(base))
    for problem in base_notice.problems:
        err_console.print(f"[yellow]无法解析：[/yellow]{problem}")
    if base_notice.problems:
        raise typer.Exit(EXIT_RULE)
    entries = merge_notice(merge_notice([], base_notice, base_notice.origin), notice, notice.origin)
    return replace(
        notice,
        kind="schedule",
        entries=tuple(NoticeEntry(e.day, e.kind, e.festival) for e in entries),
        extensions=(),
    )


@app.command("parse-notice")
def parse_notice_cmd(
    file: Path = typer.Argument(..., help="国务院办公厅节假日安排通知的文本文件"),
    base: Path = typer.Option(None, "--base", help="紧急调整通知所调整的原通知文件"),
    as_json: bool = JsonOption,
) -> None:
    """Parse a notice; print its holidays and make-up working days."""
    notice = parse_notice(read_text(file))
    if base is not None and not notice.problems:
        notice = _merged(base, notice)
    for problem in notice.problems:
        err_console.print(f"[yellow]无法解析：[/yellow]{problem}")
    if as_json:
        print_json(notice.to_json())
    else:
        _print_notice(notice)
    if notice.problems:
        raise typer.Exit(EXIT_RULE)


def _print_notice(notice: ParsedNotice) -> None:
    console.print(f"{notice.year}年节假日安排")
    for label, first, last in notice.blocks:
        console.print(f"  {label}：{first.isoformat()} 至 {last.isoformat()} 放假")
    console.print("  放假日：" + "、".join(d.isoformat() for d in notice.holidays))
    console.print("  调休上班：" + ("、".join(d.isoformat() for d in notice.workdays) or "无"))
    for festival, end in notice.extensions:
        console.print(f"  延长{festival}假期至 {end.isoformat()}")


@app.command("import-notice")
def import_notice_cmd(
    file: Path = typer.Argument(..., help="通知文本文件"),
    base: Path = typer.Option(None, "--base", help="紧急调整通知所调整的原通知文件"),
    user: str = typer.Option("admin", "--user", "-u", envvar="OGI_USER", help="操作人"),
    as_json: bool = JsonOption,
) -> None:
    """Load a notice into the calendar and recompute every open case in one transaction."""
    from services.calendar_service import import_notice

    notice = parse_notice(read_text(file))
    if base is not None and not notice.problems:
        notice = _merged(base, notice)
    elif notice.kind != "schedule":
        fail("这是调整或延长假期的通知，请用 --base 指定其调整的原通知文件", EXIT_USAGE)
    change = import_notice(engine(), notice, user)
    _report_change(change, f"已导入{notice.year}年节假日安排：{change.added} 条", as_json)


@app.command("override")
def override_cmd(
    day: str = typer.Argument(..., help="日期 YYYY-MM-DD"),
    kind: str = typer.Option(..., "--kind", help="holiday（放假）或 workday（上班）"),
    name: str = typer.Option("", "--name", help="说明，如 春节"),
    user: str = typer.Option("admin", "--user", "-u", envvar="OGI_USER", help="操作人"),
    as_json: bool = JsonOption,
) -> None:
    """Declare one day a holiday or a working day by hand; open cases are recomputed."""
    from services.calendar_service import set_override

    try:
        entry_kind = EntryKind(kind)
    except ValueError:
        fail("--kind 应为 holiday 或 workday", EXIT_USAGE)
    when = parse_date(day, "日期")
    assert when is not None
    change = set_override(engine(), when, entry_kind, name, user)
    _report_change(
        change,
        f"已设置 {when.isoformat()} 为{'上班' if entry_kind is EntryKind.WORKDAY else '放假'}",
        as_json,
    )


def _report_change(change, headline: str, as_json: bool) -> None:  # type: ignore[no-untyped-def]
    if as_json:
        print_json(
            {
                "added": change.added,
                "replaced": change.replaced,
                "moved": [
                    {"case_no": no, "old_due": old, "new_due": new, "shift_workdays": shift}
                    for no, old, new, shift in change.moved
                ],
            }
        )
        return
    console.print(headline)
    if not change.moved:
        console.print("没有在办案件的答复期限因此改变。")
        return
    table = Table(
        "案件编号",
        "原期限",
        "新期限",
        "变化（工作日）",
        title=f"{len(change.moved)} 件案件期限变化",
    )
    for no, old, new, shift in change.moved:
        table.add_row(no, str(old or "—"), str(new or "—"), f"{shift:+d}")
    console.print(table)


@app.command("status")
def status_cmd(as_json: bool = JsonOption) -> None:
    """Coverage of the official schedule, entries by source, and the missing-year warning."""
    from services.calendar_service import calendar_status

    status = calendar_status(engine())
    if as_json:
        print_json(
            {
                "coverage": status.coverage,
                "provisional_from": status.provisional_from,
                "entries": status.entries,
                "warning": status.warning,
            }
        )
        return
    console.print(f"正式节假日安排覆盖至：{status.coverage.isoformat()}")
    console.print(f"自 {status.provisional_from.isoformat()} 起的期限为暂定（按法定假日推算）")
    labels = {"package": "内置数据", "notice": "国务院通知", "manual": "人工调整"}
    console.print(
        "日历条目："
        + "，".join(f"{labels.get(k, k)} {v} 条" for k, v in sorted(status.entries.items()))
    )
    if status.warning:
        err_console.print(f"[bold yellow]{status.warning}[/bold yellow]")
