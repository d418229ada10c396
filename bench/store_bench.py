"""Store benchmark: registering applications and recomputing open cases, SQLite vs PostgreSQL.

`python -m bench store` (default N) or `python -m bench.store_bench [--cases N] [--quick]`.

For each database (a SQLite file in a temporary directory; PostgreSQL at `OGI_TEST_PG_URL`
in a fresh schema `ogi_bench_<hex>`, dropped at the end, skipped when unreachable):

1. Registration, two ways, both through `services.cases.insert_case` (validation, gapless
   case number from `case_counters`, deadline projection, the `registered` event):
   - bulk: all N cases, 1,000 `insert_case` calls per `write_session` (as the ledger import
     does, calendar loaded once per batch);
   - per action: a sample (default 2,000) of `register_case` calls, one transaction each,
     made after the bulk load so they run against a full table.
2. Events on ~20% of all cases: half get a 补正 request (half of those the 补正 back), half a
   consultation (half of those ended). Each event is made by the domain's `Case.act` (all
   guards and clock validation) and written as `services.cases._act_in` writes it (event row,
   projection, version), but 1,000 cases per transaction rather than one each (setup, timed
   for information only).
3. Recompute: `calendar_service.set_override(engine, <a working day>, HOLIDAY, "bench",
   "admin")`, which replays every open case against the new calendar in one transaction and
   records each moved due date.

"Today" is pinned to 2026-11-20; receipt dates are spread over 2026-01-05..2026-11-20; the
random generator is seeded, so both databases get the same cases and events.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import os
import pstats
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Engine, func, select

from bench.databases import postgres_engine, postgres_unreachable, sqlite_engine
from domain.calendar import EntryKind, WorkCalendar
from domain.case import CLOSED_STATES, Actor, Case, CaseEventType, Role
from domain.outcomes import ApplicantType, Channel
from services import directory
from services.calendar_service import load_calendar, set_override
from services.cases import NewCase, insert_case, register_case
from services.clock_time import now_utc
from services.projection import apply_projection, load_cases, projection, to_event_row
from services.setup import initialise
from store.db import write_session
from store.models import CaseRow, DueChange

SEED = 20261120
TODAY = dt.date(2026, 11, 20)
FIRST_RECEIPT = dt.date(2026, 1, 5)
OVERRIDE_DAY = dt.date(2026, 7, 15)  # a Wednesday, an ordinary working day in the window
DEFAULT_CASES = 100_000
QUICK_CASES = 5_000
PER_ACTION_SAMPLE = 2_000
BATCH = 1_000
EVENT_SHARE = 0.20
AGENCY = "bench"
ADMIN = "admin"
CASEWORKER = "caseworker"
PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/test"

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平"
TOPICS = [
    "某项目征收补偿方案",
    "某路段道路改造工程的立项批复",
    "某小区规划许可证及附图",
    "区财政预算执行情况",
    "某企业环境影响评价文件",
    "某地块土地出让合同",
    "某街道老旧小区改造资金使用情况",
    "某学校新建工程招标文件",
]
TYPE_WEIGHTS = [
    (ApplicantType.NATURAL_PERSON, 80),
    (ApplicantType.BUSINESS, 10),
    (ApplicantType.RESEARCH, 2),
    (ApplicantType.NONPROFIT, 2),
    (ApplicantType.LEGAL_SERVICES, 4),
    (ApplicantType.OTHER_ORG, 2),
]


# -- the workload -----------------------------------------------------------------------------


def make_cases(rng: random.Random, n: int) -> list[NewCase]:
    """n applications with receipt dates spread over the window, in order of receipt."""
    first, last = FIRST_RECEIPT.toordinal(), TODAY.toordinal()
    types = [t.value for t, _ in TYPE_WEIGHTS]
    weights = [w for _, w in TYPE_WEIGHTS]
    channels = [c.value for c in Channel]
    days = sorted(rng.randint(first, last) for _ in range(n))
    return [
        NewCase(
            agency=AGENCY,
            applicant_name=rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
            applicant_type=rng.choices(types, weights)[0],
            channel=rng.choice(channels),
            received_on=dt.date.fromordinal(day),
            content=f"申请公开{rng.choice(TOPICS)}（第{i + 1}件）",
            contact=f"1{rng.randint(3000000000, 9999999999)}",
            assignee=CASEWORKER,
        )
        for i, day in enumerate(days)
    ]


def _day_between(rng: random.Random, low: dt.date, high: dt.date) -> dt.date:
    return dt.date.fromordinal(rng.randint(low.toordinal(), max(low, high).toordinal()))


def plan_events(
    rng: random.Random, case: Case, calendar: WorkCalendar
) -> list[tuple[CaseEventType, dt.date, dict]]:
    """One or two domain-valid events for an open, freshly registered case."""
    received = case.received_on
    if rng.random() < 0.5:
        window_end = calendar.add_workdays(received, 7).day  # 《条例》第三十条
        on = _day_between(rng, received, min(window_end, TODAY))
        plan = [(CaseEventType.SUPPLEMENT_REQUESTED, on, {})]
        if rng.random() < 0.5:
            back = min(TODAY, on + dt.timedelta(days=rng.randint(1, 20)))
            plan.append((CaseEventType.SUPPLEMENT_RECEIVED, back, {}))
        return plan
    due = case.clock(calendar).due
    assert due is not None
    on = _day_between(rng, received, min(due, TODAY))
    kind = rng.choice(["third_party", "agency"])
    plan = [(CaseEventType.CONSULTATION_STARTED, on, {"kind": kind, "party": "第三方甲"})]
    if rng.random() < 0.5:
        end = min(TODAY, on + dt.timedelta(days=rng.randint(1, 25)))
        plan.append((CaseEventType.CONSULTATION_ENDED, end, {"kind": kind, "party": "第三方甲"}))
    return plan


# -- phases -----------------------------------------------------------------------------------


def bulk_register(engine: Engine, cases: list[NewCase], progress: bool) -> float:
    start = time.perf_counter()
    for first in range(0, len(cases), BATCH):
        with write_session(engine) as session:
            calendar = load_calendar(session)
            for new in cases[first : first + BATCH]:
                insert_case(session, new, CASEWORKER, today=TODAY, calendar=calendar)
        done = first + BATCH
        if progress and done % 10_000 == 0:
            rate = (time.perf_counter() - start) / done * 1000
            print(f"    … {done:,} registered ({rate * 1000:.0f} ms / 1,000)", file=sys.stderr)
    return time.perf_counter() - start


def per_action_register(engine: Engine, cases: list[NewCase]) -> float:
    start = time.perf_counter()
    for new in cases:
        register_case(engine, new, CASEWORKER, today=TODAY)
    return time.perf_counter() - start


def add_events(engine: Engine, rng: random.Random) -> tuple[float, int, int]:
    """Give ~EVENT_SHARE of the cases 补正 or consultation events; returns (s, cases, events)."""
    start = time.perf_counter()
    with write_session(engine) as session:
        ids = session.execute(select(CaseRow.id).order_by(CaseRow.id)).scalars().all()
    chosen = sorted(rng.sample(ids, round(len(ids) * EVENT_SHARE)))
    actor = Actor(CASEWORKER, Role.CASEWORKER)
    n_events = 0
    for first in range(0, len(chosen), BATCH):
        chunk = chosen[first : first + BATCH]
        with write_session(engine) as session:
            calendar = load_calendar(session)
            for row, case in load_cases(session, chunk):
                for type_, on, payload in plan_events(rng, case, calendar):
                    event = case.act(type_, actor, on, now_utc(), calendar, **payload)
                    row.version += 1
                    session.add(to_event_row(row.id, row.version, event))
                    row.updated_at = event.at
                    n_events += 1
                apply_projection(row, projection(case, calendar))
    return time.perf_counter() - start, len(chosen), n_events


def count_open(engine: Engine) -> tuple[int, int]:
    closed = [s.value for s in CLOSED_STATES]
    with write_session(engine) as session:
        total = session.execute(select(func.count()).select_from(CaseRow)).scalar_one()
        open_ = session.execute(
            select(func.count()).select_from(CaseRow).where(CaseRow.state.not_in(closed))
        ).scalar_one()
    return total, open_


def count_due_changes(engine: Engine) -> int:
    with write_session(engine) as session:
        return session.execute(select(func.count()).select_from(DueChange)).scalar_one()


# -- databases --------------------------------------------------------------------------------


# -- one database -----------------------------------------------------------------------------


@dataclass
class Result:
    label: str
    n_bulk: int = 0
    bulk_s: float = 0.0
    n_single: int = 0
    single_s: float = 0.0
    event_cases: int = 0
    events: int = 0
    events_s: float = 0.0
    total_cases: int = 0
    open_cases: int = 0
    recompute_s: float = 0.0
    moved: int = 0
    due_changes: int = 0
    setup_s: float = 0.0
    profiles: dict[str, str] = field(default_factory=dict)

    @property
    def bulk_ms(self) -> float:
        return self.bulk_s / self.n_bulk * 1e6 if self.n_bulk else float("nan")

    @property
    def single_ms(self) -> float:
        return self.single_s / self.n_single * 1e6 if self.n_single else float("nan")

    @property
    def recompute_ms(self) -> float:
        return self.recompute_s / self.open_cases * 1e6 if self.open_cases else float("nan")


def _timed(profile: bool, result: Result, name: str, work: Callable[[], object]) -> object:
    if not profile:
        return work()
    profiler = cProfile.Profile()
    value = profiler.runcall(work)
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(15)
    stats.sort_stats("cumulative").print_stats(25)
    result.profiles[name] = out.getvalue()
    return value


def bench_database(
    label_engine: tuple[str, Engine],
    bulk_cases: list[NewCase],
    single_cases: list[NewCase],
    *,
    profile: bool,
    progress: bool,
) -> Result:
    label, engine = label_engine
    result = Result(label)
    short = engine.dialect.name
    start = time.perf_counter()
    initialise(engine, AGENCY, "基准测试区人民政府", prefix="基准政公开", admin=ADMIN)
    directory.add_user(engine, CASEWORKER, "经办人甲", "caseworker", AGENCY)
    result.setup_s = time.perf_counter() - start

    print(f"  [{short}] bulk registration of {len(bulk_cases):,} …", file=sys.stderr)
    result.n_bulk = len(bulk_cases)
    result.bulk_s = _timed(  # type: ignore[assignment]
        profile, result, "bulk registration", lambda: bulk_register(engine, bulk_cases, progress)
    )
    print(f"  [{short}] per-action registration of {len(single_cases):,} …", file=sys.stderr)
    result.n_single = len(single_cases)
    result.single_s = _timed(  # type: ignore[assignment]
        profile,
        result,
        "per-action registration",
        lambda: per_action_register(engine, single_cases),
    )
    print(f"  [{short}] events on {EVENT_SHARE:.0%} of the cases …", file=sys.stderr)
    rng = random.Random(SEED + 1)
    result.events_s, result.event_cases, result.events = add_events(engine, rng)
    result.total_cases, result.open_cases = count_open(engine)

    print(f"  [{short}] recompute after set_override({OVERRIDE_DAY}) …", file=sys.stderr)
    before = count_due_changes(engine)
    start = time.perf_counter()
    change = _timed(
        profile,
        result,
        "recompute (set_override)",
        lambda: set_override(engine, OVERRIDE_DAY, EntryKind.HOLIDAY, "bench", ADMIN),
    )
    result.recompute_s = time.perf_counter() - start
    result.moved = len(change.moved)  # type: ignore[attr-defined]
    result.due_changes = count_due_changes(engine) - before
    return result


# -- reporting --------------------------------------------------------------------------------


def report(r: Result) -> None:
    sys.stderr.flush()
    print(f"\n{r.label}")
    print(f"  setup (migrate, calendar seed, agency, users)  {r.setup_s:8.2f} s")
    print(
        f"  registration, bulk (insert_case, {BATCH:,}/transaction): "
        f"{r.n_bulk:,} in {r.bulk_s:.2f} s  →  {r.bulk_ms:8.1f} ms / 1,000"
    )
    print(
        f"  registration, per action (register_case, 1 transaction each): "
        f"{r.n_single:,} in {r.single_s:.2f} s  →  {r.single_ms:8.1f} ms / 1,000"
    )
    print(f"  events (setup): {r.events:,} events on {r.event_cases:,} cases in {r.events_s:.2f} s")
    print(
        f"  recompute (set_override {OVERRIDE_DAY} → holiday, one transaction): "
        f"{r.open_cases:,} open of {r.total_cases:,} cases in {r.recompute_s:.2f} s  →  "
        f"{r.recompute_ms:8.1f} ms / 1,000; {r.moved:,} due dates moved"
    )
    for name, text_ in r.profiles.items():
        print(f"\n  cProfile — {name}:\n{text_}")
    sys.stdout.flush()


def ratio_line(pg: Result, lite: Result) -> None:
    def ratio(a: float, b: float) -> str:
        return f"{a / b:.2f}×" if b else "n/a"

    print(
        "\nPostgreSQL / SQLite (same run): "
        f"bulk registration {ratio(pg.bulk_ms, lite.bulk_ms)}, "
        f"per-action registration {ratio(pg.single_ms, lite.single_ms)}, "
        f"recompute {ratio(pg.recompute_ms, lite.recompute_ms)}"
    )


def check(r: Result) -> list[str]:
    problems = []
    expected = r.n_bulk + r.n_single
    if r.total_cases != expected:
        problems.append(f"{r.label}: {r.total_cases} cases stored, expected {expected}")
    if r.moved == 0:
        problems.append(f"{r.label}: the calendar change moved no due date")
    if r.due_changes != r.moved:
        problems.append(f"{r.label}: {r.due_changes} due_changes rows for {r.moved} moves")
    return problems


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.store_bench", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--cases", type=int, default=None, help=f"bulk-registered cases (default {DEFAULT_CASES:,})"
    )
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_CASES:,} cases")
    parser.add_argument(
        "--sample", type=int, default=PER_ACTION_SAMPLE, help="per-action registrations"
    )
    parser.add_argument("--profile", action="store_true", help="cProfile the timed phases")
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    args = parser.parse_args(argv)
    if args.cases is None:
        args.cases = QUICK_CASES if args.quick else DEFAULT_CASES
    args.sample = min(args.sample, args.cases)
    return args


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} / {five:.2f} / {fifteen:.2f}"


def run(argv: list[str] | None = None) -> int:
    """Print the benchmark; return 0, or 1 when a consistency check failed."""
    args = parse_args(argv or [])
    rng = random.Random(SEED)
    everything = make_cases(rng, args.cases + args.sample)
    # the per-action sample is an evenly spread subset, registered after the bulk load
    step = len(everything) / args.sample if args.sample else 0
    picked = {int(i * step) for i in range(args.sample)}
    single = [c for i, c in enumerate(everything) if i in picked]
    bulk = [c for i, c in enumerate(everything) if i not in picked]

    pg_url = os.environ.get("OGI_TEST_PG_URL", PG_DEFAULT)
    print(
        f"Store benchmark: {len(bulk):,} bulk + {len(single):,} per-action registrations, "
        f"~{EVENT_SHARE:.0%} of cases with 补正/征求意见 events, then a calendar override; "
        f"today {TODAY}, receipts {FIRST_RECEIPT}..{TODAY}, seed {SEED}"
    )
    print(f"{os.cpu_count()} CPUs; {_load()} at start")
    wall = time.perf_counter()
    results: dict[str, Result] = {}
    if not args.no_sqlite:
        with sqlite_engine("ogi-bench-") as le:
            results["sqlite"] = bench_database(
                le, bulk, single, profile=args.profile, progress=True
            )
        report(results["sqlite"])
    if not args.no_pg:
        why = postgres_unreachable(pg_url)
        if why:
            print(f"\nPostgreSQL skipped: {pg_url} unreachable ({why})")
        else:
            with postgres_engine(pg_url, "ogi_bench_") as pe:
                results["pg"] = bench_database(
                    pe, bulk, single, profile=args.profile, progress=True
                )
            report(results["pg"])
    if "pg" in results and "sqlite" in results:
        ratio_line(results["pg"], results["sqlite"])
    print(f"\nwall-clock {time.perf_counter() - wall:.1f} s; {_load()}")
    problems = [p for r in results.values() for p in check(r)]
    for problem in problems:
        print(f"CHECK FAILED: {problem}")
    return 1 if problems else 0


def main() -> int:
    return run(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
