"""The reads every request makes run prebuilt statements past the ORM (`store.db.execute_core`);
inside a write transaction they must still see what the same transaction added, as the ORM's
own reads do (pending rows are flushed first)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine

from store.models import Agency, Outbox
from store.uow import SqlUnitOfWork

AT = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


def test_reads_in_a_write_transaction_see_its_own_pending_rows(engine: Engine) -> None:
    uow = SqlUnitOfWork(engine)
    with uow.write():
        parent = uow.directory.agency_id("lixia")
        uow.session.add(Agency(code="pending", name="某局", parent_id=parent, case_no_format="某局〔{year}〕{seq}号", active=True, created_at=AT))
        uow.session.add(
            Outbox(kind="answer", recipient="wang", dedupe_key="pending-answer", payload={}, created_at=AT)
        )
        unread = uow.reminders.unread_count("wang")
        ids = uow.directory.ids_of(["pending"])
        region = uow.directory.subtree("lixia")
        uow.discard()
    assert len(ids) == 1
    assert "pending" in region
    with uow.read():
        assert uow.reminders.unread_count("wang") == unread - 1
        assert uow.directory.ids_of(["pending"]) == []
