"""`ogi serve` and `ogi user token|password|revoke-tokens`: the web app and its credentials."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from cli.common import actor_or_system, runtime, uow
from cli.output import console

if TYPE_CHECKING:
    from domain.access import Actor
    from services.bootstrap import Runtime


def _auth():  # type: ignore[no-untyped-def]
    """Sign-in services (Argon2 is slow to import): loaded when a command needs them."""
    from services import auth

    return auth


def token(
    username: str = typer.Argument(..., help="用户名"),
    user: str = typer.Option(None, "--user", "-u", envvar="OGI_USER", help="操作人（默认服务器上的系统操作）"),
) -> None:
    """Print a new API token for the user (shown once; only its hash is stored)."""
    print(_auth().create_token(uow(), username, actor=_operator(user)))


def revoke_tokens(
    username: str = typer.Argument(..., help="用户名"),
    prefix: str = typer.Option(None, "--prefix", help="只吊销以此开头的令牌（如 ogi_AbC123）"),
    user: str = typer.Option(None, "--user", "-u", envvar="OGI_USER"),
) -> None:
    count = _auth().revoke_tokens(uow(), username, actor=_operator(user), prefix=prefix)
    console.print(f"已吊销 {username} 的 {count} 个令牌")


def password(
    username: str = typer.Argument(..., help="用户名"),
    user: str = typer.Option(None, "--user", "-u", envvar="OGI_USER"),
) -> None:
    """Set a one-time password (printed once); the user must change it at the first sign-in."""
    one_time = _auth().issue_one_time_password(uow(), username, actor=_operator(user))
    console.print(f"用户 {username} 的一次性密码（首次登录后须修改）：")
    print(one_time)


def _operator(user: str | None) -> Actor:
    """The command line at the server is trusted: the system unless a user is named."""
    return actor_or_system(user)


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="监听地址"),
    port: int = typer.Option(8000, "--port", help="端口"),
    workers: int = typer.Option(
        1, "--workers", min=1, help="网页进程数；大于 1 时本命令不启动内置定时任务"
    ),
    no_scheduler: bool = typer.Option(False, "--no-scheduler", help="不启动内置定时任务"),
    demo: bool = typer.Option(False, "--demo", help="数据库为空时先载入演示机关和演示账号"),
) -> None:
    """Run the web app: one process with the embedded scheduler, or `--workers N` uvicorn
    processes without it (the flows then run under `ogi scheduler run` or Prefect)."""
    from services.logs import configure_logging

    configure_logging(level="INFO")
    rt = runtime()
    # the scheduler's jobs and the worker processes make their own runtime from the
    # environment: the database chosen with --db must be there too
    os.environ["OGI_DATABASE_URL"] = rt.settings.database_url
    signins = _load_demo(rt) if demo else []
    why_not = _why_no_scheduler(rt, workers, no_scheduler)
    console.print(f"ogi 已启动：http://{host}:{port}/ （API 文档 http://{host}:{port}/docs）")
    for line in signins:
        console.print(line)
    if workers > 1:
        console.print(why_not)
        rt.close()
        _serve_workers(host, port, workers)
        return
    scheduler = None
    if why_not:
        console.print(why_not)
    else:
        scheduler = _start_scheduler(rt)
    made_dir = _metrics_dir(workers)
    try:
        import uvicorn

        from web.app import create_app

        uvicorn.run(create_app(rt), host=host, port=port, log_config=None, access_log=False)
    finally:
        if scheduler is not None:
            scheduler()
        _remove(made_dir)


def _why_no_scheduler(rt: Runtime, workers: int, no_scheduler: bool) -> str | None:
    """Why this command does not start the embedded scheduler (None: it does)."""
    if rt.settings.scheduler == "prefect":
        return "OGI_SCHEDULER=prefect：定时流程由 Prefect 工作进程（ogi flows worker）运行，本命令不启动内置定时任务"
    if workers > 1:
        return (
            f"{workers} 个网页进程：本命令不启动内置定时任务；请另行运行一个 ogi scheduler run"
            "（或设置 OGI_SCHEDULER=prefect 并运行 Prefect 工作进程）"
        )
    if no_scheduler:
        return "未启动内置定时任务（--no-scheduler）"
    return None


def _start_scheduler(rt: Runtime):  # type: ignore[no-untyped-def]
    """The embedded scheduler in this process's background threads; returns its stop."""
    from flows.embedded import start

    stop = start(rt)
    console.print("内置定时任务已启动（Asia/Shanghai）")
    return stop


def _serve_workers(host: str, port: int, workers: int) -> None:
    """uvicorn with `workers` processes, each running `web.app:factory`.

    Every process must sign sessions with the same key: without `OGI_SECRET_KEY` one is made
    here for all of them (sessions then end when the command stops). With metrics on, the
    processes share a fresh `PROMETHEUS_MULTIPROC_DIR` so a scrape sees all their requests.
    """
    import uvicorn

    if not os.environ.get("OGI_SECRET_KEY", "").strip():
        os.environ["OGI_SECRET_KEY"] = secrets.token_urlsafe(32)
        console.print("提示：未设置 OGI_SECRET_KEY，已为本次启动的各进程生成同一临时密钥（重启后需重新登录）")
    made_dir = _metrics_dir(workers)
    try:
        uvicorn.run(
            "web.app:factory",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_config=None,
            access_log=False,
        )
    finally:
        _remove(made_dir)


def _metrics_dir(workers: int) -> str | None:
    """Prepare `PROMETHEUS_MULTIPROC_DIR`, where processes add up their request metrics: an
    operator's directory is emptied of an earlier run's files; several workers without one
    get a new temporary directory (returned, to be removed at the end)."""
    import tempfile

    from services.operations import metrics_enabled

    if not metrics_enabled():
        return None
    shared = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "").strip()
    if shared:
        Path(shared).mkdir(parents=True, exist_ok=True)
        for stale in Path(shared).glob("*.db"):
            stale.unlink()
        return None
    if workers == 1:
        return None
    made = tempfile.mkdtemp(prefix="ogi-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = made
    return made


def _remove(directory: str | None) -> None:
    if directory is not None:
        import shutil

        shutil.rmtree(directory, ignore_errors=True)


DEMO_PASSWORD = "ogi-demo-2026"


def _load_demo(rt: Runtime) -> list[str]:
    """Load the demo office when the database is empty; the demo sign-ins to print."""
    from cli.demo_cmd import STAFF, populate
    from domain.access import ROLE_LABELS, SYSTEM, Role
    from domain.errors import DatabaseUnavailableError
    from services.directory import list_agencies

    try:
        empty = not list_agencies(rt.uow())
    except DatabaseUnavailableError:
        empty = True
    if empty:
        console.print(f"数据库为空，载入演示机关（{rt.settings.database_url}）…")
        rt.create_database = True
        populate(rt)
        for username in ["admin", *(s[0] for s in STAFF)]:
            _auth().set_password(rt.uow(), username, DEMO_PASSWORD, actor=SYSTEM)
    lines = [f"演示账号（密码均为 {DEMO_PASSWORD}；已有数据时以原密码为准）："]
    shown: set[str] = set()
    for username, name, role, agency in [("admin", "系统管理员", "admin", "lixia"), *STAFF]:
        if role in shown:
            continue
        shown.add(role)
        lines.append(f"  {ROLE_LABELS[Role(role)]}：{username}（{name}，{agency}）")
    return lines
