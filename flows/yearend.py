"""The year-end flow (RULES §3): just after midnight on 1 January (Asia/Shanghai) close every
agency's year as the system and tell the supervisors. Idempotent and crash-safe because each
agency's close is one transaction that replaces the year's list (services.years); an agency
whose year is already locked is reported, not failed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from domain.access import SYSTEM
from domain.errors import LockedYearError
from flows.runs import recorded_run
from services.years import close_year


def year_end(uow: Any, today: dt.date, year: int) -> dict[str, Any]:
    with uow.read():
        codes = [a.code for a in uow.directory.agencies()]
    done: list[dict[str, Any]] = []
    for code in codes:
        try:
            for result in close_year(uow, year, actor=SYSTEM, today=today, agency=code):
                done.append(
                    {
                        "agency": result.agency,
                        "carried_out": result.carried_out,
                        "balanced": result.balanced,
                        "notified": result.notified,
                    }
                )
        except LockedYearError:
            done.append({"agency": code, "locked": True})
    return {"year": year, "agencies": done}


def run_year_end(uow: Any, today: dt.date, year: int) -> dict[str, Any]:
    return recorded_run(
        uow,
        "year-end",
        today,
        lambda _run: year_end(uow, today, year),
        lambda result: {"year": year, "agencies": len(result["agencies"])},
    )
