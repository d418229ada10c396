"""Fee notices: the quote (RULES §2.4) is computed and recorded with the notice itself."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from domain.errors import DomainError
from domain.fees import FeeQuote, monthly_pieces_key, quote_piece, quote_volume
from store.models import CaseRow, FeeRecord


def quote_for(session: Session, row: CaseRow, method: str, quantity: int, on: dt.date) -> FeeQuote:
    """By piece the count is cumulative per applicant (ID number) per natural month."""
    if method == "volume":
        return quote_volume(quantity)
    if method != "piece":
        raise DomainError(
            "收费方式（method）应为 piece（按件）或 volume（按量）",
            field="method",
            rule="RULES §2.4",
        )
    if not row.id_number:
        raise DomainError(
            "按件收费须以证件号码认定同一申请人，本案件没有证件号码",
            field="id_number",
            rule="RULES §2.4",
        )
    identity, year, month = monthly_pieces_key(row.id_number, on)
    first = dt.date(year, month, 1)
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    previous = session.execute(
        select(func.coalesce(func.sum(FeeRecord.quantity), 0)).where(
            FeeRecord.method == "piece",
            FeeRecord.payer_identity == identity,
            FeeRecord.notice_on >= first,
            FeeRecord.notice_on < following,
        )
    ).scalar_one()
    return quote_piece(int(previous), quantity)


def fee_payload(quote: FeeQuote) -> dict[str, Any]:
    return {
        "method": quote.method,
        "quantity": quote.quantity,
        "amount_yuan": quote.amount_yuan,
        "breakdown": [line._asdict() for line in quote.breakdown],
    }


def record_notice(session: Session, row: CaseRow, quote: FeeQuote, on: dt.date) -> None:
    session.add(
        FeeRecord(
            case_id=row.id,
            method=quote.method,
            quantity=quote.quantity,
            amount_yuan=Decimal(quote.amount_yuan),
            payer_identity=monthly_pieces_key(row.id_number, on)[0] if row.id_number else "",
            notice_on=on,
            paid_on=None,
            breakdown={"lines": [line._asdict() for line in quote.breakdown]},
        )
    )


def record_payment(session: Session, row: CaseRow, on: dt.date) -> None:
    session.execute(
        update(FeeRecord)
        .where(FeeRecord.case_id == row.id, FeeRecord.paid_on.is_(None))
        .values(paid_on=on)
    )
