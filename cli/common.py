"""Shared bits of the command modules: the runtime (settings, clock, database), the acting
user, today, and common options.

The runtime is made once per process from the environment (`OGI_DATABASE_URL`, `OGI_TODAY`,
…) and the global `--db` option; commands pass its unit of work, the acting user and today's
date to the services.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

import typer

from cli.output import EXIT_USAGE, fail
from domain.access import SYSTEM, Actor
from services.bootstrap import Runtime, Settings, bootstrap

_state: dict[str, Any] = {"db": None, "runtime": None}

UserOption = typer.Option(
    None, "--user", "-u", envvar="OGI_USER", help="操作人用户名（或环境变量 OGI_USER）"
)
JsonOption = typer.Option(False, "--json", help="输出 JSON，供脚本使用")


def configure(db: str | None) -> None:
    """The global `--db` option: use this database instead of OGI_DATABASE_URL."""
    reset()
    _state["db"] = db


def runtime() -> Runtime:
    if _state["runtime"] is None:
        settings = Settings.from_env()
        if _state["db"]:
            settings = Settings(
                database_url=_state["db"],
                today=settings.today,
                scheduler=settings.scheduler,
                smtp=settings.smtp,
                extra=settings.extra,
            )
        _state["runtime"] = bootstrap(settings)
    return _state["runtime"]


def reset() -> None:
    """Forget the runtime (tests run many commands in one process)."""
    if _state["runtime"] is not None:
        _state["runtime"].close()
    _state["runtime"] = None


def uow() -> Any:
    return runtime().uow()


def today() -> dt.date:
    return runtime().today()


def acting_user(user: str | None) -> str:
    name = user or os.environ.get("OGI_USER")
    if not name:
        fail("请用 --user 指定操作人（或设置环境变量 OGI_USER）", EXIT_USAGE)
    return name


def actor(user: str | None) -> Actor:
    """The acting user, looked up with the agencies they see."""
    return runtime().actor(acting_user(user))


def actor_or_system(user: str | None) -> Actor:
    """For reading commands run by an operator at the server: the named user when given,
    else the system (the command line on the server is trusted; the web app is not)."""
    name = user or os.environ.get("OGI_USER")
    return runtime().actor(name) if name else SYSTEM
