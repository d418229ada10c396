"""year_locked_ledger: the carried-out list of every lock, kept after an unlock

A published year's list must stay reproducible: an unlock followed by a re-close used to
replace the only recorded list. Each lock now copies the list it froze into this table.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22 05:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "year_locked_ledger",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("agency_id", sa.Integer(), sa.ForeignKey("agencies.id"), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("locked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("applicant_type", sa.String(20), nullable=False),
    )
    op.create_index(
        "ix_year_locked_ledger_agency_year",
        "year_locked_ledger",
        ["agency_id", "year", "locked_at"],
    )
    # locks made before this revision: their list is the closed one
    op.execute(
        "INSERT INTO year_locked_ledger (agency_id, year, locked_at, case_id, applicant_type) "
        "SELECT l.agency_id, l.year, k.locked_at, l.case_id, l.applicant_type "
        "FROM year_ledger l JOIN year_locks k ON k.agency_id = l.agency_id AND k.year = l.year"
    )


def downgrade() -> None:
    op.drop_index("ix_year_locked_ledger_agency_year", table_name="year_locked_ledger")
    op.drop_table("year_locked_ledger")
