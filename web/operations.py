"""Operations: `GET /healthz`, `GET /metrics` (Prometheus text format) and the request
observer that times and logs every request.

`/healthz` answers `{"ok": true, "database", "migrations", "last_sweep"}` (RULES §5 keeps the
`ok` key), or 503 with `{"ok": false, "message"}` when the database cannot be reached or is
not initialised. `/metrics` (off with `OGI_METRICS=off`) computes the case and flow figures at
scrape time and adds the request latency histogram by method, route template and status. With
several uvicorn worker processes (`ogi serve --workers N`) `PROMETHEUS_MULTIPROC_DIR` is set
and the histogram is the sum over all of them, whichever worker answers the scrape.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.process_collector import ProcessCollector

from domain.errors import DatabaseUnavailableError, DomainError
from flows.schedule import SCHEDULES
from services import operations

log = logging.getLogger("ogi.http")
QUIET_PATHS = ("/healthz", "/metrics")  # probes and scrapes: logged at DEBUG only
UNMATCHED = "<unmatched>"

router = APIRouter(tags=["operations"])


def _multiprocess() -> bool:
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


class HttpMetrics:
    """The request latency histogram of one app."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.latency = Histogram(
            "ogi_http_request_duration_seconds",
            "HTTP request latency by method, route template and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        if not _multiprocess():
            ProcessCollector(registry=self.registry)

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.latency.labels(method, route, str(status)).observe(seconds)

    def collectors(self) -> list[Any]:
        if _multiprocess():
            from prometheus_client import multiprocess

            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            return [registry]
        return [self.registry]


class _Scrape:
    """The collectors of one scrape, as `generate_latest` takes them."""

    def __init__(self, *collectors: Any) -> None:
        self.collectors = collectors

    def collect(self) -> Iterator[Any]:
        for collector in self.collectors:
            yield from collector.collect()


class DatabaseCollector:
    """Gauges read from the database at scrape time."""

    def __init__(self, runtime: Any) -> None:
        self.runtime = runtime

    def collect(self) -> Iterator[Any]:
        up = GaugeMetricFamily("ogi_database_up", "1 when the database answered this scrape")
        try:
            snap = operations.snapshot(
                self.runtime.uow(),
                today=self.runtime.today(),
                flows=[s.kind for s in SCHEDULES],
            )
        except DomainError:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        open_cases = GaugeMetricFamily("ogi_cases_open", "Open cases per agency", labels=["agency"])
        overdue = GaugeMetricFamily(
            "ogi_cases_overdue", "Open cases past their due date per agency", labels=["agency"]
        )
        for agency, n_open, n_overdue in snap.cases:
            open_cases.add_metric([agency], n_open)
            overdue.add_metric([agency], n_overdue)
        yield open_cases
        yield overdue
        duration = GaugeMetricFamily(
            "ogi_flow_last_run_duration_seconds", "Duration of the last finished run", labels=["flow"]
        )
        finished = GaugeMetricFamily(
            "ogi_flow_last_run_finished_timestamp_seconds",
            "When the last run finished (Unix time)",
            labels=["flow"],
        )
        failed = GaugeMetricFamily(
            "ogi_flow_last_run_failed", "1 when the last finished run ended with an error", labels=["flow"]
        )
        counted = GaugeMetricFamily(
            "ogi_flow_last_run_count",
            "What the last finished run counted (sent, skipped, delivered, retrying, failed, …)",
            labels=["flow", "name"],
        )
        for kind, run in snap.last_runs.items():
            duration.add_metric([kind], run["duration_seconds"])
            finished.add_metric([kind], run["finished_at"].timestamp())
            failed.add_metric([kind], 1 if run["error"] else 0)
            for name, value in sorted(run["counts"].items()):
                if isinstance(value, int | float) and not isinstance(value, bool):
                    counted.add_metric([kind, name], value)
        yield from (duration, finished, failed, counted)
        deliveries = GaugeMetricFamily(
            "ogi_deliveries", "E-mail and webhook deliveries by status", labels=["status"]
        )
        for status in sorted({"pending", "delivered", "failed", *snap.deliveries}):
            deliveries.add_metric([status], snap.deliveries.get(status, 0))
        yield deliveries


#: What people and probes are told when the database cannot be reached: the driver's own text
#: names hosts, ports and users, which only the server's log should hold.
DATABASE_DOWN = "数据库暂时无法访问，请稍后重试；如持续出现，请联系系统管理员（详情见服务器日志）"


def public(exc: DomainError) -> DomainError:
    """The error as it may be shown over HTTP: a lost database connection without the
    driver's details (logged here instead); every other error as it is."""
    if isinstance(exc, DatabaseUnavailableError) and exc.rule == "数据库连接":
        log.warning("数据库不可用：%s", exc.message)
        return DatabaseUnavailableError(DATABASE_DOWN, field=exc.field, rule=exc.rule)
    return exc


@router.get("/healthz", summary="健康检查", response_model=None)
def healthz(request: Request) -> dict[str, Any] | JSONResponse:
    runtime = request.app.state.runtime
    try:
        return operations.health(runtime.uow(), now=runtime.clock.now()).to_json()
    except DomainError as exc:
        return JSONResponse(
            {"ok": False, "database": {"reachable": False}, "message": public(exc).message},
            status_code=503,
        )


def metrics_endpoint(request: Request) -> Response:
    metrics: HttpMetrics = request.app.state.http_metrics
    scrape = _Scrape(*metrics.collectors(), DatabaseCollector(request.app.state.runtime))
    return Response(generate_latest(scrape), media_type=CONTENT_TYPE_PLAIN_0_0_4)


def route_template(scope: dict[str, Any]) -> str:
    route = scope.get("route")
    return getattr(route, "path", None) or UNMATCHED


class RequestObserver:
    """ASGI middleware: times every HTTP request, feeds the histogram (when metrics are on)
    and logs one `ogi.http` line with method, path, status, duration and the signed-in user."""

    def __init__(self, app: Any, metrics: Callable[[], HttpMetrics | None]) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope.setdefault("state", {})
        started = time.perf_counter()
        status = 500

        async def send_status(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            elapsed = time.perf_counter() - started
            metrics = self.metrics()
            if metrics is not None:
                metrics.observe(scope["method"], route_template(scope), status, elapsed)
            _log_request(scope, status, elapsed)


def _log_request(scope: dict[str, Any], status: int, elapsed: float) -> None:
    path = scope.get("path", "")
    if status >= 500:
        level = logging.WARNING
    elif path in QUIET_PATHS:
        level = logging.DEBUG
    else:
        level = logging.INFO
    if not log.isEnabledFor(level):
        return
    state = scope.get("state") or {}
    session = state.get("session")
    user = state.get("username") or getattr(session, "username", None)
    duration_ms = round(elapsed * 1000, 1)
    log.log(
        level,
        "%s %s %s %.1fms%s",
        scope["method"],
        path,
        status,
        duration_ms,
        f" user={user}" if user else "",
        extra={
            "method": scope["method"],
            "path": path,
            "route": route_template(scope),
            "status": status,
            "duration_ms": duration_ms,
            "user": user,
        },
    )
