"""Report benchmark: the annual report (sections 三 and 四) on 10k, 100k and 1M cases.

`python -m bench report` (all sizes) or `python -m bench.report_bench [--sizes 10000,100000]
[--no-pg] [--no-sqlite] [--explain]`.

For each database (a SQLite file in a temporary directory; PostgreSQL at `OGI_TEST_PG_URL`
in a fresh schema `ogi_rbench_<hex>`, dropped at the end, skipped when unreachable):

- a small agency tree: the district `district` with 5 departments under it;
- synthetic cases inserted straight into `cases` (SQLAlchemy Core bulk executemany on
  SQLite, COPY on PostgreSQL), grown to each size in turn (10k, then +90k, then +900k): receipts
  spread uniformly over 2023–2025 and over the 6 agencies; ~85% concluded in their year of
  receipt with a random outcome, the rest carried over (two thirds concluded in the first
  quarter of the next year, one third still open); then ANALYZE, as a live database has
  statistics (PostgreSQL: VACUUM (ANALYZE), as autovacuum would after the load);
- year 2023 closed (`close_year`, so the 2024 report runs its carry-chain check against the
  recorded ledger, as it does in production);
- timed: `annual_report(engine, 2024, "district", scope)` for scope `self` (the district's own
  cases, 1/6) and `region` (all 6 agencies): one warm-up, then the best of 3.

Each run's statements are timed too (the slowest listed; time to the first row: fetching a plain
SELECT's rows is not included); with `--explain` the slowest
statements of the largest size are EXPLAINed (PostgreSQL: ANALYZE, BUFFERS).
The goal: 1M cases on PostgreSQL in under 5 s per report.
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import itertools
import os
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, event, text

from bench.databases import postgres_engine, postgres_unreachable, sqlite_engine
from domain.access import SYSTEM
from domain.outcomes import APPLICANT_TYPES, OUTCOMES, Channel
from services import directory, reports, years
from services.setup import initialise
from store.db import migrate
from store.models import CaseRow
from store.uow import SqlUnitOfWork

SEED = 20241231
DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
YEARS = (2023, 2024, 2025)
REPORT_YEAR = 2024
TODAY = dt.date(2026, 11, 20)
DISTRICT = "district"
DEPARTMENTS = tuple(f"dept{i}" for i in range(1, 6))
SCOPES = ("self", "region")
CONCLUDED_SAME_YEAR = 0.85
REPEATS = 3
GOAL_S = 5.0
GOAL_SIZE = 1_000_000
PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/test"
CHUNK = 20_000
TYPE_WEIGHTS = (80, 10, 2, 2, 4, 2)
ABANDONED = {"other.no_supplement", "other.fee_unpaid"}


# -- the cases ----------------------------------------------------------------------------------


COLUMNS = [c.name for c in CaseRow.__table__.columns if c.name != "id"]


def case_rows(
    rng: random.Random, first: int, n: int, agency_ids: list[int], now: str
) -> Iterator[tuple[Any, ...]]:
    """n cases numbered from `first` (tuples in COLUMNS order), consistent in state, outcome
    and dates; dates as ISO text, which both databases take as they store it."""
    first_day = dt.date(YEARS[0], 1, 1).toordinal()
    last_day = dt.date(YEARS[-1], 12, 31).toordinal()
    today = TODAY.toordinal()
    iso = [dt.date.fromordinal(o).isoformat() for o in range(first_day, today + 1)]
    year_end = {y: dt.date(y, 12, 31).toordinal() for y in YEARS}
    year_of = [dt.date.fromordinal(o).year for o in range(first_day, last_day + 1)]
    types = [t.value for t in APPLICANT_TYPES]
    cumulative = list(itertools.accumulate(TYPE_WEIGHTS))
    outcomes = [o.value for o in OUTCOMES]
    channels = [c.value for c in Channel]
    carried_share = CONCLUDED_SAME_YEAR + (1 - CONCLUDED_SAME_YEAR) * 2 / 3
    template = dict.fromkeys(COLUMNS)
    template.update(
        id_kind="other", id_number="", contact="", content="", requested_form="",
        imported=True, provisional=False, version=1, created_at=now, updated_at=now,
    )  # fmt: skip
    row = list(template.values())
    at = {c: i for i, c in enumerate(COLUMNS)}
    i_no, i_agency, i_name, i_type, i_channel = (
        at["case_no"], at["agency_id"], at["applicant_name"], at["applicant_type"], at["channel"]
    )  # fmt: skip
    i_received, i_content, i_state, i_outcome = (
        at["received_on"], at["content"], at["state"], at["outcome"]
    )  # fmt: skip
    i_concluded, i_due, i_clock = at["concluded_on"], at["due"], at["clock"]
    randrange, random_ = rng.randrange, rng.random
    for i in range(first, first + n):
        received = first_day + randrange(last_day - first_day + 1)
        year = year_of[received - first_day]
        roll = random_()
        if roll < CONCLUDED_SAME_YEAR:
            concluded: int | None = min(year_end[year], received + randrange(41))
        elif roll < carried_share:
            concluded = year_end[year] + 1 + randrange(90)
        else:
            concluded = None
        if concluded is None or concluded > today:
            row[i_state], row[i_outcome], row[i_clock] = "in_progress", None, "running"
            row[i_concluded], row[i_due] = None, iso[received + 28 - first_day]
        else:
            outcome = outcomes[randrange(len(outcomes))]
            row[i_state] = "deemed_abandoned" if outcome in ABANDONED else "concluded"
            row[i_outcome], row[i_clock] = outcome, "stopped"
            row[i_concluded], row[i_due] = iso[concluded - first_day], None
        row[i_no] = f"基准〔{year}〕{i:07d}"
        row[i_agency] = agency_ids[i % len(agency_ids)]
        row[i_name] = f"申请人{i % 9973}"
        row[i_type] = types[bisect.bisect(cumulative, randrange(cumulative[-1]))]
        row[i_channel] = channels[i % len(channels)]
        row[i_received] = iso[received - first_day]
        row[i_content] = f"申请公开某事项（第{i}件）"
        yield tuple(row)


def insert_sqlite(engine: Engine, rows: Iterator[tuple[Any, ...]]) -> None:
    """Bulk executemany through SQLAlchemy Core (`exec_driver_sql`, rows already in the form
    SQLite stores), CHUNK rows a call, in one transaction."""
    statement = f"INSERT INTO cases ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
    with engine.begin() as connection:
        while chunk := list(itertools.islice(rows, CHUNK)):
            connection.exec_driver_sql(statement, chunk)


def insert_postgres(engine: Engine, rows: Iterator[tuple[Any, ...]]) -> None:
    """COPY … FROM STDIN (psycopg's cursor.copy)."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        with cursor.copy(f"COPY cases ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        raw.commit()
    finally:
        raw.close()


def analyze(engine: Engine) -> None:
    """Statistics (and, on PostgreSQL, the visibility map that index-only scans need), as a
    live database has them once autovacuum has seen the new rows."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM (ANALYZE) cases"))
    else:
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))


# -- statement timing and EXPLAIN ---------------------------------------------------------------


@dataclass
class StatementLog:
    """The statements one report run sent, with their parameters and time."""

    entries: list[tuple[float, str, Any]] = field(default_factory=list)
    active: bool = False
    _start: float = 0.0

    def attach(self, engine: Engine) -> None:
        @event.listens_for(engine, "before_cursor_execute")
        def _before(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
            self._start = time.perf_counter()

        @event.listens_for(engine, "after_cursor_execute")
        def _after(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
            if self.active:
                self.entries.append((time.perf_counter() - self._start, statement, parameters))

    def slowest(self, n: int = 3) -> list[tuple[float, str, Any]]:
        return sorted(self.entries, key=lambda e: -e[0])[:n]


def short_sql(statement: str) -> str:
    return " ".join(statement.split())[:110]


def explain(engine: Engine, statement: str, parameters: Any) -> str:
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        if engine.dialect.name == "postgresql":
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
            lines = [r[0] for r in cursor.fetchall()]
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)
            lines = [str(r[-1]) for r in cursor.fetchall()]
        raw.rollback()
        return "\n".join("      " + line for line in lines)
    finally:
        raw.close()


# -- one database -------------------------------------------------------------------------------


@dataclass
class Timing:
    size: int
    scope: str
    cases_in_scope: int
    best_s: float
    slowest: list[tuple[float, str, Any]]

    @property
    def per_1000_ms(self) -> float:
        return self.best_s * 1000 / (self.cases_in_scope / 1000) if self.cases_in_scope else 0.0


def annual_report(engine: Engine, year: int, agency: str, scope: str) -> dict[str, Any]:
    """The real service on a unit of work, as the command line calls it."""
    report = reports.annual_report(
        SqlUnitOfWork(engine), year, agency, actor=SYSTEM, today=TODAY, scope=scope
    )
    return report.document()


def close_year(engine: Engine, year: int) -> None:
    years.close_year(SqlUnitOfWork(engine), year, actor=SYSTEM, today=TODAY)


def setup(engine: Engine) -> list[int]:
    migrate(engine)
    initialise(SqlUnitOfWork(engine), DISTRICT, "基准区人民政府", prefix="基准区")
    for i, code in enumerate(DEPARTMENTS, start=1):
        directory.add_agency(
            SqlUnitOfWork(engine),
            code,
            f"基准区第{i}局",
            actor=SYSTEM,
            today=TODAY,
            parent=DISTRICT,
            prefix=f"基准{i}局",
        )
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT id, code FROM agencies ORDER BY id")).all()
    ids = {code: id_ for id_, code in rows}
    return [ids[DISTRICT], *(ids[c] for c in DEPARTMENTS)]


def time_report(engine: Engine, log: StatementLog, scope: str) -> tuple[float, list]:
    annual_report(engine, REPORT_YEAR, DISTRICT, scope)  # warm-up
    best, slowest = float("inf"), []
    for _ in range(REPEATS):
        log.entries.clear()
        log.active = True
        start = time.perf_counter()
        report = annual_report(engine, REPORT_YEAR, DISTRICT, scope)
        elapsed = time.perf_counter() - start
        log.active = False
        bad = [c["name"] for c in report["checks"] if not c["ok"]]
        if bad:
            raise AssertionError(f"report checks failed on generated data: {bad}")
        if elapsed < best:
            best, slowest = elapsed, log.slowest()
    return best, slowest


def bench_database(
    label: str, engine: Engine, sizes: list[int], explain_largest: bool
) -> tuple[list[Timing], list[str]]:
    short = engine.dialect.name
    agency_ids = setup(engine)
    log = StatementLog()
    log.attach(engine)
    rng = random.Random(SEED)
    # timestamps as each database stores them (SQLAlchemy keeps naive UTC text in SQLite)
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if short == "postgresql":
        now += "+00:00"
    timings: list[Timing] = []
    notes: list[str] = []
    have = 0
    print(f"\n{label}")
    for size in sizes:
        start = time.perf_counter()
        rows = case_rows(rng, have + 1, size - have, agency_ids, now)
        (insert_postgres if short == "postgresql" else insert_sqlite)(engine, rows)
        load_s = time.perf_counter() - start
        start = time.perf_counter()
        analyze(engine)
        analyze_s = time.perf_counter() - start
        start = time.perf_counter()
        close_year(engine, REPORT_YEAR - 1)  # every agency
        close_s = time.perf_counter() - start
        print(
            f"  {size:>9,} cases: +{size - have:,} inserted in {load_s:.1f} s, "
            f"{'VACUUM ANALYZE' if short == 'postgresql' else 'ANALYZE'} {analyze_s:.1f} s, close {REPORT_YEAR - 1} (6 agencies) {close_s:.1f} s"
        )
        have = size
        for scope in SCOPES:
            in_scope = size // len(agency_ids) if scope == "self" else size
            best, slowest = time_report(engine, log, scope)
            timing = Timing(size, scope, in_scope, best, slowest)
            timings.append(timing)
            print(
                f"      annual_report {REPORT_YEAR} scope={scope:<6} ({in_scope:>9,} cases): "
                f"{best * 1000:9.1f} ms  →  {timing.per_1000_ms:7.2f} ms / 1,000 cases"
            )
            for seconds, statement, _ in slowest:
                print(f"          {seconds * 1000:8.1f} ms  {short_sql(statement)}")
    if explain_largest:
        for timing in timings[-len(SCOPES) :]:
            for _, statement, parameters in timing.slowest[:2]:
                notes.append(
                    f"  EXPLAIN [{short}, {timing.size:,}, scope={timing.scope}] "
                    f"{short_sql(statement)}\n{explain(engine, statement, parameters)}"
                )
    return timings, notes


# -- databases ----------------------------------------------------------------------------------


# -- the run ------------------------------------------------------------------------------------


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.report_bench", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--sizes",
        default=",".join(str(s) for s in DEFAULT_SIZES),
        help="comma-separated case counts, ascending (default 10000,100000,1000000)",
    )
    parser.add_argument("--quick", action="store_true", help="one small size: a smoke run")
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument(
        "--explain", action="store_true", help="EXPLAIN the slowest statements at the largest size"
    )
    args, _ = parser.parse_known_args(argv)  # options meant for other benchmarks are ignored
    if args.quick:
        args.sizes = "2000"
    args.sizes = sorted(int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip())
    if not args.sizes or args.sizes[0] <= 0:
        parser.error("--sizes needs positive case counts")
    return args


def run(argv: list[str] | None = None) -> int:
    """Print the benchmark; 0 when it ran (whether or not the goal is met), 1 on an error."""
    args = parse_args(argv or [])
    pg_url = os.environ.get("OGI_TEST_PG_URL", PG_DEFAULT)
    one, five, _ = os.getloadavg()
    print(
        f"Report benchmark: annual_report({REPORT_YEAR}, {DISTRICT!r}, scope) on "
        f"{', '.join(f'{s:,}' for s in args.sizes)} cases (district + {len(DEPARTMENTS)} "
        f"departments; receipts {YEARS[0]}–{YEARS[-1]}; {CONCLUDED_SAME_YEAR:.0%} concluded "
        f"in their year); best of {REPEATS} after a warm-up; seed {SEED}"
    )
    print(f"{os.cpu_count()} CPUs; load average {one:.2f} / {five:.2f} at start")
    wall = time.perf_counter()
    results: dict[str, list[Timing]] = {}
    notes: list[str] = []
    if not args.no_sqlite:
        with sqlite_engine("ogi-rbench-") as (label, engine):
            results["sqlite"], more = bench_database(label, engine, args.sizes, args.explain)
            notes += more
    if not args.no_pg:
        why = postgres_unreachable(pg_url)
        if why:
            print(f"\nPostgreSQL skipped: {pg_url} unreachable ({why})")
        else:
            with postgres_engine(pg_url, "ogi_rbench_") as (label, engine):
                results["pg"], more = bench_database(label, engine, args.sizes, args.explain)
                notes += more
    if "pg" in results and "sqlite" in results:
        print("\nPostgreSQL / SQLite (best run):")
        for pg, lite in zip(results["pg"], results["sqlite"], strict=True):
            print(
                f"  {pg.size:>9,} cases, scope={pg.scope:<6}: "
                f"{pg.best_s * 1000:9.1f} ms / {lite.best_s * 1000:9.1f} ms = "
                f"{pg.best_s / lite.best_s:5.2f}×"
            )
    if "pg" in results:
        at_goal = [t for t in results["pg"] if t.size == GOAL_SIZE]
        if at_goal:
            worst = max(at_goal, key=lambda t: t.best_s)
            verdict = "goal met" if worst.best_s < GOAL_S else "NOT met"
            print(
                f"\nGoal (1,000,000 cases on PostgreSQL under {GOAL_S:.0f} s per report): "
                f"slowest scope {worst.scope} {worst.best_s:.2f} s — {verdict}"
            )
        else:
            print(f"\nGoal not measured: sizes do not include {GOAL_SIZE:,} on PostgreSQL")
    for note in notes:
        print(f"\n{note}")
    one, five, _ = os.getloadavg()
    print(f"\nwall-clock {time.perf_counter() - wall:.1f} s; load average {one:.2f} / {five:.2f}")
    return 0


def main() -> int:
    return run(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
