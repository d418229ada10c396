"""What administrators do about notifications: see the deliveries given up on, send them
again once the mail server or the group robot is fixed, set an agency's channels, and see
the scheduled flows' last runs.

RULES §6: a delivery that failed for 24 hours is marked failed and shown to administrators —
nothing is dropped silently, and nothing is re-sent without someone deciding to.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from domain.access import Actor, Role, require_role
from domain.errors import DomainError, NotFoundError


def failed_deliveries(uow: Any, *, actor: Actor) -> list[dict[str, Any]]:
    """Deliveries given up on, newest first, with their last error."""
    require_role(actor, {Role.ADMIN}, "查看投递失败的消息")
    with uow.read():
        return uow.reminders.failed_deliveries()


def retry_deliveries(uow: Any, ids: Sequence[int], *, actor: Actor, today: dt.date) -> list[int]:
    """Queue failed deliveries again (the next dispatcher run sends them, with the retry
    schedule starting afresh). An id that is not a failed delivery is refused; nothing is
    queued then."""
    del today
    require_role(actor, {Role.ADMIN}, "重新投递消息")
    if not ids:
        raise DomainError("请给出要重新投递的编号", field="id", rule="必填")
    with uow.write():
        queued = uow.reminders.requeue_failed(list(ids), uow.now())
        missing = sorted(set(ids) - set(queued))
        if missing:
            uow.discard()
            raise NotFoundError(
                f"没有编号为 {'、'.join(map(str, missing))} 的投递失败记录",
                field="id",
                rule="须为投递失败的记录",
            )
    return queued


def recent_flow_runs(uow: Any, *, actor: Actor, limit: int = 20) -> list[dict[str, Any]]:
    """The last runs of the scheduled flows, newest first (the administration page)."""
    require_role(actor, {Role.ADMIN}, "查看定时流程运行记录")
    with uow.read():
        return uow.reminders.last_runs(limit)


def agency_settings(uow: Any, code: str, *, actor: Actor) -> Any:
    """An agency's webhook, report kind and auto-close opt-ins as stored."""
    from domain.agency_settings import NotificationSettings

    require_role(actor, {Role.ADMIN}, "查看机关的通知设置")
    with uow.read():
        uow.directory.agency_id(code)  # NotFoundError for an unknown agency
        a = next(a for a in uow.reminders.agencies() if a.code == code)
    return NotificationSettings(
        webhook_flavor=a.webhook_flavor or "",
        webhook_url=a.webhook_url or "",
        webhook_secret=a.webhook_secret or "",
        report_kind=a.report_kind,
        auto_close_abandoned=bool(a.auto_close_abandoned),
        auto_close_unpaid=bool(a.auto_close_unpaid),
    )
