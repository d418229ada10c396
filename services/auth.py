"""Sign-in, passwords and API tokens (RULES §7).

Passwords are stored as Argon2id hashes (pwdlib); an administrator gives a new user a one-time
password that must be changed at the first sign-in. Failed sign-ins are counted in the same
database as the users, so every web process sees the same lock. API tokens are random, shown
once, and stored as their SHA-256 only: a token is as good as a password, a hash is not.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from domain.access import Actor, Role, require_role
from domain.auth import (
    LoginCounters,
    after_failure,
    bad_credentials,
    check_new_password,
    check_not_locked,
)
from domain.errors import DomainError, ForbiddenError, UnauthenticatedError

_hasher = PasswordHash((Argon2Hasher(),))
# Verifying against this when the user does not exist takes as long as a real check, so the
# answer time does not tell which user names exist.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))
TOKEN_PREFIX = "ogi_"


@dataclass(frozen=True)
class SignedIn:
    actor: Actor
    must_change_password: bool


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def sign_in(uow: Any, username: str, password: str) -> SignedIn:
    """Check a password; a failure is counted (and committed) before it is refused."""
    username = (username or "").strip()
    failure: Exception | None = None
    with uow.write():
        stored = uow.auth.credentials(username, lock=True) if username else None
        if stored is None:
            _hasher.verify(password or "", _DUMMY_HASH)
            failure = bad_credentials()
        else:
            password_hash, counters = stored
            now = uow.now()
            check_not_locked(counters, now)
            if password_hash and password and _hasher.verify(password, password_hash):
                if counters != LoginCounters():
                    uow.auth.save_counters(username, LoginCounters())
            else:
                counters = after_failure(counters, now)
                uow.auth.save_counters(username, counters)
                failure = bad_credentials()
                if counters.locked_until is not None:
                    try:
                        check_not_locked(counters, now)
                    except UnauthenticatedError as locked:
                        failure = locked
    if failure is not None:
        raise failure
    with uow.read():
        return SignedIn(uow.directory.actor(username), uow.auth.must_change_password(username))


def change_password(uow: Any, username: str, old: str, new: str) -> None:
    """The user changes their own password; the old one must be right (and is counted if not)."""
    check_new_password(new, username)
    if old == new:
        raise DomainError("新密码不能与原密码相同", field="new_password", rule="密码强度")
    sign_in(uow, username, old)
    with uow.write():
        uow.auth.set_password(username, hash_password(new), must_change=False)


def issue_one_time_password(uow: Any, username: str, *, actor: Actor) -> str:
    """An administrator (or the operator at the server) sets a one-time password; shown once."""
    require_role(actor, {Role.ADMIN}, "设置用户密码")
    password = secrets.token_urlsafe(9)
    with uow.write():
        uow.directory.user_id(username)  # NotFoundError for an unknown user
        uow.auth.set_password(username, hash_password(password), must_change=True)
    return password


def set_password(uow: Any, username: str, password: str, *, actor: Actor) -> None:
    """An administrator sets a chosen password (demo data, scripted installs)."""
    require_role(actor, {Role.ADMIN}, "设置用户密码")
    check_new_password(password, username)
    with uow.write():
        uow.directory.user_id(username)
        uow.auth.set_password(username, hash_password(password), must_change=False)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(uow: Any, username: str, *, actor: Actor) -> str:
    """A new API token for the user: administrators for anyone, a user for themselves."""
    if actor.name != username:
        require_role(actor, {Role.ADMIN}, "为他人创建令牌")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with uow.write():
        user_id = uow.directory.user_id(username)
        uow.auth.add_token(user_id, _digest(token), token[: len(TOKEN_PREFIX) + 6], uow.now())
    return token


def revoke_tokens(uow: Any, username: str, *, actor: Actor, prefix: str | None = None) -> int:
    """Revoke the user's tokens (or the one starting with `prefix`); returns how many."""
    if actor.name != username:
        require_role(actor, {Role.ADMIN}, "吊销他人令牌")
    with uow.write():
        return uow.auth.revoke_tokens(uow.directory.user_id(username), uow.now(), prefix)


def actor_for_token(uow: Any, token: str) -> Actor:
    """The user a bearer token stands for; 401 for a missing, unknown or revoked token."""
    if not token:
        raise UnauthenticatedError("缺少访问令牌（Authorization: Bearer）", field="token", rule="身份验证")
    with uow.read():
        username = uow.auth.token_owner(_digest(token))
        if username is None:
            raise UnauthenticatedError("访问令牌无效或已吊销", field="token", rule="身份验证")
        return uow.directory.actor(username)


def actor_of(uow: Any, username: str) -> Actor:
    """The signed-in user of a session, looked up again on every request (a deactivated user
    or a changed role takes effect at once)."""
    with uow.read():
        actor = uow.directory.active_actor(username)
    if actor is None:
        raise UnauthenticatedError("请重新登录", field="session", rule="身份验证")
    return actor


__all__ = [
    "ForbiddenError",
    "SignedIn",
    "actor_for_token",
    "actor_of",
    "change_password",
    "create_token",
    "issue_one_time_password",
    "revoke_tokens",
    "set_password",
    "sign_in",
]
