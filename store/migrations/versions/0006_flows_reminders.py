"""flows: reminders exactly once, outbox delivery, flow runs, agency notification settings

RULES §6: a reminder is keyed by (subject, kind, threshold, watched date), unique in the
database, so two sweeps at once or a re-run insert-or-skip instead of sending twice. The
outbox gains a read flag and the fields the inbox shows; `deliveries` and
`delivery_attempts` record each e-mail digest and webhook post and every try at it;
`flow_runs` records each run of a flow. The sweep reads only cases whose next watched point
is due, through an index on `cases.next_reminder_on`. Agencies get their webhook, the kind
of report date that applies to them and the opt-in to close unpaid-fee cases automatically.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 05:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("agencies") as batch:
        batch.add_column(sa.Column("webhook_flavor", sa.String(20), nullable=False, server_default=""))
        batch.add_column(sa.Column("webhook_url", sa.String(500), nullable=False, server_default=""))
        batch.add_column(sa.Column("webhook_secret", sa.String(200), nullable=False, server_default=""))
        batch.add_column(
            sa.Column("report_kind", sa.String(20), nullable=False, server_default="department")
        )
        batch.add_column(
            sa.Column("auto_close_unpaid", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_index("ix_cases_next_reminder_on", "cases", ["next_reminder_on"])
    op.create_table(
        "reminders",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("subject", sa.String(120), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("watched", sa.Date(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("swept_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_reminders"),
        sa.UniqueConstraint(
            "subject", "kind", "threshold", "watched", name="uq_reminders_subject_kind_threshold_watched"
        ),
    )
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("read_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("batch", sa.String(40), nullable=True))
    op.create_index("ix_outbox_recipient", "outbox", ["recipient", "created_at"])
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("target", sa.String(200), nullable=False),
        sa.Column("batch", sa.String(40), nullable=False),
        sa.Column("outbox_ids", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False, server_default=""),
        sa.PrimaryKeyConstraint("id", name="pk_deliveries"),
        sa.UniqueConstraint("channel", "target", "batch", name="uq_deliveries_channel_target_batch"),
    )
    op.create_index("ix_deliveries_status_next", "deliveries", ["status", "next_attempt_at"])
    op.create_table(
        "delivery_attempts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False, server_default=""),
        sa.ForeignKeyConstraint(
            ["delivery_id"], ["deliveries.id"], name="fk_delivery_attempts_delivery_id_deliveries"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_delivery_attempts"),
    )
    op.create_table(
        "flow_runs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False, server_default=""),
        sa.PrimaryKeyConstraint("id", name="pk_flow_runs"),
    )
    op.create_index("ix_flow_runs_kind_started", "flow_runs", ["kind", "started_at"])


def downgrade() -> None:
    op.drop_index("ix_flow_runs_kind_started", table_name="flow_runs")
    op.drop_table("flow_runs")
    op.drop_table("delivery_attempts")
    op.drop_index("ix_deliveries_status_next", table_name="deliveries")
    op.drop_table("deliveries")
    op.drop_index("ix_outbox_recipient", table_name="outbox")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("batch")
        batch.drop_column("read_at")
    op.drop_table("reminders")
    op.drop_index("ix_cases_next_reminder_on", table_name="cases")
    with op.batch_alter_table("agencies") as batch:
        for column in ("auto_close_unpaid", "report_kind", "webhook_secret", "webhook_url", "webhook_flavor"):
            batch.drop_column(column)
