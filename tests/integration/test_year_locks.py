"""A locked year's figures cannot change or be lost (RULES §3), on SQLite and PostgreSQL.

- the lock freezes the list of the data at that moment, not the list of the last close;
- answers racing a lock either land before it (and are in its list) or are refused after it;
- an unlock and a re-close keep every list a lock froze;
- closing all agencies skips a locked one, closes the others, and says so (exit 5);
- a year that has not ended cannot be closed or locked.

Today is 2026-11-20; the cases are received in 2025 and answered (late) with 2025 dates.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from conftest import Run
from ops import NewCase, act, add_agency, add_user, close_year, lock_year, register_case
from sqlalchemy import Engine, text

from domain.case import CaseEventType as E
from domain.errors import DomainError, LockedYearError
from services import years
from store.uow import SqlUnitOfWork

D = dt.date


def new_case(name: str, received_on: dt.date, agency: str = "lixia") -> NewCase:
    return NewCase(agency, name, "natural_person", "online", received_on, "某信息")


def ids(engine: Engine, sql: str, **params: Any) -> set[int]:
    with engine.connect() as connection:
        return set(connection.execute(text(sql), params).scalars())


def live_carried_out(engine: Engine, year: int) -> set[int]:
    return ids(
        engine,
        "SELECT id FROM cases WHERE received_on <= :last "
        "AND (concluded_on IS NULL OR concluded_on > :last)",
        last=D(year, 12, 31),
    )


def locked_lists(engine: Engine, year: int) -> list[set[int]]:
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT locked_at, case_id FROM year_locked_ledger WHERE year = :y "
                "ORDER BY locked_at"
            ),
            {"y": year},
        ).all()
    lists: dict[Any, set[int]] = {}
    for locked_at, case_id in rows:
        lists.setdefault(locked_at, set()).add(case_id)
    return list(lists.values())


def test_the_lock_freezes_the_data_of_that_moment_and_keeps_it(engine: Engine) -> None:
    numbers = [
        register_case(engine, new_case(f"申请人{i}", D(2025, 12, 1)), "liu").case_no
        for i in range(3)
    ]
    close_year(engine, 2025, "liu")
    # a late answer dated in 2025, recorded after the close: the lock must not freeze the
    # stale list of the close
    act(engine, numbers[0], E.ANSWERED, "liu", on=D(2025, 12, 30), outcome="disclosed")
    lock_year(engine, 2025, "liu")
    assert locked_lists(engine, 2025) == [live_carried_out(engine, 2025)]
    assert len(live_carried_out(engine, 2025)) == 2
    first = locked_lists(engine, 2025)[0]

    # unlock, correct, re-close: the published list is still there beside the new one
    years.unlock_year(
        SqlUnitOfWork(engine), 2025, actor=_who(engine, "liu"), today=D(2026, 11, 20),
        reason="补登答复", agency="lixia",
    )  # fmt: skip
    act(engine, numbers[1], E.ANSWERED, "liu", on=D(2025, 12, 31), outcome="disclosed")
    close_year(engine, 2025, "liu")
    lock_year(engine, 2025, "liu")
    lists = locked_lists(engine, 2025)
    assert lists[0] == first and lists[1] == live_carried_out(engine, 2025)
    assert len(lists[1]) == 1


def _who(engine: Engine, name: str) -> Any:
    from ops import who

    return who(engine, name)


def test_answers_racing_a_lock_are_in_its_list_or_refused(database: Any, engine: Engine) -> None:
    numbers = [
        register_case(engine, new_case(f"申请人{i}", D(2025, 12, 1)), "liu").case_no
        for i in range(8)
    ]
    engines = [database.new_engine() for _ in range(len(numbers) + 1)]
    barrier = threading.Barrier(len(numbers) + 1)

    def answer(eng: Engine, case_no: str) -> str:
        barrier.wait(timeout=30)
        try:
            act(eng, case_no, E.ANSWERED, "liu", on=D(2025, 12, 30), outcome="disclosed")
            return "answered"
        except LockedYearError:
            return "refused"

    def lock(eng: Engine) -> str:
        barrier.wait(timeout=30)
        lock_year(eng, 2025, "liu")
        return "locked"

    with ThreadPoolExecutor(max_workers=len(engines)) as pool:
        futures = [pool.submit(answer, e, n) for e, n in zip(engines, numbers, strict=False)]
        futures.append(pool.submit(lock, engines[-1]))
        outcomes = [f.result(timeout=120) for f in futures]
    assert outcomes[-1] == "locked"
    assert set(outcomes[:-1]) <= {"answered", "refused"}
    # whatever the interleaving, the frozen list is exactly the data after everything ended
    # (an empty list leaves no rows: every answer landed before the lock)
    frozen = locked_lists(engine, 2025)
    assert len(frozen) <= 1
    assert (frozen[0] if frozen else set()) == live_carried_out(engine, 2025)
    answered = outcomes[:-1].count("answered")
    assert len(live_carried_out(engine, 2025)) == len(numbers) - answered


def test_closing_all_agencies_skips_a_locked_one_and_says_so(
    engine: Engine, ogi: Callable[..., Run]
) -> None:
    add_agency(engine, "lixia_zj", "历下区住房和城乡建设局", parent="lixia", prefix="历下住建公开")
    add_user(engine, "zhou", "周科长", "supervisor", "lixia_zj")
    register_case(engine, new_case("甲", D(2025, 12, 1)), "liu")
    register_case(engine, new_case("乙", D(2025, 12, 2), "lixia_zj"), "zhou")
    lock_year(engine, 2025, "zhou", agency="lixia_zj")  # (the lock closed it and told zhou)
    closed = ogi("year", "close", "2025", "-u", "liu", "--json")
    assert closed.code == 5
    by_agency = {r["agency"]: r for r in closed.json()}
    assert by_agency["lixia_zj"]["skipped"] == "已锁定"
    assert by_agency["lixia"]["skipped"] is None and by_agency["lixia"]["carried_out"] == 1
    # the supervisor of the closed agency was told; nobody was told about the locked one
    with engine.connect() as connection:
        told = (
            connection.execute(text("SELECT recipient FROM outbox WHERE kind = 'year_closed'"))
            .scalars()
            .all()
        )
    assert sorted(told) == ["chen", "liu", "zhou"]  # zhou only once: from the lock's close
    text_run = ogi("year", "close", "2025", "-u", "liu")
    assert text_run.code == 5 and "lixia_zj" in text_run.err and "已锁定" in text_run.err


@pytest.mark.parametrize("year", [2026, 2027])
def test_a_year_that_has_not_ended_cannot_be_closed_or_locked(
    engine: Engine, ogi: Callable[..., Run], year: int
) -> None:
    before = ids(engine, "SELECT year FROM year_closes")
    for verb in ("close", "lock"):
        result = ogi("year", verb, str(year), "-u", "liu")
        assert result.code == 1 and "尚未结束" in result.err
    with pytest.raises(DomainError) as refused:
        close_year(engine, year, "liu")
    assert refused.value.field == "year"
    assert ids(engine, "SELECT year FROM year_closes") == before


def test_a_caseworker_may_not_close_or_lock(engine: Engine, ogi: Callable[..., Run]) -> None:
    for verb in ("close", "lock"):
        result = ogi("year", verb, "2025", "-u", "wang")
        assert result.code == 7
    assert ids(engine, "SELECT year FROM year_closes") == set()
