"""Times people read are Asia/Shanghai wall time, whatever the server's zone: a timestamp
stored in UTC shows 8 hours later, on the next day after 16:00 UTC."""

from __future__ import annotations

import datetime as dt

from services.bootstrap import shanghai_minute


def test_a_utc_timestamp_reads_as_shanghai_time_on_the_right_day() -> None:
    at = dt.datetime(2026, 12, 4, 17, 17, 42, tzinfo=dt.UTC)
    assert shanghai_minute(at) == "2026-12-05 01:17"


def test_a_timestamp_without_a_zone_is_the_stored_utc() -> None:  # how SQLite gives it back
    assert shanghai_minute(dt.datetime(2026, 12, 31, 16, 0)) == "2027-01-01 00:00"
    assert shanghai_minute(dt.datetime(2026, 12, 31, 15, 59, 59)) == "2026-12-31 23:59"


def test_a_timestamp_in_another_zone_is_converted_too() -> None:
    eastern = dt.timezone(dt.timedelta(hours=-5))
    assert shanghai_minute(dt.datetime(2026, 6, 1, 12, 0, tzinfo=eastern)) == "2026-06-02 01:00"


def test_no_timestamp_reads_as_nothing() -> None:
    assert shanghai_minute(None) == ""
