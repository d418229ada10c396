"""The embedded scheduler (the default): APScheduler 3.11 in this process, jobs kept in the
same database (a SQLAlchemy job store), Asia/Shanghai.

Coalescing and a misfire grace mean a machine that was off catches up once, not once per
missed run; `max_instances=1` keeps one run of a job at a time in this process. Two
schedulers on two servers are harmless: the sweep's unique reminder keys make a second sweep
send nothing, the year end replaces the same ledger, and dispatchers claim deliveries with
row locks. Under `OGI_SCHEDULER=prefect` this scheduler refuses to start, so the flows are
never triggered by both.
"""

from __future__ import annotations

from typing import Any

from domain.errors import UsageError
from flows.schedule import SCHEDULES, SHANGHAI

JOB_TABLE = "apscheduler_jobs"
MISFIRE_GRACE_SECONDS = {"sweep": 12 * 3600, "dispatch": 300, "year-end": 7 * 24 * 3600,
                         "calendar-check": 12 * 3600}


def _runtime() -> Any:
    from services.bootstrap import bootstrap

    return bootstrap()


def job_sweep() -> None:
    """Job functions take no arguments: the job store keeps only their dotted names."""
    from flows.sweep import run_sweep

    runtime = _runtime()
    try:
        run_sweep(runtime.uow(), runtime.today())
    finally:
        runtime.close()


def job_dispatch() -> None:
    from flows.dispatch import run_dispatch

    runtime = _runtime()
    try:
        run_dispatch(runtime.uow(), runtime.today(), runtime.settings)
    finally:
        runtime.close()


def job_year_end() -> None:
    from flows.yearend import run_year_end

    runtime = _runtime()
    try:
        today = runtime.today()
        run_year_end(runtime.uow(), today, today.year - 1)
    finally:
        runtime.close()


def job_calendar_check() -> None:
    from flows.recompute import run_recompute

    runtime = _runtime()
    try:
        run_recompute(runtime.uow(), runtime.today())
    finally:
        runtime.close()


JOBS = {
    "sweep": job_sweep,
    "dispatch": job_dispatch,
    "year-end": job_year_end,
    "calendar-check": job_calendar_check,
}


def build_scheduler(runtime: Any, *, blocking: bool = False) -> Any:
    """A scheduler with the four jobs of `flows.schedule.SCHEDULES` in the database's job
    store (replacing any stored definitions, so a changed schedule takes effect)."""
    if runtime.settings.scheduler != "embedded":
        raise UsageError(
            "OGI_SCHEDULER=prefect：流程由 Prefect 触发，内置调度器不启动（避免重复运行）",
            field="OGI_SCHEDULER",
            rule="调度方式",
        )
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.cron import CronTrigger

    kind = BlockingScheduler if blocking else BackgroundScheduler
    scheduler = kind(
        jobstores={"default": SQLAlchemyJobStore(engine=runtime.engine, tablename=JOB_TABLE)},
        timezone=SHANGHAI,
        job_defaults={"coalesce": True, "max_instances": 1},
    )
    for schedule in SCHEDULES:
        scheduler.add_job(
            f"flows.embedded:{JOBS[schedule.kind].__name__}",
            CronTrigger.from_crontab(schedule.cron, timezone=SHANGHAI),
            id=schedule.kind,
            name=schedule.label,
            replace_existing=True,
            misfire_grace_time=MISFIRE_GRACE_SECONDS[schedule.kind],
        )
    return scheduler


def start(runtime: Any) -> Any:
    """Start the scheduler in the background of a web process (`ogi serve`); the function
    that stops it, letting a running job finish."""
    scheduler = build_scheduler(runtime)
    scheduler.start()
    return lambda: scheduler.shutdown(wait=True)
