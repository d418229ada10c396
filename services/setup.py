"""Setting up an installation: schema, calendar, first agency and administrator.

Safe to run twice: every step checks what exists and leaves it alone. It runs before any user
exists, so it acts as the system.
"""

from __future__ import annotations

from typing import Any

from domain.access import SYSTEM
from domain.directory import new_agency, new_user
from services.calendar_service import seed_package


def initialise(
    uow: Any,
    agency: str,
    agency_name: str,
    *,
    prefix: str | None = None,
    admin: str = "admin",
    admin_name: str = "系统管理员",
) -> list[str]:
    """Create or migrate the database and seed it; returns what was done, in Chinese."""
    from store.db import migrate

    migrate(uow.engine)
    done = [f"数据库已就绪：{uow.engine.url.render_as_string(hide_password=True)}"]
    new = new_agency(agency, agency_name, prefix=prefix)
    first_admin = new_user(admin, admin_name, "admin", new.code)
    with uow.write():
        added = seed_package(uow, SYSTEM.name)
        if uow.directory.agency_exists(new.code):
            done_agency = f"机关 {new.code} 已存在，未改动"
        else:
            uow.directory.add_agency(new, uow.now())
            done_agency = f"已创建机关 {new.code}（{new.name}）"
        if uow.directory.user_exists(first_admin.username):
            done_admin = f"管理员 {first_admin.username} 已存在，未改动"
        else:
            uow.directory.add_user(first_admin, uow.now())
            done_admin = f"已创建管理员 {first_admin.username}"
    done.append(f"已加载内置节假日数据 {added} 条" if added else "节假日数据已存在，未重复加载")
    done += [done_agency, done_admin]
    return done
