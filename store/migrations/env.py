"""Alembic environment: uses the engine handed over by `store.db.migrate`, or OGI_DATABASE_URL."""

from __future__ import annotations

from alembic import context

from store.db import make_engine
from store.models import Base

config = context.config
engine = config.attributes.get("engine") or make_engine()

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=engine.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
