"""How the `ogi` command talks: Chinese for people, JSON for scripts, exit codes to rely on.

Exit codes: 0 success; 1 the input broke a rule (nothing written); 2 usage error or a file
that cannot be read; 3 something named does not exist; 4 conflict (someone else changed the
case first); 5 a locked year refused the change; 6 the database is missing or not set up;
7 the acting user's role may not do this (RULES §7).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any, NoReturn

from rich.console import Console


def _console(stderr: bool = False) -> Console:
    """Rich assumes 80 columns when output is piped; tables of case numbers need more."""
    probe = Console(stderr=stderr)
    width = None if probe.is_terminal else 160
    return Console(stderr=stderr, highlight=False, width=width)


console = _console()
err_console = _console(stderr=True)

EXIT_OK = 0
EXIT_RULE = 1
EXIT_USAGE = 2
EXIT_NOT_FOUND = 3
EXIT_CONFLICT = 4
EXIT_LOCKED = 5
EXIT_NO_DATABASE = 6
EXIT_FORBIDDEN = 7


def _default(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "__dict__"):
        return value.__dict__
    raise TypeError(f"cannot serialise {type(value).__name__}")


def print_json(data: Any) -> None:
    """Machine-readable output on stdout: UTF-8, Chinese kept as is."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=_default) + "\n")
    sys.stdout.flush()


def print_steps(texts: list[str]) -> None:
    """A deadline's explanation, one numbered step a line."""
    for number, text in enumerate(texts, start=1):
        console.print(f"  {number}. {text}", soft_wrap=True)


def fail(message: str, code: int = EXIT_RULE) -> NoReturn:
    err_console.print(f"[bold red]错误：[/bold red]{message}", soft_wrap=True)
    raise SystemExit(code)


def exit_code_for(exc: BaseException) -> int:
    """The documented exit code of an error: its kind's row of `domain.errors.ERROR_STATUS`."""
    from domain.errors import DomainError, status_of

    return status_of(exc).exit_code if isinstance(exc, DomainError) else EXIT_RULE


@contextmanager
def friendly_errors() -> Iterator[None]:
    """Turn every expected failure into a Chinese message and an exit code, never a traceback.
    Database failures arrive as the engine's own errors: `store.uow.translated` turns those
    raised outside a unit of work (migrations, set-up) into them too, so no SQLAlchemy here."""
    from domain.errors import DomainError
    from formats.ledger import LedgerError
    from store.uow import translated

    try:
        with translated():
            yield
    except LedgerError as exc:
        fail("台账未导入，发现以下问题（未写入任何数据）：\n" + str(exc), EXIT_RULE)
    except DomainError as exc:
        hint = f"（字段：{exc.field}；规则：{exc.rule}）" if exc.field or exc.rule else ""
        fail(f"{exc.message}{hint}", exit_code_for(exc))
    except FileNotFoundError as exc:
        fail(f"找不到文件：{exc.filename}", EXIT_USAGE)
    except (IsADirectoryError, PermissionError, UnicodeDecodeError) as exc:
        fail(f"无法读取文件：{exc}", EXIT_USAGE)


def run_safely(function: Callable[[], Any]) -> Any:
    with friendly_errors():
        return function()


def parse_date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        fail(f"{option} 的值“{value}”不是有效日期，应为 YYYY-MM-DD", EXIT_USAGE)
