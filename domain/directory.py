"""Agencies and users as the engine knows them, and the rules for creating them.

An agency is a node of the tree (区政府, its departments, 街道); its settings decide the case
number format and the default 补正 period. Validation lives here so that the command line and
the web forms refuse the same input with the same message.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.access import Role, parse_role
from domain.clock import check_supplement_days
from domain.errors import DomainError
from domain.limits import check_lengths

DEFAULT_CASE_NO_FORMAT = "{prefix}〔{year}〕第{seq:04d}号"


@dataclass(frozen=True)
class Agency:
    code: str
    name: str
    parent: str | None
    supplement_days: int
    case_no_format: str
    auto_close_abandoned: bool = False
    letters_dir: str | None = None  # the agency's own letter templates, before seeds/letters


@dataclass(frozen=True)
class User:
    username: str
    display_name: str
    role: Role
    agency: str
    email: str = ""
    active: bool = True


def format_case_no(template: str, *, prefix: str, code: str, year: int, seq: int) -> str:
    """Render a case number, e.g. 历下政公开〔2026〕第0001号."""
    return template.format(prefix=prefix, code=code, year=year, seq=seq)


def check_case_no_format(template: str) -> None:
    """A format must number per year and never give two sequence numbers the same text."""
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


def new_agency(
    code: str,
    name: str,
    *,
    parent: str | None = None,
    prefix: str | None = None,
    supplement_days: int | None = None,
    case_no_format: str | None = None,
) -> Agency:
    """Validate a new agency; `prefix` is the short name used in case numbers (default: name)."""
    from domain.clock import DEFAULT_SUPPLEMENT_DAYS

    code, name = code.strip(), name.strip()
    check_lengths(
        {"code": code, "name": name, "prefix": prefix or "", "case_no_format": case_no_format or ""}
    )
    if not code or not code.replace("_", "").replace("-", "").isalnum() or not code.isascii():
        raise DomainError(
            f"机关代码（code）“{code}”须为字母、数字、下划线或连字符", field="code", rule="代码格式"
        )
    if not name:
        raise DomainError("机关名称（name）不能为空", field="name", rule="必填")
    days = DEFAULT_SUPPLEMENT_DAYS if supplement_days is None else supplement_days
    check_supplement_days(days, "supplement_days")
    template = (case_no_format or DEFAULT_CASE_NO_FORMAT).replace("{prefix}", prefix or name)
    check_case_no_format(template)
    sample = format_case_no(template, prefix=prefix or name, code=code, year=2026, seq=9999)
    if len(sample) > 80:
        raise DomainError(
            f"按编号格式生成的申请编号过长（{len(sample)}个字，最多80个字）：{sample}",
            field="case_no_format",
            rule="长度限制",
        )
    return Agency(code, name, parent, days, template)


def new_user(username: str, display_name: str, role: str, agency: str, email: str = "") -> User:
    """Validate a new user: an ASCII user name without spaces, a known role, a plausible e-mail."""
    username = username.strip()
    check_lengths({"username": username, "display_name": display_name.strip(), "email": email.strip()})
    if not username or not username.isascii() or " " in username:
        raise DomainError(
            f"用户名（username）“{username}”须为不含空格的英文字母或数字",
            field="username",
            rule="用户名格式",
        )
    if username == "system":
        raise DomainError("用户名 system 保留给系统使用", field="username", rule="用户名格式")
    parsed = parse_role(role)
    email = email.strip()
    if email and ("@" not in email or " " in email):
        raise DomainError(f"邮箱（email）“{email}”格式不正确", field="email", rule="邮箱格式")
    return User(username, display_name.strip() or username, parsed, agency, email)
