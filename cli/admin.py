"""`ogi init`, `ogi agency …`, `ogi user …`: setting up an installation."""

from __future__ import annotations

from typing import Any

import typer
from rich.table import Table

from cli.common import JsonOption, actor, runtime, today, uow
from cli.output import console, print_json
from domain.access import ROLE_LABELS
from domain.directory import STATUS_LABELS

AdminOption = typer.Option("admin", "--user", "-u", envvar="OGI_USER", help="操作人（系统管理员）")

def _directory():  # type: ignore[no-untyped-def]
    from services import directory

    return directory


agency_app = typer.Typer(help="机关（区政府、部门、街道）", no_args_is_help=True)
user_app = typer.Typer(help="用户（经办人、主管、负责人、管理员）", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    from cli import serve_cmd

    app.command("init", help="创建或升级数据库、加载日历、创建首个机关和管理员（可重复运行）")(init)
    user_app.command("token", help="为用户生成新的 API 令牌（只显示一次，库中只存散列）")(serve_cmd.token)
    user_app.command("revoke-tokens", help="吊销用户的 API 令牌")(serve_cmd.revoke_tokens)
    user_app.command("password", help="为用户设置一次性密码（首次登录须修改）")(serve_cmd.password)
    app.command("serve", help="启动网页与 API（及内置定时任务）")(serve_cmd.serve)
    app.add_typer(agency_app, name="agency")
    app.add_typer(user_app, name="user")


def init(
    agency: str = typer.Option(..., "--agency", help="首个机关的代码，如 lixia"),
    agency_name: str = typer.Option(
        ..., "--agency-name", help="首个机关的名称，如 济南市历下区人民政府"
    ),
    prefix: str = typer.Option(None, "--prefix", help="案件编号前缀，如 历下政公开；默认机关名称"),
    admin: str = typer.Option("admin", "--admin", help="管理员用户名"),
    admin_name: str = typer.Option("系统管理员", "--admin-name", help="管理员姓名"),
) -> None:
    """Non-interactive and idempotent: a second run changes nothing that exists."""
    runtime().create_database = True
    from services.setup import initialise

    result = initialise(
        uow(), agency, agency_name, prefix=prefix, admin=admin, admin_name=admin_name
    )
    for line in result:
        console.print(line)


@agency_app.command("add", help="添加机关（区政府、部门或街道；可指定上级机关和案件编号前缀）")
def agency_add(
    code: str = typer.Argument(..., help="机关代码（字母、数字、下划线）"),
    name: str = typer.Argument(..., help="机关名称"),
    parent: str = typer.Option(None, "--parent", help="上级机关代码"),
    prefix: str = typer.Option(None, "--prefix", help="案件编号前缀"),
    supplement_days: int = typer.Option(
        None, "--supplement-days", help="默认补正期限（工作日，默认15）"
    ),
    case_no_format: str = typer.Option(
        None, "--case-no-format", help="编号格式，如 {prefix}〔{year}〕第{seq:04d}号"
    ),
    user: str = AdminOption,
    letters_dir: str = typer.Option(
        None,
        "--letters-dir",
        help="本机关的文书模板目录（与 seeds/letters 同名的 .docx，优先使用）",
    ),
    as_json: bool = JsonOption,
) -> None:
    info = _directory().add_agency(
        uow(),
        code,
        name,
        actor=actor(user),
        today=today(),
        parent=parent,
        prefix=prefix,
        supplement_days=supplement_days,
        case_no_format=case_no_format,
        letters_dir=letters_dir,
    )
    if as_json:
        print_json(info.__dict__)
    else:
        console.print(f"已添加机关 {info.code}（{info.name}），编号格式 {info.case_no_format}")


@agency_app.command("list", help="列出全部机关（含已停用的）")
def agency_list(as_json: bool = JsonOption) -> None:
    rows = _directory().list_agencies(uow())
    if as_json:
        print_json([r.__dict__ for r in rows])
        return
    table = Table("代码", "名称", "上级", "补正期限", "编号格式", "状态")
    for r in rows:
        table.add_row(
            r.code, r.name, r.parent or "", str(r.supplement_days), r.case_no_format,
            STATUS_LABELS[r.active],
        )  # fmt: skip
    console.print(table)


@agency_app.command(
    "update", help="修改机关的名称、上级机关、编号前缀、补正期限或编号格式（只影响今后的编号）"
)
def agency_update(
    code: str = typer.Argument(..., help="机关代码"),
    name: str = typer.Option(None, "--name", help="新名称"),
    parent: str = typer.Option(None, "--parent", help="新上级机关代码（空字符串：设为顶级机关）"),
    prefix: str = typer.Option(None, "--prefix", help="新案件编号前缀（已有案件的编号不变）"),
    supplement_days: int = typer.Option(
        None, "--supplement-days", help="默认补正期限（工作日）"
    ),
    case_no_format: str = typer.Option(
        None, "--case-no-format", help="新编号格式，如 {prefix}〔{year}〕第{seq:04d}号（已有编号不变）"
    ),
    user: str = AdminOption,
    as_json: bool = JsonOption,
) -> None:
    info = _directory().update_agency(
        uow(),
        code,
        name=name,
        parent=parent,
        prefix=prefix,
        supplement_days=supplement_days,
        case_no_format=case_no_format,
        actor=actor(user),
        today=today(),
    )
    if as_json:
        print_json(info.__dict__)
    else:
        console.print(
            f"已修改机关 {info.code}（{info.name}），上级 {info.parent or '无'}，"
            f"补正期限 {info.supplement_days} 个工作日，编号格式 {info.case_no_format}"
        )


@agency_app.command(
    "deactivate", help="停用机关（须无未办结案件和在用用户；已有案件、报告和记录保留）"
)
def agency_deactivate(
    code: str = typer.Argument(..., help="机关代码"),
    user: str = AdminOption,
    as_json: bool = JsonOption,
) -> None:
    info = _directory().deactivate_agency(uow(), code, actor=actor(user), today=today())
    if as_json:
        print_json(info.__dict__)
    else:
        console.print(f"已停用机关 {info.code}（{info.name}）：不能再登记新的申请，已有案件和报告保留")


@agency_app.command("activate", help="重新启用已停用的机关")
def agency_activate(
    code: str = typer.Argument(..., help="机关代码"),
    user: str = AdminOption,
    as_json: bool = JsonOption,
) -> None:
    info = _directory().activate_agency(uow(), code, actor=actor(user), today=today())
    if as_json:
        print_json(info.__dict__)
    else:
        console.print(f"已启用机关 {info.code}（{info.name}）")


@user_app.command("add", help="添加用户（经办人、主管、负责人或管理员）")
def user_add(
    username: str = typer.Argument(..., help="用户名"),
    display_name: str = typer.Option("", "--name", help="姓名"),
    role: str = typer.Option(..., "--role", help="caseworker / supervisor / office_head / admin"),
    agency: str = typer.Option(..., "--agency", help="所属机关代码"),
    email: str = typer.Option("", "--email", help="邮箱"),
    user: str = AdminOption,
    as_json: bool = JsonOption,
) -> None:
    info = _directory().add_user(
        uow(), username, display_name, role, agency, email, actor=actor(user), today=today()
    )
    if as_json:
        print_json(_user_json(info))
    else:
        console.print(
            f"已添加用户 {info.username}（{info.display_name}，{ROLE_LABELS[info.role]}，{info.agency}）"
        )


@user_app.command("list", help="列出用户（含已停用的）")
def user_list(
    agency: str = typer.Option(None, "--agency", help="只列出该机关的用户"),
    as_json: bool = JsonOption,
) -> None:
    rows = _directory().list_users(uow(), agency)
    if as_json:
        print_json([_user_json(r) for r in rows])
        return
    table = Table("用户名", "姓名", "角色", "机关", "邮箱", "状态")
    for r in rows:
        table.add_row(
            r.username, r.display_name, ROLE_LABELS[r.role], r.agency, r.email, STATUS_LABELS[r.active]
        )
    console.print(table)


@user_app.command("update", help="修改用户的姓名、角色、所属机关或邮箱")
def user_update(
    username: str = typer.Argument(..., help="用户名"),
    display_name: str = typer.Option(None, "--name", help="新姓名"),
    role: str = typer.Option(
        None, "--role", help="新角色：caseworker / supervisor / office_head / admin 或中文名称"
    ),
    agency: str = typer.Option(None, "--agency", help="新所属机关代码"),
    email: str = typer.Option(None, "--email", help="新邮箱（空字符串：清除）"),
    user: str = AdminOption,
    as_json: bool = JsonOption,
) -> None:
    info = _directory().update_user(
        uow(),
        username,
        display_name=display_name,
        role=role,
        agency=agency,
        email=email,
        actor=actor(user),
        today=today(),
    )
    if as_json:
        print_json(_user_json(info))
    else:
        console.print(
            f"已修改用户 {info.username}（{info.display_name}，{ROLE_LABELS[info.role]}，"
            f"{info.agency}，邮箱 {info.email or '无'}）"
        )


@user_app.command(
    "deactivate", help="停用用户（不能登录、不能用令牌、不再收到提醒；须先改派其未办结案件）"
)
def user_deactivate(
    username: str = typer.Argument(..., help="用户名"),
    user: str = AdminOption,
    as_json: bool = JsonOption,
) -> None:
    info = _directory().deactivate_user(uow(), username, actor=actor(user), today=today())
    if as_json:
        print_json(_user_json(info))
    else:
        console.print(
            f"已停用用户 {info.username}（{info.display_name}）：不能再登录或操作，其 API 令牌已吊销；"
            "办理记录保留"
        )


@user_app.command("activate", help="重新启用已停用的用户（须重新签发令牌）")
def user_activate(
    username: str = typer.Argument(..., help="用户名"),
    user: str = AdminOption,
    as_json: bool = JsonOption,
) -> None:
    info = _directory().activate_user(uow(), username, actor=actor(user), today=today())
    if as_json:
        print_json(_user_json(info))
    else:
        console.print(f"已启用用户 {info.username}（{info.display_name}）")


def _user_json(user: Any) -> dict[str, object]:
    names = ("username", "display_name", "role", "agency", "email")
    return {**{name: str(getattr(user, name)) for name in names}, "active": user.active}
