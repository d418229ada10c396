"""Copying one database into another, table by table (`ogi db copy`).

The tables are those of `store.models` in foreign-key order (`MetaData.sorted_tables`), so a
table added by a later migration is copied without a change here. Rows keep their ids.

The source is read in one transaction (a consistent snapshot: REPEATABLE READ on PostgreSQL,
one read transaction on SQLite) and streamed in batches; the target is written in one
transaction, so a copy that fails half-way leaves the target as empty as it was. Before that
transaction commits, PostgreSQL sequences are set past the largest id and every table's rows
are counted on both sides; if any count differs the whole copy is rolled back.

Timestamps are written as aware UTC datetimes whatever the source returned (SQLite keeps them
without a zone, PostgreSQL in the session's zone), so an instant stays the same instant.
`case_events` refuses UPDATE and DELETE (database triggers); a copy only inserts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, DateTime, Engine, LargeBinary, Table, func, inspect, select, text

from store.models import Base

BATCH = 5000
BINARY_BATCH = 200  # letters keep whole documents: fewer rows per insert
#: Tables that are not the installation's data: Alembic's revision (set by migrating the
#: target) and the embedded scheduler's job store (rebuilt when a scheduler starts).
NOT_COPIED = frozenset({"alembic_version", "apscheduler_jobs"})

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class TableCount:
    table: str
    source: int
    target: int

    @property
    def equal(self) -> bool:
        return self.source == self.target


def data_tables() -> list[Table]:
    """Every table of the models, parents before the tables that refer to them."""
    return list(Base.metadata.sorted_tables)


def existing_tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def other_tables(engine: Engine) -> list[str]:
    """Tables in the database that are neither data tables nor `NOT_COPIED` (left alone)."""
    known = {t.name for t in data_tables()} | NOT_COPIED
    return sorted(existing_tables(engine) - known)


def occupied_tables(engine: Engine) -> dict[str, int]:
    """The data tables that exist and hold rows, with their row counts."""
    present = existing_tables(engine)
    with engine.connect() as connection:
        counts = {
            table.name: _count(connection, table) for table in data_tables() if table.name in present
        }
    return {name: n for name, n in counts.items() if n}


def copy_all(
    source: Engine, target: Engine, *, batch: int = BATCH, progress: Progress | None = None
) -> tuple[list[TableCount], bool]:
    """Copy every data table from `source` into the (empty, migrated) `target`.

    Returns the row counts per table and whether the copy was committed (it is rolled back
    when any count differs).
    """
    read = source.execution_options(isolation_level="REPEATABLE READ") if source.dialect.name == "postgresql" else source
    with read.connect() as src, src.begin(), target.connect() as dst:
        transaction = dst.begin()
        try:
            source_counts = {t.name: _count(src, t) for t in data_tables()}
            for table in data_tables():
                total = source_counts[table.name]
                size = BINARY_BATCH if _has_binary(table) else batch
                aware = _aware_columns(table)
                done = 0
                for rows in _batches(src, table, size):
                    dst.execute(table.insert(), [_portable(aware, row) for row in rows])
                    done += len(rows)
                    if progress is not None:
                        progress(table.name, done, total)
                if progress is not None and total == 0:
                    progress(table.name, 0, 0)
            if target.dialect.name == "postgresql":
                reset_sequences(dst)
            counts = [TableCount(t.name, source_counts[t.name], _count(dst, t)) for t in data_tables()]
            if all(c.equal for c in counts):
                transaction.commit()
                return counts, True
            transaction.rollback()
            return counts, False
        except BaseException:
            if transaction.is_active:
                transaction.rollback()
            raise


def reset_sequences(connection: Connection) -> None:
    """Set each table's id sequence so the next id is max(id) + 1 (PostgreSQL)."""
    for table in data_tables():
        column = table.autoincrement_column
        if column is None:
            continue
        sequence = connection.execute(
            text("SELECT pg_get_serial_sequence(:table, :column)"),
            {"table": table.name, "column": column.name},
        ).scalar_one()
        if sequence is None:
            continue
        connection.execute(
            text(
                f'SELECT setval(:sequence, COALESCE((SELECT MAX("{column.name}") FROM "{table.name}"), 0) + 1, false)'
            ),
            {"sequence": sequence},
        )


def next_ids(engine: Engine) -> dict[str, int]:
    """The id the next inserted row of each table will get (PostgreSQL sequences); used to
    check a copy. On SQLite the next id is always max(id) + 1."""
    found: dict[str, int] = {}
    with engine.connect() as connection:
        for table in data_tables():
            column = table.autoincrement_column
            if column is None:
                continue
            if engine.dialect.name == "postgresql":
                sequence = connection.execute(
                    text("SELECT pg_get_serial_sequence(:table, :column)"),
                    {"table": table.name, "column": column.name},
                ).scalar_one()
                row = connection.execute(text(f"SELECT last_value, is_called FROM {sequence}")).one()
                found[table.name] = row.last_value + 1 if row.is_called else row.last_value
            else:
                top = connection.execute(select(func.max(column))).scalar_one()
                found[table.name] = (top or 0) + 1
    return found


def _count(connection: Connection, table: Table) -> int:
    return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def _has_binary(table: Table) -> bool:
    return any(isinstance(c.type, LargeBinary) for c in table.columns)


def _batches(connection: Connection, table: Table, size: int) -> Iterator[list[dict[str, Any]]]:
    """The table's rows in primary-key order, `size` at a time (streamed from the server);
    a table that refers to itself (agencies → parent) comes parents first."""
    query = select(table).order_by(*table.primary_key.columns)
    self_refs = [fk for fk in table.foreign_keys if fk.column.table is table]
    if self_refs:
        rows = [dict(r._mapping) for r in connection.execute(query)]
        ordered = _parents_first(rows, [(fk.parent.name, fk.column.name) for fk in self_refs])
        for start in range(0, len(ordered), size):
            yield ordered[start : start + size]
        return
    result = connection.execute(query.execution_options(yield_per=size))
    for partition in result.partitions():
        yield [dict(r._mapping) for r in partition]


def _parents_first(rows: list[dict[str, Any]], links: list[tuple[str, str]]) -> list[dict[str, Any]]:
    placed: set[tuple[str, Any]] = set()
    ordered: list[dict[str, Any]] = []
    waiting = rows
    while waiting:
        later = []
        for row in waiting:
            if all(row[child] is None or (parent, row[child]) in placed for child, parent in links):
                ordered.append(row)
                placed.update((parent, row[parent]) for _, parent in links)
            else:
                later.append(row)
        if len(later) == len(waiting):  # a reference to a missing row: let the database say so
            ordered.extend(later)
            break
        waiting = later
    return ordered


def _portable(aware: Iterable[str], row: dict[str, Any]) -> dict[str, Any]:
    for column in aware:
        value = row.get(column)
        if isinstance(value, dt.datetime):
            row[column] = value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
    return row


def _aware_columns(table: Table) -> list[str]:
    return [c.name for c in table.columns if isinstance(c.type, DateTime) and c.type.timezone]
