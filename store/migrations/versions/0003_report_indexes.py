"""report indexes: covering indexes for the annual report's aggregates

The report counts a scope's cases by receipt and by conclusion date (store.report_queries).
With only single-column date indexes and (agency_id, state, due), each aggregate visits the
table rows; these two composite indexes hold every column those queries read, so SQLite and
PostgreSQL answer them from the index alone (index-only scans). Measured by
`python -m bench report` on 1M cases: SQLite region 6.2 s → 0.9 s, self 1.8 s → 0.2 s;
PostgreSQL self 0.7 s → 0.13 s, region 1.3 s → 0.8 s.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 19:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # new / carried in / carried out per applicant type, and the ids carried into a year
    op.create_index(
        "ix_cases_agency_received",
        "cases",
        ["agency_id", "received_on", "concluded_on", "applicant_type", "id"],
    )
    # conclusions per outcome and applicant type
    op.create_index(
        "ix_cases_agency_concluded",
        "cases",
        ["agency_id", "concluded_on", "outcome", "applicant_type"],
    )


def downgrade() -> None:
    op.drop_index("ix_cases_agency_concluded", table_name="cases")
    op.drop_index("ix_cases_agency_received", table_name="cases")
