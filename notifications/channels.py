"""Delivery over the two outside channels: SMTP e-mail and group-robot webhooks.

Both functions answer with a `DeliveryResult` and never raise for a network or server
failure: the dispatcher records every attempt and schedules the next one by
`domain.delivery.next_attempt_at`, so an exception here would only lose that record. Only the
standard library is used (smtplib, urllib.request, hmac), so nothing else has to be trusted
with the credentials.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import smtplib
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Any, Literal

Security = Literal["starttls", "ssl", "none"]


@dataclass(frozen=True)
class DeliveryResult:
    """The outcome of one attempt: ok, and a short detail for the delivery record."""

    ok: bool
    detail: str


@dataclass(frozen=True)
class SmtpSettings:
    """How to reach the office's mail server.

    `security`: "starttls" (usually port 587), "ssl" (implicit TLS, usually 465) or "none"
    (a relay on the local network, usually 25). Certificates are always verified: against the
    system store, or against `ca_file` (PEM) for an internal mail server with its own CA.
    `username` empty means no login.
    """

    host: str
    port: int
    security: Security = "starttls"
    username: str = ""
    password: str = ""
    sender: str = ""
    timeout: float = 30.0
    ca_file: str | None = None

    def __repr__(self) -> str:  # never print the password into a log
        return (
            f"SmtpSettings(host={self.host!r}, port={self.port}, security={self.security!r}, "
            f"username={self.username!r}, sender={self.sender!r}, timeout={self.timeout}, "
            f"ca_file={self.ca_file!r})"
        )


def send_email(settings: SmtpSettings, message: EmailMessage) -> DeliveryResult:
    """Send one message; ok only when every recipient was accepted."""
    if settings.security not in ("starttls", "ssl", "none"):
        return DeliveryResult(False, f"未知的 SMTP 安全方式：{settings.security}")
    try:
        context = ssl.create_default_context(cafile=settings.ca_file)
        if settings.security == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.host, settings.port, timeout=settings.timeout, context=context
            )
        else:
            smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        with smtp:
            if settings.security == "starttls":
                smtp.starttls(context=context)
            if settings.username:
                smtp.login(settings.username, settings.password)
            refused = smtp.send_message(message, from_addr=_envelope_sender(settings))
    except (smtplib.SMTPException, OSError) as exc:
        return DeliveryResult(False, f"SMTP {settings.host}:{settings.port}: {_describe(exc)}")
    if refused:
        who = ", ".join(
            f"{addr} ({code} {_text(reply)})" for addr, (code, reply) in refused.items()
        )
        return DeliveryResult(False, f"收件人被拒绝：{who}")
    return DeliveryResult(True, f"SMTP {settings.host}:{settings.port} 已接收")


def _envelope_sender(settings: SmtpSettings) -> str | None:
    """The envelope sender: the configured sender's address, else (None) the From header's."""
    return parseaddr(settings.sender)[1] or None if settings.sender else None


def dingtalk_signed_url(url: str, secret: str, timestamp_ms: int | None = None) -> str:
    """The 钉钉 robot URL with its signature: sign = base64(HMAC-SHA256(secret,
    "{timestamp}\\n{secret}")), URL-encoded, appended as `&timestamp=…&sign=…`.

    钉钉 refuses a timestamp more than an hour away from its clock, so it is taken when
    the request is made.
    """
    timestamp = str(timestamp_ms if timestamp_ms is not None else int(time.time() * 1000))
    digest = hmac.new(
        secret.encode("utf-8"), f"{timestamp}\n{secret}".encode(), hashlib.sha256
    ).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest).decode("ascii"))
    joiner = "&" if urllib.parse.urlsplit(url).query else "?"
    return f"{url}{joiner}timestamp={timestamp}&sign={sign}"


def post_webhook(
    url: str,
    body: dict[str, Any],
    *,
    dingtalk_secret: str | None = None,
    timeout: float = 10.0,
) -> DeliveryResult:
    """POST `body` as JSON to a webhook.

    Failure: the server cannot be reached, answers other than 2xx, or (企业微信/钉钉) answers
    200 with a JSON `errcode` other than 0 — the robots report a refused message that way.
    Only http and https URLs are accepted, so a mistyped setting cannot read a local file.
    """
    scheme = urllib.parse.urlsplit(url).scheme
    if scheme not in ("http", "https"):
        return DeliveryResult(False, f"webhook 地址应以 http:// 或 https:// 开头：{url!r}")
    target = dingtalk_signed_url(url, dingtalk_secret) if dingtalk_secret else url
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(
        target,
        data=data,
        method="POST",
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    where = _safe_url(url)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status = response.status
            payload = response.read(65536)
    except urllib.error.HTTPError as exc:
        snippet = _text(exc.read(300)) if exc.fp is not None else ""
        return DeliveryResult(False, f"{where}: HTTP {exc.code} {snippet}".strip())
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
        return DeliveryResult(False, f"{where}: {_describe(exc)}")
    if not 200 <= status < 300:
        return DeliveryResult(False, f"{where}: HTTP {status} {_text(payload[:300])}".strip())
    try:
        answer = json.loads(payload) if payload.strip() else None
    except ValueError:
        answer = None
    if isinstance(answer, dict) and "errcode" in answer and answer["errcode"] != 0:
        return DeliveryResult(
            False, f"{where}: errcode {answer['errcode']} {answer.get('errmsg', '')}".strip()
        )
    return DeliveryResult(True, f"{where}: HTTP {status}")


def _safe_url(url: str) -> str:
    """The URL without its query: robot URLs carry their access token there."""
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def _describe(exc: BaseException) -> str:
    if isinstance(exc, urllib.error.URLError) and exc.reason is not None:
        reason = exc.reason
        return (
            f"{type(reason).__name__}: {reason}"
            if isinstance(reason, BaseException)
            else str(reason)
        )
    return f"{type(exc).__name__}: {exc}".strip()


def _text(value: bytes | str) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace").strip()
    return value.strip()
