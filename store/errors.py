"""Database failures as the engine's own errors, each with a message people can act on.

Everything that talks to the database goes through `translated()`, so no entry point needs to
know SQLAlchemy's exceptions (and none imports it).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import (
    DataError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    ProgrammingError,
)

from domain.errors import ConflictError, DatabaseUnavailableError, DomainError


@contextmanager
def translated() -> Iterator[None]:
    """Database failures as the engine's errors, each with a message people can act on."""
    try:
        yield
    except IntegrityError:
        raise ConflictError(
            "数据冲突：他人刚刚修改了同一记录，或编号重复；本次操作未保存，请刷新后重试",
            field="version",
            rule="并发修改",
        ) from None
    except DataError as exc:
        raise DomainError(
            f"输入的内容不符合数据库的限制（过长或格式不对），未保存：{_first_line(exc)}",
            field="input",
            rule="输入限制",
        ) from None
    except (OperationalError, ProgrammingError, InterfaceError) as exc:
        text = _first_line(exc)
        if "locked" in text or "could not serialize" in text or "deadlock" in text:
            raise ConflictError(
                "数据库正忙或记录刚被他人修改，本次操作未保存，请重试",
                field="version",
                rule="并发修改",
            ) from None
        if "no such table" in text or ("relation" in text and "does not exist" in text):
            raise DatabaseUnavailableError(
                "数据库尚未初始化，请先运行：ogi init --agency 代码 --agency-name 名称",
                field="database",
                rule="数据库初始化",
            ) from None
        raise DatabaseUnavailableError(
            f"无法连接数据库：{text}", field="database", rule="数据库连接"
        ) from None


def _first_line(exc: Exception) -> str:
    orig = getattr(exc, "orig", None)
    return (str(orig) if orig is not None else str(exc)).strip().splitlines()[0]
