"""What the operations endpoints read: the schema's revision, the last flow runs, open and
overdue cases per agency, deliveries by status.

Every query here runs on each health check or metrics scrape, so each is one statement over
an index: cases by (agency, state, due), flow runs by (kind, started_at), deliveries by status.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from domain.case import is_open_case, overdue_on
from store.models import Agency, CaseRow, Delivery, FlowRun
from store.predicates import compile_predicate


@cache
def script_heads() -> tuple[str, ...]:
    """The newest migration(s) this code ships (read once per process)."""
    from alembic.script import ScriptDirectory

    from store.db import alembic_config

    return tuple(sorted(ScriptDirectory.from_config(alembic_config(None)).get_heads()))  # type: ignore[arg-type]


def utc(value: dt.datetime | None) -> dt.datetime | None:
    """A stored timestamp as an aware UTC datetime (SQLite returns them without a zone)."""
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class OperationsQueries:
    def __init__(self, session: Session) -> None:
        self.session = session

    def schema_revisions(self) -> tuple[str, ...]:
        """The migration(s) the database is at (empty: never migrated)."""
        from alembic.runtime.migration import MigrationContext

        context = MigrationContext.configure(self.session.connection())
        return tuple(sorted(context.get_current_heads()))

    def last_finished_run(self, kind: str) -> dict[str, Any] | None:
        """The newest run of a flow that has finished (with or without an error)."""
        run = self.session.execute(
            select(FlowRun)
            .where(FlowRun.kind == kind, FlowRun.finished_at.is_not(None))
            .order_by(FlowRun.started_at.desc(), FlowRun.id.desc())
            .limit(1)
        ).scalar_one_or_none()
        if run is None:
            return None
        started, finished = utc(run.started_at), utc(run.finished_at)
        assert started is not None and finished is not None
        return {
            "id": run.id,
            "kind": run.kind,
            "as_of": run.as_of,
            "started_at": started,
            "finished_at": finished,
            "duration_seconds": (finished - started).total_seconds(),
            "counts": dict(run.counts or {}),
            "error": run.error or "",
        }

    def cases_by_agency(self, today: dt.date) -> list[tuple[str, int, int]]:
        """(agency code, open cases, overdue cases) for every agency, in one grouped query."""
        open_case = compile_predicate(is_open_case())
        overdue = compile_predicate(overdue_on(today))
        rows = self.session.execute(
            select(
                Agency.code,
                func.count(CaseRow.id),
                func.coalesce(func.sum(case((overdue, 1), else_=0)), 0),
            )
            .select_from(Agency)
            .outerjoin(CaseRow, and_(CaseRow.agency_id == Agency.id, open_case))
            .group_by(Agency.code)
            .order_by(Agency.code)
        ).all()
        return [(code, int(n_open), int(n_overdue)) for code, n_open, n_overdue in rows]

    def deliveries_by_status(self) -> dict[str, int]:
        rows = self.session.execute(
            select(Delivery.status, func.count()).group_by(Delivery.status)
        ).all()
        return {status: int(n) for status, n in rows}
