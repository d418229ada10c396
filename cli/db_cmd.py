"""`ogi db …`: the schema version, upgrading it, and copying an installation to another
database (the embedded SQLite file to PostgreSQL, or back)."""

from __future__ import annotations

import sys

import typer
from rich.table import Table

from cli.common import JsonOption, uow
from cli.output import EXIT_RULE, EXIT_USAGE, console, err_console, fail, print_json

app = typer.Typer(no_args_is_help=True)


@app.command("status", help="查看数据库结构版本（是否为本程序的最新版本）")
def status_cmd(as_json: bool = JsonOption) -> None:
    from services.database import schema_status

    status = schema_status(uow())
    if as_json:
        print_json(status.to_json())
        return
    state = "已是最新" if status.at_head else "需要升级（ogi db upgrade）"
    console.print(f"数据库结构版本：{status.describe()}；本程序最新：{','.join(status.head)}（{state}）")


@app.command("upgrade", help="把数据库结构升级到最新版本（只增不删；先升级数据库，再重启网页进程）")
def upgrade_cmd() -> None:
    from services.database import upgrade

    before, after = upgrade(uow())
    if before.current == after.current:
        console.print(f"数据库结构已是最新（{after.describe()}），无需升级")
    else:
        console.print(f"数据库结构已升级：{before.describe()} → {after.describe()}")


@app.command("copy", help="把一个数据库的全部数据复制到另一个空数据库（如 SQLite → PostgreSQL），并逐表核对行数")
def copy_cmd(
    source: str = typer.Option(..., "--from", help="源数据库地址，如 sqlite:///ogi.db"),
    target: str = typer.Option(
        ..., "--to", help="目标数据库地址（须为空库），如 postgresql://ogi@127.0.0.1:5432/ogi"
    ),
    yes: bool = typer.Option(False, "--yes", "-y", help="不再确认，直接复制"),
    batch: int = typer.Option(5000, "--batch", min=1, help="每次插入的行数"),
    as_json: bool = JsonOption,
) -> None:
    from services.database import copy_database
    from store.db import display_url

    say = err_console if as_json else console
    say.print(f"源数据库：{display_url(source)}")
    say.print(f"目标数据库：{display_url(target)}（须为空库；复制期间请停止网页和定时任务）")
    if not yes:
        if not sys.stdin.isatty():
            fail("未确认：在脚本中运行时请加 --yes（未写入任何数据）", EXIT_USAGE)
        if not typer.confirm("开始复制？", default=False):
            fail("已取消，未写入任何数据", EXIT_USAGE)

    def progress(table: str, done: int, total: int) -> None:
        if total == 0:
            return
        if done == total or done % (batch * 10) == 0:
            say.print(f"  {table}：{done}/{total}")

    result = copy_database(source, target, progress=progress, batch=batch)
    if as_json:
        print_json(result.to_json())
    else:
        if result.migrated_target:
            console.print(f"目标数据库已建好表结构（版本 {result.revision}）")
        table = Table("表", "源数据库行数", "目标数据库行数", "一致")
        for count in result.tables:
            table.add_row(count.table, str(count.source), str(count.target), "是" if count.equal else "否")
        console.print(table)
        for name in result.left_alone:
            console.print(f"提示：源数据库中的表 {name} 不属于本程序，未复制")
    if not result.ok:
        different = "、".join(c.table for c in result.tables if not c.equal)
        fail(f"行数不一致（{different}）：复制已撤销，目标数据库未写入任何数据", EXIT_RULE)
    if not as_json:
        console.print(
            f"复制完成：{len(result.tables)} 张表、{result.rows} 行，各表行数一致"
            + ("；PostgreSQL 序列已重置" if result.target.startswith("postgresql") else "")
        )
