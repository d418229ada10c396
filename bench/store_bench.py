"""Store benchmark: the per-action path on a full table, SQLite vs PostgreSQL.

`python -m bench store [--quick] [--cases N] [--only sqlite|postgres]`.

For each database (a SQLite file in a temporary directory; PostgreSQL at `OGI_TEST_PG_URL` in
a fresh schema, dropped at the end, skipped when unreachable):

1. load N open cases through the bulk path (`services.ledger.import_ledger`, a real CSV file);
2. per action, one transaction each, as a caseworker at the counter does it:
   `services.cases.register_case` for a sample of new applications, then `services.cases.act`
   (a 补正 request) on a sample of the loaded cases.

Printed: ms per action and, as the comparable figure, the ratio of a per-action registration
to one row of the bulk import measured in the same run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

from sqlalchemy import Engine

from bench.fixtures import (
    AGENCY,
    TODAY,
    admin,
    each_database,
    fresh_database,
    ledger_rows,
    write_ledger,
)
from domain.access import Actor
from domain.case import CaseEventType
from services.cases import NewCase, act, register_case
from services.directory import add_user
from services.ledger import import_ledger
from store.repositories.calendar import CalendarCache
from store.uow import SqlUnitOfWork

DEFAULT_CASES = 100_000
QUICK_CASES = 3_000
SAMPLE = 500


def _clerk(engine: Engine) -> Actor:
    work = SqlUnitOfWork(engine)
    add_user(work, "clerk", "基准测试员", "caseworker", AGENCY, actor=admin(engine), today=TODAY)
    with work.read():
        return work.directory.actor("clerk")


def bench_database(kind: str, n: int, path: Path) -> None:
    with fresh_database(kind) as (label, engine):
        started = time.perf_counter()
        import_ledger(SqlUnitOfWork(engine), path, AGENCY, actor=admin(engine), today=TODAY)
        bulk = (time.perf_counter() - started) / n
        clerk = _clerk(engine)
        calendars = CalendarCache()  # shared, as `services.bootstrap.Runtime` shares it

        def work() -> SqlUnitOfWork:
            return SqlUnitOfWork(engine, calendars=calendars)

        numbers = []
        started = time.perf_counter()
        for i in range(SAMPLE):
            received = TODAY - dt.timedelta(days=i % 5)
            form = NewCase(AGENCY, f"申请人{i}", "natural_person", "online", received, f"事项{i}")
            numbers.append(register_case(work(), form, actor=clerk, today=TODAY))
        per_register = (time.perf_counter() - started) / SAMPLE
        started = time.perf_counter()
        for ref in numbers:
            act(
                work(),
                ref.case_no,
                CaseEventType.SUPPLEMENT_REQUESTED,
                actor=clerk,
                today=TODAY,
                reason="内容不明确",
            )
        per_act = (time.perf_counter() - started) / SAMPLE
        print(f"  [{label}] table of {n:,} cases")
        print(
            f"    bulk import {bulk * 1000:.3f} ms/row · register (one transaction each)"
            f" {per_register * 1000:.2f} ms · act {per_act * 1000:.2f} ms"
            f" · register / bulk row = {per_register / bulk:.0f}×"
        )


def run(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench store")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--cases", type=int, default=0)
    parser.add_argument("--only", choices=["sqlite", "postgres"], default=None)
    args, _ = parser.parse_known_args(argv or [])
    n = args.cases or (QUICK_CASES if args.quick else DEFAULT_CASES)
    print(f"store: per-action registration and 补正 on a table of {n:,} cases ({SAMPLE} each)")
    with tempfile.TemporaryDirectory(prefix="ogi-bench-") as tmp:
        path = write_ledger(Path(tmp) / "ledger.csv", ledger_rows(n, open_share=1.0))
        for kind, skipped in each_database((args.only,) if args.only else ("sqlite", "postgres")):
            if skipped:
                print(f"  {kind}: skipped ({skipped})")
                continue
            bench_database(kind, n, path)
    return 0
