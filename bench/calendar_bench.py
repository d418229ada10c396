"""Calendar benchmark: +20 working days with the engine vs a naive day-by-day loop.

The engine answers by bisecting a prebuilt array of working-day ordinals; the naive side
walks forward one day at a time asking `chinese_calendar.is_workday`. The naive side is
slow, so it only runs on a sample of the dates; both sides are timed per date.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable

import chinese_calendar

from domain.calendar import WorkCalendar

N_DATES = 100_000
N_NAIVE = 2_000
WORKDAYS = 20
SEED = 20260101
FIRST = dt.date(2005, 1, 1)
LAST = dt.date(2026, 11, 30)
GOAL = 500.0
ENGINE_REPEATS = 5
NAIVE_REPEATS = 3


def random_dates(n: int, seed: int = SEED) -> list[dt.date]:
    rng = random.Random(seed)
    first, last = FIRST.toordinal(), LAST.toordinal()
    return [dt.date.fromordinal(rng.randint(first, last)) for _ in range(n)]


def naive_add(day: dt.date, n: int) -> dt.date:
    """The n-th working day after `day`, one calendar day at a time."""
    one = dt.timedelta(days=1)
    while n:
        day += one
        if chinese_calendar.is_workday(day):
            n -= 1
    return day


def best_of(repeats: int, work: Callable[[], list[dt.date]]) -> tuple[float, list[dt.date]]:
    """The fastest of `repeats` runs (as timeit does: noise only ever adds time)."""
    best, result = float("inf"), []
    for _ in range(repeats):
        start = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - start)
    return best, result


def run() -> int:
    """Print the benchmark; return 0, or 1 when the two sides disagree."""
    dates = random_dates(N_DATES)
    sample = dates[:N_NAIVE]

    start = time.perf_counter()
    calendar = WorkCalendar.from_package()
    build = time.perf_counter() - start

    add = calendar.add_workdays
    engine_total, engine_results = best_of(
        ENGINE_REPEATS, lambda: [add(day, WORKDAYS).day for day in dates]
    )
    engine_per = engine_total / len(dates)

    naive_total, naive_results = best_of(
        NAIVE_REPEATS, lambda: [naive_add(day, WORKDAYS) for day in sample]
    )
    naive_per = naive_total / len(sample)

    disagree = [
        (day, mine, theirs)
        for day, mine, theirs in zip(sample, engine_results, naive_results, strict=False)
        if mine != theirs
    ]
    ratio = naive_per / engine_per

    print(
        f"calendar: +{WORKDAYS} working days, {len(dates):,} random receipt dates "
        f"{FIRST}..{LAST} (seed {SEED})"
    )
    print(f"  engine build (WorkCalendar.from_package): {build * 1000:.1f} ms")
    print(f"  timing: best of {ENGINE_REPEATS} runs (engine) and {NAIVE_REPEATS} runs (naive)")
    print(
        f"  engine: {len(dates):,} dates in {engine_total * 1000:.1f} ms = "
        f"{engine_per * 1e6:.3f} µs/date"
    )
    print(
        f"  naive (day-by-day chinese_calendar.is_workday, sample of the first "
        f"{len(sample):,} dates only, it is slow): {naive_total * 1000:.1f} ms = "
        f"{naive_per * 1e6:.3f} µs/date"
    )
    print(f"  agreement on the sample: {len(sample) - len(disagree):,}/{len(sample):,}")
    for day, mine, theirs in disagree[:5]:
        print(f"    DISAGREE {day}: engine {mine}, naive {theirs}")
    print(
        f"  ratio per date (naive/engine): {ratio:.0f}x; goal >= {GOAL:.0f}x: "
        f"{'met' if ratio >= GOAL else 'NOT met'}"
    )
    return 1 if disagree else 0


def run_with(options: list[str]) -> int:
    """`python -m bench calendar`: this benchmark has no options; its sizes are fixed."""
    del options
    return run()
