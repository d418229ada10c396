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
    with op.batch_alter_table("agencies") as batch:
        batch.add_column(sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade() -> None:
    with op.batch_alter_table("agencies") as batch:
        batch.drop_column("active")
