"""Cases: the append-only event log, the projected case row, and case numbers.

A case is stored as its events (the truth) and one row (the projection the queue and the
report read). `append` adds an event with the next sequence number and moves the projection
in the same statement group; the unique (case_id, seq) constraint makes two writers of the
same version collide instead of both succeeding.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import JSON, Table, and_, bindparam, func, insert, literal_column, select, update
from sqlalchemy.orm import Session

from domain.access import Role
from domain.case import (
    CLOSED_STATES,
    PROJECTION_PAYLOAD_KEYS,
    Case,
    CaseEvent,
    CaseEventType,
    Projection,
)
from domain.clock import Deadline
from domain.errors import NotFoundError
from store.models import Agency, CaseCounter, CaseEventRow, CaseRow, DueChange, User
from store.sql import among

CHUNK = 900  # ids per IN (…): below SQLite's variable limit


@dataclass
class StoredCase:
    """A case as loaded: the aggregate, its row's identity and projection, who holds it."""

    id: int
    case: Case
    version: int
    agency_id: int
    agency: str
    assignee_id: int | None
    assignee: str | None
    projection: Projection


#: the case row's projected columns a calendar change can alter, in `Projection`'s field order
#: (`next_reminder_on` is left out: the sweep moves it, a calendar change is not told by it)
COMPARED_COLUMNS: tuple[str, ...] = (
    "state",
    "outcome",
    "concluded_on",
    "applicant_type",
    "due",
    "clock",
    "waiting_for",
    "waiting_due",
    "provisional",
    "on_time",
)


class CaseHistory(NamedTuple):
    """What a bulk recompute reads of one case: no aggregate, only what projecting and
    comparing need. `stored` holds the row's `COMPARED_COLUMNS`; `history` one text per
    event, in order: its type, its date and its payload's `PROJECTION_PAYLOAD_KEYS` (a JSON
    array, null where absent), so two cases have equal histories exactly when their events
    agree on everything `project()` reads, and telling them apart costs one string hash
    (`steps()` turns a history back into steps for `case_for_projection`)."""

    id: int
    version: int
    case_no: str
    stored: tuple[Any, ...]
    history: tuple[str, ...]

    def steps(self) -> list[tuple[str, dt.date, dict[str, Any]]]:
        """The history as (type, date, payload) steps for `case_for_projection`."""
        steps = []
        for text in self.history:
            kind, on, keys = text.split(_SEPARATOR, 2)
            payload = {
                key: value
                for key, value in zip(PROJECTION_PAYLOAD_KEYS, json.loads(keys), strict=True)
                if value is not None
            }
            steps.append((kind, dt.date.fromisoformat(on), payload))
        return steps


# between an event's type, date and payload keys in a history text (in none of them: JSON
# escapes control characters; types and ISO dates are plain)
_SEPARATOR = "\x1f"


def to_domain_event(row: Any) -> CaseEvent:
    """An event from its stored row (an ORM object or a plain row: same attribute names)."""
    return CaseEvent(
        CaseEventType(row.type), row.on, row.at, row.actor, Role(row.role), row.reason, row.payload
    )


def event_values(case_id: int, seq: int, event: CaseEvent) -> dict[str, object]:
    return {
        "case_id": case_id,
        "seq": seq,
        "type": event.type.value,
        "on": event.on,
        "at": event.at,
        "actor": event.actor,
        "role": event.role.value,
        "reason": event.reason,
        "payload": dict(event.payload),
    }


def _projection_of(row: Any) -> Projection:
    return Projection(
        state=row.state,
        outcome=row.outcome,
        concluded_on=row.concluded_on,
        applicant_type=row.applicant_type,
        due=row.due,
        clock=row.clock,
        waiting_for=row.waiting_for,
        waiting_due=row.waiting_due,
        provisional=row.provisional,
        on_time=row.on_time,
        next_reminder_on=row.next_reminder_on,
    )


class CaseRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    @property
    def _sqlite(self) -> bool:
        return self.session.get_bind().dialect.name == "sqlite"

    # -- loading ----------------------------------------------------------------------------

    def get(self, case_no: str, *, lock: bool = False) -> StoredCase:
        """The case and its events; `lock` holds its row until the transaction ends."""
        query = select(CaseRow).where(CaseRow.case_no == case_no)
        if lock and not self._sqlite:  # SQLite's BEGIN IMMEDIATE already holds the database
            # FOR NO KEY UPDATE: rows elsewhere may still reference the case (foreign-key
            # checks take KEY SHARE), e.g. the year-end list written by a concurrent lock
            query = query.with_for_update(key_share=True)
        row = self.session.execute(query).scalar_one_or_none()
        if row is None:
            raise NotFoundError(f"案件“{case_no}”不存在", field="case_no", rule="须为已登记的案件")
        return self._stored([row])[0]

    def agency_id_of(self, case_no: str) -> int | None:
        return self.session.execute(
            select(CaseRow.agency_id).where(CaseRow.case_no == case_no)
        ).scalar_one_or_none()

    def get_many(self, ids: Sequence[int]) -> list[StoredCase]:
        """Many cases with a few queries (batch work: recompute, import). Plain rows, not ORM
        objects: nothing here is modified through the session."""
        table = CaseRow.__table__
        rows: list[Any] = []
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            rows += self.session.execute(select(table).where(self._among(table.c.id, chunk))).all()
        order = {case_id: i for i, case_id in enumerate(ids)}
        return self._stored(sorted(rows, key=lambda r: order[r.id]))

    def _among(self, column: Any, values: Sequence[int]) -> Any:
        return among(self.session, column, values)

    def _stored(self, rows: Sequence[Any]) -> list[StoredCase]:
        ids = [r.id for r in rows]
        events: dict[int, list[CaseEvent]] = defaultdict(list)
        table = CaseEventRow.__table__
        for start in range(0, len(ids), CHUNK):
            for event in self.session.execute(
                select(table)
                .where(self._among(table.c.case_id, ids[start : start + CHUNK]))
                .order_by(table.c.case_id, table.c.seq)
            ):
                events[event.case_id].append(to_domain_event(event))
        agencies = dict(self.session.execute(select(Agency.id, Agency.code)).all())
        assignee_ids = {r.assignee_id for r in rows if r.assignee_id}
        names = (
            dict(
                self.session.execute(
                    select(User.id, User.username).where(User.id.in_(assignee_ids))
                ).all()
            )
            if assignee_ids
            else {}
        )
        return [
            StoredCase(
                id=r.id,
                case=Case.from_events(events[r.id]),
                version=r.version,
                agency_id=r.agency_id,
                agency=agencies[r.agency_id],
                assignee_id=r.assignee_id,
                assignee=names.get(r.assignee_id) if r.assignee_id else None,
                projection=_projection_of(r),
            )
            for r in rows
        ]

    # -- bulk recompute: histories, not aggregates ------------------------------------------

    def open_histories(self, *, after: int = 0, limit: int) -> list[CaseHistory]:
        """The next `limit` open cases after id `after` (keyset order), each with its row's
        compared columns and its events reduced to what a projection reads; no JSON decoded
        (a bulk recompute decodes one history per distinct history).

        The id of the `limit`-th open case is looked up first, so both tables are then read
        as ranges of their indexes (cases by id, events by (case_id, seq)) and merged: one
        look-up per case costs several times more, and `id IN (SELECT … LIMIT n)` lets the
        planner choose a full scan of the cases for a large batch."""
        closed = [s.value for s in CLOSED_STATES]
        cases, events = CaseRow.__table__, CaseEventRow.__table__
        upto = self.session.execute(
            select(cases.c.id)
            .where(cases.c.state.not_in(closed), cases.c.id > after)
            .order_by(cases.c.id)
            .offset(limit - 1)
            .limit(1)
        ).scalar_one_or_none()
        where = [cases.c.state.not_in(closed), cases.c.id > after, events.c.case_id > after]
        if upto is not None:
            where += [cases.c.id <= upto, events.c.case_id <= upto]
        return self._histories(and_(*where))

    def histories_of(self, ids: Sequence[int]) -> list[CaseHistory]:
        """`open_histories` for given cases, open or not (a retry re-reads the cases acted on
        between a batch's read and its write), in id order."""
        found: list[CaseHistory] = []
        for start in range(0, len(ids), CHUNK):
            found += self._histories(self._among(CaseRow.__table__.c.id, ids[start : start + CHUNK]))
        return sorted(found)

    def _histories(self, where: Any) -> list[CaseHistory]:
        cases, events = CaseRow.__table__, CaseEventRow.__table__
        query = (
            select(
                cases.c.id,
                cases.c.version,
                cases.c.case_no,
                *(cases.c[name] for name in COMPARED_COLUMNS),
                self._event_text(),
            )
            .join_from(cases, events, events.c.case_id == cases.c.id)
            .where(where)
            .order_by(cases.c.id, events.c.seq)
        )
        found: list[CaseHistory] = []
        append = found.append
        current: Any = None
        history: list[str] = []
        last = 3 + len(COMPARED_COLUMNS)  # the event's text
        for row in self._rows(query):
            if current is None or row[0] != current[0]:
                if current is not None:
                    append(CaseHistory(*current, tuple(history)))
                current = (row[0], row[1], row[2], tuple(row[3:last]))
                history = []
            history.append(row[last])
        if current is not None:
            append(CaseHistory(*current, tuple(history)))
        return found

    def _rows(self, query: Any) -> Iterable[Sequence[Any]]:
        """Plain tuples: on PostgreSQL straight from the driver's cursor (a million rows pay
        no result-row objects), on SQLite through the Core result (its dates are text that
        SQLAlchemy's types turn into dates)."""
        if self._sqlite:
            return self.session.connection().execute(query).tuples()
        compiled = query.compile(
            dialect=self.session.get_bind().dialect, compile_kwargs={"render_postcompile": True}
        )
        cursor = self.session.connection().connection.driver_connection.cursor()
        cursor.execute(str(compiled), compiled.params)
        return cursor.fetchall()

    def _event_text(self) -> Any:
        """An event as one text built by the database: type, date and the payload's
        `PROJECTION_PAYLOAD_KEYS` as a JSON array (short, instead of the whole payload). On
        SQLite one `json_extract` of all paths (one parse of the payload); on PostgreSQL each
        key's JSON text, concatenated (cheaper on jsonb than building an array)."""
        if self._sqlite:
            paths = ", ".join(f"'$.{key}'" for key in PROJECTION_PAYLOAD_KEYS)
            return literal_column(
                "case_events.type || char(31) || case_events.\"on\" || char(31) || "
                f"json_extract(case_events.payload, {paths})"
            )
        values = ", ',', ".join(
            f"coalesce((case_events.payload -> '{key}')::text, 'null')"
            for key in PROJECTION_PAYLOAD_KEYS
        )
        return literal_column(
            "concat(case_events.type, chr(31), to_char(case_events.\"on\", 'YYYY-MM-DD'), "
            f"chr(31), '[', {values}, ']')"
        )

    def open_ids(self, *, after: int = 0, limit: int | None = None) -> list[int]:
        """Ids of open cases in id order; `after` and `limit` page through them (keyset)."""
        closed = [s.value for s in CLOSED_STATES]
        query = (
            select(CaseRow.id)
            .where(CaseRow.state.not_in(closed), CaseRow.id > after)
            .order_by(CaseRow.id)
        )
        if limit is not None:
            query = query.limit(limit)
        return list(self.session.execute(query).scalars())

    def open_count(self) -> int:
        closed = [s.value for s in CLOSED_STATES]
        return self.session.execute(
            select(func.count()).select_from(CaseRow).where(CaseRow.state.not_in(closed))
        ).scalar_one()

    def numbers_taken(self, numbers: Iterable[str]) -> set[str]:
        wanted = list(numbers)
        taken: set[str] = set()
        for start in range(0, len(wanted), CHUNK):
            taken |= set(
                self.session.execute(
                    select(CaseRow.case_no).where(CaseRow.case_no.in_(wanted[start : start + CHUNK]))
                ).scalars()
            )
        return taken

    def count(self) -> int:
        return self.session.execute(select(func.count()).select_from(CaseRow)).scalar_one()

    # -- numbering --------------------------------------------------------------------------

    def next_seq(self, agency_id: int, year: int) -> int:
        """Increment the agency-year counter (its row lock serialises registrations)."""
        if self._sqlite:
            seq = self.session.execute(
                update(CaseCounter)
                .where(CaseCounter.agency_id == agency_id, CaseCounter.year == year)
                .values(last_seq=CaseCounter.last_seq + 1)
                .returning(CaseCounter.last_seq)
            ).scalar_one_or_none()
            if seq is None:
                self.session.execute(
                    insert(CaseCounter).values(agency_id=agency_id, year=year, last_seq=1)
                )
                seq = 1
            return seq
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return self.session.execute(
            pg_insert(CaseCounter)
            .values(agency_id=agency_id, year=year, last_seq=1)
            .on_conflict_do_update(
                index_elements=[CaseCounter.agency_id, CaseCounter.year],
                set_={"last_seq": CaseCounter.last_seq + 1},
            )
            .returning(CaseCounter.last_seq)
        ).scalar_one()

    # -- writing ----------------------------------------------------------------------------

    def add(
        self,
        case: Case,
        event: CaseEvent,
        projection: Projection,
        *,
        agency_id: int,
        assignee_id: int | None,
        at: dt.datetime,
    ) -> int:
        """Insert a new case with its first event; returns its id."""
        row = CaseRow(**self._row_values(case, projection, agency_id, assignee_id, at))
        self.session.add(row)
        self.session.flush()
        self.session.execute(insert(CaseEventRow).values(**event_values(row.id, 1, event)))
        return row.id

    def add_many(
        self,
        items: Sequence[tuple[Case, CaseEvent, Projection, int, int | None]],
        at: dt.datetime,
    ) -> list[int]:
        """Insert many new cases (case, first event, projection, agency id, assignee id): the
        bulk path of a ledger import; returns their ids in the order of `items`.

        The ids are reserved first (the PostgreSQL sequence; on SQLite the caller's
        BEGIN IMMEDIATE holds the database, so the next ids after the largest are free), so
        events need no second look-up and the rows go in as plain multi-row statements on
        the Core tables — `COPY` on PostgreSQL — without the ORM's per-row bookkeeping."""
        if not items:
            return []
        ids = self._reserve_ids(len(items))
        cases = [
            {"id": case_id, **self._row_values(c, p, agency, assignee, at)}
            for case_id, (c, _, p, agency, assignee) in zip(ids, items, strict=True)
        ]
        events = [event_values(case_id, 1, e) for case_id, (_, e, *_) in zip(ids, items, strict=True)]
        if self._sqlite:
            self.session.execute(insert(CaseRow.__table__), cases)
            self.session.execute(insert(CaseEventRow.__table__), events)
        else:
            self._copy(CaseRow.__table__, cases)
            self._copy(CaseEventRow.__table__, events)
        return ids

    def _reserve_ids(self, n: int) -> list[int]:
        if self._sqlite:
            top = self.session.execute(select(func.coalesce(func.max(CaseRow.id), 0))).scalar_one()
            return list(range(top + 1, top + 1 + n))
        sequence = func.pg_get_serial_sequence("cases", "id")
        return list(
            self.session.execute(
                select(func.nextval(sequence)).select_from(func.generate_series(1, n))
            ).scalars()
        )

    def _copy(self, table: Table, rows: list[dict[str, object]]) -> None:
        """PostgreSQL's COPY FROM STDIN through psycopg, inside the session's transaction."""
        columns = list(rows[0])
        json_columns = {c.name for c in table.columns if isinstance(c.type, JSON)}
        cursor = self.session.connection().connection.driver_connection.cursor()
        names = ", ".join(f'"{name}"' for name in columns)
        with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(
                    [json.dumps(row[c], ensure_ascii=False) if c in json_columns else row[c] for c in columns]
                )

    @staticmethod
    def _row_values(
        case: Case, projection: Projection, agency_id: int, assignee_id: int | None, at: dt.datetime
    ) -> dict[str, object]:
        return {
            "case_no": case.case_no,
            "agency_id": agency_id,
            "applicant_name": case.applicant.name,
            "id_kind": case.applicant.id_kind,
            "id_number": case.applicant.id_number,
            "contact": case.applicant.contact,
            "channel": case.channel.value,
            "received_on": case.received_on,
            "content": case.content,
            "requested_form": case.requested_form,
            "assignee_id": assignee_id,
            "imported": case.imported,
            "version": 1,
            "created_at": at,
            "updated_at": at,
            **projection.as_dict(),
        }

    def append(
        self,
        stored: StoredCase,
        event: CaseEvent,
        projection: Projection,
        *,
        assignee_id: int | None = None,
    ) -> int:
        """Add the next event and move the projection; returns the new version."""
        seq = stored.version + 1
        self.session.execute(insert(CaseEventRow).values(**event_values(stored.id, seq, event)))
        values: dict[str, object] = {**projection.as_dict(), "version": seq, "updated_at": event.at}
        if assignee_id is not None:
            values["assignee_id"] = assignee_id
        self.session.execute(update(CaseRow).where(CaseRow.id == stored.id).values(**values))
        stored.version, stored.projection = seq, projection
        return seq

    def set_facts(self, case_id: int, facts: dict[str, object]) -> None:
        """Write a corrected case's recorded facts (`Case.facts()`) to its row."""
        values = dict(facts)
        values["received_on"] = dt.date.fromisoformat(str(values["received_on"]))
        self.session.execute(update(CaseRow).where(CaseRow.id == case_id).values(**values))

    def set_projections(self, changes: Sequence[tuple[int, Projection]]) -> None:
        """Write recomputed projections (a calendar change moves no event, only dates)."""
        self._write_projections([(case_id, None, p) for case_id, p in changes])

    def set_projections_if_version(
        self, changes: Sequence[tuple[int, int, Projection]]
    ) -> list[int]:
        """Write projections only where the case is still at the version they were computed
        from; returns the ids written. The others changed meanwhile: their own action
        projected them, and the caller re-reads them.

        PostgreSQL: one `UPDATE … FROM unnest(arrays) … WHERE version = expected RETURNING id`
        per call. A row a concurrent transaction is changing is waited for and its version
        checked again on the committed row (READ COMMITTED re-evaluates the condition), so
        nothing changes between the check and the write. SQLite: the versions are read, then
        one executemany UPDATE still checking the version (BEGIN IMMEDIATE holds the whole
        database meanwhile)."""
        if not changes:
            return []
        if not self._sqlite:
            return self._update_projections_pg(changes)
        current: dict[int, int] = {}
        ids = [case_id for case_id, _, _ in changes]
        for start in range(0, len(ids), CHUNK):
            query = select(CaseRow.id, CaseRow.version).where(
                self._among(CaseRow.id, ids[start : start + CHUNK])
            )
            current.update(self.session.execute(query).tuples().all())
        fresh = [(i, v, p) for i, v, p in changes if current.get(i) == v]
        self._write_projections(fresh)
        return [case_id for case_id, _, _ in fresh]

    def _update_projections_pg(self, changes: Sequence[tuple[int, int, Projection]]) -> list[int]:
        """One UPDATE for all `changes`, the new values bound as one array per column."""
        table = CaseRow.__table__
        names = list(changes[0][2].as_dict())
        columns = [[case_id for case_id, _, _ in changes], [v for _, v, _ in changes]]
        columns += [[getattr(p, name) for _, _, p in changes] for name in names]
        types = ["integer", "integer"] + [
            table.c[name].type.compile(dialect=self.session.get_bind().dialect) for name in names
        ]
        arrays = ", ".join(f"%s::{kind}[]" for kind in types)
        assignments = ", ".join(f'"{name}" = u."{name}"' for name in names)
        aliases = ", ".join(f'"{name}"' for name in ["p_id", "p_version", *names])
        cursor = self.session.connection().connection.driver_connection.cursor()
        cursor.execute(
            f"UPDATE cases AS c SET {assignments} FROM unnest({arrays}) AS u({aliases})"
            " WHERE c.id = u.p_id AND c.version = u.p_version RETURNING c.id",
            columns,
        )
        return [row[0] for row in cursor.fetchall()]

    def _write_projections(self, changes: Sequence[tuple[int, int | None, Projection]]) -> None:
        """One executemany UPDATE per call (a pipeline on psycopg), not a statement each."""
        if not changes:
            return
        table = CaseRow.__table__
        names = list(changes[0][2].as_dict())
        statement = update(table).where(table.c.id == bindparam("p_id"))
        if changes[0][1] is not None:
            statement = statement.where(table.c.version == bindparam("p_version"))
        statement = statement.values({name: bindparam(f"p_{name}") for name in names})
        self.session.execute(
            statement,
            [
                {
                    "p_id": case_id,
                    "p_version": version,
                    **{f"p_{k}": v for k, v in projection.as_dict().items()},
                }
                for case_id, version, projection in changes
            ],
        )

    def record_due_changes(self, rows: Sequence[dict[str, Any]]) -> None:
        """Many moved deadlines at once (a bulk recompute's batch): each row has `case_id`,
        `deadline`, `old_due`, `new_due`, `shift_days`, `cause` and `at`. COPY on PostgreSQL,
        one executemany INSERT on SQLite."""
        if not rows:
            return
        values = [
            {**row, "deadline": Deadline(row["deadline"]).value, "cause": row["cause"][:200]}
            for row in rows
        ]
        if self._sqlite:
            self.session.execute(insert(DueChange.__table__), values)
        else:
            self._copy(DueChange.__table__, values)
