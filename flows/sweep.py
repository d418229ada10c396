"""The daily sweep as a flow: a plain function of (unit of work, as-of date), run as the
`system` actor and recorded in `flow_runs` (RULES §6, `ogi flows run sweep`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from domain.access import SYSTEM
from flows.runs import recorded_run
from services.reminders import SweepResult, sweep


def run_sweep(uow: Any, today: dt.date) -> SweepResult:
    """Sweep as of `today`; running it again for the same day sends nothing."""
    return recorded_run(
        uow,
        "sweep",
        today,
        lambda run_id: sweep(uow, actor=SYSTEM, today=today, run_id=run_id),
        lambda result: {**result.to_json(), "closed": len(result.closed)},
    )
