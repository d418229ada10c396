"""open_queue_index: the caseworker queue read from an index in its own order

The queue (`store.queries.list_cases`, the `/queue` page and `GET /api/v1/cases`) lists an
agency's open cases soonest due first: `ORDER BY due IS NULL, due, waiting_due IS NULL,
waiting_due, id`, the first 100 or 200 of them. With only (agency_id, state, due) each request
read every open case of the agency and sorted it (one sort of ~6,700 rows per request per
agency at 1M cases). This partial index holds exactly the open cases, keyed by the agency and
then the queue's sort keys as expressions, so both databases walk it in order and stop after
LIMIT rows (PostgreSQL, 100k cases: 8 ms → 0.5 ms per query; SQLite: 2.7 ms → 0.6 ms).

The predicate must be written as the query writes it for the planners to match it: the open
states are `domain.case.OPEN_STATES`, sorted, as literals (`store.predicates` renders domain
sets inline for this reason). SQLite compares the expressions structurally, so the order of
the list matters; a test runs EXPLAIN on both databases to keep the two in step.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# domain.case.OPEN_STATES as of this revision, sorted: frozen here as a migration must be
OPEN_STATES = ("awaiting_fee", "awaiting_supplement", "in_consultation", "in_progress")
WHERE = sa.text("state IN (" + ", ".join(f"'{s}'" for s in OPEN_STATES) + ")")


def upgrade() -> None:
    # a plain CREATE INDEX on both databases (no batch copy of `cases`, which others reference)
    op.create_index(
        "ix_cases_open_queue",
        "cases",
        [
            sa.text("agency_id"),
            sa.text("(due IS NULL)"),
            sa.text("due"),
            sa.text("(waiting_due IS NULL)"),
            sa.text("waiting_due"),
            sa.text("id"),
        ],
        postgresql_where=WHERE,
        sqlite_where=WHERE,
    )


def downgrade() -> None:
    op.drop_index("ix_cases_open_queue", table_name="cases")
