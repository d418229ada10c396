"""Sign-in rules (RULES §7): lockout after repeated failures, session idle expiry, passwords.

Pure rules: the service passes the stored counters and the time; this module says whether a
sign-in may be tried, and what the counters become after a failure.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from domain.errors import DomainError, UnauthenticatedError

MAX_FAILURES = 5
FAILURE_WINDOW = dt.timedelta(minutes=15)
LOCK_FOR = dt.timedelta(minutes=15)
SESSION_IDLE = dt.timedelta(hours=8)
MIN_PASSWORD_LENGTH = 10


@dataclass(frozen=True)
class LoginCounters:
    """Failures counted since `first_failed_at`, and the lock, as stored for one user."""

    failures: int = 0
    first_failed_at: dt.datetime | None = None
    locked_until: dt.datetime | None = None


def bad_credentials() -> UnauthenticatedError:
    """One message for an unknown user and a wrong password: nothing is learnt from it."""
    return UnauthenticatedError("用户名或密码不正确", field="password", rule="身份验证")


def check_not_locked(counters: LoginCounters, now: dt.datetime) -> None:
    if counters.locked_until is not None and now < counters.locked_until:
        minutes = max(1, int((counters.locked_until - now).total_seconds() // 60) + 1)
        raise UnauthenticatedError(
            f"连续登录失败 {MAX_FAILURES} 次，账户已锁定，请约 {minutes} 分钟后再试",
            field="username",
            rule="RULES §7 登录锁定",
        )


def after_failure(counters: LoginCounters, now: dt.datetime) -> LoginCounters:
    """Count a failure; the 5th within 15 minutes locks the account for 15 minutes."""
    start = counters.first_failed_at
    if start is None or now - start > FAILURE_WINDOW:
        failures, start = 1, now
    else:
        failures = counters.failures + 1
    if failures >= MAX_FAILURES:
        return LoginCounters(0, None, now + LOCK_FOR)
    return LoginCounters(failures, start, None)


def check_new_password(password: str, username: str) -> None:
    """A password people choose: long enough and not the user name."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(
            f"新密码至少 {MIN_PASSWORD_LENGTH} 个字符", field="new_password", rule="密码长度"
        )
    if password.strip().lower() == username.strip().lower():
        raise DomainError("新密码不能与用户名相同", field="new_password", rule="密码强度")


def session_expired(last_seen: dt.datetime, now: dt.datetime) -> bool:
    return now - last_seen > SESSION_IDLE
