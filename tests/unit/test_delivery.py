"""The retry rule of RULES §6 "Delivery": 1 min, 5 min, 30 min, 2 h, then every 6 h, for
24 hours after the first attempt, then failed."""

from __future__ import annotations

import datetime as dt

import pytest

from domain.delivery import next_attempt_at

T0 = dt.datetime(2026, 11, 20, 23, 30, tzinfo=dt.UTC)  # 07:30 in Shanghai, the sweep's hour
M = dt.timedelta(minutes=1)
H = dt.timedelta(hours=1)


def test_a_server_down_all_day_is_tried_on_the_schedule_then_given_up() -> None:
    attempts = [T0]
    while True:
        nxt = next_attempt_at(T0, len(attempts), attempts[-1])
        if nxt is None:
            break
        attempts.append(nxt)
    offsets = [a - T0 for a in attempts]
    # 0; +1 min = 1 min; +5 = 6 min; +30 = 36 min; +2 h = 2 h 36; then +6 h each:
    # 8 h 36, 14 h 36, 20 h 36; the next (26 h 36) is past 24 h, so the last try is at 24 h.
    assert offsets == [
        0 * M,
        1 * M,
        6 * M,
        36 * M,
        2 * H + 36 * M,
        8 * H + 36 * M,
        14 * H + 36 * M,
        20 * H + 36 * M,
        24 * H,
    ]


@pytest.mark.parametrize(
    ("attempts_made", "pause"),
    [(1, 1 * M), (2, 5 * M), (3, 30 * M), (4, 2 * H), (5, 6 * H), (6, 6 * H), (7, 6 * H)],
)
def test_each_pause(attempts_made: int, pause: dt.timedelta) -> None:
    now = T0 + 10 * M  # early enough that no pause reaches the 24 h limit
    assert next_attempt_at(T0, attempts_made, now) == now + pause


def test_pauses_count_from_the_attempt_actually_made() -> None:
    # The dispatcher ran 3 hours late for the 2nd attempt: the 5-minute pause is from then.
    late = T0 + 3 * H
    assert next_attempt_at(T0, 2, late) == late + 5 * M


def test_the_24_hour_limit() -> None:
    assert next_attempt_at(T0, 8, T0 + 24 * H) is None
    assert next_attempt_at(T0, 8, T0 + 24 * H + M) is None
    assert next_attempt_at(T0, 8, T0 + 24 * H - M) == T0 + 24 * H
    assert next_attempt_at(T0, 1, T0 + 24 * H - 2 * M) == T0 + 24 * H - M


def test_time_zones_do_not_matter_but_must_be_given() -> None:
    shanghai = dt.timezone(dt.timedelta(hours=8))
    assert next_attempt_at(T0.astimezone(shanghai), 1, T0) == T0 + M
    with pytest.raises(ValueError):
        next_attempt_at(T0.replace(tzinfo=None), 1, T0)
    with pytest.raises(ValueError):
        next_attempt_at(T0, 0, T0)
