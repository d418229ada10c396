"""letters: issued letters are kept as files; agencies may name their own template folder

A letter re-printed later must be the same document, so the rendered file is stored with its
number (文号, unique), the template it came from and that template's sha256. The agencies'
`letters_dir` names a folder of their own templates, looked up before seeds/letters/.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 05:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("agencies") as batch:
        batch.add_column(sa.Column("letters_dir", sa.String(500), nullable=True))
    op.create_table(
        "letters",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("letter_no", sa.String(120), nullable=False),
        sa.Column("template_name", sa.String(200), nullable=False),
        sa.Column("template_sha256", sa.String(64), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("issued_by", sa.String(60), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name="fk_letters_case_id_cases"),
        sa.PrimaryKeyConstraint("id", name="pk_letters"),
        sa.UniqueConstraint("letter_no", name="uq_letters_letter_no"),
    )
    op.create_index("ix_letters_case", "letters", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_letters_case", table_name="letters")
    op.drop_table("letters")
    with op.batch_alter_table("agencies") as batch:
        batch.drop_column("letters_dir")
