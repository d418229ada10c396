"""Agencies (a tree) and users."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.access import SUPERVISING_ROLES, Actor, Role
from domain.directory import Agency, User
from domain.errors import DomainError, NotFoundError
from store.models import Agency as AgencyRow
from store.models import User as UserRow


class DirectoryRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- agencies ---------------------------------------------------------------------------

    def _agency_row(self, code: str) -> AgencyRow:
        row = self.session.execute(
            select(AgencyRow).where(AgencyRow.code == code)
        ).scalar_one_or_none()
        if row is None:
            raise NotFoundError(f"机关代码“{code}”不存在", field="agency", rule="须为已登记的机关")
        return row

    def agency_id(self, code: str) -> int:
        return self._agency_row(code).id

    def agency(self, code: str) -> Agency:
        return self._to_agency(self._agency_row(code), self._codes())

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
                created_at=at,
            )
        )
        self.session.flush()

    def subtree(self, code: str) -> list[str]:
        """The agency and every agency under it (本行政区域), codes."""
        ids = self.subtree_ids(code)
        codes = self._codes()
        return [codes[i] for i in ids]

    def subtree_ids(self, code: str) -> list[int]:
        root = self.agency_id(code)
        children: dict[int | None, list[int]] = {}
        for agency_id, parent_id in self.session.execute(
            select(AgencyRow.id, AgencyRow.parent_id)
        ).all():
            children.setdefault(parent_id, []).append(agency_id)
        found, stack = [], [root]
        while stack:
            current = stack.pop()
            found.append(current)
            stack.extend(children.get(current, []))
        return found

    def ids_of(self, codes: list[str]) -> list[int]:
        return list(
            self.session.execute(select(AgencyRow.id).where(AgencyRow.code.in_(codes))).scalars()
        )

    # -- users ------------------------------------------------------------------------------

    def _user_row(self, username: str) -> UserRow:
        row = self.session.execute(
            select(UserRow).where(UserRow.username == username)
        ).scalar_one_or_none()
        if row is None or not row.active:
            raise NotFoundError(
                f"用户“{username}”不存在或已停用", field="user", rule="须为已登记的用户"
            )
        return row

    def user_id(self, username: str) -> int:
        return self._user_row(username).id

    def user(self, username: str) -> User:
        row = self._user_row(username)
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

    def actor(self, username: str) -> Actor:
        """The acting user with the agencies whose cases they see (RULES §7)."""
        user = self.user(username)
        if user.role is Role.ADMIN:
            return Actor(user.username, user.role, user.agency, None)
        if user.role in SUPERVISING_ROLES:
            return Actor(user.username, user.role, user.agency, frozenset(self.subtree(user.agency)))
        return Actor(user.username, user.role, user.agency, frozenset({user.agency}))

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
