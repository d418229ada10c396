"""The unit of work: one transaction, its locking, its repositories and its outbox.

A service receives a unit of work and opens it for reading or writing:

    with uow.write():
        stored = uow.cases.get(case_no, lock=True)
        ...
        uow.publish(message)          # written to the outbox in the same transaction

`write()` starts the transaction so that writers queue instead of failing half-way (BEGIN
IMMEDIATE on SQLite; row locks with SELECT … FOR UPDATE on PostgreSQL, taken by the
repositories), commits on success and rolls back on any error or when `discard()` was called
(a dry run). Database failures leave here as the engine's own errors (`domain.errors`) with a
Chinese message, so no entry point needs to know SQLAlchemy.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from domain.messages import Message
from store.db import is_sqlite
from store.errors import translated as _translated
from store.operations import OperationsQueries
from store.queries import Queries
from store.repositories.auth import AuthRepository
from store.repositories.calendar import CalendarCache, CalendarRepository
from store.repositories.cases import CaseRepository
from store.repositories.directory import DirectoryRepository
from store.repositories.fees import FeeRepository
from store.repositories.letters import LetterRepository
from store.repositories.outbox import OutboxRepository
from store.repositories.reminders import ReminderRepository
from store.repositories.reports import ReportRepository
from store.repositories.years import YearRepository


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class SqlUnitOfWork:
    """A unit of work over one database (SQLite file or PostgreSQL)."""

    def __init__(
        self,
        engine: Engine,
        *,
        now: Callable[[], dt.datetime] = utc_now,
        calendars: CalendarCache | None = None,
    ) -> None:
        self.engine = engine
        self.now = now
        self.calendars = calendars or CalendarCache()
        self.session: Session | None = None
        self._messages: list[Message] = []
        self._discard = False

    # -- transactions ----------------------------------------------------------------------

    @contextmanager
    def write(self) -> Iterator[SqlUnitOfWork]:
        """A write transaction: committed on success, rolled back on error or `discard()`."""
        bind = (
            self.engine.execution_options(sqlite_begin="IMMEDIATE")
            if is_sqlite(self.engine)
            else self.engine
        )
        with _translated(), self._open(bind) as session:
            session.begin()
            try:
                yield self
                if self._discard:
                    session.rollback()
                    return
                if self._messages:
                    self.outbox.add_all(self._messages, self.now())
                session.commit()
            except BaseException:
                session.rollback()
                raise

    @contextmanager
    def read(self) -> Iterator[SqlUnitOfWork]:
        """A read-only transaction (a consistent snapshot on PostgreSQL)."""
        with _translated(), self._open(self.engine) as session:
            session.begin()
            try:
                yield self
            finally:
                session.rollback()

    @contextmanager
    def _open(self, bind: Engine) -> Iterator[Session]:
        if self.session is not None:
            raise RuntimeError("a unit of work is not re-entrant: finish one transaction first")
        session = Session(bind=bind, expire_on_commit=False, autobegin=False)
        self.session = session
        self._messages, self._discard = [], False
        self.cases = CaseRepository(session)
        self.auth = AuthRepository(session)
        self.directory = DirectoryRepository(session)
        self.calendar = CalendarRepository(session, self.calendars)
        self.years = YearRepository(session)
        self.fees = FeeRepository(session)
        self.letters = LetterRepository(session)
        self.reports = ReportRepository(session)
        self.outbox = OutboxRepository(session)
        self.reminders = ReminderRepository(session)
        self.queries = Queries(session)
        self.operations = OperationsQueries(session)
        try:
            yield session
        finally:
            session.close()
            self.session = None

    def publish(self, message: Message) -> None:
        """Queue a message; it is written to the outbox in the same transaction as its cause."""
        self._messages.append(message)

    def discard(self) -> None:
        """Roll the open write transaction back at its end (a preview or a dry run)."""
        self._discard = True

    def flush(self) -> None:
        assert self.session is not None
        self.session.flush()

    @property
    def is_sqlite(self) -> bool:
        return is_sqlite(self.engine)
