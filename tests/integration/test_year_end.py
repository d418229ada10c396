"""Year end over four years (2022–2025): close, lock, the carry chain, refusals, unlock.

Cases are registered and answered through the services (`today` pinned to 2026-11-20, every
date in the past), one year after the other as an office would live them; each year is then
closed and locked with `ogi year close` / `ogi year lock`. Expected figures are worked out by
hand from the case list below (RULES §3: carried out of Y = D0 ≤ 31 Dec Y and not concluded on
or before 31 Dec Y).

| case | type    | D0         | concluded  | carried out of |
|------|---------|------------|------------|----------------|
| A1   | natural | 2022-03-01 | 2022-03-20 |                |
| A2   | natural | 2022-06-01 | 2022-06-15 |                |
| A3   | business| 2022-08-01 | 2022-08-20 |                |
| A4   | natural | 2022-12-20 | 2023-01-10 | 2022           |
| A5   | business| 2022-12-22 | 2023-01-12 | 2022           |
| A6   | natural | 2022-12-28 | 2024-01-08 | 2022, 2023     |
| B1   | natural | 2023-02-01 | 2023-02-20 |                |
| B2   | business| 2023-05-04 | 2023-05-22 |                |
| B3   | natural | 2023-12-18 | 2024-01-05 | 2023           |
| B4   | business| 2023-12-20 | 2024-02-01 | 2023           |
| B5   | natural | 2023-12-27 | open       | 2023, 2024, 2025 |
| C1   | natural | 2024-03-01 | 2024-03-11 |                |
| C2   | other   | 2024-12-23 | 2025-01-06 | 2024           |
| C3   | natural | 2024-12-30 | open       | 2024, 2025     |
| D1   | business| 2025-04-01 | 2025-04-10 |                |
| D2   | natural | 2025-12-29 | open       | 2025           |

Carried out: 2022 natural 2 + business 1; 2023 natural 3 + business 1; 2024 natural 2 +
other 1; 2025 natural 3.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import ops
import pytest
from ops import NewCase, act, close_year, lock_year, register_case
from sqlalchemy import Engine, text

from domain.errors import LockedYearError
from domain.outcomes import REPORT_COLUMNS

REPO = Path(__file__).resolve().parents[2]
TODAY = dt.date(2026, 11, 20)
D = dt.date
NP, BIZ, OTHER = "natural_person", "business", "other_org"

CASES: dict[str, tuple[str, dt.date]] = {
    "A1": (NP, D(2022, 3, 1)),
    "A2": (NP, D(2022, 6, 1)),
    "A3": (BIZ, D(2022, 8, 1)),
    "A4": (NP, D(2022, 12, 20)),
    "A5": (BIZ, D(2022, 12, 22)),
    "A6": (NP, D(2022, 12, 28)),
    "B1": (NP, D(2023, 2, 1)),
    "B2": (BIZ, D(2023, 5, 4)),
    "B3": (NP, D(2023, 12, 18)),
    "B4": (BIZ, D(2023, 12, 20)),
    "B5": (NP, D(2023, 12, 27)),
    "C1": (NP, D(2024, 3, 1)),
    "C2": (OTHER, D(2024, 12, 23)),
    "C3": (NP, D(2024, 12, 30)),
    "D1": (BIZ, D(2025, 4, 1)),
    "D2": (NP, D(2025, 12, 29)),
}
# What happens in each year, in date order: registrations and answers dated in that year.
YEAR_EVENTS: dict[int, list[tuple[str, str, dt.date]]] = {
    2022: [
        ("register", "A1", D(2022, 3, 1)),
        ("answer", "A1", D(2022, 3, 20)),
        ("register", "A2", D(2022, 6, 1)),
        ("answer", "A2", D(2022, 6, 15)),
        ("register", "A3", D(2022, 8, 1)),
        ("answer", "A3", D(2022, 8, 20)),
        ("register", "A4", D(2022, 12, 20)),
        ("register", "A5", D(2022, 12, 22)),
        ("register", "A6", D(2022, 12, 28)),
    ],
    2023: [
        ("answer", "A4", D(2023, 1, 10)),
        ("answer", "A5", D(2023, 1, 12)),
        ("register", "B1", D(2023, 2, 1)),
        ("answer", "B1", D(2023, 2, 20)),
        ("register", "B2", D(2023, 5, 4)),
        ("answer", "B2", D(2023, 5, 22)),
        ("register", "B3", D(2023, 12, 18)),
        ("register", "B4", D(2023, 12, 20)),
        ("register", "B5", D(2023, 12, 27)),
    ],
    # B3's answer (2024-01-05) is given by the test, after 2023 is locked.
    2024: [
        ("answer", "A6", D(2024, 1, 8)),
        ("answer", "B4", D(2024, 2, 1)),
        ("register", "C1", D(2024, 3, 1)),
        ("answer", "C1", D(2024, 3, 11)),
        ("register", "C2", D(2024, 12, 23)),
        ("register", "C3", D(2024, 12, 30)),
    ],
    2025: [
        ("answer", "C2", D(2025, 1, 6)),
        ("register", "D1", D(2025, 4, 1)),
        ("answer", "D1", D(2025, 4, 10)),
        ("register", "D2", D(2025, 12, 29)),
    ],
}
CARRIED_OUT: dict[int, dict[str, int]] = {
    2022: {NP: 2, BIZ: 1},
    2023: {NP: 3, BIZ: 1},
    2024: {NP: 2, OTHER: 1},
    2025: {NP: 3},
}
CARRIED_OUT_CASES: dict[int, list[str]] = {
    2022: ["A4", "A5", "A6"],
    2023: ["A6", "B3", "B4", "B5"],
    2024: ["B5", "C2", "C3"],
    2025: ["B5", "C3", "D2"],
}
SUPERVISORS = ("liu", "zhao")


def row_of(counts: dict[str, int]) -> dict[str, int]:
    """A report row: every column, the missing ones 0, and the total."""
    row = {c: counts.get(c, 0) for c in REPORT_COLUMNS if c != "total"}
    row["total"] = sum(row.values())
    return row


# -- the command line and the database --------------------------------------------------------


def ogi_command() -> list[str]:
    script = Path(sys.executable).with_name("ogi")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "cli.main"]


def run_ogi(url: str, *args: str, expect: int = 0) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "OGI_DATABASE_URL": url,
        "OGI_USER": "admin",
        "OGI_TODAY": TODAY.isoformat(),
    }
    done = subprocess.run(
        [*ogi_command(), *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == expect, (
        f"ogi {' '.join(args)} exited {done.returncode} (expected {expect})\n"
        f"stdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    )
    return done


def scalar(engine: Engine, sql: str, **params: Any) -> Any:
    with engine.connect() as connection:
        return connection.execute(text(sql), params).scalar_one()


def ledger(engine: Engine, year: int) -> list[tuple[Any, ...]]:
    """The year's recorded carried-out list: (agency, year, case number, applicant type)."""
    with engine.connect() as connection:
        return sorted(
            tuple(r)
            for r in connection.execute(
                text(
                    "SELECT l.agency_id, l.year, c.case_no, l.applicant_type FROM year_ledger l "
                    "JOIN cases c ON c.id = l.case_id WHERE l.year = :y"
                ),
                {"y": year},
            )
        )


def year_close_outbox(engine: Engine) -> list[tuple[str, str]]:
    with engine.connect() as connection:
        return sorted(
            tuple(r)
            for r in connection.execute(
                text("SELECT recipient, dedupe_key FROM outbox WHERE kind = 'year_closed'")
            )
        )


class Office:
    """The office living through the years: registers and answers through the services."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.numbers: dict[str, str] = {}

    def register(self, label: str, on: dt.date | None = None) -> str:
        kind, received = CASES[label]
        ref = register_case(
            self.engine,
            NewCase("lixia", f"申请人{label}", kind, "online", on or received, f"申请{label}"),
            "wang",
            today=TODAY,
        )
        self.numbers[label] = ref.case_no
        return ref.case_no

    def answer(self, label: str, on: dt.date) -> None:
        act(self.engine, self.numbers[label], "answered", "wang", on=on, today=TODAY,
            outcome="disclosed")  # fmt: skip

    def live(self, year: int) -> None:
        for action, label, on in YEAR_EVENTS[year]:
            if action == "register":
                self.register(label, on)
            else:
                self.answer(label, on)

    def numbers_of(self, labels: list[str]) -> list[str]:
        return sorted(self.numbers[label] for label in labels)

    def events(self) -> int:
        return scalar(self.engine, "SELECT count(*) FROM case_events")


@pytest.fixture
def office(database: Any) -> tuple[str, Office]:
    url = database.url
    run_ogi(url, "init", "--agency", "lixia", "--agency-name", "济南市历下区人民政府")
    engine = database.new_engine()
    ops.add_user(engine, "wang", "王敏", "caseworker", "lixia")
    for username in SUPERVISORS:
        ops.add_user(engine, username, f"主管{username}", "supervisor", "lixia")
    return url, Office(engine)


def close(url: str, year: int) -> dict[str, Any]:
    [result] = json.loads(run_ogi(url, "year", "close", str(year), "--json").stdout)
    return result


def report(url: str, year: int) -> dict[str, Any]:
    out = run_ogi(url, "report", "annual", "--year", str(year), "--agency", "lixia")
    return json.loads(out.stdout)


def carry_check(data: dict[str, Any]) -> dict[str, Any]:
    [check] = [c for c in data["checks"] if c["name"] == "carry_chain"]
    return check


def test_four_years_closed_and_locked(office: tuple[str, Office]) -> None:
    url, o = office
    engine = o.engine

    # 2022, closed twice: the same ledger, one message per supervisor, not two.
    o.live(2022)
    first = close(url, 2022)
    assert (first["carried_out"], first["balanced"]) == (3, True)
    assert sorted(first["notified"]) == list(SUPERVISORS)
    recorded = ledger(engine, 2022)
    assert [r[2] for r in recorded] == o.numbers_of(CARRIED_OUT_CASES[2022])
    outbox = year_close_outbox(engine)
    assert [r[0] for r in outbox] == list(SUPERVISORS)
    assert close(url, 2022)["carried_out"] == 3
    assert ledger(engine, 2022) == recorded
    assert year_close_outbox(engine) == outbox
    with engine.connect() as connection:
        payloads = connection.execute(
            text("SELECT payload FROM outbox WHERE kind = 'year_closed'")
        ).scalars()
        facts = [(json.loads(p) if isinstance(p, str) else p)["facts"] for p in payloads]
        cases = [sorted(c["case_no"] for c in f["cases"]) for f in facts]
    assert cases == [o.numbers_of(CARRIED_OUT_CASES[2022])] * len(SUPERVISORS)
    run_ogi(url, "year", "lock", "2022")
    refused = run_ogi(url, "year", "close", "2022", expect=5)
    assert "已锁定" in refused.stderr
    assert ledger(engine, 2022) == recorded

    # 2023, then what the lock of 2023 refuses and what it lets through.
    o.live(2023)
    assert close(url, 2023)["carried_out"] == 4
    run_ogi(url, "year", "lock", "2023")
    events = o.events()
    refused = run_ogi(
        url, "case", "answer", o.numbers["B3"], "--on", "2023-12-29",
        "--outcome", "disclosed", "--user", "wang", expect=5,
    )  # fmt: skip
    assert "2023" in refused.stderr and "锁定" in refused.stderr
    with pytest.raises(LockedYearError):
        o.answer("B3", D(2023, 12, 29))
    assert o.events() == events
    o.answer("B3", D(2024, 1, 5))  # the same answer dated in unlocked 2024
    assert o.events() == events + 1
    cases_before = scalar(engine, "SELECT count(*) FROM cases")
    with pytest.raises(LockedYearError):
        o.register("B1", D(2023, 6, 1))  # a late registration with D0 in locked 2023
    assert scalar(engine, "SELECT count(*) FROM cases") == cases_before
    assert o.events() == events + 1

    # 2024 and 2025.
    for year in (2024, 2025):
        o.live(year)
        result = close(url, year)
        assert (result["carried_out"], result["balanced"]) == (
            sum(CARRIED_OUT[year].values()),
            True,
        )
        run_ogi(url, "year", "lock", str(year))

    # Every year: carried out as worked out by hand, recorded so, and carried into the next.
    reports = {year: report(url, year) for year in range(2022, 2026)}
    assert reports[2022]["section3"]["rows"]["carried_in"] == row_of({})
    for year, data in reports.items():
        rows = data["section3"]["rows"]
        assert rows["carried_out"] == row_of(CARRIED_OUT[year]), year
        assert [r[2] for r in ledger(engine, year)] == o.numbers_of(CARRIED_OUT_CASES[year])
        assert all(c["ok"] is True for c in data["checks"]), (year, data["checks"])
        if year > 2022:
            assert rows["carried_in"] == reports[year - 1]["section3"]["rows"]["carried_out"]
            chain = carry_check(data)
            assert f"{year - 1}年度（已锁定）" in chain["detail"], chain
    assert "未核对" in carry_check(reports[2022])["detail"]
    outbox = year_close_outbox(engine)
    assert len(outbox) == 4 * len(SUPERVISORS) == len({key for _, key in outbox})


def test_unlock_needs_a_reason_and_a_late_change_breaks_the_carry_chain(
    office: tuple[str, Office],
) -> None:
    url, o = office
    engine = o.engine
    for year in (2022, 2023, 2024, 2025):  # the command line did this in the test above
        o.live(year)
        if year == 2024:
            o.answer("B3", D(2024, 1, 5))
        close_year(engine, year, "admin")
        lock_year(engine, year, "admin")

    run_ogi(url, "year", "unlock", "2023", expect=2)  # --reason is required
    reason = "2023年度B5案件答复日期登记遗漏，更正"
    run_ogi(url, "year", "unlock", "2023", "--reason", reason)
    with engine.connect() as connection:
        audit = connection.execute(
            text("SELECT action, actor, reason FROM year_audit WHERE year = 2023 ORDER BY id")
        ).all()
    assert [tuple(a) for a in audit if a[0] == "unlock"] == [("unlock", "admin", reason)]
    # the lock closes again first, so the list it freezes is the data of that moment
    assert [a[0] for a in audit] == ["close", "close", "lock", "unlock"]

    # B5 was carried out of 2023, 2024 and 2025; an answer dated 2023 would change the locked
    # 2024 and 2025 figures (their 上年结转 and 结转下年度), so it is refused until they too
    # are unlocked.
    events = o.events()
    with pytest.raises(LockedYearError):
        o.answer("B5", D(2023, 12, 29))
    assert o.events() == events
    run_ogi(url, "year", "unlock", "2024", "--reason", reason)
    run_ogi(url, "year", "unlock", "2025", "--reason", reason)
    o.answer("B5", D(2023, 12, 29))

    # Not re-closed: 2024's live 上年结转 (natural 2) no longer matches the 3 recorded at
    # 2023's close, and the check names B5.
    data = report(url, 2024)
    assert data["section3"]["rows"]["carried_in"] == row_of({NP: 2, BIZ: 1})
    chain = carry_check(data)
    assert chain["ok"] is False
    assert o.numbers["B5"] in chain["detail"]
    assert all(c["ok"] for c in data["checks"] if c["name"] != "carry_chain")

    # Closing 2023 again records the corrected list, and the chain holds again.
    assert close(url, 2023)["carried_out"] == 3
    assert carry_check(report(url, 2024))["ok"] is True
