"""Migrations from an empty database to head, on SQLite and PostgreSQL, and the append-only
guarantee of case_events enforced by the database itself (not only by the code)."""

from __future__ import annotations

import datetime as dt
import warnings

import pytest
from alembic.script import ScriptDirectory
from ops import NewCase, register_case
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import DBAPIError

from store.db import alembic_config, migrate, schema_is_current
from store.models import Base

# Every table the models declare must come out of the migrations, and nothing else.
MODEL_TABLES = set(Base.metadata.tables)


def _schema_snapshot(engine: Engine) -> dict[str, object]:
    """Tables with their columns, indexes and unique constraints: what a migration changes.
    Index names come from the catalog: the inspector skips SQLite's expression indexes."""
    inspector = inspect(engine)
    snapshot: dict[str, object] = {}
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index")
        for table in sorted(inspector.get_table_names()):
            snapshot[table] = (
                sorted(c["name"] for c in inspector.get_columns(table)),
                sorted(_indexes(engine, table)),
                sorted(u["name"] or "" for u in inspector.get_unique_constraints(table)),
            )
    return snapshot


def _indexes(engine: Engine, table: str) -> set[str]:
    """Index names of a table from the catalog (expression indexes included)."""
    query = (
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = :t"
        if engine.dialect.name == "sqlite"
        else "SELECT indexname FROM pg_indexes WHERE tablename = :t AND schemaname = current_schema()"
    )
    with engine.connect() as connection:
        return set(connection.execute(text(query), {"t": table}).scalars())


def _versions(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())


def test_migrate_empty_to_head_then_again_is_a_no_op(database) -> None:  # type: ignore[no-untyped-def]
    engine = database.new_engine()
    assert inspect(engine).get_table_names() == []  # really empty (fresh file / fresh schema)

    migrate(engine)

    tables = set(inspect(engine).get_table_names())
    assert {"cases", "case_events", "case_counters", "calendar_entries"} <= MODEL_TABLES
    assert tables == MODEL_TABLES | {"alembic_version"}
    heads = ScriptDirectory.from_config(alembic_config(engine)).get_heads()
    assert len(heads) == 1
    assert _versions(engine) == heads
    assert schema_is_current(engine)

    # some data, so "no-op" also means "leaves the data alone"
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO agencies (code, name, supplement_days, case_no_format, "
                "auto_close_abandoned, created_at) VALUES ('x', 'X', 15, '{year}-{seq}', "
                ":f, :now)"
            ),
            {"f": False, "now": dt.datetime(2026, 11, 20, tzinfo=dt.UTC)},
        )
    before = _schema_snapshot(engine)

    migrate(engine)

    assert _schema_snapshot(engine) == before
    assert _versions(engine) == heads
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM agencies")).scalar_one() == 1


def _first_event(engine: Engine) -> tuple[int, str]:
    with engine.connect() as connection:
        row = connection.execute(text("SELECT id, reason FROM case_events")).one()
    return row[0], row[1]


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE case_events SET reason = 'rewritten' WHERE id = :id",
        "UPDATE case_events SET seq = seq + 10",
        "DELETE FROM case_events WHERE id = :id",
        "DELETE FROM case_events",
    ],
)
def test_case_events_are_append_only(engine: Engine, today: dt.date, statement: str) -> None:
    register_case(
        engine,
        NewCase("lixia", "张伟", "natural_person", "online", dt.date(2026, 11, 2), "某征收方案"),
        "wang",
        today=today,
    )
    event_id, reason = _first_event(engine)

    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
        connection.execute(text(statement), {"id": event_id})

    # nothing changed, and appending still works (the guard is not a blanket lock)
    assert _first_event(engine) == (event_id, reason)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM case_events")).scalar_one() == 1
    register_case(
        engine,
        NewCase("lixia", "李娜", "natural_person", "mail", dt.date(2026, 11, 3), "某验收材料"),
        "wang",
        today=today,
    )
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM case_events")).scalar_one() == 2


def test_due_changes_recorded_before_0009_are_answer_moves(engine: Engine, today: dt.date) -> None:
    """0009 adds which deadline a calendar change moved; rows from before it were all the
    answer due date's, and a downgrade keeps the rows."""
    from alembic import command

    register_case(
        engine,
        NewCase("lixia", "张伟", "natural_person", "online", dt.date(2026, 11, 2), "某征收方案"),
        "wang",
        today=today,
    )
    with engine.begin() as connection:
        case_id = connection.execute(text("SELECT id FROM cases")).scalar_one()
        connection.execute(
            text(
                "INSERT INTO due_changes (case_id, deadline, old_due, new_due, shift_days, cause, at) "
                "VALUES (:c, 'supplement', :old, :new, 1, '测试', :at)"
            ),
            {"c": case_id, "old": dt.date(2026, 11, 25), "new": dt.date(2026, 11, 26),
             "at": dt.datetime(2026, 11, 20, tzinfo=dt.UTC)},
        )  # fmt: skip
    config = alembic_config(engine)

    command.downgrade(config, "0008")
    assert "deadline" not in {c["name"] for c in inspect(engine).get_columns("due_changes")}
    command.upgrade(config, "head")

    with engine.connect() as connection:
        rows = connection.execute(text("SELECT deadline, old_due, cause FROM due_changes")).all()
    assert [(r[0], str(r[1]), r[2]) for r in rows] == [("answer", "2026-11-25", "测试")]
    assert schema_is_current(engine)


def test_the_queue_index_comes_with_0011_and_goes_with_its_downgrade(engine: Engine, today: dt.date) -> None:
    """0011 adds the partial index the caseworker queue is read from; it is built over the
    rows already there, and a downgrade drops only it."""
    from alembic import command

    assert "ix_cases_open_queue" in _indexes(engine, "cases")
    config = alembic_config(engine)
    command.downgrade(config, "0010")
    assert "ix_cases_open_queue" not in _indexes(engine, "cases")
    assert "ix_cases_agency_state_due" in _indexes(engine, "cases")
    register_case(
        engine,
        NewCase("lixia", "张伟", "natural_person", "online", dt.date(2026, 11, 2), "某征收方案"),
        "wang",
        today=today,
    )
    command.upgrade(config, "head")
    assert "ix_cases_open_queue" in _indexes(engine, "cases")
    assert schema_is_current(engine)


def test_0012_gives_the_year_end_messages_their_section_6_kind_and_key(engine: Engine, today: dt.date) -> None:
    """Year-end messages written before 0012 (kind `year_close`) become `year_closed` with the
    watch's key, so closing the same year again refreshes them instead of adding a second."""
    from alembic import command

    from domain.access import SYSTEM
    from services import years
    from store.uow import SqlUnitOfWork

    config = alembic_config(engine)
    command.downgrade(config, "0011")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO outbox (kind, recipient, dedupe_key, payload, created_at) "
                "VALUES ('year_close', 'liu', 'year_close:2025:lixia:liu', :p, :at)"
            ),
            {"p": '{"year": 2025, "agency": "lixia", "cases": [], "text": "lixia 有 0 件申请跨年度结转至 2026 年继续办理"}',
             "at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC)},
        )  # fmt: skip
    command.upgrade(config, "head")
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT kind, dedupe_key FROM outbox WHERE recipient = 'liu'")).all()
    assert [tuple(r) for r in rows] == [("year_closed", "agency:lixia|year_closed|0|2025-12-31|liu")]
    years.close_year(SqlUnitOfWork(engine), 2025, actor=SYSTEM, today=dt.date(2026, 1, 2), agency="lixia")
    with engine.connect() as connection:
        told = connection.execute(text("SELECT kind FROM outbox WHERE recipient = 'liu'")).scalars().all()
    assert told == ["year_closed"]
    command.downgrade(config, "0011")
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT kind, dedupe_key FROM outbox WHERE recipient = 'liu'")).all()
    assert [tuple(r) for r in rows] == [("year_close", "year_close:2025:lixia:liu")]
    command.upgrade(config, "head")
    assert schema_is_current(engine)
