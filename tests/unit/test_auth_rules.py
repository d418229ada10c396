"""Sign-in rules (RULES §7): 5 failures within 15 minutes lock for 15 minutes; 8 hours idle
ends a session; signed cookies cannot be altered."""

from __future__ import annotations

import datetime as dt

import pytest

from domain.auth import LoginCounters, after_failure, check_new_password, check_not_locked
from domain.errors import DomainError, UnauthenticatedError
from web.security import SessionCodec

T0 = dt.datetime(2026, 11, 20, 1, 0, tzinfo=dt.UTC)


def fail_times(*minutes: int) -> LoginCounters:
    counters = LoginCounters()
    for m in minutes:
        counters = after_failure(counters, T0 + dt.timedelta(minutes=m))
    return counters


def test_fifth_failure_within_fifteen_minutes_locks_for_fifteen_minutes() -> None:
    counters = fail_times(0, 1, 2, 3, 14)
    assert counters.locked_until == T0 + dt.timedelta(minutes=29)
    with pytest.raises(UnauthenticatedError) as refused:
        check_not_locked(counters, T0 + dt.timedelta(minutes=28, seconds=59))
    assert refused.value.field == "username"
    check_not_locked(counters, T0 + dt.timedelta(minutes=29))  # the lock has passed


def test_failures_spread_over_more_than_fifteen_minutes_do_not_lock() -> None:
    counters = fail_times(0, 1, 2, 3, 16)
    assert counters.locked_until is None
    assert counters.failures == 1  # the window starts again at minute 16


def test_four_failures_do_not_lock() -> None:
    assert fail_times(0, 1, 2, 3).locked_until is None


@pytest.mark.parametrize("password", ["short", "Wangxiaoming"])
def test_weak_new_passwords_are_refused(password: str) -> None:
    with pytest.raises(DomainError) as refused:
        check_new_password(password, "wangxiaoming")
    assert refused.value.field == "new_password"


def test_session_cookie_expires_after_eight_hours_idle_and_cannot_be_altered() -> None:
    codec = SessionCodec("secret", secure=True)
    session = codec.load(None, T0)
    session.username, session.seen = "wang", T0.timestamp()
    cookie = codec.dump(session)
    assert codec.load(cookie, T0 + dt.timedelta(hours=8)).username == "wang"
    assert codec.load(cookie, T0 + dt.timedelta(hours=8, seconds=1)).username is None
    # one character of the signature changed (not its last, whose low bits are padding: a
    # changed last character can decode to the same bytes and prove nothing)
    payload, _, signature = cookie.rpartition(".")
    forged = signature[:5] + ("A" if signature[5] != "A" else "B") + signature[6:]
    assert codec.load(f"{payload}.{forged}", T0).username is None
    assert SessionCodec("other", secure=True).load(cookie, T0).username is None
    assert codec.cookie_args()["secure"] is True and codec.cookie_args()["httponly"] is True
