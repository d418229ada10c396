"""Operations endpoints and logs against a real server, on SQLite and PostgreSQL.

`/healthz` keeps RULES §5's `{"ok": true}` and adds the database, the schema's migration and
the last sweep's age; it answers 503 with a Chinese message when the database cannot be
reached. `/metrics` is Prometheus text: open and overdue cases per agency computed at scrape
time, the last flow runs, deliveries by status, and request latency by route template.
Request logs name the user and never a whole ID number; flow runs are logged too.

Dates: the server's today is Friday 2026-11-20. A case received Fri 10-09 is due 11-05
(test_web_api's table) and is overdue; one received Mon 11-16 is due in December.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import ops
import pytest
import uvicorn
from conftest import TODAY, migration_head
from ops import NewCase, act, register_case
from prometheus_client.parser import text_string_to_metric_families
from web_support import Server, server  # noqa: F401 - the module's fixture

from domain.identity import mask_id
from flows.dispatch import dispatch
from services.bootstrap import Settings, bootstrap
from services.logs import configure_logging
from store.db import make_engine, migrate
from store.uow import SqlUnitOfWork
from web.app import create_app

RESIDENT_ID = "11010519491231002X"
D = dt.date


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@contextmanager
def serving(settings: Settings) -> Iterator[Server]:
    """A server of its own for a runtime the module's shared server does not have."""
    runtime = bootstrap(settings)
    config = uvicorn.Config(
        create_app(runtime, secret_key="test-secret"), host="127.0.0.1", port=0, log_config=None
    )
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    while not uv.started:
        assert thread.is_alive(), "the web server did not start"
        time.sleep(0.02)
    port = uv.servers[0].sockets[0].getsockname()[1]
    try:
        yield Server(f"http://127.0.0.1:{port}", None, "none")  # type: ignore[arg-type]
    finally:
        uv.should_exit = True
        thread.join(10)
        runtime.close()


def metrics(reply: Any) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Samples of a scrape by (name, sorted labels)."""
    assert reply.status == 200, reply.text
    assert reply.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(reply.text)
        for sample in family.samples
    }


def case_path(case_no: str) -> str:
    return "/api/v1/cases/" + urllib.parse.quote(case_no, safe="")


# -- /healthz -------------------------------------------------------------------------------


def test_healthz_reports_database_schema_and_the_last_sweep(server: Server) -> None:  # noqa: F811
    first = server.request("GET", "/healthz")
    assert first.status == 200
    body = first.json()
    assert body["ok"] is True
    assert body["database"] == {"reachable": True, "kind": server.kind}
    head = migration_head(server.engine)
    assert body["migrations"] == {"current": head, "head": head, "at_head": True}
    assert "set-cookie" not in {k.lower() for k in first.headers}

    ops.sweep(server.engine, D(2026, 11, 20))
    swept = server.request("GET", "/healthz").json()["last_sweep"]
    assert swept["as_of"] == "2026-11-20" and swept["error"] == ""
    assert 0 <= swept["age_seconds"] < 600
    finished = dt.datetime.fromisoformat(swept["finished_at"])
    assert abs((dt.datetime.now(dt.UTC) - finished).total_seconds()) < 600


def test_healthz_answers_503_when_the_database_cannot_be_reached(tmp_path: Path) -> None:
    with serving(Settings(database_url="postgresql://postgres@127.0.0.1:1/ogi")) as down:
        reply = down.request("GET", "/healthz")
        assert reply.status == 503
        body = reply.json()
        assert body["ok"] is False and body["database"] == {"reachable": False}
        # Chinese, and nothing of the driver's text: no host, port or user for a probe
        assert body["message"].startswith("数据库暂时无法访问")
        assert not any(leak in body["message"] for leak in ("127.0.0.1", "port", "postgres"))
        api = down.request("GET", "/api/v1/cases", token="ogi_anything")
        assert api.status == 503
        error = api.json()["error"]
        assert error["code"] == "database" and error["message"].startswith("数据库暂时无法访问")
        assert "127.0.0.1" not in error["message"]
        scrape = metrics(down.request("GET", "/metrics"))
        assert scrape[("ogi_database_up", ())] == 0
    with serving(Settings(database_url=f"sqlite:///{tmp_path}/missing.db")) as missing:
        reply = missing.request("GET", "/healthz")
        assert reply.status == 503 and "不存在" in reply.json()["message"]
    assert not (tmp_path / "missing.db").exists()  # a health check creates no database


def test_healthz_tells_a_schema_behind_the_code_and_one_never_migrated(tmp_path: Path) -> None:
    from alembic import command

    from store.db import alembic_config

    behind = f"sqlite:///{tmp_path}/behind.db"
    engine = make_engine(behind)
    command.upgrade(alembic_config(engine), "0007")
    engine.dispose()
    with serving(Settings(database_url=behind)) as web:
        body = web.request("GET", "/healthz").json()
        assert body["ok"] is True  # migrations only add: an older schema still serves
        assert body["migrations"] == {
            "current": "0007", "head": migration_head(engine), "at_head": False
        }

    empty = tmp_path / "empty.db"
    make_engine(f"sqlite:///{empty}").connect().close()  # the file exists, no tables
    with serving(Settings(database_url=f"sqlite:///{empty}")) as web:
        reply = web.request("GET", "/healthz")
        assert reply.status == 503 and "尚未初始化" in reply.json()["message"]


# -- /metrics -------------------------------------------------------------------------------


def test_metrics_count_cases_flows_deliveries_and_requests(server: Server) -> None:  # noqa: F811
    engine = server.engine

    def register(agency: str, user: str, on: dt.date) -> str:
        form = NewCase(agency, "张伟", "natural_person", "online", on, "某项目材料", assignee=user)
        return register_case(engine, form, user, today=TODAY).case_no

    overdue = register("lixia", "wang", D(2026, 10, 9))
    register("lixia", "wang", D(2026, 11, 16))
    answered = register("lixia", "wang", D(2026, 11, 2))
    act(engine, answered, "answered", "wang", on=D(2026, 11, 10), outcome="disclosed")
    register("shizhong", "zhao", D(2026, 11, 16))

    # a webhook nobody answers (a closed port on this machine), tried for more than 24 hours
    ops.set_notification_settings(engine, "lixia", webhook_flavor="json", webhook_url="http://127.0.0.1:1/hook")
    swept = ops.sweep(engine, D(2026, 11, 20))
    t0 = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    settings = Settings()
    assert dispatch(SqlUnitOfWork(engine), settings, now=t0).retrying == 1
    assert dispatch(SqlUnitOfWork(engine), settings, now=t0 + dt.timedelta(hours=25)).failed == 1

    assert server.api("GET", case_path(overdue).removeprefix("/api/v1"), "wang").status == 200
    assert server.request("GET", "/no-such-page").status == 404
    scrape = metrics(server.request("GET", "/metrics"))

    def value(metric: str, **labels: str) -> float:
        return scrape[(metric, tuple(sorted(labels.items())))]

    assert value("ogi_database_up") == 1
    assert value("ogi_cases_open", agency="lixia") == 2
    assert value("ogi_cases_overdue", agency="lixia") == 1
    assert value("ogi_cases_open", agency="shizhong") == 1
    assert value("ogi_cases_overdue", agency="shizhong") == 0
    assert value("ogi_cases_open", agency="lixia_zj") == 0  # every agency, with or without cases
    assert value("ogi_flow_last_run_count", flow="sweep", name="sent") == swept.sent
    assert value("ogi_flow_last_run_duration_seconds", flow="sweep") >= 0
    assert value("ogi_flow_last_run_failed", flow="sweep") == 0
    assert value("ogi_flow_last_run_finished_timestamp_seconds", flow="sweep") > time.time() - 600
    assert value("ogi_deliveries", status="failed") == 1
    assert value(
        "ogi_http_request_duration_seconds_count", method="GET", route="/api/v1/cases/{case_no}", status="200"
    ) >= 1
    assert value(
        "ogi_http_request_duration_seconds_count", method="GET", route="<unmatched>", status="404"
    ) >= 1
    assert not any(overdue in str(labels) for _, labels in scrape)  # routes, not paths


def test_metrics_can_be_turned_off(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/ogi.db"
    migrate(make_engine(url))
    with serving(Settings(database_url=url, extra={"OGI_METRICS": "off"})) as web:
        assert web.request("GET", "/metrics").status == 404
        assert web.request("GET", "/healthz").json()["ok"] is True
    from domain.errors import UsageError

    with pytest.raises(UsageError, match="OGI_METRICS"):
        create_app(bootstrap(Settings(database_url=url, extra={"OGI_METRICS": "maybe"})))


# -- logs -----------------------------------------------------------------------------------


def test_request_logs_name_the_user_and_mask_id_numbers(
    server: Server, restore_logging: None, capsys: pytest.CaptureFixture[str]  # noqa: F811
) -> None:
    configure_logging({"OGI_LOG_FORMAT": "json"}, level="INFO")
    capsys.readouterr()
    assert server.api("GET", f"/cases/{RESIDENT_ID}", "wang").status == 404
    browser = server.browser()
    assert browser.sign_in("liu").status == 303
    assert browser.get("/inbox").status == 200
    err = ""
    for _ in range(100):  # a request is logged once its response has gone out
        err += capsys.readouterr().err
        if '"path": "/inbox"' in err:
            break
        time.sleep(0.02)
    assert RESIDENT_ID not in err
    entries = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    requests = [e for e in entries if e["logger"] == "ogi.http"]
    api = next(e for e in requests if e["route"] == "/api/v1/cases/{case_no}")
    assert api["path"] == f"/api/v1/cases/{mask_id(RESIDENT_ID)}"
    assert api["method"] == "GET" and api["status"] == 404 and api["user"] == "wang"
    assert api["duration_ms"] >= 0 and api["level"] == "INFO" and api["time"].endswith("Z")
    page = next(e for e in requests if e["path"] == "/inbox")
    assert page["user"] == "liu" and page["status"] == 200


def test_flow_runs_are_logged_as_json(engine: Any, ogi: Any, monkeypatch: pytest.MonkeyPatch,
                                      restore_logging: None) -> None:  # fmt: skip
    monkeypatch.setenv("OGI_LOG_FORMAT", "json")
    monkeypatch.setenv("OGI_LOG_LEVEL", "INFO")
    ops.add_user(engine, "zhou", "周洁", "caseworker", "lixia")
    form = NewCase("lixia", "张伟", "natural_person", "online", D(2026, 11, 2), "某项目材料",
                   id_kind="resident_id", id_number=RESIDENT_ID, assignee="zhou")  # fmt: skip
    register_case(engine, form, "zhou", today=TODAY)
    result = ogi("flows", "run", "sweep", "--today", "2026-11-23", "--json")
    assert result.code == 0, result.err
    assert result.json()["sent"] >= 1  # stdout stays the command's JSON
    entries = [json.loads(line) for line in result.err.splitlines() if line.startswith("{")]
    [finished] = [e for e in entries if e["logger"] == "ogi.flows"]
    assert finished["flow"] == "sweep" and finished["as_of"] == "2026-11-23"
    assert finished["counts"]["sent"] == result.json()["sent"]
    assert finished["duration_ms"] >= 0 and finished["level"] == "INFO"
