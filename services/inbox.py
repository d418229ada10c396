"""The in-app inbox (RULES §5 "Inbox"): a user's messages, newest first, and read flags.

Every message the engine writes to the outbox is in its recipient's inbox: that channel is
always delivered.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from domain.access import Actor
from domain.errors import DomainError


def inbox(uow: Any, *, actor: Actor, unread: bool = False) -> list[dict[str, Any]]:
    """The actor's messages, newest first, as the contract's objects."""
    with uow.read():
        return [_item(row) for row in uow.reminders.inbox(actor.name, unread)]


def unread_count(uow: Any, *, actor: Actor) -> int:
    """How many of the actor's messages are unread (the count beside 消息 on every page)."""
    with uow.read():
        return uow.reminders.unread_count(actor.name)


def _item(row: Any) -> dict[str, Any]:
    payload = row.payload or {}
    return {
        "id": row.id,
        "kind": row.kind,
        "threshold": payload.get("threshold", 0),
        "case_no": payload.get("case_no"),
        "due": payload.get("due"),
        "text": payload.get("text", ""),
        "created_at": row.created_at.astimezone(dt.UTC).isoformat(),
        "read": row.read_at is not None,
    }


def mark_read(uow: Any, ids: Sequence[int], *, actor: Actor) -> list[int]:
    """Mark the actor's own messages read. An id that is not theirs is refused as not found
    (nobody learns what others were told), and nothing is marked."""
    if not ids:
        raise DomainError("请给出要标记为已读的消息编号", field="id", rule="须为本人的消息")
    with uow.write():
        own = uow.reminders.mark_read(actor.name, list(ids), uow.now())
        missing = sorted(set(ids) - set(own))
        if missing:
            uow.discard()
            from domain.errors import NotFoundError

            raise NotFoundError(
                f"消息 {'、'.join(map(str, missing))} 不存在", field="id", rule="须为本人的消息"
            )
    return own
