"""Calendar recompute as a flow: replay every open case against the calendar as loaded.

A calendar change recomputes the open cases itself: in its own transaction when they are few,
else in batches right after it commits. This daily check is the safety net: a process that
stopped between that commit and the end of its batches, or a change made another way (a
restored backup), is healed here the next morning. Each deadline that moved (answer, 补正,
consultation, fee) is recorded, and the next sweep tells the assignee (`due_moved`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flows.runs import recorded_run
from services.calendar_service import recompute_open_cases

CAUSE = "每日日历检查：期限按当前日历重新计算"


def recompute(uow: Any) -> int:
    """Replay the open cases in batches (no transaction held across them); the number of
    cases with a deadline that moved (each moved deadline is recorded)."""
    with uow.read():
        calendar = uow.calendar.load()
    return recompute_open_cases(uow, CAUSE, calendar).moved_cases


def run_recompute(uow: Any, today: dt.date) -> int:
    return recorded_run(uow, "calendar-check", today, lambda _run: recompute(uow), lambda n: {"moved": n})
