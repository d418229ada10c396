"""auth: password hashes and lockout counters, hashed API tokens, intake idempotency keys

Sign-in needs a stored Argon2id hash per user and a count of recent failures with a lock-until
time (RULES §7: 5 failures in 15 minutes lock the account for 15 minutes). API tokens are
stored as their SHA-256 only, so a leaked database does not hand out working tokens; a token
is revoked by stamping `revoked_at`. An intake retried with the same `Idempotency-Key` must
return the first result, so the key and the case it made are kept. Sessions are signed
cookies and need no table.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 05:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("password_hash", sa.String(200), nullable=True))
        batch.add_column(
            sa.Column("must_change_password", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(
            sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("first_failed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_sha256", sa.String(64), nullable=False),
        sa.Column("prefix", sa.String(12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_api_tokens_user_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_api_tokens"),
        sa.UniqueConstraint("token_sha256", name="uq_api_tokens_token_sha256"),
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("username", sa.String(60), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("case_no", sa.String(80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_idempotency_keys"),
        sa.UniqueConstraint("username", "key", name="uq_idempotency_keys_username"),
    )


def downgrade() -> None:
    op.drop_table("idempotency_keys")
    op.drop_table("api_tokens")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("locked_until")
        batch.drop_column("first_failed_at")
        batch.drop_column("failed_logins")
        batch.drop_column("must_change_password")
        batch.drop_column("password_hash")
