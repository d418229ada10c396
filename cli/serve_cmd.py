"""`ogi serve` and `ogi user token|password|revoke-tokens`: the web app and its credentials."""

from __future__ import annotations

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
    no_scheduler: bool = typer.Option(False, "--no-scheduler", help="不启动内置定时任务"),
    demo: bool = typer.Option(False, "--demo", help="数据库为空时先载入演示机关和演示账号"),
) -> None:
    """Run the web app (and, when available, the embedded scheduler)."""
    import uvicorn

    from web.app import create_app

    rt = runtime()
    signins = _load_demo(rt) if demo else []
    scheduler = None if no_scheduler else _start_scheduler(rt)
    console.print(f"ogi 已启动：http://{host}:{port}/ （API 文档 http://{host}:{port}/docs）")
    for line in signins:
        console.print(line)
    try:
        uvicorn.run(create_app(rt), host=host, port=port, log_level="warning")
    finally:
        if scheduler is not None:
            scheduler()


def _start_scheduler(rt):  # type: ignore[no-untyped-def]
    """The hook for the embedded scheduler (flows/embedded.py, `start(runtime)` returning a stop
    function); when this branch does not have it yet, the app runs without it."""
    if rt.settings.scheduler == "prefect":  # the flows' runs come from Prefect workers
        console.print("OGI_SCHEDULER=prefect：定时流程由 Prefect 触发，本进程只提供网页与 API")
        return None
    try:
        from flows import embedded  # type: ignore[attr-defined]
    except ImportError:
        console.print("提示：内置定时任务（flows/embedded.py）尚未安装，仅启动网页与 API（--no-scheduler）")
        return None
    return embedded.start(rt)


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
