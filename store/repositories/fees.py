"""Fee records (信息处理费): the notice's quote and its payment."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from domain.fees import FeeQuote
from store.models import FeeRecord


class FeeRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def pieces_in_month(self, identity: str, first: dt.date, following: dt.date) -> int:
        """Pieces already charged to one applicant (ID number) in a natural month."""
        return int(
            self.session.execute(
                select(func.coalesce(func.sum(FeeRecord.quantity), 0)).where(
                    FeeRecord.method == "piece",
                    FeeRecord.payer_identity == identity,
                    FeeRecord.notice_on >= first,
                    FeeRecord.notice_on < following,
                )
            ).scalar_one()
        )

    def record_notice(self, case_id: int, quote: FeeQuote, identity: str, on: dt.date) -> None:
        self.session.add(
            FeeRecord(
                case_id=case_id,
                method=quote.method,
                quantity=quote.quantity,
                amount_yuan=Decimal(quote.amount_yuan),
                payer_identity=identity,
                notice_on=on,
                paid_on=None,
                breakdown={"lines": [line._asdict() for line in quote.breakdown]},
            )
        )

    def record_payment(self, case_id: int, on: dt.date) -> None:
        self.session.execute(
            update(FeeRecord)
            .where(FeeRecord.case_id == case_id, FeeRecord.paid_on.is_(None))
            .values(paid_on=on)
        )
