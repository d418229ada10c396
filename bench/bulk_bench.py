"""Bulk work against a raw baseline: `python -m bench ledger` and `python -m bench recompute`.

Every figure is printed beside a baseline measured in the same run on the same database: a
raw multi-row INSERT (`INSERT … VALUES (…), (…), …`, 1,000 rows a statement, explicit ids)
of exactly the case rows and first events the import writes, with no validation and no
projection. The ratio says what the engine's rules and bookkeeping cost on top of moving the
bytes, which compares across machines better than seconds do.

- ledger: the real `services.ledger.import_ledger` on a real CSV file (parse, check every row
  through the domain, check the database, write in batches), 100,000 rows by default.
- recompute: a calendar override (`services.calendar_service.set_override`) on a database of
  N open cases; beyond `INLINE_LIMIT` open cases it commits the entry, then recomputes in
  batches outside the write lock. Printed: seconds, cases/s, the ratio against the raw insert
  of the same cases, and the longest single write transaction (on SQLite it holds the whole
  database, so that figure is what other users wait at most). PostgreSQL runs 100,000 and
  1,000,000 open cases; at a million the raw insert, which also loads the database the
  recompute then runs on, takes minutes (the goal: the recompute under 30 s).

Options: `--quick` (small sizes, a smoke run), `--cases N`, `--only sqlite|postgres`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, Engine, func, select

from bench.fixtures import (
    AGENCY,
    TODAY,
    admin,
    each_database,
    fresh_database,
    ledger_rows,
    write_ledger,
)
from domain.calendar import EntryKind
from domain.case import ProjectionCache, Registration, register
from services.calendar_service import load_calendar, set_override
from services.ledger import import_ledger
from store.models import Agency, CaseEventRow, CaseRow, DueChange
from store.repositories.cases import CaseRepository, event_values
from store.uow import SqlUnitOfWork, utc_now

OVERRIDE_DAY = dt.date(2026, 11, 25)  # a Wednesday every open case's window still counts
ROWS_PER_STATEMENT = 1000


class TimedUnitOfWork(SqlUnitOfWork):
    """A unit of work that remembers how long its longest write transaction lasted."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self.longest_write = 0.0
        self.writes = 0

    @contextmanager
    def write(self) -> Iterator[SqlUnitOfWork]:
        started = time.perf_counter()
        try:
            with super().write() as work:
                yield work
        finally:
            self.longest_write = max(self.longest_write, time.perf_counter() - started)
            self.writes += 1


# -- the baseline ------------------------------------------------------------------------------


def prepared(engine: Engine, rows: list[list[str]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The case rows and first events an import of `rows` writes, built by the domain once,
    outside the timing (explicit ids, so events need no look-up). Projected through one
    `ProjectionCache` (what `project()` gives, computed once per distinct history), so a
    million rows are prepared in seconds, not minutes."""
    actor = admin(engine)
    calendar = load_calendar(SqlUnitOfWork(engine))
    with engine.connect() as connection:
        agency_id = connection.execute(select(Agency.id).where(Agency.code == AGENCY)).scalar_one()
    now = utc_now()
    cache = ProjectionCache(calendar)
    cases, events = [], []
    for case_id, (no, kind, name, channel, received, content, outcome, concluded) in enumerate(
        rows, start=1
    ):
        form = Registration(
            agency=AGENCY,
            applicant_name=name,
            applicant_type=kind,
            channel=channel,
            received_on=dt.date.fromisoformat(received),
            content=content,
            case_no=no,
        )
        case, event = register(
            form,
            actor,
            now,
            TODAY,
            imported=True,
            outcome=outcome or None,
            concluded_on=dt.date.fromisoformat(concluded) if concluded else None,
        )
        values = CaseRepository._row_values(case, cache.project(case), agency_id, None, now)
        cases.append({"id": case_id, **values})
        events.append(event_values(case_id, 1, event))
    return cases, events


def raw_insert(engine: Engine, cases: list[dict[str, Any]], events: list[dict[str, Any]]) -> float:
    """Seconds for multi-row INSERTs of the prepared rows in one transaction, straight through
    the driver, `ROWS_PER_STATEMENT` rows a statement. SQLite: `VALUES (?, …), (?, …), …`.
    PostgreSQL: `INSERT … SELECT * FROM unnest($1::type[], …)`, one array per column — the
    same rows in one statement, without psycopg splitting a 30,000-placeholder query text
    (which costs more than the insert itself)."""
    started = time.perf_counter()
    with engine.begin() as connection:
        cursor = connection.connection.driver_connection.cursor()
        for table, rows in ((CaseRow.__table__, cases), (CaseEventRow.__table__, events)):
            columns = list(rows[0])
            json_columns = {c.name for c in table.columns if isinstance(c.type, JSON)}
            names = ", ".join(f'"{c}"' for c in columns)
            for start in range(0, len(rows), ROWS_PER_STATEMENT):
                chunk = [
                    [
                        json.dumps(row[c], ensure_ascii=False) if c in json_columns else row[c]
                        for c in columns
                    ]
                    for row in rows[start : start + ROWS_PER_STATEMENT]
                ]
                if engine.dialect.name == "sqlite":
                    group = "(" + ", ".join("?" * len(columns)) + ")"
                    sql = f'INSERT INTO "{table.name}" ({names}) VALUES ' + ", ".join(
                        [group] * len(chunk)
                    )
                    cursor.execute(sql, [value for row in chunk for value in row])
                else:
                    types = [
                        table.c[c].type.compile(dialect=engine.dialect) for c in columns
                    ]
                    arrays = ", ".join(f"%s::{t}[]" for t in types)
                    sql = f'INSERT INTO "{table.name}" ({names}) SELECT * FROM unnest({arrays})'
                    cursor.execute(sql, [list(column) for column in zip(*chunk, strict=True)])
    return time.perf_counter() - started


def raw_copy(engine: Engine, cases: list[dict[str, Any]], events: list[dict[str, Any]]) -> float:
    """PostgreSQL only: seconds for `COPY … FROM STDIN` of the prepared rows (the floor)."""
    started = time.perf_counter()
    with engine.begin() as connection:
        cursor = connection.connection.driver_connection.cursor()
        for table, rows in ((CaseRow.__table__, cases), (CaseEventRow.__table__, events)):
            columns = list(rows[0])
            json_columns = {c.name for c in table.columns if isinstance(c.type, JSON)}
            names = ", ".join(f'"{c}"' for c in columns)
            with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(
                        [
                            json.dumps(row[c], ensure_ascii=False) if c in json_columns else row[c]
                            for c in columns
                        ]
                    )
    return time.perf_counter() - started


def count(engine: Engine, model: Any) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(model)).scalar_one()


# -- ledger ------------------------------------------------------------------------------------


@dataclass
class Figures:
    database: str
    rows: int
    baseline_s: float
    engine_s: float
    longest_write_s: float | None = None
    moved: int | None = None
    copy_s: float | None = None

    def line(self, what: str) -> str:
        ratio = self.engine_s / self.baseline_s if self.baseline_s else float("nan")
        text = (
            f"  {what}: {self.rows:,} rows  raw insert {self.baseline_s * 1000:,.0f} ms"
            f" ({self.rows / self.baseline_s:,.0f} rows/s) · engine {self.engine_s * 1000:,.0f} ms"
            f" ({self.rows / self.engine_s:,.0f} rows/s) · ratio {ratio:.1f}×"
        )
        if self.copy_s is not None:
            text += (
                f" · raw COPY {self.copy_s * 1000:,.0f} ms, ratio to COPY"
                f" {self.engine_s / self.copy_s:.1f}×"
            )
        if self.moved is not None:
            text += f" · due dates moved {self.moved:,}"
        if self.longest_write_s is not None:
            text += f" · longest write transaction {self.longest_write_s * 1000:,.0f} ms"
        return text


def bench_ledger(kind: str, n: int, csv_path: Path, rows: list[list[str]]) -> Figures:
    with fresh_database(kind) as (label, engine):
        cases, events = prepared(engine, rows)
        baseline = raw_insert(engine, cases, events)
    copied = None
    if kind == "postgres":
        with fresh_database(kind) as (_, engine):
            copied = raw_copy(engine, cases, events)
    print(f"  [{label}]")
    with fresh_database(kind) as (_, engine):
        work = TimedUnitOfWork(engine)
        started = time.perf_counter()
        result = import_ledger(work, csv_path, AGENCY, actor=admin(engine), today=TODAY)
        elapsed = time.perf_counter() - started
        assert result.rows == n and count(engine, CaseEventRow) == n
        return Figures(label, n, baseline, elapsed, work.longest_write, copy_s=copied)


def run_ledger(args: argparse.Namespace) -> int:
    n = args.cases or (3_000 if args.quick else 100_000)
    print(f"ledger import: {n:,} rows, real CSV file, real service (services.ledger.import_ledger)")
    rows = ledger_rows(n)
    with tempfile.TemporaryDirectory(prefix="ogi-bench-") as tmp:
        path = write_ledger(Path(tmp) / "ledger.csv", rows)
        for kind, skipped in each_database(args.only):
            if skipped:
                print(f"  {kind}: skipped ({skipped})")
                continue
            figures = bench_ledger(kind, n, path, rows)
            print(figures.line("import"))
    return 0


# -- recompute ---------------------------------------------------------------------------------


def bench_recompute(kind: str, n: int) -> Figures:
    rows = ledger_rows(n, open_share=1.0)
    with fresh_database(kind) as (label, engine):
        cases, events = prepared(engine, rows)
        baseline = raw_insert(engine, cases, events)
        print(f"  [{label}] {count(engine, CaseRow):,} open cases loaded")
        work = TimedUnitOfWork(engine)
        started = time.perf_counter()
        change = set_override(
            work, OVERRIDE_DAY, EntryKind.HOLIDAY, "基准测试", actor=admin(engine), today=TODAY
        )
        elapsed = time.perf_counter() - started
        moved = count(engine, DueChange)
        assert moved == change.moved_count
        return Figures(label, n, baseline, elapsed, work.longest_write, moved)


def run_recompute(args: argparse.Namespace) -> int:
    sizes = {"sqlite": [args.cases or (5_000 if args.quick else 100_000)]}
    sizes["postgres"] = [args.cases] if args.cases else ([5_000] if args.quick else [100_000, 1_000_000])
    print("recompute after a calendar change (services.calendar_service.set_override)")
    for kind, skipped in each_database(args.only):
        if skipped:
            print(f"  {kind}: skipped ({skipped})")
            continue
        for n in sizes[kind]:
            print(bench_recompute(kind, n).line("recompute"))
    return 0


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench ledger|recompute")
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    parser.add_argument("--cases", type=int, default=0, help="rows / open cases (one size)")
    parser.add_argument("--only", choices=["sqlite", "postgres"], default=None)
    args = parser.parse_args(argv)
    args.only = (args.only,) if args.only else ("sqlite", "postgres")
    return args


def ledger(argv: list[str] | None = None) -> int:
    return run_ledger(parse_args(sys.argv[2:] if argv is None else argv))


def recompute(argv: list[str] | None = None) -> int:
    return run_recompute(parse_args(sys.argv[2:] if argv is None else argv))
