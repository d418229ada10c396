"""Letters as issued: the exact file is kept so that a re-print is the same document."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import Letter


@dataclass(frozen=True)
class KeptLetter:
    kind: str
    letter_no: str
    filename: str
    content: bytes
    template_sha256: str


class LetterRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def numbers(self, case_id: int) -> set[str]:
        return set(
            self.session.execute(select(Letter.letter_no).where(Letter.case_id == case_id)).scalars()
        )

    def kept(self, letter_no: str) -> KeptLetter | None:
        row = self.session.execute(
            select(Letter).where(Letter.letter_no == letter_no)
        ).scalar_one_or_none()
        if row is None:
            return None
        return KeptLetter(row.kind, row.letter_no, row.filename, row.content, row.template_sha256)

    def add(
        self,
        case_id: int,
        letter: KeptLetter,
        *,
        template_name: str,
        issued_on: dt.date,
        issued_by: str,
        issued_at: dt.datetime,
    ) -> None:
        self.session.add(
            Letter(
                case_id=case_id,
                kind=letter.kind,
                letter_no=letter.letter_no,
                template_name=template_name,
                template_sha256=letter.template_sha256,
                issued_on=issued_on,
                issued_by=issued_by,
                issued_at=issued_at,
                filename=letter.filename,
                content=letter.content,
            )
        )
        self.session.flush()
