"""Shared bits of the command modules: the engine, the acting user, date options."""

from __future__ import annotations

import os
from functools import cache

import typer
from sqlalchemy import Engine

from cli.output import EXIT_USAGE, fail
from store.db import make_engine


@cache
def engine() -> Engine:
    return make_engine()


UserOption = typer.Option(
    None, "--user", "-u", envvar="OGI_USER", help="操作人用户名（或环境变量 OGI_USER）"
)
JsonOption = typer.Option(False, "--json", help="输出 JSON，供脚本使用")


def acting_user(user: str | None) -> str:
    name = user or os.environ.get("OGI_USER")
    if not name:
        fail("请用 --user 指定操作人（或设置环境变量 OGI_USER）", EXIT_USAGE)
    return name
