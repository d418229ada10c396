"""Real concurrent writers on SQLite and PostgreSQL: each thread has its own engine (own
connections), and the threads are released together by a barrier.

- Two people act on the same version of a case: exactly one wins, the other gets
  ConflictError, and the event log has exactly one new event (seq 1..n, no gap, no double).
- Registrations at once: gapless, unique case numbers 0001..0100, none refused.
- Actions at once without an expected version: all succeed, nothing is lost.

The numbers seen are printed and recorded (`record_property`), e.g. run with `-rP`.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

from ops import CaseRef, NewCase, act, register_case
from sqlalchemy import Engine, text

from domain.case import CaseEventType as E
from domain.errors import ConflictError

D = dt.date
WORKER_TIMEOUT = 120  # seconds: a deadlock fails the test instead of hanging CI


def _new_case(received_on: dt.date, name: str = "张伟") -> NewCase:
    return NewCase("lixia", name, "natural_person", "online", received_on, "某项目征收补偿方案")


def _version(engine: Engine, case_no: str) -> int:
    with engine.connect() as connection:
        return connection.execute(
            text("SELECT version FROM cases WHERE case_no = :no"), {"no": case_no}
        ).scalar_one()


def _run_together(jobs: list[Callable[[], Any]]) -> list[tuple[str, Any]]:
    """Run the jobs in threads released at once; ("ok", result) or ("error", exception)."""
    barrier = threading.Barrier(len(jobs))

    def run(job: Callable[[], Any]) -> tuple[str, Any]:
        barrier.wait(timeout=30)
        try:
            return "ok", job()
        except Exception as exc:
            return "error", exc

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        futures = [pool.submit(run, job) for job in jobs]
        return [f.result(timeout=WORKER_TIMEOUT) for f in futures]


Action = tuple[E, str, dict[str, Any]]
# Pairs of actions that are each allowed on the case, but not both on the same version;
# the first three leave the case open for the next race.
RACES: list[tuple[Action, Action]] = [
    # by supervisors and the office head, who may act whoever holds the case (RULES §7)
    ((E.ASSIGNED, "liu", {"assignee": "wang"}), (E.ASSIGNED, "chen", {"assignee": "liu"})),
    (
        (E.ASSIGNED, "chen", {"assignee": "chen"}),
        (E.EXTENSION_REQUESTED, "liu", {"workdays": 5, "reason": "复杂"}),
    ),
    (
        (E.CONSULTATION_STARTED, "liu", {"kind": "agency", "reason": "共同制作"}),
        (E.ASSIGNED, "liu", {"assignee": "wang"}),
    ),
]


def test_same_version_races_exactly_one_wins(
    database, engine: Engine, today: dt.date, seqs, record_property
) -> None:  # type: ignore[no-untyped-def]
    # Mon 11-16: the 补正 window (7 working days) runs to 11-25, so 补正 on 11-20 is allowed.
    cases = [
        register_case(engine, _new_case(D(2026, 11, 16), f"申请人{i}"), "wang", today=today).case_no
        for i in range(5)
    ]
    engines = [database.new_engine(), database.new_engine()]  # one per thread
    answer = (E.ANSWERED, "liu", {"outcome": "disclosed"})
    supplement = (E.SUPPLEMENT_REQUESTED, "chen", {"reason": "内容不明确"})
    races = conflicts = lost = doubled = first_won = 0
    problems: list[str] = []
    for no in cases:
        for first, second in [*RACES, (answer, supplement)]:
            if first is answer and _state(engine, no) == "in_consultation":
                # a paused clock refuses 补正: end the consultation first (not part of the race)
                act(engine, no, E.CONSULTATION_ENDED, "liu", today=today)
            seen = _version(engine, no)
            outcome = _run_together(
                [
                    partial(_act_at, eng, no, action, seen, today)
                    for eng, action in zip(engines, (first, second), strict=True)
                ]
            )
            races += 1
            winners = [value for status, value in outcome if status == "ok"]
            errors = [value for status, value in outcome if status == "error"]
            conflicts += sum(isinstance(e, ConflictError) for e in errors)
            if len(winners) != 1 or not all(isinstance(e, ConflictError) for e in errors):
                problems.append(f"{no} v{seen}: {outcome!r}")
            first_won += outcome[0][0] == "ok"
            after = _version(engine, no)
            events = seqs(no)
            lost += max(0, (seen + 1) - len(events))
            doubled += max(0, len(events) - (seen + 1))
            if events != list(range(1, after + 1)) or after != seen + 1:
                problems.append(f"{no}: version {after}, seqs {events}")
            if winners and winners[0].version != seen + 1:
                problems.append(f"{no}: winner reports version {winners[0].version}")
    summary = (
        f"{database.kind}: {races} races, {conflicts} conflicts, {lost} lost events, "
        f"{doubled} doubled events (first action won {first_won}, second {races - first_won})"
    )
    print(summary)
    record_property("races", summary)
    assert problems == [], summary
    assert (races, conflicts, lost, doubled) == (20, 20, 0, 0), summary


def _act_at(eng: Engine, case_no: str, action: Action, expected: int, today: dt.date) -> CaseRef:
    kind, user, payload = action
    return act(eng, case_no, kind, user, today=today, expected_version=expected, **payload)


def _state(engine: Engine, case_no: str) -> str:
    with engine.connect() as connection:
        return connection.execute(
            text("SELECT state FROM cases WHERE case_no = :no"), {"no": case_no}
        ).scalar_one()


def test_concurrent_registrations_get_gapless_unique_numbers(
    database, engine: Engine, today: dt.date, record_property
) -> None:  # type: ignore[no-untyped-def]
    threads, each = 4, 25
    engines = [database.new_engine() for _ in range(threads)]

    def register_many(eng: Engine, worker: int) -> list[str]:
        return [
            register_case(
                eng, _new_case(D(2026, 11, 2), f"申请人{worker}-{n}"), "wang", today=today
            ).case_no
            for n in range(each)
        ]

    outcome = _run_together(
        [lambda eng=eng, w=w: register_many(eng, w) for w, eng in enumerate(engines)]
    )
    failures = [value for status, value in outcome if status == "error"]
    assert failures == []
    numbers = [no for _, batch in outcome for no in batch]
    expected = {f"历下政公开〔2026〕第{n:04d}号" for n in range(1, threads * each + 1)}
    assert len(numbers) == threads * each
    assert set(numbers) == expected  # 0001..0100: no gap, no duplicate
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT count(DISTINCT case_no) FROM cases")).scalar_one()
        last = connection.execute(text("SELECT last_seq FROM case_counters")).scalar_one()
    assert (stored, last) == (100, 100)
    summary = (
        f"{database.kind}: {threads}x{each} registrations, {len(set(numbers))} distinct numbers "
        f"0001..{threads * each:04d}, {len(failures)} failures"
    )
    print(summary)
    record_property("registrations", summary)


def test_concurrent_actions_without_version_all_succeed(
    database, engine: Engine, today: dt.date, seqs, record_property
) -> None:  # type: ignore[no-untyped-def]
    n = 8
    no = register_case(engine, _new_case(D(2026, 11, 2)), "wang", today=today).case_no
    engines = [database.new_engine() for _ in range(n)]
    users = ["wang", "liu"]

    outcome = _run_together(
        [
            lambda eng=eng, i=i: act(eng, no, E.ASSIGNED, "liu", today=today, assignee=users[i % 2])
            for i, eng in enumerate(engines)
        ]
    )
    failures = [value for status, value in outcome if status == "error"]
    assert failures == []
    versions = sorted(value.version for _, value in outcome)
    assert versions == list(range(2, n + 2))  # each action saw the one before it
    assert _version(engine, no) == n + 1
    assert seqs(no) == list(range(1, n + 2))
    with engine.connect() as connection:
        assigned = connection.execute(
            text(
                "SELECT count(*) FROM case_events e JOIN cases c ON c.id = e.case_id "
                "WHERE c.case_no = :no AND e.type = 'assigned'"
            ),
            {"no": no},
        ).scalar_one()
    assert assigned == n
    summary = (
        f"{database.kind}: {n} concurrent assigns, {len(failures)} failures, versions 1..{n + 1}"
    )
    print(summary)
    record_property("unversioned", summary)
