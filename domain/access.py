"""Who acts, and who may do what (RULES §7).

Every service receives the acting `Actor`: the user's name, role, own agency and the agencies
whose cases they see (their agency, plus every agency under it for supervisors and office
heads; everything for administrators). Flows act as `SYSTEM`. The rules about people live
here, once, so that the command line, the scheduled flows and the web app enforce the same
matrix.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from domain.errors import DomainError, ForbiddenError, NotFoundError


class Role(StrEnum):
    CASEWORKER = "caseworker"
    SUPERVISOR = "supervisor"
    OFFICE_HEAD = "office_head"
    ADMIN = "admin"
    SYSTEM = "system"  # the scheduled flows; never a person's role


ROLE_LABELS = {
    Role.CASEWORKER: "经办人",
    Role.SUPERVISOR: "主管",
    Role.OFFICE_HEAD: "政府信息公开工作机构负责人",
    Role.ADMIN: "系统管理员",
    Role.SYSTEM: "系统",
}

PERSON_ROLES = (Role.CASEWORKER, Role.SUPERVISOR, Role.OFFICE_HEAD, Role.ADMIN)
SUPERVISING_ROLES = frozenset({Role.SUPERVISOR, Role.OFFICE_HEAD})


def parse_role(text: str) -> Role:
    """A role from its code or Chinese label, for forms and the command line."""
    value = (text or "").strip()
    for role in PERSON_ROLES:
        if value in (role.value, ROLE_LABELS[role]):
            return role
    if value in ("负责人", "机构负责人"):
        return Role.OFFICE_HEAD
    allowed = "、".join(f"{r.value}（{ROLE_LABELS[r]}）" for r in PERSON_ROLES)
    raise DomainError(f"角色（role）“{text}”无效，应为：{allowed}", field="role", rule="角色")


@dataclass(frozen=True)
class Actor:
    """Who acts: a user name, the role the action is judged by, and what they see.

    `agency` is the user's own agency code; `agencies` the codes whose cases they see
    (None: every agency — administrators and the system).
    """

    name: str
    role: Role
    agency: str | None = None
    agencies: frozenset[str] | None = None

    def sees(self, agency: str) -> bool:
        return self.agencies is None or agency in self.agencies

    @property
    def label(self) -> str:
        return f"{self.name}（{ROLE_LABELS[self.role]}）"


SYSTEM = Actor("system", Role.SYSTEM)


def require_role(actor: Actor, roles: frozenset[Role] | set[Role], action: str) -> None:
    """Refuse an action the actor's role may not take (RULES §7)."""
    if actor.role not in roles and actor.role is not Role.SYSTEM:
        allowed = "、".join(ROLE_LABELS[r] for r in PERSON_ROLES if r in roles)
        raise ForbiddenError(
            f"{actor.label}无权{action}（限{allowed}）", field="user", rule="RULES §7"
        )


def _hidden(case_no: str | None = None) -> NotFoundError:
    """Outside the actor's agencies a case is indistinguishable from one that does not exist:
    the same message as the case repository gives for an unknown number."""
    named = f"“{case_no}”" if case_no else ""
    return NotFoundError(f"案件{named}不存在", field="case_no", rule="须为已登记的案件")


def authorize_register(actor: Actor, agency: str, *, imported: bool = False) -> None:
    """Registering: caseworkers, supervisors and office heads of agencies they see; a ledger
    import (past cases) is an administrator's job too."""
    if actor.role is Role.ADMIN and not imported:
        raise ForbiddenError(
            f"{actor.label}不办理案件，不能登记申请", field="user", rule="RULES §7"
        )
    if not actor.sees(agency):
        raise ForbiddenError(
            f"{actor.label}不能为机关 {agency} 登记申请（不在其所属机关范围内）",
            field="agency",
            rule="RULES §7",
        )


def authorize_case(
    actor: Actor,
    action: StrEnum | None,
    *,
    agency: str,
    assignee: str | None,
    case_no: str | None = None,
) -> None:
    """May the actor see the case (action None) or take `action` on it (RULES §7)?

    Seeing: the case's agency is one the actor sees, else the case "does not exist".
    Acting: administrators take no case actions; assigning and voiding are for supervisors
    and office heads; deciding an extension is for office heads; a caseworker acts on cases assigned to
    them or unassigned in their agency.
    """
    if not actor.sees(agency):
        raise _hidden(case_no)
    if action is None or actor.role is Role.SYSTEM:
        return
    value = str(action)
    if actor.role is Role.ADMIN:
        raise ForbiddenError(f"{actor.label}不办理案件", field="user", rule="RULES §7")
    if value == "assigned":
        require_role(actor, SUPERVISING_ROLES, "分派案件")
    elif value == "voided":  # it takes the case out of every count
        require_role(actor, SUPERVISING_ROLES, "作废登记")
    elif value in ("extension_granted", "extension_refused"):
        require_role(actor, {Role.OFFICE_HEAD}, "审批延期")
    elif actor.role is Role.CASEWORKER and assignee not in (None, actor.name):
        raise ForbiddenError(
            f"案件已分派给 {assignee}，{actor.label}不能办理；如需接手请主管重新分派",
            field="user",
            rule="RULES §7",
        )


def check_assignee(username: str, role: Role, user_agency: str, case_agency: str) -> None:
    """A case is handled by a person of its own agency who acts on cases (not an admin)."""
    if role in (Role.ADMIN, Role.SYSTEM):
        raise DomainError(
            f"{username}（{ROLE_LABELS[role]}）不办理案件，不能被分派", field="assignee", rule="RULES §7"
        )
    if user_agency != case_agency:
        raise DomainError(
            f"{username} 属于机关 {user_agency}，不能办理机关 {case_agency} 的案件",
            field="assignee",
            rule="RULES §7",
        )
