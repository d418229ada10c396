"""Today and now as the services see them: Asia/Shanghai dates, UTC timestamps.

`domain/` never reads the clock; the services read it here, once per action, and pass it in.
`OGI_TODAY` (YYYY-MM-DD) pins "today" for demos and reproducible runs.
"""

from __future__ import annotations

import datetime as dt
import os
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def today_shanghai() -> dt.date:
    """Today's calendar date in Asia/Shanghai, whatever the server's time zone."""
    pinned = os.environ.get("OGI_TODAY")
    if pinned:
        return dt.date.fromisoformat(pinned)
    return now_utc().astimezone(SHANGHAI).date()
