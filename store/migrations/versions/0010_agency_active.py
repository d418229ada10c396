"""agency_active: an agency can be deactivated instead of deleted

Agencies merge and are dissolved, but their cases, reports and history must stay. A deactivated
agency registers no new case; every existing agency stays in use.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # ADD COLUMN in place on both databases (a batch copy of `agencies` on SQLite would drop
    # a table that cases and users reference, which foreign keys refuse once there are cases)
    op.add_column(
        "agencies", sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true())
    )


def downgrade() -> None:
    # SQLite (3.35+) drops the column in place; a batch copy of `agencies` would have to drop
    # a table that cases and users reference, which foreign keys refuse.
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE agencies DROP COLUMN active")
    else:
        op.drop_column("agencies", "active")
