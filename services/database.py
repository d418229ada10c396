"""The database itself: its schema version, upgrading it, and moving an installation from one
database to another (the embedded SQLite file to PostgreSQL, or back).

`copy_database` copies every table into an empty database: the target is migrated first when
it has no schema yet, a target that already holds data is refused before anything is written,
and the copy is committed only when every table has as many rows on both sides.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from domain.errors import ConflictError, DatabaseUnavailableError, UsageError

#: Chinese names of the tables an operator recognises, for messages.
TABLE_LABELS = {
    "cases": "案件",
    "case_events": "案件事件",
    "agencies": "机关",
    "users": "用户",
    "calendar_entries": "日历条目",
    "outbox": "消息",
    "letters": "文书",
}


@dataclass(frozen=True)
class SchemaStatus:
    current: tuple[str, ...]
    head: tuple[str, ...]

    @property
    def at_head(self) -> bool:
        return self.current == self.head

    def describe(self) -> str:
        return ",".join(self.current) or "（未初始化）"

    def to_json(self) -> dict[str, Any]:
        return {"current": ",".join(self.current), "head": ",".join(self.head), "at_head": self.at_head}


def schema_status(uow: Any) -> SchemaStatus:
    """The migration the database is at, and the newest this code ships."""
    from store.db import current_revisions
    from store.errors import translated
    from store.operations import script_heads

    with translated():
        return SchemaStatus(current_revisions(uow.engine), script_heads())


def upgrade(uow: Any) -> tuple[SchemaStatus, SchemaStatus]:
    """Migrate the database to the newest schema (nothing to do when it is there already).
    Migrations only add tables, columns and indexes: web processes of the previous version
    keep working while it runs, and are restarted after it."""
    from store.db import migrate

    before = schema_status(uow)
    if before.at_head:
        return before, before
    _refuse_unknown(before, "数据库")
    migrate(uow.engine)
    return before, schema_status(uow)


@dataclass
class CopyResult:
    source: str
    target: str
    revision: str
    migrated_target: bool
    tables: list[Any] = field(default_factory=list)  # store.transfer.TableCount
    committed: bool = False
    left_alone: list[str] = field(default_factory=list)  # tables the copy does not know

    @property
    def ok(self) -> bool:
        return self.committed and all(t.equal for t in self.tables)

    @property
    def rows(self) -> int:
        return sum(t.source for t in self.tables)

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "target": self.target,
            "revision": self.revision,
            "migrated_target": self.migrated_target,
            "ok": self.ok,
            "tables": [
                {"table": t.table, "source": t.source, "target": t.target, "equal": t.equal}
                for t in self.tables
            ],
            "left_alone": self.left_alone,
        }


def copy_database(
    source_url: str,
    target_url: str,
    *,
    progress: Callable[[str, int, int], None] | None = None,
    batch: int | None = None,
) -> CopyResult:
    """Copy every table of `source_url` into the empty database `target_url`, ids kept,
    PostgreSQL sequences reset, row counts compared table by table."""
    from store import transfer
    from store.db import display_url, make_engine, migrate, same_database, sqlite_file
    from store.errors import translated

    if same_database(source_url, target_url):
        raise UsageError("源数据库与目标数据库相同", field="to", rule="数据库复制")
    source_file = sqlite_file(source_url)
    if source_file is not None and not source_file.exists():
        raise DatabaseUnavailableError(
            f"源数据库文件 {source_file} 不存在", field="from", rule="数据库复制"
        )
    source, target = make_engine(source_url), make_engine(target_url)
    try:
        with translated():
            status = _status(source)
            if not status.current:
                raise DatabaseUnavailableError(
                    f"源数据库 {display_url(source_url)} 尚未初始化，没有可复制的数据",
                    field="from",
                    rule="数据库复制",
                )
            if not status.at_head:
                _refuse_unknown(status, "源数据库")
                raise DatabaseUnavailableError(
                    f"源数据库的结构版本为 {status.describe()}，不是最新的 {','.join(status.head)}："
                    f"请先运行 ogi --db 源数据库地址 db upgrade，再复制",
                    field="from",
                    rule="数据库复制",
                )
            occupied = transfer.occupied_tables(target)
            if occupied:
                raise ConflictError(
                    f"目标数据库 {display_url(target_url)} 不是空库（{_describe(occupied)}），"
                    "未写入任何数据。ogi db copy 只复制到新建的空数据库（新建后不要运行 ogi init）",
                    field="to",
                    rule="数据库复制",
                )
            target_status = _status(target)
            migrated = not target_status.at_head
            if migrated:
                _refuse_unknown(target_status, "目标数据库")
                migrate(target)
            tables, committed = transfer.copy_all(
                source, target, batch=batch or transfer.BATCH, progress=progress
            )
            return CopyResult(
                source=display_url(source_url),
                target=display_url(target_url),
                revision=",".join(status.head),
                migrated_target=migrated,
                tables=tables,
                committed=committed,
                left_alone=transfer.other_tables(source),
            )
    finally:
        source.dispose()
        target.dispose()


def _status(engine: Any) -> SchemaStatus:
    from store.db import current_revisions
    from store.operations import script_heads

    return SchemaStatus(current_revisions(engine), script_heads())


def _refuse_unknown(status: SchemaStatus, which: str) -> None:
    """A database migrated by a newer version of ogi: this version must not touch it."""
    from store.db import known_revisions

    unknown = set(status.current) - known_revisions()
    if unknown:
        raise DatabaseUnavailableError(
            f"{which}的结构版本 {status.describe()} 比本程序新（本程序最新为 {','.join(status.head)}）："
            "请使用新版本的 ogi",
            field="database",
            rule="数据库版本",
        )


def _describe(occupied: dict[str, int]) -> str:
    first = sorted(occupied, key=lambda name: name != "cases")  # cases are what people miss
    shown = [f"{TABLE_LABELS.get(name, name)} {occupied[name]} 行" for name in first]
    return "已有 " + "、".join(shown[:6]) + ("等" if len(shown) > 6 else "")
