"""`ogi calendar …`: the holiday notice parser, imports (previewed), overrides, coverage, a year."""

from __future__ import annotations

import calendar as month_grid
import sys
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from cli.common import JsonOption, actor, today, uow
from cli.output import EXIT_RULE, EXIT_USAGE, console, err_console, fail, parse_date, print_json
from domain.calendar import EntryKind
from domain.notice import ParsedNotice, merge_notice, parse_notice

app = typer.Typer(no_args_is_help=True)

SOURCE_LABELS = {
    "package": "内置数据",
    "erratum": "勘误",
    "notice": "国务院通知",
    "manual": "人工调整",
    "provisional": "按法定假日推算",
    "weekday": "常规周历",
}
KIND_LABELS = {"schedule": "年度安排", "adjustment": "调整通知", "extension": "延长假期通知"}
UserOption = typer.Option("admin", "--user", "-u", envvar="OGI_USER", help="操作人（系统管理员）")


def read_text(path: Path) -> str:
    """A notice file as text: UTF-8 (with or without BOM), else GB18030 as saved on office PCs."""
    if path.is_dir():
        fail(f"{path} 是目录，请指定通知的文本文件", EXIT_USAGE)
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    fail(f"无法识别文件 {path} 的编码（应为 UTF-8 或 GB18030）", EXIT_USAGE)


def _parse(path: Path) -> ParsedNotice:
    notice = parse_notice(read_text(path))
    for problem in notice.problems:
        err_console.print(f"[yellow]无法识别：[/yellow]{problem}", soft_wrap=True)
    return notice


@app.command(
    "parse-notice",
    help="解析国务院办公厅节假日安排通知（可直接使用网站上的全文），显示各节日的放假和调休上班日期",
)
def parse_notice_cmd(
    file: Path = typer.Argument(..., help="国务院办公厅节假日安排通知（全文或安排部分）的文本文件"),
    base: Path = typer.Option(
        None, "--base", help="调整通知所调整的原通知文件（只用于预览合并结果）"
    ),
    as_json: bool = JsonOption,
) -> None:
    """Parse a notice as published; print its festivals, days off and make-up working days."""
    notice = _parse(file)
    entries = None
    if base is not None:
        base_notice = _parse(base)
        base_entries = merge_notice([], base_notice, base_notice.origin)
        entries = merge_notice(base_entries, notice, notice.origin)
    if as_json:
        print_json(_notice_json(notice, entries))
    else:
        _print_notice(notice, entries)
    if notice.problems:
        raise typer.Exit(EXIT_RULE)


def _notice_json(notice: ParsedNotice, merged: list[Any] | None = None) -> dict[str, Any]:
    data = notice.to_json()
    if merged is not None:
        data["holidays"] = sorted(e.day.isoformat() for e in merged if e.kind is EntryKind.HOLIDAY)
        data["workdays"] = sorted(e.day.isoformat() for e in merged if e.kind is EntryKind.WORKDAY)
    data.update(
        title=notice.title,
        document_no=notice.document_no,
        issued_on=notice.issued_on,
        kind=notice.kind,
        festivals=list(notice.festivals),
        problems=list(notice.problems),
    )
    return data


def _print_notice(notice: ParsedNotice, merged: list[Any] | None = None) -> None:
    head = f"{notice.year}年{KIND_LABELS.get(notice.kind, '')}"
    if notice.document_no:
        head += f"（{notice.document_no}"
        head += f"，{notice.issued_on.isoformat()}）" if notice.issued_on else "）"
    console.print(head, soft_wrap=True)
    if notice.kind != "schedule":
        console.print("  调整的节日：" + "、".join(notice.festivals))
    entries = merged if merged is not None else list(notice.entries)
    by_festival: dict[str, list[Any]] = {}
    for entry in entries:
        by_festival.setdefault(entry.festival or "（未注明节日）", []).append(entry)
    for festival, items in by_festival.items():
        off = [e.day for e in items if e.kind is EntryKind.HOLIDAY]
        work = [e.day for e in items if e.kind is EntryKind.WORKDAY]
        line = f"  {festival}：放假 {_days_text(off)}"
        if work:
            line += f"；调休上班 {_days_text(work)}"
        console.print(line, soft_wrap=True)
    for festival, end in getattr(notice, "extensions", ()):
        console.print(f"  延长{festival}假期至 {end.isoformat()}")


def _days_text(days: list[Any]) -> str:
    if not days:
        return "无"
    days = sorted(days)
    if len(days) > 2 and (days[-1] - days[0]).days == len(days) - 1:
        return f"{days[0].isoformat()} 至 {days[-1].isoformat()}（{len(days)}天）"
    return "、".join(d.isoformat() for d in days)


@app.command(
    "import-notice",
    help="导入节假日安排通知（年度安排、调整通知或延长假期通知）：先预览变化和受影响的在办案件，确认后写入",
)
def import_notice_cmd(
    file: Path = typer.Argument(..., help="通知文本文件（可直接粘贴政府网站上的全文）"),
    yes: bool = typer.Option(False, "--yes", "-y", help="不询问，直接导入（供脚本使用）"),
    dry_run: bool = typer.Option(False, "--dry-run", help="只预览，不写入"),
    user: str = UserOption,
    as_json: bool = JsonOption,
) -> None:
    """Preview a notice against the loaded calendar and the open cases, then import it."""
    from services.calendar_service import import_notice

    notice = _parse(file)
    if notice.problems:
        fail("通知中有无法识别的安排行（见上），未导入任何内容", EXIT_RULE)
    who = actor(user)
    preview = import_notice(uow(), notice, actor=who, today=today(), dry_run=True)
    if dry_run:
        _show_import(preview, as_json)
        return
    if not yes:
        if as_json or not sys.stdin.isatty():
            fail("导入前须确认：请先用 --dry-run 预览，再加 --yes 导入", EXIT_USAGE)
        _show_import(preview, False)
        if not typer.confirm("确认导入以上安排？", default=False):
            console.print("已取消，未写入任何内容。")
            raise typer.Exit(0)
    done = import_notice(uow(), notice, actor=who, today=today())
    _show_import(done, as_json)


def _moved_json(change: Any) -> list[dict[str, Any]]:
    return [
        {
            "case_no": m.case_no,
            "deadline": m.deadline.value,
            "old_due": m.old_due,
            "new_due": m.new_due,
            "shift_workdays": m.shift,
        }
        for m in change.moved
    ]


def _show_import(result: Any, as_json: bool) -> None:
    change = result.change
    if as_json:
        print_json(
            {
                "year": result.notice.year,
                "kind": result.notice.kind,
                "document_no": result.notice.document_no,
                "origin": result.origin,
                "festivals": list(result.festivals),
                "written": change.written,
                "added": change.added,
                "replaced": change.replaced,
                "days": [
                    {
                        "day": d.day,
                        "was_workday": d.was_workday,
                        "now_workday": d.now_workday,
                        "was_source": d.was_source,
                        "now_source": d.now_source,
                    }
                    for d in change.days
                ],
                "moved_count": change.moved_count,
                "moved": _moved_json(change),
            }
        )
        return
    verb = "已导入" if change.written else "预览（未写入）"
    scope = "全年安排" if result.notice.kind == "schedule" else "、".join(result.festivals)
    console.print(
        f"{verb}：{result.notice.year}年 {scope}，来源 {result.origin}；"
        f"通知条目 {change.added} 条（替换原有 {change.replaced} 条）",
        soft_wrap=True,
    )
    _print_notice(result.notice, result.entries)
    status_changes = [d for d in change.days if d.status_changed]
    if status_changes:
        table = Table("日期", "原来", "导入后", "来源变化", title="与已加载日历不同的日子")
        for d in status_changes:
            table.add_row(
                f"{d.day.isoformat()}（{'一二三四五六日'[d.day.weekday()]}）",
                "上班" if d.was_workday else "休息",
                "上班" if d.now_workday else "休息",
                f"{SOURCE_LABELS.get(d.was_source, d.was_source)} → "
                f"{SOURCE_LABELS.get(d.now_source, d.now_source)}",
            )
        console.print(table)
    else:
        console.print("与已加载的日历相比，没有哪一天的上班/休息发生变化。")
    _print_moved(change)


def _print_moved(change: Any) -> None:
    if not change.moved_count:
        console.print("没有在办案件的期限因此改变。")
        return
    listed = len({m.case_no for m in change.moved})
    shown = f"（列出前 {listed} 件）" if change.moved_count > listed else ""
    table = Table(
        "案件编号",
        "期限",
        "原期限",
        "新期限",
        "变化（工作日）",
        title=f"{change.moved_count} 件在办案件期限变化{shown}",
    )
    for m in change.moved:
        table.add_row(
            m.case_no, m.label, str(m.old_due or "—"), str(m.new_due or "—"), f"{m.shift:+d}"
        )
    console.print(table)


@app.command("override", help="人工指定某一天放假或上班（在办案件的期限随之重算）")
def override_cmd(
    day: str = typer.Argument(..., help="日期 YYYY-MM-DD"),
    kind: str = typer.Option(..., "--kind", help="holiday（放假）或 workday（上班）"),
    name: str = typer.Option("", "--name", help="说明，如 春节"),
    user: str = UserOption,
    as_json: bool = JsonOption,
) -> None:
    """Declare one day a holiday or a working day by hand; open cases are recomputed."""
    from services.calendar_service import set_override

    kinds = {"holiday": EntryKind.HOLIDAY, "放假": EntryKind.HOLIDAY, "休息": EntryKind.HOLIDAY}
    kinds |= {"workday": EntryKind.WORKDAY, "上班": EntryKind.WORKDAY}
    entry_kind = kinds.get(kind.strip())
    if entry_kind is None:
        fail(f"--kind 的值“{kind}”无效，应为 holiday（放假）或 workday（上班）", EXIT_USAGE)
    when = parse_date(day, "日期")
    assert when is not None
    change = set_override(uow(), when, entry_kind, name, actor=actor(user), today=today())
    if as_json:
        print_json(
            {"added": change.added, "replaced": change.replaced, "moved": _moved_json(change)}
        )
        return
    console.print(
        f"已设置 {when.isoformat()} 为{'上班' if entry_kind is EntryKind.WORKDAY else '放假'}"
    )
    _print_moved(change)


@app.command("status", help="日历覆盖范围、各来源条目数，以及未加载下一年安排的提醒")
def status_cmd(as_json: bool = JsonOption) -> None:
    """Coverage of the official schedule, entries by source, and the missing-year warning."""
    from services.calendar_service import calendar_status

    status = calendar_status(uow(), today=today())
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
    console.print(
        "日历条目："
        + "，".join(f"{SOURCE_LABELS.get(k, k)} {v} 条" for k, v in sorted(status.entries.items()))
    )
    if status.warning:
        err_console.print(f"[bold yellow]{status.warning}[/bold yellow]")


@app.command("show", help="按月显示某一年的放假日和调休上班日及其来源（--json 供脚本使用）")
def show_cmd(
    year: int = typer.Argument(..., help="年份，如 2027"),
    as_json: bool = JsonOption,
) -> None:
    """A year as the engine counts it: days off, working weekends, and where each came from."""
    from services.calendar_service import calendar_year

    schedule = calendar_year(uow(), year)
    if as_json:
        print_json(schedule.to_json())
        return
    data = schedule.to_json()
    state = (
        "正式（已加载国务院通知或内置数据）"
        if data["official"]
        else "暂定（按法定假日推算，尚未公布）"
    )
    console.print(f"{year}年 工作日历：{state}")
    console.print("图例：休 = 工作日放假，班 = 周末调休上班，· = 周末休息；日期后为来源。")
    sources: dict[str, str] = data["sources"]
    holidays, workdays = set(data["holidays"]), set(data["workdays"])
    for month in range(1, 13):
        console.print(f"\n{month}月   一   二   三   四   五   六   日")
        for week in month_grid.Calendar().monthdatescalendar(year, month):
            cells = []
            for day in week:
                if day.month != month:
                    cells.append("    ")
                    continue
                iso = day.isoformat()
                mark = (
                    "休"
                    if iso in holidays
                    else "班"
                    if iso in workdays
                    else ("·" if day.weekday() >= 5 else " ")
                )
                cells.append(f"{day.day:>2}{mark} ")
            console.print("     " + "".join(cells))
        notes = [
            f"{iso[5:]} {'放假' if iso in holidays else '上班'}（{SOURCE_LABELS.get(src, src)}）"
            for iso, src in sorted(sources.items())
            if int(iso[5:7]) == month and iso[:4] == str(year)
        ]
        if notes:
            console.print("     " + "；".join(notes), soft_wrap=True)
