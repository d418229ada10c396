"""Letters: which ones a case can have, and issuing one (render, keep, record), in one transaction.

Issuing renders the letter from the case's events and clock (`domain.letters`) with the
agency's template or the shipped one (`formats.letters`), keeps the file, and adds a
`letter_issued` event naming the kind, the 文号 and the template's sha256. The same letter
asked for again (same 文号) is the kept file, unchanged, and no second event: an office that
edits its template later still re-prints exactly what the applicant received.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from domain.access import Actor, authorize_case
from domain.case import CaseEventType, project
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
from store.repositories.letters import KeptLetter


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


def available_letters(uow: Any, case_no: str, *, actor: Actor) -> list[LetterOption]:
    """The letters the case's events allow now, in the order of a case's life."""
    with uow.read():
        stored = uow.cases.get(case_no)
        authorize_case(actor, None, agency=stored.agency, assignee=stored.assignee, case_no=stored.case.case_no)
        issued = uow.letters.numbers(stored.id)
        options = []
        for kind in available_kinds(stored.case):
            number = letter_number(stored.case.case_no, kind, anchor_for(stored.case, kind).ordinal)
            options.append(LetterOption(kind.value, KIND_LABELS[kind], number, number in issued))
        return options


def issue_letter(
    uow: Any, case_no: str, kind: LetterKind | str, *, actor: Actor, today: dt.date
) -> IssuedLetter:
    """Issue (or re-print) one letter of a case; a refusal writes nothing."""
    kind = kind if isinstance(kind, LetterKind) else parse_kind(kind)
    with uow.write():
        stored = uow.cases.get(case_no, lock=True)
        authorize_case(
            actor,
            CaseEventType.LETTER_ISSUED,
            agency=stored.agency,
            assignee=stored.assignee,
            case_no=stored.case.case_no,
        )
        case = stored.case
        number = letter_number(case.case_no, kind, anchor_for(case, kind).ordinal)
        # judged like any case action first: an administrator may not issue nor re-print
        case.guard_actor(actor, f"出具{KIND_LABELS[kind]}")
        kept = uow.letters.kept(number)
        if kept is not None:
            return IssuedLetter(
                kept.kind, kept.letter_no, kept.filename, kept.content, kept.template_sha256, True
            )
        agency = uow.directory.agency(stored.agency)
        calendar = uow.calendar.load()
        context = build_context(case, kind, Office(agency.name), calendar)
        template = templates.load_template(kind, agency.letters_dir)
        content = templates.render(template, context)
        event = case.act(
            CaseEventType.LETTER_ISSUED,
            actor,
            today,
            uow.now(),
            calendar,
            kind=kind.value,
            letter_no=number,
            template=template.name,
            template_sha256=template.sha256,
        )
        uow.cases.append(stored, event, project(case, calendar))
        letter = KeptLetter(kind.value, number, letter_filename(number), content, template.sha256)
        uow.letters.add(
            stored.id,
            letter,
            template_name=template.name,
            issued_on=today,
            issued_by=actor.name,
            issued_at=event.at,
        )
        return IssuedLetter(kind.value, number, letter.filename, content, template.sha256, False)
