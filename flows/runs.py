"""Every flow run is recorded in `flow_runs`: kind, as-of day, start, finish, counts, error.

The record is written in transactions of its own, before and after the work, so a run that
crashed shows as started and never finished (or finished with its error) in `ogi flows status`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def recorded_run(
    uow: Any, kind: str, as_of: dt.date, work: Callable[[int], T], counts: Callable[[T], dict[str, Any]]
) -> T:
    """Run `work(run_id)` between a start and a finish record of `kind` as of `as_of`."""
    with uow.write():
        run_id = uow.reminders.start_run(kind, as_of, uow.now())
    try:
        result = work(run_id)
    except Exception as exc:
        with uow.write():
            uow.reminders.finish_run(run_id, {}, f"{type(exc).__name__}: {exc}", uow.now())
        raise
    with uow.write():
        uow.reminders.finish_run(run_id, counts(result), "", uow.now())
    return result


def status(uow: Any, limit: int = 20) -> list[dict[str, Any]]:
    """The last runs, newest first."""
    with uow.read():
        return uow.reminders.last_runs(limit)
