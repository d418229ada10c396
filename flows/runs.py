"""Every flow run is recorded in `flow_runs`: kind, as-of day, start, finish, counts, error.

The record is written in transactions of its own, before and after the work, so a run that
crashed shows as started and never finished (or finished with its error) in `ogi flows status`.
Each run is also logged (logger `ogi.flows`: flow, as_of, run_id, duration_ms, counts or error;
a run that counted nothing at DEBUG).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
log = logging.getLogger("ogi.flows")


def recorded_run(
    uow: Any, kind: str, as_of: dt.date, work: Callable[[int], T], counts: Callable[[T], dict[str, Any]]
) -> T:
    """Run `work(run_id)` between a start and a finish record of `kind` as of `as_of`."""
    with uow.write():
        run_id = uow.reminders.start_run(kind, as_of, uow.now())
    fields: dict[str, Any] = {"flow": kind, "as_of": as_of.isoformat(), "run_id": run_id}
    log.debug("流程 %s 开始（%s）", kind, as_of, extra=fields)
    started = time.monotonic()
    try:
        result = work(run_id)
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
        with uow.write():
            uow.reminders.finish_run(run_id, {}, error, uow.now())
        log.error(
            "流程 %s 失败：%s", kind, error, extra={**fields, "duration_ms": _ms(started), "error": error}
        )
        raise
    summary = counts(result)
    with uow.write():
        uow.reminders.finish_run(run_id, summary, "", uow.now())
    log.log(
        logging.INFO if _did_something(summary) else logging.DEBUG,
        "流程 %s 完成（%s）",
        kind,
        as_of,
        extra={**fields, "duration_ms": _ms(started), "counts": summary},
    )
    return result


def _ms(started: float) -> float:
    return round((time.monotonic() - started) * 1000, 1)


def _did_something(counts: Any) -> bool:
    """Whether a run counted anything: the dispatcher runs every minute, and a run that sent,
    retried and failed nothing is logged at DEBUG only."""
    if isinstance(counts, dict):
        return any(_did_something(v) for v in counts.values())
    return isinstance(counts, int | float) and not isinstance(counts, bool) and counts != 0


def status(uow: Any, limit: int = 20) -> list[dict[str, Any]]:
    """The last runs, newest first."""
    with uow.read():
        return uow.reminders.last_runs(limit)
