"""When the flows run (RULES §6 and §3), in Asia/Shanghai: one table for every scheduler.

The embedded scheduler and the Prefect deployments both read `SCHEDULES`, so the two modes
cannot disagree about when a flow runs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Schedule:
    """A flow and its cron expression (minute hour day month weekday), Asia/Shanghai."""

    kind: str
    cron: str
    label: str


SCHEDULES: tuple[Schedule, ...] = (
    Schedule("sweep", "30 7 * * *", "每日 07:30 提醒扫描"),
    Schedule("dispatch", "* * * * *", "每分钟投递消息"),
    Schedule("year-end", "5 0 1 1 *", "每年1月1日 00:05 年度结转"),
    Schedule("calendar-check", "0 7 * * *", "每日 07:00 检查日历并重算期限"),
)


def _matches(field: str, value: int) -> bool:
    return field == "*" or int(field) == value


def next_fire(cron: str, after: dt.datetime) -> dt.datetime:
    """The first minute after `after` that the cron expression names (our four forms only:
    each field `*` or a number), in Asia/Shanghai."""
    minute, hour, day, month, _ = cron.split()
    t = after.astimezone(SHANGHAI).replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
    for _ in range(366 * 24 * 60):
        if (
            _matches(month, t.month)
            and _matches(day, t.day)
            and _matches(hour, t.hour)
            and _matches(minute, t.minute)
        ):
            return t
        if not (_matches(month, t.month) and _matches(day, t.day)):
            t = (t + dt.timedelta(days=1)).replace(hour=0, minute=0)
        elif not _matches(hour, t.hour):
            t = (t + dt.timedelta(hours=1)).replace(minute=0)
        else:
            t += dt.timedelta(minutes=1)
    raise ValueError(f"cron {cron!r} never fires")


def next_runs(now: dt.datetime) -> list[dict[str, Any]]:
    """What runs next, per flow (for `ogi flows status`)."""
    return [
        {"kind": s.kind, "at": next_fire(s.cron, now).isoformat(), "label": s.label}
        for s in SCHEDULES
    ]
