"""Calendar recompute as a flow: replay every open case against the calendar as loaded.

A notice import already recomputes in its own transaction; this daily check is the safety
net for changes made another way (an override, a restored backup). Each due date that moved
is recorded, and the next sweep tells the assignee (`due_moved`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flows.runs import recorded_run
from services.calendar_service import recompute_open_cases


def recompute(uow: Any) -> int:
    with uow.write():
        return len(recompute_open_cases(uow, "每日日历检查：期限按当前日历重新计算", uow.calendar.load()))


def run_recompute(uow: Any, today: dt.date) -> int:
    return recorded_run(uow, "calendar-check", today, lambda _run: recompute(uow), lambda n: {"moved": n})
