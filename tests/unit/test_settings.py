"""Settings from the environment: the database pool size each process keeps."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from domain.errors import UsageError
from services.bootstrap import DEFAULT_POOL_SIZE, FixedClock, Runtime, Settings


def test_the_pool_keeps_the_configured_number_of_connections(tmp_path: Path) -> None:
    settings = Settings.from_env({"OGI_DATABASE_URL": f"sqlite:///{tmp_path / 'ogi.db'}", "OGI_DB_POOL_SIZE": "7"})
    runtime = Runtime(settings, FixedClock(dt.date(2026, 11, 20)))
    runtime.create_database = True
    assert settings.db_pool_size == 7
    assert runtime.engine.pool.size() == 7
    assert runtime.engine.pool._max_overflow == 3  # half as many more at peaks  # noqa: SLF001
    runtime.close()


def test_without_the_variable_the_pool_keeps_twenty() -> None:
    assert DEFAULT_POOL_SIZE == 20
    assert Settings.from_env({}).db_pool_size == 20
    assert Settings.from_env({"OGI_DB_POOL_SIZE": " "}).db_pool_size == 20


@pytest.mark.parametrize("value", ["0", "201", "-3", "abc", "2.5"])
def test_a_pool_size_outside_1_to_200_is_refused_naming_the_variable(value: str) -> None:
    with pytest.raises(UsageError) as refused:
        Settings.from_env({"OGI_DB_POOL_SIZE": value})
    assert refused.value.field == "OGI_DB_POOL_SIZE"
    assert "1 至 200" in str(refused.value) and value in str(refused.value)


@pytest.mark.parametrize("value", ["1", "200"])
def test_the_bounds_are_accepted(value: str) -> None:
    assert Settings.from_env({"OGI_DB_POOL_SIZE": value}).db_pool_size == int(value)
