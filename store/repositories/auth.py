"""Password hashes, lockout counters, API tokens and intake idempotency keys (migration 0007)."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from sqlalchemy import Select, bindparam, select, update
from sqlalchemy.orm import Session

from domain.auth import LoginCounters
from store.db import execute_core
from store.models import ApiToken, IdempotencyKey
from store.models import User as UserRow


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite gives naive datetimes back; they were stored as UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value



@functools.cache
def _token_owner_sql() -> Select[Any]:
    """Every API request asks it: built once, each request only binds the digest."""
    return (
        select(UserRow.username)
        .join(ApiToken, ApiToken.user_id == UserRow.id)
        .where(
            ApiToken.token_sha256 == bindparam("digest"),
            ApiToken.revoked_at.is_(None),
            UserRow.active,
        )
    )

class AuthRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _row(self, username: str) -> UserRow | None:
        return self.session.execute(
            select(UserRow).where(UserRow.username == username, UserRow.active)
        ).scalar_one_or_none()

    def credentials(self, username: str, *, lock: bool = False) -> tuple[str | None, LoginCounters] | None:
        """The stored hash and counters of an active user, or None when there is no such user."""
        stmt = select(UserRow).where(UserRow.username == username, UserRow.active)
        if lock:
            stmt = stmt.with_for_update()
        row = self.session.execute(stmt).scalar_one_or_none()
        if row is None:
            return None
        counters = LoginCounters(
            row.failed_logins or 0, _aware(row.first_failed_at), _aware(row.locked_until)
        )
        return row.password_hash, counters

    def must_change_password(self, username: str) -> bool:
        row = self._row(username)
        return bool(row and row.must_change_password)

    def save_counters(self, username: str, counters: LoginCounters) -> None:
        self.session.execute(
            update(UserRow)
            .where(UserRow.username == username)
            .values(
                failed_logins=counters.failures,
                first_failed_at=counters.first_failed_at,
                locked_until=counters.locked_until,
            )
        )

    def set_password(self, username: str, password_hash: str, *, must_change: bool) -> None:
        self.session.execute(
            update(UserRow)
            .where(UserRow.username == username)
            .values(
                password_hash=password_hash,
                must_change_password=must_change,
                failed_logins=0,
                first_failed_at=None,
                locked_until=None,
            )
        )

    # -- API tokens -------------------------------------------------------------------------

    def add_token(self, user_id: int, digest: str, prefix: str, at: dt.datetime) -> None:
        self.session.add(ApiToken(user_id=user_id, token_sha256=digest, prefix=prefix, created_at=at))
        self.session.flush()

    def token_owner(self, digest: str) -> str | None:
        """The active user whose unrevoked token has this digest."""
        rows = execute_core(self.session, _token_owner_sql(), {"digest": digest})
        return rows.scalar_one_or_none()

    def revoke_tokens(self, user_id: int, at: dt.datetime, prefix: str | None = None) -> int:
        stmt = update(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        if prefix:
            stmt = stmt.where(ApiToken.prefix == prefix)
        return self.session.execute(stmt.values(revoked_at=at)).rowcount or 0

    # -- idempotency ------------------------------------------------------------------------

    def idempotent_case(self, username: str, key: str) -> str | None:
        return self.session.execute(
            select(IdempotencyKey.case_no).where(
                IdempotencyKey.username == username, IdempotencyKey.key == key
            )
        ).scalar_one_or_none()

    def remember_intake(self, username: str, key: str, case_no: str, at: dt.datetime) -> None:
        self.session.add(IdempotencyKey(username=username, key=key, case_no=case_no, created_at=at))
        self.session.flush()
