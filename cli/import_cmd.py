"""`ogi import ledger FILE --agency CODE [--dry-run]`."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import Progress

from cli.common import JsonOption, actor, today, uow
from cli.output import console, print_json

app = typer.Typer(no_args_is_help=True)


@app.command("ledger", help="导入台账（CSV 或 Excel）：先检查全部行，有错误则一行也不写入")
def ledger_cmd(
    file: Path = typer.Argument(..., help="台账文件（.csv 或 .xlsx）"),
    agency: str = typer.Option(..., "--agency", help="台账所属机关代码"),
    dry_run: bool = typer.Option(False, "--dry-run", help="只检查，不写入"),
    user: str = typer.Option("admin", "--user", "-u", envvar="OGI_USER", help="操作人"),
    as_json: bool = JsonOption,
) -> None:
    """Check the whole file first; any bad row rejects it, and nothing is written."""
    from services.ledger import import_ledger

    with Progress(transient=True, disable=as_json) as progress:
        task = progress.add_task("导入中", total=None)
        result = import_ledger(
            uow(),
            file,
            agency,
            actor=actor(user),
            today=today(),
            dry_run=dry_run,
            progress=lambda done, total: progress.update(task, completed=done, total=total),
        )
    if as_json:
        print_json(result.__dict__)
        return
    verb = "检查通过（未写入，--dry-run）" if dry_run else "已导入"
    console.print(
        f"{verb}：共 {result.rows} 件，其中已办结 {result.concluded} 件，在办 {result.open_cases} 件"
    )
