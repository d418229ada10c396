"""Setting up an installation: schema, calendar, first agency and administrator.

Safe to run twice: every step checks what exists and leaves it alone.
"""

from __future__ import annotations

from sqlalchemy import Engine, select

from services import directory
from services.calendar_service import seed_package
from store.db import migrate, write_session
from store.models import Agency, User


def initialise(
    engine: Engine,
    agency: str,
    agency_name: str,
    *,
    prefix: str | None = None,
    admin: str = "admin",
    admin_name: str = "系统管理员",
) -> list[str]:
    """Create or migrate the database and seed it; returns what was done, in Chinese."""
    done = []
    migrate(engine)
    done.append(f"数据库已就绪：{engine.url.render_as_string(hide_password=True)}")
    with write_session(engine) as session:
        added = seed_package(session, admin)
        has_agency = session.execute(select(Agency.id).where(Agency.code == agency)).first()
        has_admin = session.execute(select(User.id).where(User.username == admin)).first()
    done.append(f"已加载内置节假日数据 {added} 条" if added else "节假日数据已存在，未重复加载")
    if has_agency:
        done.append(f"机关 {agency} 已存在，未改动")
    else:
        directory.add_agency(engine, agency, agency_name, prefix=prefix)
        done.append(f"已创建机关 {agency}（{agency_name}）")
    if has_admin:
        done.append(f"管理员 {admin} 已存在，未改动")
    else:
        directory.add_user(engine, admin, admin_name, "admin", agency)
        done.append(f"已创建管理员 {admin}")
    return done
