"""Sessions (signed cookies), CSRF tokens and bearer tokens: the web's side of RULES §7.

A session is a signed, HttpOnly, SameSite=Lax cookie holding the user name, the time of the
last request (8 hours idle ends it) and the session's CSRF token; nothing is stored on the
server, so any number of web processes share sessions through `OGI_SECRET_KEY`. Every POST
form carries the CSRF token and is refused without it. Who may do what is decided by the
services; this module only establishes who is asking.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from dataclasses import dataclass, field
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer

from domain.auth import SESSION_IDLE, session_expired
from domain.errors import CsrfError

COOKIE = "ogi_session"


@dataclass
class Session:
    """The decoded session cookie of one request."""

    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    username: str | None = None
    seen: float = 0.0
    changed: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {"c": self.csrf, "u": self.username, "t": self.seen}


class SessionCodec:
    def __init__(self, secret: str, *, secure: bool) -> None:
        self.serializer = URLSafeSerializer(secret, salt="ogi-session")
        self.secure = secure

    def load(self, cookie: str | None, now: dt.datetime) -> Session:
        if not cookie:
            return Session()
        try:
            data = self.serializer.loads(cookie)
        except BadSignature:
            return Session()
        session = Session(str(data.get("c") or ""), data.get("u"), float(data.get("t") or 0), False)
        if not session.csrf:
            return Session()
        if session.username and session_expired(
            dt.datetime.fromtimestamp(session.seen, dt.UTC), now
        ):
            session.username = None
            session.changed = True
        return session

    def dump(self, session: Session) -> str:
        return self.serializer.dumps(session.to_dict())

    def cookie_args(self) -> dict[str, Any]:
        return {
            "key": COOKIE,
            "httponly": True,
            "samesite": "lax",
            "secure": self.secure,
            "max_age": int(SESSION_IDLE.total_seconds()),
            "path": "/",
        }


def check_csrf(session: Session, sent: str | None) -> None:
    if not sent or not hmac.compare_digest(session.csrf, str(sent)):
        raise CsrfError()


def bearer(header: str | None) -> str:
    if not header:
        return ""
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""
