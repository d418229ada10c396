"""due_change_deadline: which deadline a calendar change moved

A calendar change moves the answer due date and also what the office waits for: the
applicant's 补正 period, the fee payment window, the consulted party's window. Each moved
date is recorded with its deadline (answer / supplement / consultation / fee) so the sweep
can tell the assignee which deadline moved. Rows written before this revision were all
answer due dates.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("due_changes") as batch:
        batch.add_column(
            sa.Column("deadline", sa.String(20), nullable=False, server_default="answer")
        )


def downgrade() -> None:
    with op.batch_alter_table("due_changes") as batch:
        batch.drop_column("deadline")
