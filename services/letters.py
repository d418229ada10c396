"""Letters: which ones a case can have, and issuing one (render, keep, record), in one transaction.

Issuing renders the letter from the case's events and clock (`domain.letters`) with the
agency's template or the shipped one (`formats.letters`), keeps the file in `letters`, and adds
a `letter_issued` event naming the kind, the 文号 and the template's sha256. The same letter
asked for again (same 文号) is the kept file, unchanged, and no second event: an office that
edits its template later still re-prints exactly what the applicant received.
Self-contained on purpose: it needs only the case loader and the event writer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from domain.case import Case, CaseEventType
from domain.letters import (
    KIND_LABELS,
    LetterKind,
    Office,
    anchor_for,
    available_kinds,
    build_context,
    letter_filename,
    letter_number,
    parse_kind,
)
from formats import letters as templates
from services.calendar_service import load_calendar
from services.cases import load_case
from services.clock_time import now_utc, today_shanghai
from services.directory import actor_for
from services.projection import apply_projection, projection, to_event_row
from store.db import read_session, write_session
from store.models import Agency, CaseRow, Letter


@dataclass(frozen=True)
class LetterOption:
    """A kind this case can have a letter of, its 文号, and whether it went out already."""

    kind: str
    label: str
    letter_no: str
    issued: bool


@dataclass(frozen=True)
class IssuedLetter:
    """A letter's file and number; `reprint` when it is the kept copy of an earlier issue."""

    kind: str
    letter_no: str
    filename: str
    content: bytes
    template_sha256: str
    reprint: bool


def _options(session: Session, row: CaseRow, case: Case) -> list[LetterOption]:
    issued = set(
        session.execute(select(Letter.letter_no).where(Letter.case_id == row.id)).scalars()
    )
    options = []
    for kind in available_kinds(case):
        number = letter_number(case.case_no, kind, anchor_for(case, kind).ordinal)
        options.append(LetterOption(kind.value, KIND_LABELS[kind], number, number in issued))
    return options


def available_letters(engine: Engine, case_no: str) -> list[LetterOption]:
    """The letters the case's events allow now, in the order of a case's life."""
    with read_session(engine) as session:
        row, case = load_case(session, case_no)
        return _options(session, row, case)


def issue_letter(
    engine: Engine,
    case_no: str,
    kind: LetterKind | str,
    username: str,
    *,
    today: dt.date | None = None,
) -> IssuedLetter:
    """Issue (or re-print) one letter of a case; a refusal writes nothing."""
    today = today or today_shanghai()
    kind = kind if isinstance(kind, LetterKind) else parse_kind(kind)
    with write_session(engine) as session:
        actor = actor_for(session, username)
        row, case = load_case(session, case_no, lock=True)
        anchor = anchor_for(case, kind)
        number = letter_number(case.case_no, kind, anchor.ordinal)
        # judged like any case action first: an administrator may not issue nor re-print
        case.guard_actor(actor, f"出具{KIND_LABELS[kind]}")
        kept = session.execute(
            select(Letter).where(Letter.letter_no == number)
        ).scalar_one_or_none()
        if kept is not None:
            return IssuedLetter(
                kept.kind, kept.letter_no, kept.filename, kept.content, kept.template_sha256, True
            )
        agency = session.get(Agency, row.agency_id)
        assert agency is not None
        calendar = load_calendar(session)
        context = build_context(case, kind, Office(agency.name), calendar)
        template = templates.load_template(kind, agency.letters_dir)
        content = templates.render(template, context)
        event = case.act(
            CaseEventType.LETTER_ISSUED,
            actor,
            today,
            now_utc(),
            calendar,
            kind=kind.value,
            letter_no=number,
            template=template.name,
            template_sha256=template.sha256,
        )
        seq = row.version + 1
        session.add(to_event_row(row.id, seq, event))
        apply_projection(row, projection(case, calendar))
        row.version = seq
        row.updated_at = event.at
        filename = letter_filename(number)
        session.add(
            Letter(
                case_id=row.id,
                kind=kind.value,
                letter_no=number,
                template_name=template.name,
                template_sha256=template.sha256,
                issued_on=today,
                issued_by=actor.name,
                issued_at=event.at,
                filename=filename,
                content=content,
            )
        )
        session.flush()
        return IssuedLetter(kind.value, number, filename, content, template.sha256, False)
