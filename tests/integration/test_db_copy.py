"""`ogi db copy`: an installation moved from SQLite to PostgreSQL and back, row for row.

The source office lives through 2025 and part of 2026 through the services: cases registered
with a resident ID, a 补正 and an answer, a case carried over and the year 2025 closed (its
messages in the outbox), the daily sweep (reminders, a flow run), a letter (a Word file kept
as bytes), a remedy and an API token. After the copy every table holds the same rows (ids,
timestamps as instants, JSON, bytes), the annual report is the same JSON on both sides, and a
case registered on the copy gets the next id (PostgreSQL sequences were reset).

The PostgreSQL side runs its sessions in Asia/Shanghai, so a timestamp copied without its zone
would move by eight hours and show up in the comparison.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import ops
import pytest
from conftest import Database, migration_head, pg_schema, pg_url
from ops import NewCase, act, register_case
from sqlalchemy import Engine, select, text

from domain.access import SYSTEM
from services import auth
from services.setup import initialise
from store import transfer
from store.db import make_engine, migrate
from store.models import Base
from store.uow import SqlUnitOfWork

TODAY = dt.date(2026, 11, 20)
D = dt.date
RESIDENT_ID = "11010519491231002X"


@pytest.fixture
def db_url(tmp_path: Any) -> str:
    """Every command here names its databases (--from/--to, --db): the `ogi` fixture's own
    database is an unused file, so tests that need only SQLite are not run once per kind."""
    return f"sqlite:///{tmp_path}/unused.db"


def shanghai(url: str) -> str:
    """A PostgreSQL test URL whose sessions use Asia/Shanghai instead of UTC."""
    return url + "%20-ctimezone%3DAsia/Shanghai"


@pytest.fixture
def source(database: Database) -> Iterator[Database]:
    if database.kind == "postgresql":
        database.url = shanghai(database.url)
    yield database


@pytest.fixture
def target(database: Database, tmp_path: Any) -> Iterator[Database]:
    """An empty database of the other kind."""
    if database.kind == "postgresql":
        yield Database("sqlite", f"sqlite:///{tmp_path}/copy.db")
        return
    with pg_schema("ogi_copy") as schema:
        db = Database("postgresql", shanghai(pg_url(schema)), schema)
        try:
            yield db
        finally:
            db.dispose()


def engine_of(db: Database) -> Engine:
    engine = make_engine(db.url)
    db.engines.append(engine)
    return engine


def populate(engine: Engine) -> dict[str, str]:
    """The office's history; returns its case numbers by label."""
    migrate(engine)
    initialise(SqlUnitOfWork(engine), "lixia", "历下区人民政府", prefix="历下政公开")
    ops.add_agency(engine, "lixia_zj", "历下区住房和城乡建设局", parent="lixia", prefix="历下住建公开")
    for username, name, role in (
        ("wang", "王敏", "caseworker"),
        ("liu", "刘科长", "supervisor"),
        ("chen", "陈主任", "office_head"),
    ):
        ops.add_user(engine, username, name, role, "lixia")

    def register(name: str, on: dt.date, kind: str = "natural_person", **extra: Any) -> str:
        form = NewCase("lixia", name, kind, "online", on, f"{name}的申请", assignee="wang", **extra)
        return register_case(engine, form, "wang", today=TODAY).case_no

    cases = {
        "answered": register("张伟", D(2025, 3, 3), id_kind="resident_id", id_number=RESIDENT_ID),
        "carried": register("某公司", D(2025, 12, 22), "business"),
        "supplement": register("李娜", D(2026, 11, 2)),
        "open": register("赵强", D(2026, 11, 10)),
    }
    act(engine, cases["answered"], "answered", "wang", on=D(2025, 3, 20), outcome="disclosed")
    act(engine, cases["supplement"], "supplement_requested", "wang", on=D(2026, 11, 4), applicant_days=10)
    ops.close_year(engine, 2025, "liu")  # the carried case: ledger rows and messages
    ops.add_remedy(engine, cases["answered"], "reconsideration", D(2025, 5, 6), "liu")
    ops.issue_letter(engine, cases["open"], "receipt", "wang")
    auth.create_token(SqlUnitOfWork(engine), "wang", actor=SYSTEM)
    ops.sweep(engine, D(2026, 11, 23))  # reminders, outbox rows, a flow run
    return cases


def normal(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
    if isinstance(value, memoryview):
        return bytes(value)
    if isinstance(value, Decimal):
        return value.normalize()
    return value


def dump(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in primary-key order, timestamps as UTC instants."""
    with engine.connect() as connection:
        return {
            table.name: [
                tuple(normal(v) for v in row)
                for row in connection.execute(select(table).order_by(*table.primary_key.columns))
            ]
            for table in Base.metadata.sorted_tables
        }


def report(ogi: Callable[..., Any], url: str, year: int) -> dict[str, Any]:
    result = ogi("--db", url, "report", "annual", "--year", str(year), "--agency", "lixia", "--format", "json")
    assert result.code == 0, result.err
    return json.loads(result.out)


def copied(ogi: Callable[..., Any], source: Database, target: Database) -> Any:
    result = ogi("db", "copy", "--from", source.url, "--to", target.url, "--yes")
    assert result.code == 0, result.out + result.err
    return result


@pytest.mark.postgres
def test_copy_to_the_other_database_keeps_every_row_and_the_report(
    source: Database, target: Database, ogi: Callable[..., Any]
) -> None:
    src = engine_of(source)
    cases = populate(src)
    before = dump(src)
    assert all(before[name] for name in ("cases", "case_events", "year_closes", "year_ledger",
                                         "outbox", "reminders", "flow_runs", "letters",
                                         "remedies", "api_tokens", "calendar_entries"))

    result = copied(ogi, source, target)
    assert "目标数据库已建好表结构" in result.out
    assert "各表行数一致" in result.out
    for name, rows in before.items():
        assert f"{name} " in result.out  # every table is listed with its counts
        assert str(len(rows)) in result.out

    dst = engine_of(target)
    assert dump(dst) == before  # ids, timestamps, JSON and bytes alike
    for year in (2025, 2026):
        assert report(ogi, target.url, year) == report(ogi, source.url, year)

    # the copy is a working installation: the next registration gets the next ids
    assert transfer.next_ids(dst) == transfer.next_ids(src)
    max_case = max(row[0] for row in before["cases"])
    ref = register_case(dst, NewCase("lixia", "新申请人", "natural_person", "online", TODAY, "新的申请"),
                        "wang", today=TODAY)  # fmt: skip
    with dst.connect() as connection:
        new_id = connection.execute(text("SELECT id FROM cases WHERE case_no = :no"), {"no": ref.case_no}).scalar_one()
    assert new_id == max_case + 1
    assert ref.case_no not in cases.values()
    shown = ops.show_case(dst, cases["supplement"])
    assert shown is not None


@pytest.mark.postgres
def test_a_target_that_is_not_empty_is_refused_and_left_as_it_was(
    source: Database, target: Database, ogi: Callable[..., Any]
) -> None:
    populate(engine_of(source))
    dst = engine_of(target)
    migrate(dst)
    initialise(SqlUnitOfWork(dst), "lixia", "历下区人民政府", prefix="历下政公开")
    ops.add_user(dst, "wang", "王敏", "caseworker", "lixia")
    register_case(dst, NewCase("lixia", "已有", "natural_person", "online", TODAY, "已有的申请"), "wang",
                  today=TODAY)  # fmt: skip
    before = dump(dst)

    result = ogi("db", "copy", "--from", source.url, "--to", target.url, "--yes")
    assert result.code == 4
    assert "不是空库（已有 案件 1 行" in result.err and "未写入任何数据" in result.err
    assert dump(dst) == before


def test_counts_that_differ_roll_the_whole_copy_back(tmp_path: Any, ogi: Callable[..., Any]) -> None:
    """A target that silently drops rows (here a trigger ignoring inserts into the outbox):
    the counts differ, the command says which table and exits 1, and nothing stays written."""
    source = Database("sqlite", f"sqlite:///{tmp_path}/source.db")
    target = Database("sqlite", f"sqlite:///{tmp_path}/target.db")
    try:
        populate(engine_of(source))
        dst = engine_of(target)
        migrate(dst)
        with dst.begin() as connection:
            connection.execute(text(
                "CREATE TRIGGER outbox_drops BEFORE INSERT ON outbox BEGIN SELECT RAISE(IGNORE); END"
            ))  # fmt: skip

        result = ogi("db", "copy", "--from", source.url, "--to", target.url, "--yes")
        assert result.code == 1
        assert "行数不一致（outbox）" in result.err and "复制已撤销" in result.err
        assert all(rows == [] for rows in dump(dst).values())
    finally:
        source.dispose()
        target.dispose()


def test_copy_refuses_the_same_database_and_a_missing_source(
    tmp_path: Any, ogi: Callable[..., Any]
) -> None:
    url = f"sqlite:///{tmp_path}/ogi.db"
    same = ogi("db", "copy", "--from", url, "--to", f"sqlite:///{tmp_path}/./ogi.db", "--yes")
    assert same.code == 2 and "相同" in same.err
    missing = ogi("db", "copy", "--from", f"sqlite:///{tmp_path}/none.db", "--to", url, "--yes")
    assert missing.code == 6 and "不存在" in missing.err
    unconfirmed = ogi("db", "copy", "--from", f"sqlite:///{tmp_path}/none.db", "--to", url)
    assert unconfirmed.code == 2 and "--yes" in unconfirmed.err


def test_status_and_upgrade_from_an_older_schema(database: Database, ogi: Callable[..., Any]) -> None:
    from alembic import command

    from store.db import alembic_config

    engine = database.new_engine()
    command.upgrade(alembic_config(engine), "0007")
    status = ogi("--db", database.url, "db", "status", "--json")
    assert status.code == 0, status.err
    head = migration_head(engine)
    assert status.json() == {"current": "0007", "head": head, "at_head": False}

    upgraded = ogi("--db", database.url, "db", "upgrade")
    assert upgraded.code == 0, upgraded.err
    assert f"0007 → {head}" in upgraded.out
    assert ogi("--db", database.url, "db", "status", "--json").json()["at_head"] is True
    assert "无需升级" in ogi("--db", database.url, "db", "upgrade").out
