"""Connecting to the database and running migrations.

`OGI_DATABASE_URL` selects the database; the embedded default is a SQLite file `ogi.db` in
the working directory, opened in WAL mode with foreign keys on and a busy timeout, and with
transactions begun by us (pysqlite's own implicit BEGIN would make BEGIN IMMEDIATE
impossible, and that is how writers queue up instead of failing).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Executable, Result, create_engine, event, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.orm import Session

DEFAULT_URL = "sqlite:///ogi.db"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def execute_core(session: Session, statement: Executable, params: dict[str, Any] | None = None) -> Result[Any]:
    """A prebuilt statement of plain columns run in the session's transaction, past the ORM's
    result layer (the hot reads build their statements once; see `store.queries._listing`).
    Pending objects are flushed first, as `Session.execute` would: a read after an add in the
    same transaction sees the row."""
    session.flush()
    return session.connection().execute(statement, params)


def database_url() -> str:
    """The configured database URL (env `OGI_DATABASE_URL`), else the embedded SQLite file."""
    return os.environ.get("OGI_DATABASE_URL") or DEFAULT_URL


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL (None for other databases and in-memory SQLite)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return None
    if not parsed.drivername.startswith("sqlite") or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def make_engine(url: str | None = None, **kwargs: object) -> Engine:
    """An engine with the project's SQLite settings applied; PostgreSQL uses psycopg 3.

    A URL that is not a database address is refused in Chinese (no traceback).
    """
    url = url or database_url()
    try:
        make_url(url).get_dialect()
    except (ArgumentError, NoSuchModuleError, ValueError):
        from domain.errors import UsageError

        raise UsageError(
            f"数据库地址“{url}”无效，应形如 sqlite:///ogi.db 或 postgresql://用户@主机:5432/库名",
            field="database_url",
            rule="数据库地址",
        ) from None
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
        _configure_sqlite(engine)
    else:
        engine = create_engine(url, pool_pre_ping=True, **kwargs)
    return engine


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):  # type: ignore[no-untyped-def]
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """One write transaction: committed on success, rolled back on any error.

    On SQLite it starts with BEGIN IMMEDIATE so writers wait for each other instead of
    failing half-way; on PostgreSQL row locks (SELECT … FOR UPDATE) do the same job.
    """
    bind = engine.execution_options(sqlite_begin="IMMEDIATE") if is_sqlite(engine) else engine
    with Session(bind=bind, expire_on_commit=False) as session, session.begin():
        yield session


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    with Session(bind=engine, expire_on_commit=False) as session, session.begin():
        yield session


def alembic_config(engine: Engine):  # type: ignore[no-untyped-def]
    """Alembic's configuration pointing at our migrations (imported lazily: CLI start-up)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (safe to run on an up-to-date database)."""
    from alembic import command

    from store.errors import translated

    with translated():
        command.upgrade(alembic_config(engine), "head")


def schema_is_current(engine: Engine) -> bool:
    """Whether the database exists and its schema is at the newest migration."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(engine))
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_heads()
    return set(current) == set(script.get_heads())


def current_revisions(engine: Engine) -> tuple[str, ...]:
    """The migration(s) a database is at; empty when it was never migrated."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return tuple(sorted(MigrationContext.configure(connection).get_current_heads()))


def known_revisions() -> set[str]:
    """Every migration this code ships."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(None))  # type: ignore[arg-type]
    return {rev.revision for rev in script.walk_revisions()}


def display_url(url: str) -> str:
    """A database URL as it may be printed: the password hidden."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def same_database(a: str, b: str) -> bool:
    """Whether two URLs name the same database (SQLite: the same file)."""
    file_a, file_b = sqlite_file(a), sqlite_file(b)
    if file_a is not None or file_b is not None:
        return file_a is not None and file_b is not None and file_a.resolve() == file_b.resolve()
    return display_url(a) == display_url(b)
