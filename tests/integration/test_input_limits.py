"""Inputs without limits are refused with the field named and nothing written, on SQLite and
PostgreSQL (a 10,000-character name used to be stored whole on one and crash the other)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Run
from ops import NewCase, act, register_case
from sqlalchemy import Engine, text

from domain.case import CaseEventType as E
from domain.errors import DomainError

D = dt.date
TABLES = ("cases", "case_events", "case_counters", "fee_records", "agencies", "users")


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {t: connection.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in TABLES}


def case(**overrides: object) -> NewCase:
    values: dict[str, object] = {
        "agency": "lixia",
        "applicant_name": "张伟",
        "applicant_type": "natural_person",
        "channel": "online",
        "received_on": D(2026, 11, 2),
        "content": "某项目征收补偿方案",
    }
    values.update(overrides)
    return NewCase(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("applicant_name", "张" * 10_000),
        ("contact", "1" * 201),
        ("requested_form", "纸" * 101),
        ("content", "内" * 5001),
    ],
)
def test_over_long_registration_fields_are_refused(engine: Engine, field: str, value: str) -> None:
    before = counts(engine)
    with pytest.raises(DomainError) as refused:
        register_case(engine, case(**{field: value}), "wang")
    assert refused.value.field == field and refused.value.rule == "长度限制"
    assert counts(engine) == before


def test_the_longest_allowed_name_is_stored_whole(engine: Engine) -> None:
    no = register_case(engine, case(applicant_name="张" * 200), "wang").case_no
    with engine.connect() as connection:
        stored = connection.execute(
            text("SELECT applicant_name FROM cases WHERE case_no = :n"), {"n": no}
        ).scalar_one()
    assert stored == "张" * 200


def test_an_id_number_without_its_kind_is_checked(engine: Engine) -> None:
    before = counts(engine)
    with pytest.raises(DomainError) as refused:  # a resident ID with a wrong check digit
        register_case(engine, case(id_number="110105194912310021"), "wang")
    assert refused.value.field == "id_number"
    # born in 2030: the check digit is right (GB 11643), the birth date is not
    with pytest.raises(DomainError):
        register_case(engine, case(id_kind="resident_id", id_number="11010520300101001X"), "wang")
    assert counts(engine) == before
    no = register_case(engine, case(id_number="11010519491231002X"), "wang").case_no
    with engine.connect() as connection:
        kind = connection.execute(
            text("SELECT id_kind FROM cases WHERE case_no = :n"), {"n": no}
        ).scalar_one()
    assert kind == "resident_id"


def test_a_supplement_period_of_a_thousand_days_and_a_free_fee_notice_are_refused(
    engine: Engine,
) -> None:
    no = register_case(engine, case(id_number="11010519491231002X"), "wang").case_no
    before = counts(engine)
    with pytest.raises(DomainError) as refused:
        act(engine, no, E.SUPPLEMENT_REQUESTED, "wang", on=D(2026, 11, 3), applicant_days=1000)
    assert "1至60" in refused.value.message
    # 30 pages are free (RULES §2.4): a 0-yuan notice would stop the clock for nothing
    with pytest.raises(DomainError) as free:
        act(engine, no, E.FEE_NOTICE_SENT, "wang", on=D(2026, 11, 3), method="volume", quantity=30)
    assert free.value.field == "quantity" and "0元" in free.value.message
    assert counts(engine) == before
    # 31 pages cost 10 元: that one goes out and stops the clock
    ref = act(engine, no, E.FEE_NOTICE_SENT, "wang", on=D(2026, 11, 3), method="volume", quantity=31)
    assert ref.state == "awaiting_fee"


def test_over_long_agency_and_user_fields_via_the_command(
    engine: Engine, ogi: Callable[..., Run]
) -> None:
    before = counts(engine)
    long_name = ogi("agency", "add", "dept", "局" * 201)
    assert long_name.code == 1 and "name" in long_name.err
    long_prefix = ogi("agency", "add", "dept", "某局", "--prefix", "前" * 41)
    assert long_prefix.code == 1 and "prefix" in long_prefix.err
    long_user = ogi("user", "add", "u" * 61, "--role", "caseworker", "--agency", "lixia")
    assert long_user.code == 1 and "username" in long_user.err
    assert counts(engine) == before


def test_a_bad_database_url_is_a_message_not_a_traceback(tmp_path: Path, ogi: Callable[..., Run]) -> None:
    result = ogi("--db", "nosuchdb://x", "case", "list")
    assert result.code in (2, 6) and "Traceback" not in result.err and "数据库" in result.err


def test_commands_do_not_leave_an_empty_database_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ogi: Callable[..., Run]
) -> None:
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "ogi.db"
    result = ogi("--db", f"sqlite:///{target}", "case", "list")
    assert result.code == 6 and "ogi init" in result.err
    assert not target.exists()
    assert ogi("--db", f"sqlite:///{target}", "init", "--agency", "a", "--agency-name", "某机关").code == 0
    assert target.exists()
