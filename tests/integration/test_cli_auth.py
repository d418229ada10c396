"""`ogi user token|revoke-tokens|password`: credentials made at the server's command line."""

from __future__ import annotations

import pytest

from domain.errors import UnauthenticatedError
from services import auth
from store.uow import SqlUnitOfWork


def test_token_is_printed_once_works_and_is_revoked(engine, ogi) -> None:  # type: ignore[no-untyped-def]
    made = ogi("user", "token", "wang")
    assert made.code == 0
    token = made.out.strip().splitlines()[-1]
    assert token.startswith("ogi_")
    assert auth.actor_for_token(SqlUnitOfWork(engine), token).name == "wang"
    assert ogi("user", "revoke-tokens", "wang").code == 0
    with pytest.raises(UnauthenticatedError):
        auth.actor_for_token(SqlUnitOfWork(engine), token)


def test_one_time_password_must_be_changed_at_first_sign_in(engine, ogi) -> None:  # type: ignore[no-untyped-def]
    made = ogi("user", "password", "liu")
    assert made.code == 0
    one_time = made.out.strip().splitlines()[-1]
    signed = auth.sign_in(SqlUnitOfWork(engine), "liu", one_time)
    assert signed.actor.name == "liu" and signed.must_change_password


def test_unknown_user_is_refused_and_nothing_is_made(engine, ogi, table_counts) -> None:  # type: ignore[no-untyped-def]
    before = table_counts("api_tokens", "users")
    refused = ogi("user", "token", "nobody")
    assert refused.code == 3 and "nobody" in (refused.out + refused.err)
    assert table_counts("api_tokens", "users") == before
