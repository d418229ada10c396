"""calendar entries record their festival and origin; the bundled errata are loaded

Adjustment notices replace one festival's entries of a year and keep the rest (RULES §1), so
every entry records its festival. Every entry also records where it came from beyond its
source kind: the notice's number and date, or the notice that proves an erratum. The
package's known errors (seeds/calendar/errata.json) are loaded here for databases that
existed before; `ogi init` loads them for new ones.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 04:20:00
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

ERRATA = Path(__file__).resolve().parents[3] / "seeds" / "calendar" / "errata.json"


def upgrade() -> None:
    with op.batch_alter_table("calendar_entries") as batch:
        batch.add_column(sa.Column("festival", sa.String(20), nullable=False, server_default=""))
        batch.add_column(sa.Column("origin", sa.String(120), nullable=False, server_default=""))
    entries = sa.table(
        "calendar_entries",
        sa.column("day", sa.Date),
        sa.column("kind", sa.String),
        sa.column("name", sa.String),
        sa.column("source", sa.String),
        sa.column("schedule_year", sa.Integer),
        sa.column("loaded_by", sa.String),
        sa.column("loaded_at", sa.DateTime(timezone=True)),
        sa.column("festival", sa.String),
        sa.column("origin", sa.String),
    )
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT count(*) FROM calendar_entries")).scalar_one() == 0:
        return  # a new database: `ogi init` seeds the package and the errata together
    now = dt.datetime.now(dt.UTC)
    for item in json.loads(ERRATA.read_text(encoding="utf-8")):
        day = dt.date.fromisoformat(item["day"])
        exists = bind.execute(
            sa.text("SELECT 1 FROM calendar_entries WHERE day = :day AND source = 'erratum'"),
            {"day": day},
        ).first()
        if exists is None:
            op.bulk_insert(
                entries,
                [
                    {
                        "day": day,
                        "kind": item["kind"],
                        "name": item["name"],
                        "source": "erratum",
                        "schedule_year": day.year,
                        "loaded_by": "system",
                        "loaded_at": now,
                        "festival": item["festival"],
                        "origin": item["origin"],
                    }
                ],
            )


def downgrade() -> None:
    op.execute("DELETE FROM calendar_entries WHERE source = 'erratum'")
    with op.batch_alter_table("calendar_entries") as batch:
        batch.drop_column("origin")
        batch.drop_column("festival")
