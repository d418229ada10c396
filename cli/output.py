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
from rich.markup import escape


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
    # the message is text, not markup: "[...]" in it (a file name, a list) must stay
    err_console.print(f"[bold red]错误：[/bold red]{escape(message)}", soft_wrap=True)
    raise SystemExit(code)


def exit_code_for(exc: BaseException) -> int:
    """The documented exit code of an error: its kind's row of `domain.errors.ERROR_STATUS`."""
    from domain.errors import DomainError, status_of

    return status_of(exc).exit_code if isinstance(exc, DomainError) else EXIT_RULE


@contextmanager
def friendly_errors() -> Iterator[None]:
    """Turn every expected failure into a Chinese message and an exit code, never a traceback.
    Database failures arrive as the engine's own errors: `store.errors.translated` turns those
    raised outside a unit of work (migrations, set-up) into them too, so no SQLAlchemy here."""
    from domain.errors import DomainError
    from formats.ledger import LedgerError
    from store.errors import translated

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
    except IsADirectoryError as exc:
        fail(f"{exc.filename} 是目录，请指定文件", EXIT_USAGE)
    except PermissionError as exc:
        fail(f"没有权限读取或写入：{exc.filename}", EXIT_USAGE)
    except UnicodeDecodeError:
        fail("文件编码无法识别：请另存为 UTF-8（或 GB18030）编码的文本后重试", EXIT_USAGE)


_CLICK_PHRASES = (
    (", unable to parse string as an integer", ""),
    ("Input should be a valid integer", "应为整数"),
    ("Input should be a valid number", "应为数字"),
    ("is not a valid integer", "不是有效的整数"),
    ("is not a valid float", "不是有效的数字"),
    ("is not one of", "不是可选值之一"),
    ("is not a valid boolean", "不是有效的是/否值"),
    ("does not exist", "不存在"),
    ("Got unexpected extra arguments", "多余的参数"),
    ("Got unexpected extra argument", "多余的参数"),
    ("Option", "选项"),
    ("requires an argument", "需要一个值"),
    ("Did you mean", "是否想用"),
)


def click_message(exc: Any) -> str:
    """Click's own usage errors, in Chinese (missing option, bad value, unknown option…)."""
    from typer._click import exceptions as click

    hint = "（运行 ogi --help 或 ogi 命令 --help 查看用法）"
    if isinstance(exc, click.MissingParameter):
        name = (
            exc.param.opts[0]
            if exc.param is not None and exc.param.opts
            else (exc.param_hint or "")
        )
        return f"缺少必填参数 {name}{hint}"
    if isinstance(exc, click.NoSuchOption):
        text = f"没有选项 {exc.option_name}"
        if exc.possibilities:
            text += "，是否想用：" + "、".join(sorted(exc.possibilities))
        return text + hint
    if isinstance(exc, click.BadParameter):
        name = (
            exc.param.opts[0]
            if exc.param is not None and exc.param.opts
            else (exc.param_hint or "")
        )
        return f"参数 {name} 的值无效：{_translate(exc.message)}{hint}"
    message = str(getattr(exc, "message", exc))
    if message.startswith("No such command"):
        name = message.split(" ", 3)[-1].strip(".'")
        return f"没有这个命令：{name}{hint}"
    return f"用法错误：{_translate(message)}{hint}"


def _translate(message: str) -> str:
    for english, chinese in _CLICK_PHRASES:
        message = message.replace(english, chinese)
    return message


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
