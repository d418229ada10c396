"""The two databases a benchmark runs on: a SQLite file in a temp dir and a throwaway
PostgreSQL schema (dropped afterwards), measured in the same run so ratios compare."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, text

from store.db import make_engine

PG_URL = os.environ.get("OGI_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


@contextmanager
def sqlite_engine(prefix: str = "ogi-bench-") -> Iterator[tuple[str, Engine]]:
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        try:
            yield "SQLite (file in a temp dir, WAL, synchronous=NORMAL)", engine
        finally:
            engine.dispose()


@contextmanager
def postgres_engine(url: str = PG_URL, prefix: str = "ogi_bench_") -> Iterator[tuple[str, Engine]]:
    schema = f"{prefix}{uuid.uuid4().hex[:12]}"
    admin = make_engine(url, connect_args={"connect_timeout": 5})
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    try:
        with engine.connect() as connection:
            version = connection.execute(text("SHOW server_version")).scalar_one()
        yield f"PostgreSQL {version} (schema {schema})", engine
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def postgres_unreachable(url: str = PG_URL) -> str | None:
    """None when the server answers, else why not (the benchmark then skips it and says so)."""
    try:
        engine = make_engine(url, connect_args={"connect_timeout": 5})
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure means "skip"
        return f"{type(exc).__name__}: {str(exc).strip().splitlines()[0]}"
    return None
