"""What operators and their monitoring ask a running installation: is it healthy (`/healthz`)
and what do its numbers say (`/metrics`).

Health: the database answers, its schema is at the migration this code ships (during an
upgrade the database may be ahead of a web process not yet restarted: migrations only add,
so that process keeps working and still answers ok), and how long ago the daily sweep last
finished. Metrics: open and overdue cases per agency, the last run of each flow, deliveries
by status — each computed when asked, in a few indexed queries.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from domain.errors import UsageError

_ON = ("", "on", "1", "true", "yes")
_OFF = ("off", "0", "false", "no")


def metrics_enabled(env: Mapping[str, str] | None = None) -> bool:
    """`OGI_METRICS=off` turns `/metrics` off (on by default)."""
    env = os.environ if env is None else env
    value = env.get("OGI_METRICS", "").strip().lower()
    if value in _ON:
        return True
    if value in _OFF:
        return False
    raise UsageError(
        f"环境变量 OGI_METRICS 应为 on 或 off，实为“{value}”", field="OGI_METRICS", rule="监控指标"
    )


@dataclass(frozen=True)
class Health:
    database: dict[str, Any]
    migrations: dict[str, Any]
    last_sweep: dict[str, Any] | None

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": True,
            "database": self.database,
            "migrations": self.migrations,
            "last_sweep": self.last_sweep,
        }


def health(uow: Any, *, now: dt.datetime) -> Health:
    """The installation's health; a database that cannot be reached or is not initialised
    raises `DatabaseUnavailableError` (the web app answers 503 with its message)."""
    from store.operations import script_heads

    with uow.read():
        current = uow.operations.schema_revisions()
        if not current:
            from domain.errors import DatabaseUnavailableError

            raise DatabaseUnavailableError(
                "数据库尚未初始化，请先运行：ogi init --agency 代码 --agency-name 名称",
                field="database",
                rule="数据库初始化",
            )
        sweep = uow.operations.last_finished_run("sweep")
    head = script_heads()
    last_sweep = None
    if sweep is not None:
        last_sweep = {
            "as_of": sweep["as_of"].isoformat(),
            "finished_at": sweep["finished_at"].isoformat(),
            "age_seconds": int((now - sweep["finished_at"]).total_seconds()),
            "error": sweep["error"],
        }
    return Health(
        database={"reachable": True, "kind": "sqlite" if uow.is_sqlite else "postgresql"},
        migrations={"current": ",".join(current), "head": ",".join(head), "at_head": current == head},
        last_sweep=last_sweep,
    )


@dataclass
class Snapshot:
    """The numbers of one metrics scrape."""

    cases: list[tuple[str, int, int]] = field(default_factory=list)  # agency, open, overdue
    last_runs: dict[str, dict[str, Any]] = field(default_factory=dict)  # flow kind -> run
    deliveries: dict[str, int] = field(default_factory=dict)  # status -> count


def snapshot(uow: Any, *, today: dt.date, flows: Sequence[str]) -> Snapshot:
    """Open and overdue cases per agency (as of `today`), the last finished run of each of
    `flows`, and deliveries by status."""
    with uow.read():
        runs = {kind: uow.operations.last_finished_run(kind) for kind in flows}
        return Snapshot(
            cases=uow.operations.cases_by_agency(today),
            last_runs={kind: run for kind, run in runs.items() if run is not None},
            deliveries=uow.operations.deliveries_by_status(),
        )
