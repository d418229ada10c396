"""What the bulk benchmarks share: a migrated, initialised database per run, and seeded rows.

Both databases get the same rows from the same seed, so their figures compare; every figure
is also printed as a ratio against a baseline measured in the same run on the same machine.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine

from bench.databases import postgres_engine, postgres_unreachable, sqlite_engine
from domain.access import Actor
from services.setup import initialise
from store.db import migrate
from store.uow import SqlUnitOfWork

SEED = 20261120
TODAY = dt.date(2026, 11, 20)
FIRST_RECEIPT = dt.date(2026, 1, 5)
AGENCY = "lixia"
LEDGER_HEADER = [
    "case_no",
    "applicant_type",
    "applicant_name",
    "channel",
    "received_on",
    "content",
    "outcome",
    "concluded_on",
]
TYPES = ["natural_person", "business", "research", "nonprofit", "legal_services", "other_org"]
CHANNELS = ["in_person", "mail", "online", "fax", "other"]
OUTCOMES = ["disclosed", "partial", "withheld.third_party", "unavailable.not_held", "other.other"]


def each_database(which: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    """(kind, skip reason or '') for the requested kinds; PostgreSQL is skipped, and says
    why, when its server does not answer."""
    for kind in which:
        if kind == "postgres":
            reason = postgres_unreachable()
            yield kind, reason or ""
        else:
            yield kind, ""


@contextmanager
def fresh_database(kind: str) -> Iterator[tuple[str, Engine]]:
    """A migrated database with the benchmark's agency and its administrator."""
    opener = sqlite_engine if kind == "sqlite" else postgres_engine
    with opener() as (label, engine):
        migrate(engine)
        initialise(SqlUnitOfWork(engine), AGENCY, "历下区人民政府", prefix="历下政公开")
        yield label, engine


def admin(engine: Engine) -> Actor:
    work = SqlUnitOfWork(engine)
    with work.read():
        return work.directory.actor("admin")


def ledger_rows(n: int, seed: int = SEED, open_share: float = 0.8) -> list[list[str]]:
    """`n` ledger rows (RULES §5 columns, codes not labels): most open, the rest concluded."""
    rng = random.Random(seed)
    span = (TODAY - FIRST_RECEIPT).days
    rows = []
    for i in range(n):
        received = FIRST_RECEIPT + dt.timedelta(days=rng.randrange(span))
        outcome = concluded = ""
        if rng.random() >= open_share:
            outcome = rng.choice(OUTCOMES)
            concluded = min(TODAY, received + dt.timedelta(days=rng.randrange(1, 40))).isoformat()
        rows.append(
            [
                f"台账-{i:07d}",
                rng.choice(TYPES),
                f"申请人{i}",
                rng.choice(CHANNELS),
                received.isoformat(),
                f"关于第{i}号事项的政府信息",
                outcome,
                concluded,
            ]
        )
    return rows


def write_ledger(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([LEDGER_HEADER, *rows])
    return path
