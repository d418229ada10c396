"""The scaled topology as local processes on loopback: what `deploy/smoke`, the fault drills
and the load benchmark start, use and take down again.

One `Stack` owns everything a run creates: databases on the PostgreSQL server (created fresh,
dropped at the end) and processes (each in its own session, stopped by process id with its
children). `Scaled` puts the parts of `deploy/` together on it: the ogi database migrated and
set up through the `ogi` command as an operator would, a Prefect server on its own PostgreSQL
database, workers on a process pool, and `ogi serve --workers N` web processes. Nothing here
needs a container runtime, and nothing is imported from the application: every part is driven
through its command line, its HTTP API or SQL, as in production.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parents[1]
#: The PostgreSQL server the run creates its databases on (a maintenance database on it).
ADMIN_URL = os.environ.get("OGI_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
PREFECT_START_TIMEOUT = 180
WEB_START_TIMEOUT = 60
FINAL_STATES = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}


class TopologyError(RuntimeError):
    """A part did not start or a run did not finish; the message carries its log's tail."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def tail(path: Path, lines: int = 30) -> str:
    if not path.exists():
        return ""
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def wait_until(condition: Callable[[], Any], timeout: float, what: str,
               log: Path | None = None, every: float = 0.5) -> Any:
    """Poll `condition` until it returns something truthy; after `timeout` s raise, naming
    `what` and quoting the log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(every)
    raise TopologyError(f"等待超时（{timeout:.0f} 秒）：{what}\n{tail(log) if log else ''}")


def stop_group(popen: subprocess.Popen[Any], grace: float = 20) -> None:
    """End a process started in its own session, and every process in its group: SIGTERM,
    then SIGKILL after `grace` seconds."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 10)):
        if popen.poll() is not None:
            return
        try:
            os.killpg(popen.pid, sig)
        except ProcessLookupError:
            return
        try:
            popen.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


def database_url(admin_url: str, name: str) -> str:
    """The URL of database `name` on the server of `admin_url`."""
    parts = urllib.parse.urlsplit(admin_url)
    return urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))


def _children(pid: int) -> list[int]:
    try:
        listing = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(child) for child in listing.split()]


@dataclass
class Process:
    """A started process: its label, its handle and where its output goes."""

    label: str
    popen: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def children(self) -> list[int]:
        """The process ids of its direct children (uvicorn's worker processes, say)."""
        return _children(self.pid)

    def descendants(self) -> list[int]:
        """Children, their children and so on."""
        found, frontier = [], [self.pid]
        while frontier:
            children = _children(frontier.pop())
            found.extend(children)
            frontier.extend(children)
        return found

    def workers(self) -> list[int]:
        """The children that are worker processes (multiprocessing's spawned ones, not its
        resource tracker): uvicorn's `--workers N` processes."""
        found = []
        for pid in self.children():
            with suppress(OSError):
                if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    found.append(pid)
        return found


@dataclass
class Stack:
    """The databases and processes of one run, taken down in reverse by `close()`."""

    workdir: Path
    admin_url: str = ADMIN_URL
    token: str = field(default_factory=lambda: secrets.token_hex(4))
    processes: list[Process] = field(default_factory=list)
    databases: list[str] = field(default_factory=list)

    def create_database(self, label: str) -> str:
        """A new, empty database named after the label and the run; its URL."""
        name = f"{label}_{self.token}"
        with psycopg.connect(self.admin_url, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        self.databases.append(name)
        return database_url(self.admin_url, name)

    def start(self, label: str, argv: list[str], env: dict[str, str]) -> Process:
        """Start a process in its own session (so it and its children stop together)."""
        log = self.workdir / f"{label}-{len(self.processes)}.log"
        with log.open("wb") as out:
            popen = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        process = Process(label, popen, log)
        self.processes.append(process)
        return process

    @staticmethod
    def stop(process: Process, grace: float = 20) -> None:
        """SIGTERM the process group, SIGKILL it after `grace` seconds."""
        stop_group(process.popen, grace)

    @staticmethod
    def kill(process: Process) -> list[int]:
        """SIGKILL the process and every descendant at once, as if its machine lost power;
        the process ids killed. Descendants are found through /proc, not the process group:
        a Prefect worker starts each flow run in a session of its own."""
        doomed = [process.pid, *process.descendants()]
        for pid in doomed:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        process.popen.wait(10)
        return doomed

    def close(self) -> list[str]:
        """Stop every process this run started and drop its databases; what was done."""
        done = []
        for process in reversed(self.processes):
            if process.alive():
                self.stop(process)
                done.append(f"已停止 {process.label}（进程 {process.pid}）")
        if not self.databases:  # a run on SQLite alone need not reach the PostgreSQL server
            return done
        with psycopg.connect(self.admin_url, autocommit=True) as connection:
            for name in reversed(self.databases):
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                done.append(f"已删除数据库 {name}")
        self.databases.clear()
        return done


@contextmanager
def stack(workdir: Path) -> Iterator[Stack]:
    """A `Stack` that is always taken down, whatever happens inside."""
    workdir.mkdir(parents=True, exist_ok=True)
    owned = Stack(workdir)
    try:
        yield owned
    finally:
        owned.close()


# -- HTTP -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    status: int
    body: Any


def call(url: str, method: str = "GET", body: Any = None, headers: dict[str, str] | None = None,
         timeout: float = 30) -> Reply:
    """One HTTP call with a JSON body; any status is an answer, a refused connection raises."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={
        "Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            raw, status = reply.read(), reply.status
    except urllib.error.HTTPError as exc:
        raw, status = exc.read(), exc.code
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = raw.decode(errors="replace")
    return Reply(status, parsed)


def answers(url: str) -> bool:
    try:
        return call(url, timeout=2).status == 200
    except OSError:
        return False


# -- the scaled topology ----------------------------------------------------------------------------


def clean_environment() -> dict[str, str]:
    """This process's environment without its `OGI_*` and `PREFECT_*` settings: a run's
    processes get only the settings the run chooses, never the developer's own."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "OGI_"))}


@dataclass
class Scaled:
    """ogi on PostgreSQL with Prefect and several web processes, all on this stack."""

    stack: Stack
    database_url: str
    env: dict[str, str]  # what every ogi and Prefect process of the run gets
    prefect_api: str = ""
    web_url: str = ""
    pool: str = "ogi-smoke"

    @classmethod
    def create(cls, owned: Stack, extra_env: dict[str, str] | None = None,
               name: str = "smoke") -> Scaled:
        """Fresh databases for ogi and Prefect (`ogi_NAME_…`, `prefect_NAME_…`) and the
        environment that points at them."""
        ogi_url = owned.create_database(f"ogi_{name}")
        prefect_url = owned.create_database(f"prefect_{name}")
        home = owned.workdir / "prefect-home"
        home.mkdir(exist_ok=True)
        port = free_port()
        api = f"http://127.0.0.1:{port}/api"
        env = {
            **clean_environment(),
            "OGI_DATABASE_URL": ogi_url,
            "OGI_SCHEDULER": "prefect",
            "PREFECT_HOME": str(home),
            "PREFECT_API_URL": api,
            "PREFECT_SERVER_DATABASE_CONNECTION_URL": prefect_url.replace(
                "postgresql://", "postgresql+asyncpg://", 1),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_WORKER_QUERY_SECONDS": "1",
            **(extra_env or {}),
        }
        return cls(owned, ogi_url, env, prefect_api=api)

    @classmethod
    def on_database(cls, owned: Stack, database_url: str,
                    extra_env: dict[str, str] | None = None) -> Scaled:
        """ogi alone on the given database, without Prefect: the web processes and the command
        line only. The load benchmark runs the same office on a SQLite file this way, which
        `create` cannot give (it always makes PostgreSQL databases for ogi and Prefect)."""
        env = {**clean_environment(), "OGI_DATABASE_URL": database_url, **(extra_env or {})}
        return cls(owned, database_url, env)

    # ogi's command line, as the operator types it
    def ogi(self, *args: str, timeout: float = 180, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([sys.executable, "-m", "cli.main", *args], cwd=ROOT, env=self.env,
                              capture_output=True, text=True, timeout=timeout)
        if check and done.returncode != 0:
            raise TopologyError(f"ogi {' '.join(args)} 失败（{done.returncode}）：{done.stderr}")
        return done

    def start_prefect_server(self, scheduler: bool = False) -> Process:
        """The Prefect server on its own PostgreSQL database. Its scheduler service is off
        unless asked for: the runs are then started on purpose, with an as-of day."""
        port = urllib.parse.urlsplit(self.prefect_api).port
        argv = [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                "--port", str(port), "--no-ui", "--analytics-off"]
        if not scheduler:
            argv.append("--no-scheduler")
        process = self.stack.start("prefect-server", argv, self.env)
        wait_until(lambda: not process.alive() or answers(f"{self.prefect_api}/health"),
                   PREFECT_START_TIMEOUT, "Prefect 服务器启动", process.log)
        if not process.alive():
            raise TopologyError(f"Prefect 服务器退出了：\n{tail(process.log)}")
        return process

    def deploy(self) -> dict[str, Any]:
        return json.loads(self.ogi("flows", "deploy", "--pool", self.pool, "--json").stdout)

    def start_worker(self) -> Process:
        return self.stack.start(
            "prefect-worker",
            [sys.executable, "-m", "cli.main", "flows", "worker", "--pool", self.pool], self.env)

    def start_web(self, workers: int) -> Process:
        """`ogi serve --workers N` on a free loopback port, waited for until it answers."""
        port = free_port()
        self.web_url = f"http://127.0.0.1:{port}"
        process = self.stack.start(
            "web", [sys.executable, "-m", "cli.main", "serve", "--host", "127.0.0.1",
                    "--port", str(port), "--workers", str(workers), "--no-scheduler"], self.env)
        wait_until(lambda: not process.alive() or answers(f"{self.web_url}/healthz"),
                   WEB_START_TIMEOUT, "网页进程启动", process.log)
        if not process.alive():
            raise TopologyError(f"网页进程退出了：\n{tail(process.log)}")
        return process

    # Prefect's REST API
    def prefect(self, method: str, path: str, body: Any = None) -> Any:
        """One call of the Prefect API; 429/502/503 (server busy) are retried for a minute."""
        deadline, pause = time.monotonic() + 60, 0.5
        while True:
            reply = call(f"{self.prefect_api}{path}", method, body)
            if reply.status < 300:
                return reply.body
            if reply.status not in {429, 502, 503} or time.monotonic() > deadline:
                raise TopologyError(f"Prefect {method} {path}: {reply.status} {reply.body}")
            time.sleep(pause)
            pause = min(pause * 2, 5)

    def create_run(self, flow: str, parameters: dict[str, Any]) -> str:
        """Start a run of deployment `ogi-FLOW/scheduled`; its id."""
        deployment = self.prefect("GET", f"/deployments/name/ogi-{flow}/scheduled")
        run = self.prefect("POST", f"/deployments/{deployment['id']}/create_flow_run",
                           {"parameters": parameters, "idempotency_key": secrets.token_hex(16)})
        return str(run["id"])

    def run_state(self, run_id: str) -> str:
        return str(self.prefect("GET", f"/flow_runs/{run_id}")["state"]["type"])

    def wait_run(self, run_id: str, timeout: float = 300, log: Path | None = None) -> str:
        """Wait for a run to end; its final state type (COMPLETED, FAILED, CRASHED, …)."""
        return str(wait_until(
            lambda: (state := self.run_state(run_id)) in FINAL_STATES and state,
            timeout, f"Prefect 运行 {run_id} 结束", log, every=1))

    def run_flow(self, flow: str, parameters: dict[str, Any], log: Path | None = None) -> str:
        """Run a deployment to its end and require it COMPLETED; the run id."""
        run_id = self.create_run(flow, parameters)
        state = self.wait_run(run_id, log=log)
        if state != "COMPLETED":
            raise TopologyError(f"ogi-{flow} 运行结果为 {state}\n{tail(log) if log else ''}")
        return run_id

    # SQL against the ogi database, for the checks
    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.database_url) as connection:
            return list(connection.execute(sql, params).fetchall())
