"""`python -m bench dispatch [--deliveries N] [--no-sqlite]`: the outbox dispatcher's cost per
delivery, against posting the same webhook bodies directly (the baseline, measured in the
same run to the same loopback server).

Setup (not timed): one agency with a JSON webhook on a loopback HTTP server, one case one day
overdue, a sweep (its overdue message is the outbox row every delivery carries), then N
pending webhook deliveries of that row. Timed: `flows.dispatch.dispatch` until the queue is
empty (claiming, rendering, posting, recording each attempt), then N direct posts of the
rendered body.
"""

from __future__ import annotations

import argparse
import datetime as dt
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from sqlalchemy import Engine

from bench.databases import postgres_engine, postgres_unreachable, sqlite_engine
from domain.access import SYSTEM
from domain.agency_settings import NotificationSettings
from services import directory
from services.bootstrap import Settings
from services.cases import NewCase, register_case
from services.setup import initialise
from store.db import migrate
from store.uow import SqlUnitOfWork

RECEIVED = dt.date(2026, 11, 2)  # due 30 Nov; one day overdue on 1 Dec


class Receiver:
    """A loopback webhook that answers 200 and counts what it got."""

    def __init__(self) -> None:
        self.count = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.count += 1
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def seed(engine: Engine, url: str, n: int) -> list[int]:
    from flows.sweep import run_sweep

    uow = lambda: SqlUnitOfWork(engine)  # noqa: E731
    migrate(engine)
    initialise(uow(), "lixia", "历下区人民政府", prefix="历下政公开")
    directory.add_user(uow(), "wang", "王敏", "caseworker", "lixia", actor=SYSTEM, today=RECEIVED)
    directory.set_notification_settings(
        uow(), "lixia", NotificationSettings("json", url), actor=SYSTEM, today=RECEIVED
    )
    form = NewCase("lixia", "张三", "natural_person", "online", RECEIVED, "某事项", assignee="wang")
    register_case(uow(), form, actor=SYSTEM, today=RECEIVED)
    run_sweep(uow(), dt.date(2026, 12, 1))
    work = uow()
    with work.write():
        ids = [m["id"] for m in work.outbox.for_recipient("wang") if m["kind"] == "overdue"][:1]
        now = work.now()
        for i in range(n):
            work.reminders.add_delivery("webhook", "lixia", f"bench:{i}", ids, now)
    return ids


def bench(name: str, engine: Engine, n: int) -> None:
    from flows.dispatch import dispatch
    from notifications.channels import post_webhook
    from notifications.render import webhook_body
    from services.reminders import notice_of

    receiver = Receiver()
    try:
        ids = seed(engine, receiver.url, n)
        before = receiver.count
        later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)
        started = time.perf_counter()
        result = dispatch(SqlUnitOfWork(engine), Settings(), now=later)
        engine_s = time.perf_counter() - started
        delivered = receiver.count - before
        work = SqlUnitOfWork(engine)
        with work.read():
            row = work.reminders.outbox_rows(ids)[0]
            body = webhook_body("json", [notice_of(row.kind, row.recipient, row.payload)])
        started = time.perf_counter()
        for _ in range(n):
            post_webhook(receiver.url, body)
        raw_s = time.perf_counter() - started
    finally:
        receiver.close()
    print(f"{name}: {n:,} webhook deliveries")
    print(f"  dispatcher {engine_s:.2f} s ({n / engine_s:,.0f}/s), delivered {result.delivered:,}"
          f" (receiver got {delivered:,}) · direct posts {raw_s:.2f} s · ratio {engine_s / raw_s:.1f}×")


def run(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench dispatch")
    parser.add_argument("--deliveries", type=int, default=2_000)
    parser.add_argument("--sqlite", action=argparse.BooleanOptionalAction, default=True)
    args = parser.parse_args(argv)
    backends = [("postgresql", postgres_engine)] if postgres_unreachable() is None else []
    if args.sqlite:
        backends.append(("sqlite", sqlite_engine))
    for _, make in backends:
        with make() as (name, engine):
            bench(name, engine, args.deliveries)
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(run(sys.argv[1:]))
