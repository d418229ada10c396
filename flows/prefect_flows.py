"""Scaled mode: the plain flow functions as Prefect flows, and their deployments.

Only the scaled mode imports this module: `ogi flows deploy`, and the flow-run processes a
Prefect worker starts (`ogi flows worker`). Importing Prefect costs about 1.5 s and calling a
Prefect flow without a server starts a temporary one, so neither the `ogi` command's start-up
nor the unit tests may import it.

Each flow builds its runtime from the environment exactly as the embedded jobs do
(`OGI_DATABASE_URL` and the other `OGI_*` settings, through `services.bootstrap`), calls the
same flow function as the `system` actor, and returns its JSON counts. The as-of day is a
parameter (`today`, default today in Asia/Shanghai), so a run "as of" another day is a
parameter of the run, never a changed clock.

The deployments come from `flows.schedule.SCHEDULES`, the table the embedded scheduler reads
too, with each cron expression in Asia/Shanghai. They run on a Prefect *process* work pool:
the worker and the flow runs are on a machine where ogi is installed, and the deployments name
their flows by module path (`flows.prefect_flows.sweep_flow`), so no image is built and no
code is pushed anywhere.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from prefect import Flow, flow

from domain.errors import UsageError
from flows.schedule import SCHEDULES, SHANGHAI

DEFAULT_POOL = "ogi"
DEPLOYMENT_NAME = "scheduled"
TIMEZONE = SHANGHAI.key
TAGS = ["ogi"]
#: A run sends a heartbeat every HEARTBEAT_SECONDS; one silent for SILENT_SECONDS (its worker or
#: machine died) is marked Crashed by the automation `deploy` keeps on the server. Until then it
#: stays Running and holds its deployment's one-run-at-a-time slot, so later runs would wait.
HEARTBEAT_SECONDS = 30
SILENT_SECONDS = 90
SILENT_RUNS_AUTOMATION = "ogi：执行进程失联的运行标为 Crashed"


@dataclass(frozen=True)
class RunPolicy:
    """How Prefect runs a flow: retries of a failed run, and what happens to a run that comes
    due while the previous one is still going (one run of a deployment at a time).

    A retry is harmless for every flow (the sweep's reminder keys, the year end's replaced
    ledger, the dispatcher's row locks); the pauses are there for what fails for a while: a
    database restart or fail-over. The daily flows and the year end wait their turn rather
    than be skipped, since a skipped day would be noticed. The dispatcher is neither retried
    nor queued: its next run is a minute away (a worker back after an hour must not work
    through sixty empty runs), and a failed delivery already has RULES §6's own pauses.
    """

    retries: int
    delay_seconds: int
    cancel_overlap: bool = False


POLICIES: dict[str, RunPolicy] = {
    "sweep": RunPolicy(2, 60),
    "dispatch": RunPolicy(0, 0, cancel_overlap=True),
    "year-end": RunPolicy(2, 300),
    "calendar-check": RunPolicy(2, 60),
}


def _runtime() -> Any:
    from services.bootstrap import bootstrap

    return bootstrap()


def _with_runtime(work: Callable[[Any, dt.date], dict[str, Any]], today: dt.date | None) -> dict[str, Any]:
    """Run `work(runtime, day)` on a runtime made from the environment, closed afterwards."""
    runtime = _runtime()
    try:
        return work(runtime, today or runtime.today())
    finally:
        runtime.close()


@flow(
    name="ogi-sweep",
    description="每日提醒扫描（RULES §6）：把到期的提醒、逾期预警和升级通知写入发件箱；同一天再运行不会重复发送",
    retries=POLICIES["sweep"].retries,
    retry_delay_seconds=POLICIES["sweep"].delay_seconds,
)
def sweep_flow(today: dt.date | None = None) -> dict[str, Any]:
    """The §6 sweep as of `today` (default: today in Asia/Shanghai)."""
    from flows.sweep import run_sweep

    return _with_runtime(lambda rt, day: run_sweep(rt.uow(), day).to_json(), today)


@flow(
    name="ogi-dispatch",
    description="投递发件箱：电子邮件摘要与群机器人（webhook），失败按规定间隔重试",
    retries=POLICIES["dispatch"].retries,
    retry_delay_seconds=POLICIES["dispatch"].delay_seconds,
)
def dispatch_flow(today: dt.date | None = None) -> dict[str, Any]:
    """Deliver the outbox; `today` only dates the run's record."""
    from flows.dispatch import run_dispatch

    return _with_runtime(
        lambda rt, day: run_dispatch(rt.uow(), day, rt.settings).to_json(), today
    )


@flow(
    name="ogi-year-end",
    description="年度结转（RULES §3）：以系统身份为每个机关结转上一年度并通知主管",
    retries=POLICIES["year-end"].retries,
    retry_delay_seconds=POLICIES["year-end"].delay_seconds,
)
def year_end_flow(today: dt.date | None = None, year: int | None = None) -> dict[str, Any]:
    """Close `year` (default: the year before `today`) for every agency."""
    from flows.yearend import run_year_end

    return _with_runtime(
        lambda rt, day: run_year_end(rt.uow(), day, year or day.year - 1), today
    )


@flow(
    name="ogi-calendar-check",
    description="每日日历检查：按当前日历重新计算所有未结案件的期限，补上中断的重算",
    retries=POLICIES["calendar-check"].retries,
    retry_delay_seconds=POLICIES["calendar-check"].delay_seconds,
)
def calendar_check_flow(today: dt.date | None = None) -> dict[str, Any]:
    """Recompute the open cases on the calendar as loaded; the number of dates that moved."""
    from flows.recompute import run_recompute

    return _with_runtime(lambda rt, day: {"moved": run_recompute(rt.uow(), day)}, today)


#: One Prefect flow per entry of `SCHEDULES` (the same keys as `flows.embedded.JOBS`).
FLOWS: dict[str, Flow[..., dict[str, Any]]] = {
    "sweep": sweep_flow,
    "dispatch": dispatch_flow,
    "year-end": year_end_flow,
    "calendar-check": calendar_check_flow,
}


# -- the Prefect server ------------------------------------------------------------------------


def api_url() -> str:
    """The Prefect API this process talks to, checked to answer.

    Without `PREFECT_API_URL` Prefect would quietly start a temporary server of its own, and
    deployments made there vanish with it: refuse instead.
    """
    from prefect.settings import PREFECT_API_URL

    url = (PREFECT_API_URL.value() or "").rstrip("/")
    if not url:
        raise UsageError(
            "未设置 PREFECT_API_URL：请先启动 Prefect 服务器（prefect server start），"
            "再设置 PREFECT_API_URL=http://主机:4200/api",
            field="PREFECT_API_URL",
            rule="Prefect 服务器",
        )
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=10) as reply:
            healthy = reply.status == 200 and json.loads(reply.read() or b"null") is True
    except (OSError, ValueError) as exc:
        raise UsageError(
            f"无法连接 Prefect 服务器 {url}（{_reason(exc)}）：请确认服务器已启动、地址正确",
            field="PREFECT_API_URL",
            rule="Prefect 服务器",
        ) from None
    if not healthy:
        raise UsageError(
            f"Prefect 服务器 {url} 未就绪（健康检查未通过），请稍后重试",
            field="PREFECT_API_URL",
            rule="Prefect 服务器",
        )
    return url


def _reason(exc: BaseException) -> str:
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code}"
    if isinstance(exc, urllib.error.URLError):
        return str(exc.reason)
    return str(exc) or type(exc).__name__


# -- deployments -------------------------------------------------------------------------------


def ensure_pool(pool: str) -> bool:
    """Create the process work pool `pool` when missing; True when it was created.

    A pool of another type (Docker, Kubernetes) would run the flows somewhere ogi is not
    installed, so it is refused rather than used.
    """
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectNotFound
    from prefect.workers.process import ProcessWorker

    with get_client(sync_client=True) as client:
        try:
            existing = client.read_work_pool(pool)
        except ObjectNotFound:
            client.create_work_pool(
                WorkPoolCreate(
                    name=pool,
                    type=ProcessWorker.type,
                    base_job_template=ProcessWorker.get_default_base_job_template(),
                    description="ogi 定时流程（进程工作池）",
                )
            )
            return True
    if existing.type != ProcessWorker.type:
        raise UsageError(
            f"工作池“{pool}”的类型是 {existing.type}，应为 process：请换一个名称（--pool）",
            field="pool",
            rule="Prefect 工作池",
        )
    return False


def deploy(database_url: str, pool: str = DEFAULT_POOL) -> dict[str, Any]:
    """Create or update one deployment per `SCHEDULES` entry on the process pool `pool`, on
    the server `PREFECT_API_URL` names; `{"api_url", "pool", "deployments": [...]}`.

    Each has its cron schedule in Asia/Shanghai and passes the scheduler setting to its runs.
    The runs inherit the rest from their worker's environment, the database address first
    (`ogi flows worker` refuses to start without a PostgreSQL one): its password, like
    `OGI_SMTP_PASSWORD`, stays on the machines that use it and out of Prefect's database,
    where anyone with the Prefect UI could read it. `database_url` is the deploying
    machine's, checked to be a shared database. One run of a deployment at a time, as
    `POLICIES` says.
    """
    from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
    from prefect.deployments.runner import EntrypointType
    from prefect.schedules import Cron

    require_shared_database(database_url)
    url = api_url()
    ensure_pool(pool)
    automation = ensure_silent_runs_automation()
    env = {"OGI_SCHEDULER": "prefect", "PREFECT_FLOWS_HEARTBEAT_FREQUENCY": str(HEARTBEAT_SECONDS)}
    applied = []
    for schedule in SCHEDULES:
        prefect_flow, policy = FLOWS[schedule.kind], POLICIES[schedule.kind]
        deployment = prefect_flow.to_deployment(
            name=DEPLOYMENT_NAME,
            schedules=[Cron(schedule.cron, timezone=TIMEZONE)],
            description=f"{prefect_flow.description}（{schedule.label}，{TIMEZONE}）",
            tags=TAGS,
            work_pool_name=pool,
            job_variables={"env": env},
            concurrency_limit=ConcurrencyLimitConfig(
                limit=1,
                collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW
                if policy.cancel_overlap
                else ConcurrencyLimitStrategy.ENQUEUE,
            ),
            entrypoint_type=EntrypointType.MODULE_PATH,
        )
        deployment_id = deployment.apply(work_pool_name=pool)
        applied.append(
            {
                "kind": schedule.kind,
                "deployment": f"{prefect_flow.name}/{DEPLOYMENT_NAME}",
                "id": str(deployment_id),
                "cron": schedule.cron,
                "timezone": TIMEZONE,
                "label": schedule.label,
                "pool": pool,
                "retries": policy.retries,
                "retry_delay_seconds": policy.delay_seconds,
                "overlap": "cancel" if policy.cancel_overlap else "wait",
            }
        )
    return {"api_url": url, "pool": pool, "deployments": applied, "automation": automation}


def ensure_silent_runs_automation() -> dict[str, Any]:
    """The server's automation that marks an ogi run Crashed once its heartbeats stop for
    SILENT_SECONDS (Prefect's own recipe for "zombie" runs, limited to runs tagged `ogi`, whose
    heartbeat is every HEARTBEAT_SECONDS: other flows on a shared server keep theirs). Made
    once; `deploy` run again finds it by name."""
    from prefect.automations import Automation
    from prefect.client.schemas.objects import StateType
    from prefect.events.actions import ChangeFlowRunState
    from prefect.events.schemas.automations import EventTrigger, Posture
    from prefect.events.schemas.events import ResourceSpecification

    try:
        found = Automation.read(name=SILENT_RUNS_AUTOMATION)
        return {"name": found.name, "id": str(found.id), "created": False}
    except ValueError:
        pass
    ended = {f"prefect.flow-run.{s}" for s in ("Completed", "Failed", "Cancelled", "Crashed")}
    made = Automation(
        name=SILENT_RUNS_AUTOMATION,
        description=f"运行 {SILENT_SECONDS} 秒没有心跳（执行进程或机器停止）时标为 Crashed，释放部署的并发名额",
        trigger=EventTrigger(
            after={"prefect.flow-run.heartbeat"},
            expect={"prefect.flow-run.heartbeat", *ended},
            match=ResourceSpecification({"prefect.resource.id": ["prefect.flow-run.*"]}),
            match_related=ResourceSpecification(
                {"prefect.resource.role": "tag", "prefect.resource.id": [f"prefect.tag.{t}" for t in TAGS]}
            ),
            for_each={"prefect.resource.id"},
            posture=Posture.Proactive,
            threshold=1,
            within=dt.timedelta(seconds=SILENT_SECONDS),
        ),
        actions=[
            ChangeFlowRunState(
                state=StateType.CRASHED,
                message=f"{SILENT_SECONDS} 秒没有心跳：执行进程或其机器已停止",
            )
        ],
    ).create()
    return {"name": made.name, "id": str(made.id), "created": True}


def require_shared_database(database_url: str) -> None:
    """Flow runs start in a worker's own temporary directory, possibly on another machine:
    they need the database server every process reaches (DESIGN: scaled = PostgreSQL)."""
    if database_url.startswith("sqlite"):
        raise UsageError(
            "Prefect 模式需要 PostgreSQL 数据库（OGI_DATABASE_URL=postgresql://…）："
            "流程在工作进程的临时目录中运行，用不到这里的 SQLite 文件",
            field="OGI_DATABASE_URL",
            rule="调度方式",
        )


def worker_command(pool: str = DEFAULT_POOL) -> list[str]:
    """The Prefect process worker of `pool`, run by this Python (so it imports this ogi)."""
    return [sys.executable, "-m", "prefect", "worker", "start", "--pool", pool, "--type", "process"]
