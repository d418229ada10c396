"""Scaled mode on a real Prefect server: `ogi flows deploy` makes one deployment per scheduled
flow (cron in Asia/Shanghai, on a process work pool), `ogi flows worker` runs them, and the
sweep run through Prefect writes the RULES §6 messages to PostgreSQL exactly once.

The server (`prefect server start` on a free loopback port, with its own PREFECT_HOME and its
own SQLite database) starts once per session, in about 25 s, and only the one test that needs
it asks for it, so `pytest -n 2` never starts two. Its scheduler service is off: the test
starts the runs itself with an as-of date as a parameter, and no every-minute dispatch run
competes with them for the machine. Prefect is only ever imported by the processes the tests
start, never by the test process itself; the tests talk to the server over its REST API.

Dates as in test_flows.py: a case received Monday 2026-11-02 is due 2026-11-30, and its answer
reminder "5 working days before" falls on Monday 2026-11-23, when administrators are also told
(every Monday from 1 November) that the 2027 calendar is missing.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ops
import pytest
from conftest import USERS, pg_schema, pg_url
from sqlalchemy import Engine, text

from deploy.topology import free_port, stop_group, tail, wait_until
from flows.schedule import SCHEDULES
from services.cases import NewCase
from services.setup import initialise
from store.db import make_engine, migrate
from store.uow import SqlUnitOfWork

pytestmark = [pytest.mark.postgres, pytest.mark.prefect]

ROOT = Path(__file__).resolve().parents[2]
POOL = "ogi-test"
RECEIVED = dt.date(2026, 11, 2)
REMINDER_DAY = "2026-11-23"
SERVER_START_TIMEOUT = 120
RUN_TIMEOUT = 120
FINAL_STATES = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}
RETRYABLE = {429, 502, 503}
API_RETRY_SECONDS = 60


# -- the Prefect server ------------------------------------------------------------------------


@dataclass(frozen=True)
class PrefectServer:
    api_url: str
    env: dict[str, str]  # what every process talking to this server gets
    log: Path

    def api(self, method: str, path: str, body: Any = None) -> Any:
        """One call of the server's REST API, its JSON answer. Like Prefect's own client, a
        call answered 429, 502 or 503 (the server's SQLite database busy under load) is made
        again after a pause, for up to `API_RETRY_SECONDS`."""
        data = None if body is None else json.dumps(body).encode()
        deadline = time.monotonic() + API_RETRY_SECONDS
        pause = 0.5
        while True:
            request = urllib.request.Request(
                f"{self.api_url}{path}", data=data, method=method,
                headers={"Content-Type": "application/json"},
            )
            try:
                with urllib.request.urlopen(request, timeout=30) as reply:
                    return json.loads(reply.read() or b"null")
            except urllib.error.HTTPError as exc:
                if exc.code not in RETRYABLE or time.monotonic() + pause > deadline:
                    raise
            time.sleep(pause)
            pause = min(pause * 2, 5)


def healthy(api_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=2) as reply:
            return reply.status == 200
    except OSError:
        return False


def prefect_env(home: Path, api_url: str) -> dict[str, str]:
    """The environment of this session's Prefect processes, clear of any ogi or Prefect set-up
    the machine has (its own home, profiles and database; no analytics)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "OGI_"))}
    return {
        **env,
        "PREFECT_HOME": str(home),
        "PREFECT_API_URL": api_url,
        "PREFECT_SERVER_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{home / 'prefect.db'}",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_WORKER_QUERY_SECONDS": "1",  # the worker asks for work every second
    }


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrefectServer]:
    home = tmp_path_factory.mktemp("prefect-home")
    port = free_port()
    server = PrefectServer(
        f"http://127.0.0.1:{port}/api", prefect_env(home, f"http://127.0.0.1:{port}/api"),
        home / "server.log",
    )
    with server.log.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
             "--port", str(port), "--no-ui", "--analytics-off", "--no-scheduler"],
            env=server.env, cwd=home, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        wait_until(lambda: process.poll() is not None or healthy(server.api_url),
                   SERVER_START_TIMEOUT, "the Prefect server", server.log)
        assert process.poll() is None, f"the Prefect server stopped:\n{tail(server.log)}"
        yield server
    finally:
        stop_group(process)


# -- ogi as the operator runs it ---------------------------------------------------------------


def ogi(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout,
    )


@pytest.fixture
def office(tmp_path: Path) -> Iterator[tuple[str, Engine, str]]:
    """A PostgreSQL schema set up as an office (agency lixia, wang, chen, liu) with one case
    received 2026-11-02 and assigned to wang: (database URL, engine, case number)."""
    with pg_schema("ogi_p") as schema:
        url = pg_url(schema)
        engine = make_engine(url)
        try:
            migrate(engine)
            initialise(SqlUnitOfWork(engine), "lixia", "历下区人民政府", prefix="历下政公开")
            for username, name, role in USERS:
                ops.add_user(engine, username, name, role, "lixia")
            form = NewCase("lixia", "张三", "natural_person", "online", RECEIVED,
                           "某项目征收补偿方案", assignee="wang")
            case_no = ops.register_case(engine, form, "wang", today=RECEIVED).case_no
            yield url, engine, case_no
        finally:
            engine.dispose()


def outbox(engine: Engine) -> list[tuple[str, str, int, str | None]]:
    """(recipient, kind, threshold, case number) of every message, from the table itself."""
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT recipient, kind, payload FROM outbox")).all()
    messages = []
    for recipient, kind, payload in rows:
        payload = payload if isinstance(payload, dict) else json.loads(payload)
        messages.append((recipient, kind, payload["threshold"], payload.get("case_no")))
    return sorted(messages)


def flow_runs(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT kind, as_of, finished_at, error, counts FROM flow_runs ORDER BY id")
        ).mappings().all()
    return [dict(row) for row in rows]


def run_deployment(server: PrefectServer, name: str, parameters: dict[str, Any], worker_log: Path) -> dict[str, Any]:
    """Start a run of deployment `flow/deployment` and wait for the worker to finish it."""
    deployment = server.api("GET", f"/deployments/name/{name}")
    # the key makes a call repeated after a 503 return the run it made, never a second one
    run = server.api("POST", f"/deployments/{deployment['id']}/create_flow_run",
                     {"parameters": parameters, "idempotency_key": uuid.uuid4().hex})

    def finished() -> dict[str, Any] | None:
        current = server.api("GET", f"/flow_runs/{run['id']}")
        return current if current["state"]["type"] in FINAL_STATES else None

    done = wait_until(finished, RUN_TIMEOUT, f"the run of {name}", worker_log)
    assert done["state"]["type"] == "COMPLETED", (
        f"{done['state']['type']}: {done['state'].get('message')}\n{tail(worker_log)}"
    )
    return done


# -- the tests ---------------------------------------------------------------------------------


def test_the_sweep_runs_through_a_prefect_worker_exactly_once(
    prefect_server: PrefectServer, office: tuple[str, Engine, str], tmp_path: Path
) -> None:
    url, engine, case_no = office
    env = {**prefect_server.env, "OGI_DATABASE_URL": url, "OGI_SCHEDULER": "prefect"}

    deployed = ogi(env, "flows", "deploy", "--pool", POOL, "--json")
    assert deployed.returncode == 0, deployed.stderr
    first = json.loads(deployed.stdout)
    # the worker starts (a few seconds) while the deployments are checked
    worker_log = tmp_path / "worker.log"
    with worker_log.open("wb") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "cli.main", "flows", "worker", "--pool", POOL],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        assert [d["kind"] for d in first["deployments"]] == [s.kind for s in SCHEDULES]
        for schedule, item in zip(SCHEDULES, first["deployments"], strict=True):
            stored = prefect_server.api("GET", f"/deployments/name/{item['deployment']}")
            assert stored["entrypoint"].startswith("flows.prefect_flows.")
            assert stored["work_pool_name"] == POOL
            assert [s["schedule"] for s in stored["schedules"]] == [
                {"cron": schedule.cron, "timezone": "Asia/Shanghai", "day_or": True}
            ]
            # the database address (and its password) stays in the worker's environment; runs
            # send a heartbeat every 30 s
            assert stored["job_variables"]["env"] == {
                "OGI_SCHEDULER": "prefect", "PREFECT_FLOWS_HEARTBEAT_FREQUENCY": "30"}
            assert "127.0.0.1:5432" not in json.dumps(stored)
            assert stored["global_concurrency_limit"]["limit"] == 1  # one run at a time
            assert stored["concurrency_options"]["collision_strategy"] == (
                "CANCEL_NEW" if schedule.kind == "dispatch" else "ENQUEUE"
            )
        assert prefect_server.api("GET", f"/work_pools/{POOL}")["type"] == "process"
        # deploying again updates the same four deployments
        again = ogi(env, "flows", "deploy", "--pool", POOL, "--json")
        assert again.returncode == 0, again.stderr
        assert [d["id"] for d in json.loads(again.stdout)["deployments"]] == [
            d["id"] for d in first["deployments"]
        ]
        assert prefect_server.api("POST", "/deployments/count", {}) == len(SCHEDULES)
        # one automation marks ogi runs silent for 90 s Crashed, however often deploy runs
        assert json.loads(again.stdout)["automation"]["id"] == first["automation"]["id"]
        automations = [a for a in prefect_server.api("POST", "/automations/filter", {})
                       if a["name"] == first["automation"]["name"]]
        assert len(automations) == 1 and automations[0]["enabled"]
        trigger = automations[0]["trigger"]
        assert (trigger["posture"], trigger["within"], trigger["after"]) == (
            "Proactive", 90.0, ["prefect.flow-run.heartbeat"])
        assert trigger["match_related"]["prefect.resource.id"] == ["prefect.tag.ogi"]
        assert [a["state"] for a in automations[0]["actions"]] == ["CRASHED"]
        told = ogi(env, "flows", "deploy", "--pool", POOL)  # as an operator reads it
        assert told.returncode == 0, told.stderr
        assert f"{len(SCHEDULES)} 个部署" in told.stdout
        assert f"已有自动化：{first['automation']['name']}" in told.stdout

        run = run_deployment(prefect_server, "ogi-sweep/scheduled", {"today": REMINDER_DAY}, worker_log)
        assert run["work_pool_name"] == POOL
        expected = [("admin", "calendar_missing", 0, None), ("wang", "answer", 5, case_no)]
        assert outbox(engine) == expected
        [recorded] = flow_runs(engine)
        assert (recorded["kind"], recorded["as_of"], recorded["error"]) == (
            "sweep", dt.date(2026, 11, 23), ""
        )
        assert recorded["finished_at"] is not None
        assert recorded["counts"]["sent"] == 2

        # the same day again: the run completes and writes nothing new
        run_deployment(prefect_server, "ogi-sweep/scheduled", {"today": REMINDER_DAY}, worker_log)
        assert outbox(engine) == expected
        second = flow_runs(engine)[1]
        assert (second["kind"], second["error"], second["counts"]["sent"]) == ("sweep", "", 0)
        assert second["finished_at"] is not None
    finally:
        stop_group(worker)


def test_the_scaled_mode_commands_refuse_under_the_embedded_scheduler(tmp_path: Path) -> None:
    """Deployments or a worker while the embedded scheduler triggers the flows would run them
    twice: refused before Prefect is even imported."""
    env = prefect_env(tmp_path, "http://127.0.0.1:9/api")
    env["OGI_DATABASE_URL"] = f"sqlite:///{tmp_path}/ogi.db"
    for command in (["flows", "deploy"], ["flows", "worker"]):
        refused = ogi(env, *command)
        assert refused.returncode == 2, refused.stderr
        assert "OGI_SCHEDULER=prefect" in refused.stderr and "Traceback" not in refused.stderr


def test_deploy_refuses_without_a_prefect_server_or_postgresql(tmp_path: Path) -> None:
    """No PREFECT_API_URL (Prefect would start a throw-away server of its own), a server that
    does not answer, or a SQLite file the worker's runs cannot share: a message and exit 2."""
    closed = f"http://127.0.0.1:{free_port()}/api"
    env = {**prefect_env(tmp_path, closed), "OGI_SCHEDULER": "prefect",
           "OGI_DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/test"}

    unreachable = ogi(env, "flows", "deploy")
    assert unreachable.returncode == 2, unreachable.stderr
    assert f"无法连接 Prefect 服务器 {closed}" in unreachable.stderr

    del env["PREFECT_API_URL"]
    unset = ogi(env, "flows", "worker")
    assert unset.returncode == 2, unset.stderr
    assert "未设置 PREFECT_API_URL" in unset.stderr

    sqlite = ogi({**env, "OGI_DATABASE_URL": f"sqlite:///{tmp_path}/ogi.db"}, "flows", "deploy")
    assert sqlite.returncode == 2, sqlite.stderr
    assert "需要 PostgreSQL" in sqlite.stderr
    # a worker's runs use its own OGI_DATABASE_URL: without a PostgreSQL one it does not start
    for database in ({"OGI_DATABASE_URL": f"sqlite:///{tmp_path}/ogi.db"}, {}):
        worker_env = {k: v for k, v in env.items() if k != "OGI_DATABASE_URL"}
        lone = ogi({**worker_env, **database, "PREFECT_API_URL": closed}, "flows", "worker")
        assert lone.returncode == 2, lone.stderr
        assert "需要 PostgreSQL" in lone.stderr and "Traceback" not in lone.stderr
    assert all("Traceback" not in r.stderr for r in (unreachable, unset, sqlite))
