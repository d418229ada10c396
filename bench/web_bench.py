"""Web benchmark: the queue page and `GET /api/v1/cases` under 20 concurrent clients, and
intake throughput (`POST /api/v1/cases`), on SQLite and PostgreSQL.

`python -m bench web` (100,000 cases) or `python -m bench.web_bench [--cases N] [--clients C]
[--requests R] [--warmup W] [--workers N] [--only sqlite|postgres]`. Goal: queue p95 under
150 ms with 1,000,000 cases on PostgreSQL (`--cases 1000000 --only postgres`).

Setup (not timed): migrate, one district with 100 agencies under it, one caseworker per
agency, and N cases spread evenly over the agencies (received 2026-01-05..2026-11-20, a
third concluded), written in batches with their `registered` events (COPY on PostgreSQL,
bulk INSERTs on SQLite), projected as the services would (due = received + 20 working days
on the bundled calendar). Then `ogi serve --workers N` (default 2) serves the app from
processes of its own on a free loopback port, as an operator runs it. Each client signs in
as a caseworker of its own agency and requests, in turn, its queue page (`/queue`, the first
page: the 50 most urgent open cases) and `GET /api/v1/cases?state=open&limit=100`: W untimed rounds
first (templates compiled, statements prepared), then R timed ones (default 30: 600 of each
at 20 clients). Latencies are per request, wall clock, reported as p50/p95/max, with the load
average of the machine. The baseline, measured first in the same run by the same clients, is
a static file from the same processes: what the HTTP stack, the clients and the machine cost
without the application; the listings' p95 is printed as a multiple of its p95.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.cookiejar
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import Connection, Engine, insert, select

from bench.databases import postgres_engine, postgres_unreachable, sqlite_engine
from bench.stats import percentile
from deploy.topology import free_port, stop_group
from domain.access import SYSTEM
from services import auth, directory
from services.setup import initialise
from store.db import migrate
from store.models import Agency, CaseEventRow, CaseRow
from store.models import User as UserRow
from store.uow import SqlUnitOfWork

TODAY = dt.date(2026, 11, 20)
FIRST = dt.date(2026, 1, 5)
AGENCIES = 100
PASSWORD = "bench-password-1"
BATCH = 5_000
SEED = 20261120


def seed(engine: Engine, n: int) -> list[str]:
    """The district, its agencies and caseworkers, and n cases; returns the caseworkers."""
    uow = lambda: SqlUnitOfWork(engine)  # noqa: E731
    migrate(engine)
    initialise(uow(), "root", "某区人民政府", prefix="某区政公开")
    workers = []
    for i in range(AGENCIES):
        code = f"a{i:03d}"
        directory.add_agency(uow(), code, f"某局{i}", actor=SYSTEM, today=TODAY, parent="root", prefix=f"某局{i}公开")
        directory.add_user(uow(), f"w{i:03d}", f"经办人{i}", "caseworker", code, actor=SYSTEM, today=TODAY)
        workers.append(f"w{i:03d}")
    auth.set_password(uow(), workers[0], PASSWORD, actor=SYSTEM)
    with engine.begin() as connection:  # one hash for all: hashing is not what is measured
        digest = connection.execute(select(UserRow.password_hash).where(UserRow.username == workers[0])).scalar_one()
        connection.execute(UserRow.__table__.update().values(password_hash=digest))
        ids = dict(connection.execute(select(Agency.code, Agency.id)).all())
        users = dict(connection.execute(select(UserRow.username, UserRow.id)).all())
    uw = SqlUnitOfWork(engine)
    with uw.read():
        calendar = uw.calendar.load()
    rng = random.Random(SEED)
    span = (TODAY - FIRST).days
    now = dt.datetime.now(dt.UTC)
    next_id = 1
    with engine.begin() as connection:
        for start in range(0, n, BATCH):
            cases, events = [], []
            for k in range(start, min(n, start + BATCH)):
                a = k % AGENCIES
                received = FIRST + dt.timedelta(days=rng.randrange(span + 1))
                due = calendar.add_workdays(received, 20).day
                concluded = rng.random() < 1 / 3
                done_on = min(TODAY, received + dt.timedelta(days=rng.randrange(1, 30))) if concluded else None
                case_no = f"某局{a}公开〔2026〕第{k:07d}号"
                cases.append(
                    {
                        "id": next_id, "case_no": case_no, "agency_id": ids[f"a{a:03d}"],
                        "applicant_name": "张伟", "applicant_type": "natural_person", "id_kind": "other",
                        "id_number": "", "contact": "", "channel": "online", "received_on": received,
                        "content": "某项目征收补偿方案", "requested_form": "",
                        "assignee_id": users[f"w{a:03d}"] if rng.random() < 0.8 else None,
                        "imported": False, "state": "concluded" if concluded else "in_progress",
                        "outcome": "disclosed" if concluded else None, "concluded_on": done_on,
                        "due": due, "clock": "stopped" if concluded else "running", "waiting_for": None,
                        "waiting_due": None, "provisional": False,
                        "on_time": (done_on <= due) if concluded else None, "next_reminder_on": None,
                        "version": 1, "created_at": now, "updated_at": now,
                    }
                )
                events.append(
                    {
                        "case_id": next_id, "seq": 1, "type": "registered", "on": received, "at": now,
                        "actor": f"w{a:03d}", "role": "caseworker", "reason": "",
                        "payload": {"case_no": case_no, "agency": f"a{a:03d}", "applicant_name": "张伟",
                                    "applicant_type": "natural_person", "channel": "online",
                                    "received_on": received.isoformat(), "content": "某项目征收补偿方案"},
                    }
                )
                next_id += 1
            _insert(connection, cases, events)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:  # the rows above carried their own ids
            for table in ("cases", "case_events"):
                connection.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                )
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("ANALYZE")
    return workers


def _insert(connection: Connection, cases: list[dict[str, Any]], events: list[dict[str, Any]]) -> None:
    """One batch of case rows and their events: COPY on PostgreSQL (multi-row INSERTs took
    3.4 minutes for 1M cases there), executemany INSERTs on SQLite (already in-process fast)."""
    if connection.dialect.name != "postgresql":
        connection.execute(insert(CaseRow), cases)
        connection.execute(insert(CaseEventRow), events)
        return
    raw = connection.connection.driver_connection
    for table, rows in (("cases", cases), ("case_events", events)):
        columns = ", ".join(f'"{c}"' for c in rows[0])  # "on" is a keyword
        with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:  # type: ignore[union-attr]
            for row in rows:
                copy.write_row(
                    [json.dumps(v, ensure_ascii=False) if isinstance(v, dict) else v for v in row.values()]
                )


class Client:
    def __init__(self, base: str, username: str, token: str) -> None:
        self.base, self.token = base, token
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        page = self.opener.open(base + "/login").read().decode()
        marker = 'name="csrf_token" value="'
        csrf = page[page.index(marker) + len(marker) :].split('"', 1)[0]
        data = urllib.parse.urlencode({"csrf_token": csrf, "username": username, "password": PASSWORD}).encode()
        self.opener.open(base + "/login", data=data).read()

    def timed(self, path: str, *, api: bool = False, body: Any = None, headers: dict[str, str] | None = None) -> float:
        sent = dict(headers or {})
        if api:
            sent["Authorization"] = f"Bearer {self.token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        request = urllib.request.Request(self.base + path, data=data, headers=sent)
        start = time.perf_counter()
        with self.opener.open(request) as response:
            response.read()
            assert response.status in (200, 201), response.status
        return (time.perf_counter() - start) * 1000


def serve(url: str, workers: int, log: Any) -> tuple[str, subprocess.Popen[bytes]]:
    """`ogi serve --workers N` on a free loopback port, as an operator runs it, in processes of
    its own: clients in the server's process would share its interpreter lock and be measured
    as server time. Returns the base URL and the process (its workers are its children)."""
    port = free_port()
    env = dict(os.environ, OGI_DATABASE_URL=url, OGI_TODAY=TODAY.isoformat(), OGI_SECRET_KEY="bench")
    command = [sys.executable, "-m", "cli.main", "serve", "--host", "127.0.0.1", "--port", str(port),
               "--workers", str(workers), "--no-scheduler"]
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"ogi serve exited with {process.returncode}; see {log.name}")
        try:
            with urllib.request.urlopen(base + "/login", timeout=2) as response:
                if response.status == 200:
                    break
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() > deadline:
            stop_group(process)
            raise RuntimeError(f"ogi serve did not answer within 120 s; see {log.name}")
        time.sleep(0.2)
    if workers > 1:  # every worker must be up before timing: one slow import would be measured
        time.sleep(2)
    return base, process


def percentiles(values: list[float]) -> str:
    ordered = sorted(values)
    return (f"p50 {percentile(ordered, 50):7.1f} ms  p95 {percentile(ordered, 95):7.1f} ms  "
            f"max {ordered[-1]:7.1f} ms  (n={len(values)})")


def run_one(label: str, engine: Engine, url: str, args: argparse.Namespace) -> None:
    started = time.perf_counter()
    n, clients, requests = args.cases, args.clients, args.requests
    workers = seed(engine, n)
    print(f"\n{label}: {n:,} cases in {AGENCIES} agencies, seeded in {time.perf_counter() - started:.1f} s")
    with tempfile.NamedTemporaryFile("wb", prefix="ogi-bench-serve-", suffix=".log", delete=False) as log:
        base, server = serve(url, args.workers, log)
    try:
        tokens = {w: auth.create_token(SqlUnitOfWork(engine), w, actor=SYSTEM) for w in workers[:clients]}
        pool = [Client(base, w, tokens[w]) for w in workers[:clients]]
        queue: list[float] = []
        api: list[float] = []
        lock = threading.Lock()

        def work(client: Client, rounds: int, record: bool) -> None:
            for _ in range(rounds):
                q = client.timed("/queue")
                a = client.timed("/api/v1/cases?state=open&limit=100", api=True)
                if record:
                    with lock:
                        queue.append(q)
                        api.append(a)

        with ThreadPoolExecutor(clients) as executor:  # not timed: templates, plans, pools
            list(executor.map(lambda c: work(c, args.warmup, False), pool))
        load = " ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"  ogi serve --workers {args.workers}, {clients} clients x {requests} rounds, "
              f"{os.cpu_count()} CPUs, load average {load}")
        static: list[float] = []

        def baseline(client: Client) -> None:
            for _ in range(2 * requests):
                took = client.timed("/static/app.css")
                with lock:
                    static.append(took)

        with ThreadPoolExecutor(clients) as executor:
            list(executor.map(baseline, pool))
        with ThreadPoolExecutor(clients) as executor:
            list(executor.map(lambda c: work(c, requests, True), pool))
        base_p95 = percentile(sorted(static), 95)
        print(f"  baseline: static file   {percentiles(static)}")
        print(f"  queue page              {percentiles(queue)}  p95 {percentile(sorted(queue), 95) / base_p95:.1f}x baseline")
        print(f"  GET /api/v1/cases       {percentiles(api)}  p95 {percentile(sorted(api), 95) / base_p95:.1f}x baseline")
        intake = 200
        body = {"agency": "a000", "applicant_name": "李雷", "applicant_type": "natural_person",
                "channel": "online", "received_on": "2026-11-20", "content": "某道路规划"}
        refused: list[str] = []

        def post(i: int) -> float | None:
            try:
                return pool[0].timed("/api/v1/cases", api=True, body=body, headers={"Idempotency-Key": f"b{i}"})
            except urllib.error.HTTPError as error:
                refused.append(f"{error.code} {error.read().decode()[:160]}")
                return None

        start = time.perf_counter()
        with ThreadPoolExecutor(clients) as executor:
            times = [t for t in executor.map(post, range(intake)) if t is not None]
        elapsed = time.perf_counter() - start
        if times:
            print(f"  intake (POST, {clients} clients) {len(times) / elapsed:7.1f} cases/s   {percentiles(times)}")
        if refused:
            print(f"  intake refused: {len(refused)} of {intake}, e.g. {refused[0]}")
    finally:
        stop_group(server)
    os.unlink(log.name)


def run(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=30, help="queue + API requests per client")
    parser.add_argument("--warmup", type=int, default=1, help="untimed rounds per client first")
    parser.add_argument("--workers", type=int, default=2, help="web processes (ogi serve --workers)")
    parser.add_argument("--only", choices=["sqlite", "postgres"], default=None)
    parser.add_argument("--sqlite-only", action="store_true", help="the same as --only sqlite")
    args = parser.parse_args(argv if argv is not None else [])
    only = "sqlite" if args.sqlite_only else args.only
    if only != "postgres":
        with sqlite_engine() as (label, engine):
            run_one(label, engine, str(engine.url.render_as_string(hide_password=False)), args)
    if only == "sqlite":
        return 0
    problem = postgres_unreachable()
    if problem:
        print(f"\nPostgreSQL skipped: {problem}")
        return 0
    with postgres_engine() as (label, engine):
        schema = label.split("schema ")[1].rstrip(")")
        from bench.databases import PG_URL

        url = f"{PG_URL}?options=-csearch_path%3D{schema}"
        run_one(label, engine, url, args)
    return 0


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
