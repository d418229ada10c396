"""`ogi serve` as operators start it: one process with the embedded scheduler, or
`--workers N` processes without it (and without it under OGI_SCHEDULER=prefect), JSON logs on
stderr, the latency histogram summed over every worker process.

Each test starts the real command on a free loopback port and stops it with Ctrl-C (SIGINT).
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from store.db import make_engine

REPO = Path(__file__).resolve().parents[2]


def ogi_command() -> list[str]:
    script = Path(sys.executable).with_name("ogi")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "cli.main"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as reply:
            return reply.status, reply.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8")


@contextmanager
def serving(tmp_path: Path, *args: str, **env: str) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    url = f"sqlite:///{tmp_path}/ogi.db"
    environ = {**os.environ, "OGI_DATABASE_URL": url, "OGI_LOG_FORMAT": "json", **env}
    if "OGI_SCHEDULER" not in env:
        environ.pop("OGI_SCHEDULER", None)
    environ.pop("OGI_SECRET_KEY", None)
    done = subprocess.run([*ogi_command(), "init", "--agency", "lixia", "--agency-name", "历下区人民政府"],
                          cwd=tmp_path, env=environ, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    port = free_port()
    process = subprocess.Popen(
        [*ogi_command(), "serve", "--port", str(port), *args],
        cwd=tmp_path, env=environ, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert process.poll() is None, process.communicate()
            try:
                if get(base + "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "ogi serve did not answer"
            time.sleep(0.2)
        yield base, process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)


def job_ids(tmp_path: Path) -> list[str] | None:
    """The embedded scheduler's stored jobs (None: it never started on this database)."""
    engine = make_engine(f"sqlite:///{tmp_path}/ogi.db")
    try:
        if "apscheduler_jobs" not in inspect(engine).get_table_names():
            return None
        with engine.connect() as connection:
            return sorted(connection.execute(text("SELECT id FROM apscheduler_jobs")).scalars())
    finally:
        engine.dispose()


def test_one_process_runs_the_embedded_scheduler_and_logs_json(tmp_path: Path) -> None:
    with serving(tmp_path) as (base, process):
        assert get(base + "/no-such-page")[0] == 404
        time.sleep(0.3)
    out, err = process.communicate()
    assert process.returncode == 0, err
    assert "内置定时任务已启动" in out
    assert job_ids(tmp_path) == ["calendar-check", "dispatch", "sweep", "year-end"]
    entries = [json.loads(line) for line in err.splitlines() if line.strip()]  # every line JSON
    assert any(e["logger"] == "ogi.http" and e["path"] == "/no-such-page" and e["status"] == 404
               for e in entries)  # fmt: skip


def test_prefect_mode_leaves_the_flows_to_prefect(tmp_path: Path) -> None:
    with serving(tmp_path, OGI_SCHEDULER="prefect") as (_base, process):
        pass
    out, err = process.communicate()
    assert process.returncode == 0, err
    assert "OGI_SCHEDULER=prefect" in out and "ogi flows worker" in out
    assert job_ids(tmp_path) is None


def test_several_worker_processes_share_sessions_and_metrics(tmp_path: Path) -> None:
    with serving(tmp_path, "--workers", "2") as (base, process):
        for _ in range(8):
            assert get(base + "/healthz")[0] == 200
        # the session cookie of one process is good in the other: a sign-in form made by one
        # is accepted (no CSRF refusal) whichever process receives it, without OGI_SECRET_KEY
        jar = http.cookiejar.CookieJar()
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        page = browser.open(base + "/login", timeout=10).read().decode("utf-8")
        marker = 'name="csrf_token" value="'
        token = page[page.index(marker) + len(marker) :].split('"', 1)[0]
        form = urllib.parse.urlencode({"csrf_token": token, "username": "nobody", "password": "x"})
        for _ in range(6):
            try:
                reply = browser.open(base + "/login", data=form.encode("utf-8"), timeout=10)
                status, body = reply.status, reply.read().decode("utf-8")
            except urllib.error.HTTPError as error:
                status, body = error.code, error.read().decode("utf-8")
            assert status != 403 and "CSRF" not in body, body
        status, scrape = get(base + "/metrics")
        assert status == 200
    out, err = process.communicate()
    assert "2 个网页进程" in out and "ogi scheduler run" in out
    assert job_ids(tmp_path) is None
    # the health checks of both processes, whichever answered the scrape (the first probes
    # of the start-up loop count too: at least the 8 made here)
    [count] = [
        float(line.rsplit(" ", 1)[1])
        for line in scrape.splitlines()
        if line.startswith("ogi_http_request_duration_seconds_count{")
        and 'route="/healthz"' in line and 'status="200"' in line
    ]
    assert count >= 9
    assert "Started parent process" in err


@pytest.mark.parametrize("workers", ["0", "x"])
def test_a_bad_worker_count_is_a_usage_error(tmp_path: Path, workers: str) -> None:
    done = subprocess.run([*ogi_command(), "serve", "--workers", workers], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 2 and "Traceback" not in done.stderr
