"""Agencies (a tree) and users: the administrators' side of the directory."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from domain.case import ROLE_LABELS, Actor, Role
from domain.errors import DomainError, NotFoundError
from services.clock_time import now_utc
from store.db import read_session, write_session
from store.models import Agency, User

DEFAULT_CASE_NO_FORMAT = "{prefix}〔{year}〕第{seq:04d}号"


@dataclass(frozen=True)
class AgencyInfo:
    code: str
    name: str
    parent: str | None
    supplement_days: int
    case_no_format: str
    letters_dir: str | None = None


@dataclass(frozen=True)
class UserInfo:
    username: str
    display_name: str
    role: str
    agency: str
    email: str


def agency_by_code(session: Session, code: str) -> Agency:
    agency = session.execute(select(Agency).where(Agency.code == code)).scalar_one_or_none()
    if agency is None:
        raise NotFoundError(f"机关代码“{code}”不存在", field="agency", rule="须为已登记的机关")
    return agency


def user_by_name(session: Session, username: str) -> User:
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None or not user.active:
        raise NotFoundError(
            f"用户“{username}”不存在或已停用", field="user", rule="须为已登记的用户"
        )
    return user


def actor_for(session: Session, username: str) -> Actor:
    user = user_by_name(session, username)
    return Actor(user.username, Role(user.role))


def format_case_no(template: str, *, prefix: str, code: str, year: int, seq: int) -> str:
    """Render a case number, e.g. 历下政公开〔2026〕第0001号."""
    return template.format(prefix=prefix, code=code, year=year, seq=seq)


def _check_case_no_format(template: str) -> None:
    try:
        a = format_case_no(template, prefix="X", code="x", year=2026, seq=1)
        b = format_case_no(template, prefix="X", code="x", year=2026, seq=2)
    except (KeyError, IndexError, ValueError) as exc:
        raise DomainError(
            f"编号格式（case_no_format）无效：{exc}；可用占位符 {{prefix}} {{code}} {{year}} {{seq}}",
            field="case_no_format",
            rule="编号格式",
        ) from None
    if a == b or "{year}" not in template.replace("{year:", "{year}"):
        raise DomainError(
            "编号格式（case_no_format）须包含 {year} 和 {seq}，才能按年编号且不重复",
            field="case_no_format",
            rule="编号格式",
        )


def add_agency(
    engine: Engine,
    code: str,
    name: str,
    *,
    parent: str | None = None,
    prefix: str | None = None,
    supplement_days: int = 15,
    case_no_format: str | None = None,
    letters_dir: str | None = None,
) -> AgencyInfo:
    """Create an agency; `prefix` is the short name used in case numbers (default: the name).

    `letters_dir` is a folder of the agency's own letter templates; they are checked now, so a
    template naming an unknown field is refused today and not on the day a letter is due.
    """
    code, name = code.strip(), name.strip()
    if not code or not code.replace("_", "").replace("-", "").isalnum() or not code.isascii():
        raise DomainError(
            f"机关代码（code）“{code}”须为字母、数字、下划线或连字符", field="code", rule="代码格式"
        )
    if not name:
        raise DomainError("机关名称（name）不能为空", field="name", rule="必填")
    if not 1 <= supplement_days <= 60:
        raise DomainError(
            "默认补正期限（supplement_days）应为1至60个工作日", field="supplement_days", rule="范围"
        )
    template = (case_no_format or DEFAULT_CASE_NO_FORMAT).replace("{prefix}", prefix or name)
    _check_case_no_format(template)
    if letters_dir:
        from formats.letters import check_folder

        letters_dir = str(Path(letters_dir).resolve())
        check_folder(letters_dir)
    with write_session(engine) as session:
        parent_row = agency_by_code(session, parent) if parent else None
        if session.execute(select(Agency.id).where(Agency.code == code)).first():
            raise DomainError(f"机关代码“{code}”已存在", field="code", rule="不能重复")
        session.add(
            Agency(
                code=code,
                name=name,
                parent_id=parent_row.id if parent_row else None,
                supplement_days=supplement_days,
                case_no_format=template,
                auto_close_abandoned=False,
                letters_dir=letters_dir or None,
                created_at=now_utc(),
            )
        )
    return AgencyInfo(code, name, parent, supplement_days, template, letters_dir or None)


def list_agencies(engine: Engine) -> list[AgencyInfo]:
    with read_session(engine) as session:
        rows = session.execute(select(Agency).order_by(Agency.id)).scalars().all()
        codes = {a.id: a.code for a in rows}
        return [
            AgencyInfo(
                a.code,
                a.name,
                codes.get(a.parent_id) if a.parent_id else None,
                a.supplement_days,
                a.case_no_format,
                a.letters_dir,
            )
            for a in rows
        ]


def agency_subtree_ids(session: Session, code: str) -> list[int]:
    """The agency and every agency under it (本行政区域)."""
    root = agency_by_code(session, code)
    children: dict[int | None, list[int]] = {}
    for agency_id, parent_id in session.execute(select(Agency.id, Agency.parent_id)).all():
        children.setdefault(parent_id, []).append(agency_id)
    found, stack = [], [root.id]
    while stack:
        current = stack.pop()
        found.append(current)
        stack.extend(children.get(current, []))
    return found


def add_user(
    engine: Engine, username: str, display_name: str, role: str, agency: str, email: str = ""
) -> UserInfo:
    username = username.strip()
    if not username or not username.isascii() or " " in username:
        raise DomainError(
            f"用户名（username）“{username}”须为不含空格的英文字母或数字",
            field="username",
            rule="用户名格式",
        )
    try:
        parsed_role = Role(role)
    except ValueError:
        allowed = "、".join(f"{r.value}（{label}）" for r, label in ROLE_LABELS.items())
        raise DomainError(
            f"角色（role）“{role}”无效，应为：{allowed}", field="role", rule="角色"
        ) from None
    if email and "@" not in email:
        raise DomainError(f"邮箱（email）“{email}”格式不正确", field="email", rule="邮箱格式")
    try:
        with write_session(engine) as session:
            agency_row = agency_by_code(session, agency)
            session.add(
                User(
                    username=username,
                    display_name=display_name.strip() or username,
                    role=parsed_role.value,
                    agency_id=agency_row.id,
                    email=email,
                    active=True,
                    created_at=now_utc(),
                )
            )
    except IntegrityError:
        raise DomainError(f"用户名“{username}”已存在", field="username", rule="不能重复") from None
    return UserInfo(username, display_name.strip() or username, parsed_role.value, agency, email)


def list_users(engine: Engine, agency: str | None = None) -> list[UserInfo]:
    with read_session(engine) as session:
        query = (
            select(User, Agency.code).join(Agency, Agency.id == User.agency_id).order_by(User.id)
        )
        if agency:
            query = query.where(Agency.id == agency_by_code(session, agency).id)
        return [
            UserInfo(u.username, u.display_name, u.role, code, u.email)
            for u, code in session.execute(query).all()
        ]
