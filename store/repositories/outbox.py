"""The outbox: messages written in the same transaction as the change that causes them.

A message's key is unique: a second one with the same key is skipped (insert-or-skip, never
check-then-insert), or, for messages marked `replace`, refreshes the stored payload.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from domain.messages import Message
from store.models import Outbox


def _values(message: Message, at: dt.datetime) -> dict[str, Any]:
    return {
        "kind": message.kind,
        "recipient": message.recipient,
        "dedupe_key": message.key,
        "payload": dict(message.payload),
        "created_at": at,
        "batch": message.batch,
    }


class OutboxRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add_all(self, messages: Sequence[Message], at: dt.datetime) -> int:
        """Insert the messages whose key is new; returns how many were inserted."""
        dialect = self.session.get_bind().dialect.name
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
        inserted = 0
        plain = [m for m in messages if not m.replace]
        if plain:  # the sweep's many messages: one statement, batched parameter sets
            table = Outbox.__table__
            result = self.session.execute(
                insert(table)
                .on_conflict_do_nothing(index_elements=["dedupe_key"])
                .returning(table.c.id),
                [_values(m, at) for m in plain],
            )
            inserted += len(result.all())
        for message in (m for m in messages if m.replace):
            result = self.session.execute(
                insert(Outbox)
                .values(**_values(message, at))
                .on_conflict_do_nothing(index_elements=["dedupe_key"])
                .returning(Outbox.id)
            )
            # RETURNING, not rowcount: psycopg reports -1 for a skipped INSERT … ON CONFLICT
            if result.scalar_one_or_none() is not None:
                inserted += 1
            else:
                self.session.execute(
                    update(Outbox)
                    .where(Outbox.dedupe_key == message.key)
                    .values(payload=dict(message.payload))
                )
        return inserted

    def for_recipient(self, username: str) -> list[dict[str, Any]]:
        rows = self.session.execute(
            select(Outbox)
            .where(Outbox.recipient == username)
            .order_by(Outbox.created_at.desc(), Outbox.id.desc())
        ).scalars()
        return [
            {
                "id": m.id,
                "kind": m.kind,
                "created_at": m.created_at,
                "sent_at": m.sent_at,
                "payload": m.payload,
                "read": m.read_at is not None,
            }
            for m in rows
        ]
