"""year_closed_kind: the year-end message under its RULES §6 kind and exactly-once key

The year-end close told each supervisor under a kind of its own, `year_close`, keyed
`year_close:{year}:{agency}:{user}`, and only in the inbox. It is now a §6 notice like the
others: kind `year_closed`, the key of `domain.reminders.year_closed_watch` (the agency, the
kind, threshold 0, 31 December of the year) plus the recipient, and a batch, so that e-mail
digests carry it too. Rows written before keep their payload; they get the new kind and key, so
a re-close of the same year refreshes them instead of writing a second message.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 18:00:00
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

OUTBOX = sa.table(
    "outbox",
    sa.column("id", sa.Integer),
    sa.column("kind", sa.String),
    sa.column("recipient", sa.String),
    sa.column("dedupe_key", sa.String),
    sa.column("payload", sa.JSON),
)


def _new_key(agency: str, year: int, recipient: str) -> str:
    # domain.reminders.reminder_key of year_closed_watch(agency, year) at 0, as of this revision
    return f"agency:{agency}|year_closed|0|{year:04d}-12-31|{recipient}"


def _facts(payload: dict) -> dict:
    """Where the year is: at the top of a message from before 0012, in `facts` after."""
    return payload.get("facts") or payload


def upgrade() -> None:
    _rename(
        "year_close",
        "year_closed",
        lambda recipient, payload: _new_key(payload["agency"], int(_facts(payload)["year"]), recipient),
    )


def downgrade() -> None:
    _rename(
        "year_closed",
        "year_close",
        lambda recipient, payload: f"year_close:{_facts(payload)['year']}:{payload['agency']}:{recipient}",
    )


def _rename(old_kind: str, new_kind: str, key: Callable[[str, dict], str]) -> None:
    """Every message of `old_kind` under `new_kind`, with the key made from its recipient and payload."""
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(OUTBOX.c.id, OUTBOX.c.recipient, OUTBOX.c.payload).where(OUTBOX.c.kind == old_kind)
    ).all()
    for row_id, recipient, payload in rows:
        bind.execute(
            OUTBOX.update()
            .where(OUTBOX.c.id == row_id)
            .values(kind=new_kind, dedupe_key=key(recipient, payload))
        )
