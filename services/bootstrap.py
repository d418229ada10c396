"""The one place where settings, the clock and units of work are made.

Entry points (the command line, the scheduled flows, the web app) call `bootstrap()` once and
pass what it gives to the services: a unit of work, the acting user, and today's date. No
service reads the environment or the system clock; so a test, a demo or a flow run "as of"
another day only has to pass another date.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Protocol
from zoneinfo import ZoneInfo

from domain.access import Actor
from domain.errors import UsageError

SHANGHAI = ZoneInfo("Asia/Shanghai")
DEFAULT_DATABASE_URL = "sqlite:///ogi.db"
SCHEDULERS = ("embedded", "prefect")
#: Database connections a process keeps open (it opens up to half as many more at peaks).
#: A web process serves up to 40 requests at once; a connection opened and closed per request
#: because more were busy than the pool keeps costs the database a new server process each
#: time, which under 20 concurrent clients was an eighth of the queue's latency. Processes ×
#: 1.5 × size must stay under the server's `max_connections` (PostgreSQL's default 100 holds
#: 2 web processes and a worker at the default); set `OGI_DB_POOL_SIZE` lower for more.
DEFAULT_POOL_SIZE = 20
MAX_POOL_SIZE = 200


@dataclass(frozen=True)
class Settings:
    """What an installation is configured with (environment variables `OGI_*`)."""

    database_url: str = DEFAULT_DATABASE_URL
    today: dt.date | None = None  # OGI_TODAY: a pinned "today" for demos and reproducible runs
    scheduler: str = "embedded"  # who triggers the flows: embedded (APScheduler) | prefect
    smtp: SmtpConfig | None = None  # OGI_SMTP_*: None when no mail server is configured
    db_pool_size: int = DEFAULT_POOL_SIZE  # OGI_DB_POOL_SIZE: connections each process keeps
    extra: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        pinned = env.get("OGI_TODAY", "").strip()
        today = None
        if pinned:
            try:
                today = dt.date.fromisoformat(pinned)
            except ValueError:
                raise UsageError(
                    f"环境变量 OGI_TODAY 的值“{pinned}”不是有效日期（应为 YYYY-MM-DD）",
                    field="OGI_TODAY",
                    rule="日期格式",
                ) from None
        scheduler = env.get("OGI_SCHEDULER", "embedded").strip() or "embedded"
        if scheduler not in SCHEDULERS:
            raise UsageError(
                f"环境变量 OGI_SCHEDULER 应为 embedded 或 prefect，实为“{scheduler}”",
                field="OGI_SCHEDULER",
                rule="调度方式",
            )
        return cls(
            database_url=env.get("OGI_DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL,
            today=today,
            scheduler=scheduler,
            smtp=SmtpConfig.from_env(env),
            db_pool_size=_pool_size(env.get("OGI_DB_POOL_SIZE", "").strip()),
            extra={k: v for k, v in env.items() if k.startswith("OGI_")},
        )


def _pool_size(text: str) -> int:
    if not text:
        return DEFAULT_POOL_SIZE
    if not text.isdigit() or not 1 <= int(text) <= MAX_POOL_SIZE:
        raise UsageError(
            f"环境变量 OGI_DB_POOL_SIZE 应为 1 至 {MAX_POOL_SIZE} 的整数，实为“{text}”",
            field="OGI_DB_POOL_SIZE",
            rule="数据库连接数",
        )
    return int(text)


@dataclass(frozen=True)
class SmtpConfig:
    """The office's mail server (OGI_SMTP_HOST, _PORT, _SECURITY, _USER, _PASSWORD, _SENDER,
    _CA_FILE); turned into `notifications.channels.SmtpSettings` by the dispatcher."""

    host: str
    port: int
    security: str = "starttls"
    username: str = ""
    password: str = ""
    sender: str = ""
    ca_file: str | None = None

    def __repr__(self) -> str:  # never print the password into a log
        return f"SmtpConfig(host={self.host!r}, port={self.port}, security={self.security!r})"

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> SmtpConfig | None:
        host = env.get("OGI_SMTP_HOST", "").strip()
        if not host:
            return None
        security = env.get("OGI_SMTP_SECURITY", "starttls").strip() or "starttls"
        if security not in ("starttls", "ssl", "none"):
            raise UsageError(
                f"环境变量 OGI_SMTP_SECURITY 应为 starttls、ssl 或 none，实为“{security}”",
                field="OGI_SMTP_SECURITY",
                rule="邮件服务器设置",
            )
        port_text = env.get("OGI_SMTP_PORT", "").strip() or {"ssl": "465", "none": "25"}.get(
            security, "587"
        )
        try:
            port = int(port_text)
        except ValueError:
            raise UsageError(
                f"环境变量 OGI_SMTP_PORT 的值“{port_text}”不是端口号",
                field="OGI_SMTP_PORT",
                rule="邮件服务器设置",
            ) from None
        return cls(
            host=host,
            port=port,
            security=security,
            username=env.get("OGI_SMTP_USER", ""),
            password=env.get("OGI_SMTP_PASSWORD", ""),
            sender=env.get("OGI_SMTP_SENDER", "") or f"ogi@{host}",
            ca_file=env.get("OGI_SMTP_CA_FILE") or None,
        )


def shanghai_minute(value: dt.datetime | None) -> str:
    """A stored timestamp (UTC; SQLite gives it back without a zone) as the wall-clock time
    people read in Asia/Shanghai, to the minute ("" for none): pages and the command line."""
    if value is None:
        return ""
    aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return aware.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


class Clock(Protocol):
    def today(self) -> dt.date: ...

    def now(self) -> dt.datetime: ...


class SystemClock:
    """Today in Asia/Shanghai whatever the server's time zone; timestamps in UTC."""

    def today(self) -> dt.date:
        return self.now().astimezone(SHANGHAI).date()

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class FixedClock:
    """A pinned today (demos, tests, flows run as of a date); timestamps still real."""

    day: dt.date

    def today(self) -> dt.date:
        return self.day

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


class Runtime:
    """Settings, clock and the database: what every entry point needs, made once."""

    def __init__(self, settings: Settings, clock: Clock) -> None:
        from store.repositories.calendar import CalendarCache

        self.settings = settings
        self.clock = clock
        self.calendars = CalendarCache()
        self.create_database = False  # only `ogi init` (and the demo) may create a SQLite file

    @cached_property
    def engine(self):  # type: ignore[no-untyped-def]
        from store.db import make_engine, sqlite_file

        path = sqlite_file(self.settings.database_url)
        if path is not None and not self.create_database and not path.exists():
            from domain.errors import DatabaseUnavailableError

            raise DatabaseUnavailableError(
                f"数据库文件 {path} 不存在，请先运行：ogi init --agency 代码 --agency-name 名称",
                field="database",
                rule="数据库初始化",
            )
        size = self.settings.db_pool_size
        return make_engine(self.settings.database_url, pool_size=size, max_overflow=size // 2)

    def uow(self):  # type: ignore[no-untyped-def]
        """A new unit of work (one per service call)."""
        from store.uow import SqlUnitOfWork

        return SqlUnitOfWork(self.engine, now=self.clock.now, calendars=self.calendars)

    def today(self) -> dt.date:
        return self.clock.today()

    def actor(self, username: str) -> Actor:
        """The acting user, with the agencies they see."""
        uow = self.uow()
        with uow.read():
            return uow.directory.actor(username)

    def close(self) -> None:
        if "engine" in self.__dict__:
            self.engine.dispose()
            del self.__dict__["engine"]


def bootstrap(settings: Settings | None = None, clock: Clock | None = None) -> Runtime:
    """The runtime of one process: settings from the environment unless given."""
    settings = settings or Settings.from_env()
    if clock is None:
        clock = FixedClock(settings.today) if settings.today else SystemClock()
    return Runtime(settings, clock)
