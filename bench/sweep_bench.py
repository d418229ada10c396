"""`python -m bench sweep [--cases N ...] [--due K]`: the daily sweep's cost follows the work
due, not the number of open cases (RULES §6, the index on cases.next_reminder_on).

For each size N it fills a database with N open cases (copies of one registered case, so
each can really be loaded and swept), K of them with a reminder due on 2026-11-23 and the
rest not before 2027; then times a sweep with K messages due, and a sweep the next day with
none due. Goals on PostgreSQL: 1M cases, 10k due under 10 s; none due under 0.5 s; and the
time with K due about the same at 100k and 1M cases.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from typing import Any

from sqlalchemy import Engine, insert, select

from bench.databases import postgres_engine, postgres_unreachable, sqlite_engine
from services.cases import NewCase, register_case
from services.setup import initialise
from store.db import migrate
from store.models import CaseEventRow, CaseRow
from store.uow import SqlUnitOfWork

RECEIVED = dt.date(2026, 11, 2)
SWEEP_DAY = dt.date(2026, 11, 23)
LATER = dt.date(2027, 6, 1)
BATCH = 10_000


def seed(engine: Engine, total: int, due: int) -> None:
    from services import directory

    migrate(engine)
    initialise(SqlUnitOfWork(engine), "lixia", "历下区人民政府", prefix="历下政公开")
    uow = SqlUnitOfWork(engine)
    with uow.read():
        admin = uow.directory.actor("admin")
    directory.add_user(SqlUnitOfWork(engine), "wang", "王敏", "caseworker", "lixia",
                       actor=admin, today=RECEIVED)
    uow = SqlUnitOfWork(engine)
    with uow.read():
        wang = uow.directory.actor("wang")
    form = NewCase("lixia", "张三", "natural_person", "online", RECEIVED, "某项目材料",
                   assignee="wang")
    register_case(SqlUnitOfWork(engine), form, actor=wang, today=RECEIVED)
    with engine.connect() as connection:
        row = dict(connection.execute(select(CaseRow)).mappings().one())
        event = dict(connection.execute(select(CaseEventRow)).mappings().one())
    base = row["id"]
    with engine.begin() as connection:
        for start in range(1, total, BATCH):
            stop = min(total, start + BATCH)
            rows, events = [], []
            for i in range(start, stop):
                no = f"B{i:07d}"
                rows.append({**row, "id": base + i, "case_no": no,
                             "next_reminder_on": SWEEP_DAY if i < due else LATER})
                events.append({**event, "id": event["id"] + i, "case_id": base + i,
                               "payload": {**event["payload"], "case_no": no}})
            connection.execute(insert(CaseRow), rows)
            connection.execute(insert(CaseEventRow), events)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")


def timed_sweep(engine: Engine, day: dt.date) -> tuple[float, dict[str, Any]]:
    from flows.sweep import run_sweep

    start = time.perf_counter()
    result = run_sweep(SqlUnitOfWork(engine), day).to_json()
    return time.perf_counter() - start, result


def bench(name: str, engine: Engine, total: int, due: int) -> tuple[float, float]:
    t0 = time.perf_counter()
    seed(engine, total, due)
    seeded = time.perf_counter() - t0
    busy, result = timed_sweep(engine, SWEEP_DAY)
    idle, quiet = timed_sweep(engine, SWEEP_DAY + dt.timedelta(days=1))
    print(f"{name}: {total:,} open cases (seeded in {seeded:.1f} s)")
    print(f"  {due:,} due: {busy:.2f} s, sent {result['sent']:,} (by kind {result['by_kind']})")
    print(f"  none due: {idle:.3f} s, sent {quiet['sent']}")
    return busy, idle


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench sweep")
    parser.add_argument("--cases", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--due", type=int, default=10_000)
    parser.add_argument("--sqlite", action=argparse.BooleanOptionalAction, default=True)
    return parser.parse_args(argv)


def run(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    times: dict[tuple[str, int], float] = {}
    backends = [("postgresql", postgres_engine)] if postgres_unreachable() is None else []
    if args.sqlite:
        backends.append(("sqlite", sqlite_engine))
    for kind, make in backends:
        for total in args.cases:
            with make() as (name, engine):
                busy, idle = bench(name, engine, total, args.due)
                times[(kind, total)] = busy
                if kind == "postgresql" and total >= 1_000_000:
                    print(f"  goals: due {'ok' if busy < 10 else 'MISSED'} (<10 s), "
                          f"none {'ok' if idle < 0.5 else 'MISSED'} (<0.5 s)")
        sizes = sorted(total for k, total in times if k == kind)
        if len(sizes) >= 2:
            ratio = times[(kind, sizes[-1])] / times[(kind, sizes[0])]
            print(f"{kind}: time with {args.due:,} due at {sizes[-1]:,} / at {sizes[0]:,} cases = {ratio:.2f}")
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(run(sys.argv[1:]))
