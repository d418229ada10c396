"""The outbox dispatcher: delivers the e-mail digests and webhook posts the sweeps owe.

The in-app inbox needs no delivery (the outbox row *is* the inbox item). Each pending
delivery is claimed under a row lock — `FOR UPDATE SKIP LOCKED` on PostgreSQL, so several
dispatchers share the work without taking the same row; on SQLite the write transaction holds
the database. Every attempt is recorded; a failure is retried after RULES §6's pauses
(`domain.delivery`) and marked failed 24 hours after the first attempt, where administrators
see it (`services.deliveries.failed_deliveries`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from domain.delivery import next_attempt_at
from flows.runs import recorded_run


@dataclass
class DispatchResult:
    delivered: int = 0
    retrying: int = 0
    failed: int = 0

    def to_json(self) -> dict[str, int]:
        return {"delivered": self.delivered, "retrying": self.retrying, "failed": self.failed}


def dispatch(uow: Any, settings: Any, *, now: dt.datetime | None = None, batch: int = 50) -> DispatchResult:
    """Deliver every delivery whose time has come (as of `now`, default the real time)."""
    result = DispatchResult()
    while True:
        with uow.write():
            at = now or uow.now()
            claimed = uow.reminders.claim_deliveries(at, batch)
            for delivery in claimed:
                _deliver(uow, settings, delivery, at, result)
        if len(claimed) < batch:
            return result


def _deliver(uow: Any, settings: Any, delivery: Any, at: dt.datetime, result: DispatchResult) -> None:
    from notifications.channels import DeliveryResult

    try:
        outcome = _send(uow, settings, delivery, at)
    except Exception as exc:  # a rendering or configuration problem is a failed attempt too
        outcome = DeliveryResult(False, f"{type(exc).__name__}: {exc}")
    uow.reminders.record_attempt(delivery, outcome.ok, outcome.detail, at)
    delivery.attempts += 1
    if outcome.ok:
        delivery.status, delivery.finished_at, delivery.next_attempt_at = "delivered", at, None
        result.delivered += 1
        return
    first = delivery.first_attempt_at or at
    delivery.first_attempt_at = first
    delivery.last_error = outcome.detail[:2000]
    following = next_attempt_at(_aware(first), delivery.attempts, at)
    if following is None:
        delivery.status, delivery.finished_at, delivery.next_attempt_at = "failed", at, None
        result.failed += 1
    else:
        delivery.next_attempt_at = following
        result.retrying += 1


def _aware(value: dt.datetime) -> dt.datetime:
    """SQLite gives naive UTC timestamps back."""
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _send(uow: Any, settings: Any, delivery: Any, at: dt.datetime) -> Any:
    from notifications.channels import DeliveryResult, SmtpSettings, post_webhook, send_email
    from notifications.render import digest, webhook_body
    from services.reminders import notice_of

    rows = uow.reminders.outbox_rows(delivery.outbox_ids)
    notices = [notice_of(r.kind, r.recipient, r.payload) for r in rows]
    if delivery.channel == "email":
        smtp = settings.smtp
        if smtp is None:
            return DeliveryResult(False, "未配置邮件服务器（OGI_SMTP_HOST）")
        person = uow.reminders.person(delivery.target)
        message = digest(
            person.display_name or person.username, person.email, notices, sender=smtp.sender, sent_at=at
        )
        return send_email(
            SmtpSettings(
                smtp.host, smtp.port, smtp.security, smtp.username, smtp.password, smtp.sender,
                ca_file=smtp.ca_file,
            ),
            message,
        )
    agency = next(a for a in uow.reminders.agencies() if a.code == delivery.target)
    if not agency.webhook_url:
        return DeliveryResult(False, "本机关未设置 webhook 地址")
    flavor = agency.webhook_flavor or "json"
    return post_webhook(
        agency.webhook_url,
        webhook_body(flavor, notices),
        dingtalk_secret=agency.webhook_secret if flavor == "dingtalk" else None,
    )


def run_dispatch(uow: Any, today: dt.date, settings: Any, *, now: dt.datetime | None = None) -> DispatchResult:
    return recorded_run(
        uow, "dispatch", today, lambda _run: dispatch(uow, settings, now=now), DispatchResult.to_json
    )


def send_test(settings: Any, channel: str, to: str, *, flavor: str = "json", secret: str = "") -> Any:
    """`ogi notify test`: one sample message over a channel, to check its settings now rather
    than on the day an overdue alert should go out."""
    from domain.errors import DomainError
    from domain.reminders import Kind, Notice
    from notifications.channels import DeliveryResult, SmtpSettings, post_webhook, send_email
    from notifications.render import digest, webhook_body

    sample = Notice(Kind.CALENDAR_MISSING, 0, "test", "测试收件人", "test", "测试机关",
                    dt.date.today(), facts={"coverage": dt.date.today().isoformat(), "year": dt.date.today().year + 1})
    if channel == "email":
        smtp = settings.smtp
        if smtp is None:
            return DeliveryResult(False, "未配置邮件服务器（OGI_SMTP_HOST）")
        message = digest("测试收件人", to, [sample], sender=smtp.sender)
        return send_email(
            SmtpSettings(smtp.host, smtp.port, smtp.security, smtp.username, smtp.password,
                         smtp.sender, ca_file=smtp.ca_file),
            message,
        )
    if channel == "webhook":
        return post_webhook(to, webhook_body(flavor, [sample]),  # type: ignore[arg-type]
                            dingtalk_secret=secret or None)
    raise DomainError(f"渠道（channel）“{channel}”无效，应为 email 或 webhook", field="channel",
                      rule="通知渠道")
