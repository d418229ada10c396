"""Fixtures of the integration suite: every test runs on SQLite and on PostgreSQL.

`database` (and its URL, `db_url`) is parametrized over both back ends:

- SQLite: a fresh file in the test's tmp_path;
- PostgreSQL: the server at `OGI_TEST_PG_URL` (default postgresql://postgres@127.0.0.1:5432/test)
  with a fresh schema `ogi_t_<hex>` per test, dropped (CASCADE) at teardown. Engines reach it
  with `connect_args={"options": "-csearch_path=<schema>"}`; the `ogi` command (in a
  subprocess or in-process) gets the same through the URL's `?options=-csearch_path%3D<schema>`.

When the server cannot be reached the PostgreSQL params are skipped with the reason; set
`OGI_REQUIRE_PG=1` (as CI should) to make that a failure instead of a skip.

`engine` is a migrated and seeded database: `initialise(engine, "lixia", "历下区人民政府",
prefix="历下政公开")` plus the users wang (caseworker), chen (office_head), liu (supervisor).
Today is pinned to 2026-11-20 (a Friday) through the services' `today=` parameters and through
`OGI_TODAY` for the command line.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ops
import pytest
from sqlalchemy import Engine, text

from services.setup import initialise
from store.db import make_engine, migrate
from store.uow import SqlUnitOfWork

TODAY = dt.date(2026, 11, 20)
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PG_URL = os.environ.get("OGI_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")

_pg_problem: list[str | None] = []  # memo of the reachability probe, per worker process


def _pg_unreachable() -> str | None:
    """None when the PostgreSQL server answers, else why not (probed once per process)."""
    if not _pg_problem:
        import psycopg

        try:
            with psycopg.connect(PG_URL, connect_timeout=3) as connection:
                connection.execute("SELECT 1")
            _pg_problem.append(None)
        except Exception as exc:  # any failure to reach the server means: cannot test on it
            _pg_problem.append(f"{type(exc).__name__}: {exc}".strip())
    return _pg_problem[0]


@dataclass
class Database:
    """One test database: its kind, the URL the CLI uses, and a factory of engines."""

    kind: str  # "sqlite" | "postgresql"
    url: str  # what OGI_DATABASE_URL / --db get
    schema: str | None = None
    engines: list[Engine] = field(default_factory=list)

    def new_engine(self) -> Engine:
        """A new engine of its own (own pool, own connections): one per thread in races."""
        if self.kind == "sqlite":
            engine = make_engine(self.url)
        else:
            engine = make_engine(PG_URL, connect_args={"options": f"-csearch_path={self.schema}"})
        self.engines.append(engine)
        return engine

    def dispose(self) -> None:
        for engine in self.engines:
            engine.dispose()
        self.engines.clear()


@pytest.fixture(
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        db = Database("sqlite", f"sqlite:///{tmp_path}/ogi.db")
        yield db
        db.dispose()
        return
    with pg_schema("ogi_t") as schema:
        db = Database("postgresql", pg_url(schema), schema)
        try:
            yield db
        finally:
            db.dispose()


def pg_url(schema: str) -> str:
    """The URL of a schema as the `ogi` command and `make_engine` take it."""
    return f"{PG_URL}?options=-csearch_path%3D{schema}"


@contextmanager
def pg_schema(prefix: str) -> Iterator[str]:
    """A fresh PostgreSQL schema, dropped afterwards; skipped (or, with OGI_REQUIRE_PG set,
    failed) when the server cannot be reached."""
    problem = _pg_unreachable()
    if problem is not None:
        message = f"PostgreSQL not reachable at {PG_URL} ({problem}); set OGI_TEST_PG_URL"
        if os.environ.get("OGI_REQUIRE_PG"):
            pytest.fail(message)
        pytest.skip(message)
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = make_engine(PG_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield schema
    finally:
        with admin.begin() as connection:
            connection.execute(text("SET LOCAL lock_timeout = '20s'"))
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def db_url(database: Database) -> str:
    """The database URL as the `ogi` command takes it (OGI_DATABASE_URL)."""
    return database.url


@pytest.fixture
def today() -> dt.date:
    return TODAY


USERS = (
    ("wang", "王敏", "caseworker"),
    ("chen", "陈主任", "office_head"),
    ("liu", "刘科长", "supervisor"),
)


@pytest.fixture
def engine(database: Database) -> Engine:
    """Migrated, seeded (agency lixia, admin, calendar) with wang, chen and liu."""
    engine = database.new_engine()
    migrate(engine)
    initialise(SqlUnitOfWork(engine), "lixia", "历下区人民政府", prefix="历下政公开")
    for username, name, role in USERS:
        ops.add_user(engine, username, name, role, "lixia")
    return engine


@pytest.fixture
def table_counts(engine: Engine) -> Callable[..., dict[str, int]]:
    """Row counts of the tables a refused action must not touch."""

    def counts(*tables: str) -> dict[str, int]:
        names = tables or ("cases", "case_events", "case_counters", "fee_records", "due_changes")
        with engine.connect() as connection:
            return {
                name: connection.execute(text(f"SELECT count(*) FROM {name}")).scalar_one()
                for name in names
            }

    return counts


def event_seqs(engine: Engine, case_no: str) -> list[int]:
    """The seq column of a case's events, in order (used through the fixture below)."""
    with engine.connect() as connection:
        return list(
            connection.execute(
                text(
                    "SELECT e.seq FROM case_events e JOIN cases c ON c.id = e.case_id "
                    "WHERE c.case_no = :no ORDER BY e.seq"
                ),
                {"no": case_no},
            ).scalars()
        )


@pytest.fixture
def seqs(engine: Engine) -> Callable[[str], list[int]]:
    return lambda case_no: event_seqs(engine, case_no)


@pytest.fixture
def case_row(engine: Engine) -> Callable[[str], dict[str, Any]]:
    """The stored case row as a dict of its columns (read from the table, not the services)."""
    from sqlalchemy import inspect as sa_inspect
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from store.models import CaseRow

    columns = [c.key for c in sa_inspect(CaseRow).column_attrs]

    def read(case_no: str) -> dict[str, Any]:
        with Session(engine) as session:
            row = session.execute(select(CaseRow).where(CaseRow.case_no == case_no)).scalar_one()
            return {name: getattr(row, name) for name in columns}

    return read


_NOTICE_2027 = """国务院办公厅关于2027年部分节假日安排的通知
一、元旦：1月1日（周五）至3日（周日）放假，共3天。
二、春节：2月5日（农历除夕、周五）至13日（农历正月初八、周六）放假调休，共9天。2月20日（周六）上班。
三、清明节：4月3日（周六）至5日（周一）放假，共3天。
四、劳动节：5月1日（周六）至5日（周三）放假调休，共5天。4月25日（周日）、5月8日（周六）上班。
五、端午节：6月9日（周三）放假，共1天。
六、中秋节：9月15日（周三）放假，共1天。
七、国庆节：10月1日（周五）至7日（周四）放假调休，共7天。9月26日（周日）、10月9日（周六）上班。
"""


@pytest.fixture
def notice_2027() -> str:
    """A plausible 2027 State Council notice (the real one is not published yet)."""
    return _NOTICE_2027


@dataclass(frozen=True)
class Run:
    """What one `ogi` invocation gave: exit code, standard output, standard error."""

    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


@pytest.fixture
def ogi(
    db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[Callable[..., Run]]:
    """Run `ogi ARGS…` in-process through the console script's `main()` (today: TODAY)."""
    import cli.common as cli_common
    import cli.main as cli_main

    monkeypatch.setenv("OGI_DATABASE_URL", db_url)
    monkeypatch.setenv("OGI_TODAY", TODAY.isoformat())
    monkeypatch.delenv("OGI_USER", raising=False)

    def run(*args: str) -> Run:
        capsys.readouterr()
        cli_common.configure(None)
        monkeypatch.setattr(sys, "argv", ["ogi", *args])
        code: int = 0
        try:
            cli_main.main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        finally:
            cli_common.reset()
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    yield run
    cli_common.reset()


@pytest.fixture
def ogi_run(ogi: Callable[..., Run]) -> Callable[..., Run]:
    """The same as `ogi`, under a name that does not clash with a test's local helper."""
    return ogi


def migration_head(engine: Engine) -> str:
    """The newest migration of this code (tests compare a database against it)."""
    from alembic.script import ScriptDirectory

    from store.db import alembic_config

    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
