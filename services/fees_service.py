"""Fee notices: the quote (RULES §2.4) is computed and recorded with the notice itself."""

from __future__ import annotations

import datetime as dt
from typing import Any

from domain.errors import DomainError
from domain.fees import FeeQuote, monthly_pieces_key, quote_piece, quote_volume, require_charge


def quote_for(uow: Any, id_number: str, method: str, quantity: int, on: dt.date) -> FeeQuote:
    """By piece the count is cumulative per applicant (ID number) per natural month."""
    if method == "volume":
        return require_charge(quote_volume(quantity))
    if method != "piece":
        raise DomainError(
            "收费方式（method）应为 piece（按件）或 volume（按量）",
            field="method",
            rule="RULES §2.4",
        )
    if not id_number:
        raise DomainError(
            "按件收费须以证件号码认定同一申请人，本案件没有证件号码",
            field="id_number",
            rule="RULES §2.4",
        )
    identity, year, month = monthly_pieces_key(id_number, on)
    first = dt.date(year, month, 1)
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return require_charge(quote_piece(uow.fees.pieces_in_month(identity, first, following), quantity))


def fee_payload(quote: FeeQuote) -> dict[str, Any]:
    return {
        "method": quote.method,
        "quantity": quote.quantity,
        "amount_yuan": quote.amount_yuan,
        "breakdown": [line._asdict() for line in quote.breakdown],
    }


def record_notice(uow: Any, case_id: int, id_number: str, quote: FeeQuote, on: dt.date) -> None:
    identity = monthly_pieces_key(id_number, on)[0] if id_number else ""
    uow.fees.record_notice(case_id, quote, identity, on)
