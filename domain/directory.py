"""Agencies and users as the engine knows them, and the rules for creating, editing and
deactivating them.

An agency is a node of the tree (区政府, its departments, 街道); its settings decide the case
number format and the default 补正 period. Validation lives here so that the command line and
the web forms refuse the same input with the same message.

People leave and agencies merge, so both can be deactivated instead of deleted: a deactivated
user can neither sign in nor act and receives nothing, a deactivated agency registers no new
case; both keep their cases, reports and history. Neither may strand an open case: a user who
is still the assignee of open cases they could no longer handle, or an agency that still has
open cases or active users, is refused with how many.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from domain.access import ROLE_LABELS, Role, check_assignee, parse_role
from domain.clock import check_supplement_days
from domain.errors import DomainError, NotFoundError
from domain.limits import check_lengths

DEFAULT_CASE_NO_FORMAT = "{prefix}〔{year}〕第{seq:04d}号"
STATUS_LABELS = {True: "在用", False: "已停用"}


@dataclass(frozen=True)
class Agency:
    code: str
    name: str
    parent: str | None
    supplement_days: int
    case_no_format: str
    auto_close_abandoned: bool = False
    letters_dir: str | None = None  # the agency's own letter templates, before seeds/letters
    active: bool = True  # deactivated: registers no new case, keeps its cases and reports


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


# -- editing ----------------------------------------------------------------------------------


def current_prefix(case_no_format: str) -> str | None:
    """The prefix a stored format was made with, when it is the default format (the prefix is
    written into the stored format); None for a format of the agency's own."""
    suffix = DEFAULT_CASE_NO_FORMAT.removeprefix("{prefix}")
    head = case_no_format.removesuffix(suffix)
    if head == case_no_format or not head or "{" in head or "}" in head:
        return None
    return head


def edited_agency(
    current: Agency,
    *,
    name: str | None = None,
    parent: str | None = None,
    prefix: str | None = None,
    supplement_days: int | None = None,
    case_no_format: str | None = None,
) -> Agency:
    """Validate an edit of an agency by the rules of `new_agency`; None keeps a field as it is,
    `parent=""` makes the agency a top-level one.

    The stored format has the prefix written into it, so a new prefix needs the format it goes
    into (the default one, or a `case_no_format` given with it) and a new format naming
    {prefix} needs the prefix (given, or read back from a default format). Only numbers issued
    from now on follow the new format; numbers already issued never change.
    """
    old_prefix = current_prefix(current.case_no_format)
    if prefix is not None and case_no_format is None:
        if old_prefix is None:
            raise DomainError(
                f"机关 {current.code} 使用自定义编号格式（{current.case_no_format}），"
                "修改编号前缀（prefix）时须同时给出编号格式（case_no_format）",
                field="prefix",
                rule="编号格式",
            )
        case_no_format = DEFAULT_CASE_NO_FORMAT
    if case_no_format is not None:
        names_prefix = "{prefix}" in case_no_format
        if prefix is not None and not names_prefix:
            raise DomainError(
                "编号格式（case_no_format）不含 {prefix}，给出的编号前缀（prefix）不会用到；"
                "请在编号格式中写明 {prefix} 或直接写出前缀",
                field="prefix",
                rule="编号格式",
            )
        if names_prefix and prefix is None:
            if old_prefix is None:
                raise DomainError(
                    "编号格式（case_no_format）含 {prefix}，须同时给出编号前缀（prefix）",
                    field="prefix",
                    rule="编号格式",
                )
            prefix = old_prefix
    checked = new_agency(
        current.code,
        current.name if name is None else name,
        parent=current.parent if parent is None else (parent.strip() or None),
        prefix=prefix,
        supplement_days=current.supplement_days if supplement_days is None else supplement_days,
        case_no_format=current.case_no_format if case_no_format is None else case_no_format,
    )
    return replace(
        current,
        name=checked.name,
        parent=checked.parent,
        supplement_days=checked.supplement_days,
        case_no_format=checked.case_no_format,
    )


def check_parent(code: str, parent: str | None, parents: Mapping[str, str | None]) -> None:
    """A parent must exist and not be the agency itself or one under it (the tree would
    become a loop). `parents` maps every agency code to its parent's code."""
    if parent is None:
        return
    if parent not in parents:
        raise NotFoundError(
            f"上级机关代码“{parent}”不存在", field="parent", rule="须为已登记的机关"
        )
    current: str | None = parent
    seen: set[str] = set()
    while current is not None and current not in seen:
        if current == code:
            where = "机关不能是自己的上级" if parent == code else f"{parent} 在 {code} 之下"
            raise DomainError(
                f"不能把机关设为其下级机关的下级：{where}",
                field="parent",
                rule="机关层级不能成环",
            )
        seen.add(current)
        current = parents.get(current)


def _numbering(agency: Agency) -> tuple[str, ...]:
    """The numbers an agency's format gives for two sample (year, sequence) pairs."""
    return tuple(
        format_case_no(agency.case_no_format, prefix="", code=agency.code, year=year, seq=seq)
        for year, seq in ((2026, 1), (2027, 123))
    )


def check_own_numbering(agency: Agency, others: Iterable[Agency]) -> None:
    """Case numbers are unique across all agencies: an agency whose format gives the same
    numbers as another's (the same prefix in the default format, say) would collide with it
    on its first registration, and on every one after. Refused when the format is set."""
    mine = _numbering(agency)
    for other in others:
        if other.code != agency.code and _numbering(other) == mine:
            raise DomainError(
                f"机关 {other.code}（{other.name}）的案件编号与此相同（如 {mine[0]}），"
                "两个机关的编号会重复；请换一个编号前缀或编号格式",
                field="prefix",
                rule="案件编号不能与其他机关重复",
            )


def check_agency_in_use(agency: Agency, field: str, doing: str) -> None:
    """A deactivated agency takes no new case and no new or returning user."""
    if not agency.active:
        raise DomainError(
            f"机关 {agency.code}（{agency.name}）已停用，不能{doing}",
            field=field,
            rule="机关已停用",
        )


def check_registering(agency: Agency) -> None:
    """A deactivated agency registers no new case (its cases and reports stay)."""
    check_agency_in_use(agency, "agency", "登记新的申请")


def edited_user(
    current: User,
    *,
    display_name: str | None = None,
    role: str | None = None,
    agency: str | None = None,
    email: str | None = None,
) -> User:
    """Validate an edit of a user by the rules of `new_user`; None keeps a field as it is."""
    checked = new_user(
        current.username,
        current.display_name if display_name is None else display_name,
        current.role.value if role is None else role,
        current.agency if agency is None else agency.strip(),
        current.email if email is None else email,
    )
    return replace(checked, active=current.active)


def _assignee_problem(user: User, open_cases: Mapping[str, int]) -> int:
    """How many of the open cases (agency code → count) assigned to the user they could no
    longer handle as they are (the assignment rule of `access.check_assignee`)."""
    stranded = 0
    for case_agency, count in open_cases.items():
        try:
            check_assignee(user.username, user.role, user.agency, case_agency)
        except DomainError:
            stranded += count
    return stranded


def check_user_edit(before: User, after: User, open_cases: Mapping[str, int], active_admins: int) -> None:
    """An edit may not leave the user's open cases with an assignee who cannot act on them,
    nor the installation without an active administrator."""
    stranded = _assignee_problem(after, open_cases)
    if stranded:
        field = "agency" if after.agency != before.agency else "role"
        label = "所属机关" if field == "agency" else "角色"
        raise DomainError(
            f"不能修改用户 {before.username} 的{label}（{field}）：用户 {before.username} "
            f"仍是 {stranded} 件未办结案件的经办人，修改后将不能办理这些案件，须先改派",
            field=field,
            rule="经办人须能办理其案件（RULES §7）",
        )
    if after.role is not Role.ADMIN:
        check_not_last_admin(before, active_admins, "改为其他角色", "role")


def check_user_deactivation(user: User, open_cases: Mapping[str, int], active_admins: int) -> None:
    """A user still assigned open cases is not deactivated (reassign first), nor the last
    active administrator."""
    assigned = sum(open_cases.values())
    if assigned:
        raise DomainError(
            f"不能停用用户 {user.username}：用户 {user.username} 仍是 {assigned} 件未办结案件的经办人，"
            "须先改派",
            field="username",
            rule="经办人须能办理其案件（RULES §7）",
        )
    check_not_last_admin(user, active_admins, "停用", "username")


def check_not_last_admin(user: User, active_admins: int, doing: str, field: str) -> None:
    """Someone must be left to manage agencies, users and the calendar."""
    if user.active and user.role is Role.ADMIN and active_admins <= 1:
        raise DomainError(
            f"用户 {user.username} 是唯一在用的{ROLE_LABELS[Role.ADMIN]}，不能{doing}；"
            "请先添加或启用另一名系统管理员",
            field=field,
            rule="至少保留一名系统管理员",
        )


def check_user_activation(user: User, agency: Agency) -> None:
    """A user returns only to an agency in use."""
    check_agency_in_use(agency, "agency", f"启用其用户 {user.username}（请先启用机关或把用户调到其他机关）")


def check_agency_deactivation(agency: Agency, open_cases: int, active_users: int) -> None:
    """An agency is deactivated only once its open cases are concluded (or moved) and its
    users deactivated or moved: nothing may be left that nobody handles."""
    problems = []
    if open_cases:
        problems.append(f"{open_cases} 件未办结案件")
    if active_users:
        problems.append(f"{active_users} 名在用用户")
    if problems:
        raise DomainError(
            f"不能停用机关 {agency.code}（{agency.name}）：仍有{'、'.join(problems)}；"
            "请先办结案件、停用或调出用户",
            field="code",
            rule="机关停用前须无未办结案件和在用用户",
        )
