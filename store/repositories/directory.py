"""Agencies (a tree) and users."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session

from domain.access import SUPERVISING_ROLES, Actor, Role
from domain.case import CLOSED_STATES
from domain.directory import Agency, User
from domain.errors import DomainError, NotFoundError
from store.db import execute_core
from store.models import Agency as AgencyRow
from store.models import CaseRow
from store.models import User as UserRow


@functools.cache
def _active_actor_sql() -> Select[Any]:
    """An active user with their agency: every page and API request asks it, so the statement
    is built once (its cache key with it) and each request only binds the name."""
    return (
        select(UserRow.username, UserRow.role, AgencyRow.code, AgencyRow.id)
        .join(AgencyRow, AgencyRow.id == UserRow.agency_id)
        .where(UserRow.username == bindparam("username"), UserRow.active)
    )


@functools.cache
def _agency_tree_sql() -> Select[Any]:
    return select(AgencyRow.id, AgencyRow.parent_id, AgencyRow.code)


@functools.cache
def _ids_of_sql() -> Select[Any]:
    return select(AgencyRow.id).where(AgencyRow.code.in_(bindparam("codes", expanding=True)))


def _descendants(tree: Sequence[Any], root: int) -> list[int]:
    """Agency `root` and every agency under it, ids, from (id, parent_id, code) rows."""
    children: dict[int | None, list[int]] = {}
    for agency_id, parent_id, _ in tree:
        children.setdefault(parent_id, []).append(agency_id)
    found, stack = [], [root]
    while stack:
        current = stack.pop()
        found.append(current)
        stack.extend(children.get(current, []))
    return found


class DirectoryRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- agencies ---------------------------------------------------------------------------

    def _agency_row(self, code: str, *, lock: bool = False) -> AgencyRow:
        query = select(AgencyRow).where(AgencyRow.code == code)
        if lock:
            query = query.with_for_update()
        row = self.session.execute(query).scalar_one_or_none()
        if row is None:
            raise NotFoundError(f"机关代码“{code}”不存在", field="agency", rule="须为已登记的机关")
        return row

    def agency_id(self, code: str) -> int:
        return self._agency_row(code).id

    def agency(self, code: str, *, lock: bool = False) -> Agency:
        """The agency (NotFoundError if unknown); `lock` holds its row until the transaction
        ends (PostgreSQL), for an edit that checks first and writes after."""
        return self._to_agency(self._agency_row(code, lock=lock), self._codes())

    def agencies(self) -> list[Agency]:
        rows = self.session.execute(select(AgencyRow).order_by(AgencyRow.id)).scalars().all()
        codes = {a.id: a.code for a in rows}
        return [self._to_agency(a, codes) for a in rows]

    def agency_exists(self, code: str) -> bool:
        return self.session.execute(select(AgencyRow.id).where(AgencyRow.code == code)).first() is not None

    def _codes(self) -> dict[int, str]:
        return dict(self.session.execute(select(AgencyRow.id, AgencyRow.code)).all())

    @staticmethod
    def _to_agency(row: AgencyRow, codes: dict[int, str]) -> Agency:
        return Agency(
            row.code,
            row.name,
            codes.get(row.parent_id) if row.parent_id else None,
            row.supplement_days,
            row.case_no_format,
            row.auto_close_abandoned,
            row.letters_dir,
            row.active,
        )

    def add_agency(self, agency: Agency, at: dt.datetime) -> None:
        if self.agency_exists(agency.code):
            raise DomainError(f"机关代码“{agency.code}”已存在", field="code", rule="不能重复")
        parent_id = self.agency_id(agency.parent) if agency.parent else None
        self.session.add(
            AgencyRow(
                code=agency.code,
                name=agency.name,
                parent_id=parent_id,
                supplement_days=agency.supplement_days,
                case_no_format=agency.case_no_format,
                auto_close_abandoned=agency.auto_close_abandoned,
                letters_dir=agency.letters_dir,
                active=True,
                created_at=at,
            )
        )
        self.session.flush()

    def update_agency(self, agency: Agency) -> None:
        """Store an edited agency: name, parent, 补正 period, case number format, status."""
        row = self._agency_row(agency.code)
        row.name = agency.name
        row.parent_id = self.agency_id(agency.parent) if agency.parent else None
        row.supplement_days = agency.supplement_days
        row.case_no_format = agency.case_no_format
        row.active = agency.active
        self.session.flush()

    def parents(self) -> dict[str, str | None]:
        """Every agency code with its parent's code (None at the top of a tree)."""
        codes = self._codes()
        return {
            codes[agency_id]: codes.get(parent_id) if parent_id else None
            for agency_id, parent_id in self.session.execute(
                select(AgencyRow.id, AgencyRow.parent_id)
            ).all()
        }

    def open_case_count(self, code: str) -> int:
        """Open cases of the agency (voided and concluded ones are not open)."""
        return self.session.execute(
            select(func.count())
            .select_from(CaseRow)
            .where(
                CaseRow.agency_id == self.agency_id(code),
                CaseRow.state.not_in([s.value for s in CLOSED_STATES]),
            )
        ).scalar_one()

    def active_user_count(self, code: str) -> int:
        return self.session.execute(
            select(func.count())
            .select_from(UserRow)
            .where(UserRow.agency_id == self.agency_id(code), UserRow.active)
        ).scalar_one()

    def subtree(self, code: str) -> list[str]:
        """The agency and every agency under it (本行政区域), codes."""
        return self._subtree_codes(self.agency_id(code))

    def _subtree_codes(self, root: int) -> list[str]:
        tree = execute_core(self.session, _agency_tree_sql()).all()
        codes = {agency_id: code for agency_id, _, code in tree}
        return [codes[i] for i in _descendants(tree, root)]

    def subtree_ids(self, code: str) -> list[int]:
        tree = execute_core(self.session, _agency_tree_sql()).all()
        return _descendants(tree, self.agency_id(code))

    def ids_of(self, codes: list[str]) -> list[int]:
        rows = execute_core(self.session, _ids_of_sql(), {"codes": codes})
        return [agency_id for (agency_id,) in rows]

    # -- users ------------------------------------------------------------------------------

    def _user_row(self, username: str, *, inactive: bool = False, lock: bool = False) -> UserRow:
        """The user's row; a deactivated user is refused like an unknown one (same error
        class) but told apart in the message, unless `inactive` asks for them too."""
        query = select(UserRow).where(UserRow.username == username)
        if lock:
            query = query.with_for_update()
        row = self.session.execute(query).scalar_one_or_none()
        if row is None:
            raise NotFoundError(f"用户“{username}”不存在", field="user", rule="须为已登记的用户")
        if not row.active and not inactive:
            raise NotFoundError(
                f"用户“{username}”已停用，不能登录或操作；如需恢复请系统管理员启用",
                field="user",
                rule="须为在用的用户",
            )
        return row

    def user_id(self, username: str, *, inactive: bool = False) -> int:
        return self._user_row(username, inactive=inactive).id

    def user(self, username: str, *, inactive: bool = False, lock: bool = False) -> User:
        """An active user (NotFoundError otherwise); `inactive` also finds deactivated ones,
        `lock` holds the row until the transaction ends (PostgreSQL)."""
        row = self._user_row(username, inactive=inactive, lock=lock)
        return self._to_user(row, self._codes())

    def user_exists(self, username: str) -> bool:
        return (
            self.session.execute(select(UserRow.id).where(UserRow.username == username)).first()
            is not None
        )

    @staticmethod
    def _to_user(row: UserRow, codes: dict[int, str]) -> User:
        return User(
            row.username, row.display_name, Role(row.role), codes[row.agency_id], row.email, row.active
        )

    def users(self, agency: str | None = None) -> list[User]:
        query = select(UserRow).order_by(UserRow.id)
        if agency:
            query = query.where(UserRow.agency_id == self.agency_id(agency))
        codes = self._codes()
        return [self._to_user(u, codes) for u in self.session.execute(query).scalars()]

    def add_user(self, user: User, at: dt.datetime) -> None:
        if self.user_exists(user.username):
            raise DomainError(f"用户名“{user.username}”已存在", field="username", rule="不能重复")
        self.session.add(
            UserRow(
                username=user.username,
                display_name=user.display_name,
                role=user.role.value,
                agency_id=self.agency_id(user.agency),
                email=user.email,
                active=True,
                created_at=at,
            )
        )
        self.session.flush()

    def update_user(self, user: User) -> None:
        """Store an edited user: name, role, agency, e-mail, status."""
        row = self._user_row(user.username, inactive=True)
        row.display_name = user.display_name
        row.role = user.role.value
        row.agency_id = self.agency_id(user.agency)
        row.email = user.email
        row.active = user.active
        self.session.flush()

    def open_cases_assigned(self, username: str) -> dict[str, int]:
        """Open cases assigned to the user, counted per agency code."""
        row = self._user_row(username, inactive=True)
        codes = self._codes()
        return {
            codes[agency_id]: count
            for agency_id, count in self.session.execute(
                select(CaseRow.agency_id, func.count())
                .where(
                    CaseRow.assignee_id == row.id,
                    CaseRow.state.not_in([s.value for s in CLOSED_STATES]),
                )
                .group_by(CaseRow.agency_id)
            ).all()
        }

    def active_admins(self, *, lock: bool = False) -> int:
        """How many active administrators there are; `lock` holds their rows (PostgreSQL), so
        two administrators removing each other at once cannot both succeed."""
        query = select(UserRow.id).where(UserRow.role == Role.ADMIN.value, UserRow.active)
        if lock:
            query = query.with_for_update()
        return len(self.session.execute(query).scalars().all())

    def actor(self, username: str) -> Actor:
        """The acting user with the agencies whose cases they see (RULES §7)."""
        found = self.active_actor(username)
        if found is None:
            self._user_row(username)  # raises NotFoundError, telling unknown from deactivated
            raise NotFoundError(f"用户“{username}”不存在", field="user", rule="须为已登记的用户")
        return found

    def active_actor(self, username: str) -> Actor | None:
        """`actor` of an active user, None for an unknown or deactivated one.

        Every page and API request asks this, so a caseworker is one statement (the user with
        their agency's code); a supervisor's region takes one more.
        """
        row = execute_core(self.session, _active_actor_sql(), {"username": username}).first()
        if row is None:
            return None
        name, role_code, agency, agency_id = row
        role = Role(role_code)
        if role is Role.ADMIN:
            return Actor(name, role, agency, None)
        if role in SUPERVISING_ROLES:
            return Actor(name, role, agency, frozenset(self._subtree_codes(agency_id)))
        return Actor(name, role, agency, frozenset({agency}))

    def supervisors(self, agency_id: int) -> list[str]:
        """Active supervisors and office heads of one agency, by user name."""
        return list(
            self.session.execute(
                select(UserRow.username).where(
                    UserRow.agency_id == agency_id,
                    UserRow.role.in_([r.value for r in SUPERVISING_ROLES]),
                    UserRow.active,
                )
            ).scalars()
        )
