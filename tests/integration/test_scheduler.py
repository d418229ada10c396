"""The embedded scheduler: its jobs persist in the database, in Asia/Shanghai, coalesced; it
refuses to start when Prefect triggers the flows; `ogi scheduler run` stops cleanly on Ctrl-C."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from domain.errors import UsageError
from flows.embedded import build_scheduler
from services.bootstrap import FixedClock, Runtime, Settings

ROOT = Path(__file__).resolve().parents[2]


def test_jobs_are_stored_in_the_database_in_shanghai_time(engine: Engine, db_url: str) -> None:
    runtime = Runtime(Settings(database_url=db_url), FixedClock(dt.date(2026, 11, 20)))
    for _ in range(2):  # a restart replaces the stored definitions, never duplicates them
        scheduler = build_scheduler(runtime)
        scheduler.start(paused=True)
        jobs = {job.id: job for job in scheduler.get_jobs()}
        scheduler.shutdown(wait=False)
    assert set(jobs) == {"sweep", "dispatch", "year-end", "calendar-check"}
    sweep = jobs["sweep"].next_run_time
    assert (sweep.utcoffset(), sweep.hour, sweep.minute) == (dt.timedelta(hours=8), 7, 30)
    year_end = jobs["year-end"].next_run_time
    assert (year_end.month, year_end.day, year_end.hour, year_end.minute) == (1, 1, 0, 5)
    assert all(job.coalesce for job in jobs.values())
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM apscheduler_jobs")).scalar_one() == 4
    runtime.close()


def test_the_embedded_scheduler_refuses_to_start_under_prefect(db_url: str) -> None:
    runtime = Runtime(Settings(database_url=db_url, scheduler="prefect"), FixedClock(dt.date(2026, 11, 20)))
    with pytest.raises(UsageError) as refused:
        build_scheduler(runtime)
    assert refused.value.field == "OGI_SCHEDULER"


def test_scheduler_run_stops_cleanly_on_ctrl_c(engine: Engine, db_url: str) -> None:
    env = {**os.environ, "OGI_DATABASE_URL": db_url}
    process = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "scheduler", "run"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + 60
    started = False
    while time.monotonic() < deadline and process.poll() is None:
        with engine.connect() as connection:
            try:
                started = connection.execute(text("SELECT count(*) FROM apscheduler_jobs")).scalar_one() == 4
            except Exception:  # the job table does not exist until the scheduler made it
                connection.rollback()
        if started:
            break
        time.sleep(0.1)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert started, err
    assert process.returncode == 0, err
    assert "调度器已停止" in out


def _stored_jobs(engine: Engine) -> int:
    with engine.connect() as connection:
        try:
            return connection.execute(text("SELECT count(*) FROM apscheduler_jobs")).scalar_one()
        except Exception:  # no job table: no scheduler ever started on this database
            return 0


def _healthy(url: str) -> bool:
    import urllib.request

    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=2) as reply:
            return reply.status == 200
    except OSError:
        return False


@pytest.mark.parametrize("scheduler", ["embedded", "prefect"])
def test_serve_starts_the_embedded_scheduler_unless_prefect_triggers_the_flows(
    engine: Engine, db_url: str, scheduler: str
) -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "OGI_DATABASE_URL": db_url, "OGI_SCHEDULER": scheduler}
    process = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "serve", "--port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + 60
    up = False
    while time.monotonic() < deadline and process.poll() is None and not up:
        up = _healthy(f"http://127.0.0.1:{port}")
        time.sleep(0.2)
    jobs = _stored_jobs(engine)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert up, err
    assert process.returncode == 0, err
    if scheduler == "embedded":
        assert jobs == 4
    else:
        assert jobs == 0
        assert "定时流程由 Prefect 工作进程" in out and "不启动内置定时任务" in out
