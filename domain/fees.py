"""信息处理费: the fee an office may charge for excessive requests (RULES §2.4).

国办函〔2020〕109号 (in force 2021-01-01) lets an office charge only when the number or
frequency of requests clearly exceeds a reasonable range (《条例》第四十二条), and then by one
of two progressive (超额累进) methods, never both for one application:

- by piece (按件), counted per applicant per natural month, cumulatively: the 11th piece of
  the month costs the same whether it came alone or as the 11th item of a batch;
- by volume (按量), per application, in pages (A4 or smaller, one side = one page).

The fee notice must show how the amount was reached, so each quote carries its breakdown by
band. Amounts are whole yuan: every rate is a whole number of yuan.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Literal, NamedTuple

from domain.errors import DomainError

FEE_BASIS = "国办函〔2020〕109号"
_RULE = "RULES §2.4（国办函〔2020〕109号）"

PIECES_FREE = 10
"""Pieces 1–10 of a natural month are free."""
VOLUME_FREE = 30
"""Pages 1–30 of an application are free."""

# (first page, last page or None for open-ended, yuan per page)
_VOLUME_BANDS: tuple[tuple[int, int | None, int], ...] = (
    (1, 30, 0),
    (31, 100, 10),
    (101, 200, 20),
    (201, None, 40),
)

_FIELD_NAMES = {
    "previous_pieces_this_month": "本月此前已申请件数",
    "pieces": "件数",
    "pages": "页数",
}


class FeeLine(NamedTuple):
    """One band of a quote: what the notice prints on one line."""

    description: str
    count: int
    unit_price: int
    subtotal: int


@dataclass(frozen=True)
class FeeQuote:
    """A computed fee with the band-by-band reasoning behind it."""

    method: Literal["piece", "volume"]
    quantity: int
    amount_yuan: int
    breakdown: list[FeeLine] = field(default_factory=list)
    previous_pieces_this_month: int = 0
    basis: str = FEE_BASIS


def _check_count(value: object, name: str) -> int:
    """Counts are non-negative integers; anything else is a caller's input mistake."""
    label = _FIELD_NAMES.get(name, name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise DomainError(f"{label}（{name}）应为整数，实为“{value}”", field=name, rule=_RULE)
    if value < 0:
        raise DomainError(f"{label}（{name}）不能为负数，实为{value}", field=name, rule=_RULE)
    return value


# -------------------------------------------------------------------------------- by piece


def _piece_bands() -> Iterator[tuple[int, int, int]]:
    """(first, last, yuan each) for the pieces of a month, without end.

    1–10 free, 11–30 at 100, then bands of ten starting at 200 and rising by 100.
    """
    yield 1, PIECES_FREE, 0
    yield 11, 30, 100
    first, price = 31, 200
    while True:
        yield first, first + 9, price
        first, price = first + 10, price + 100


def _piece_total(n: int) -> int:
    """Fee for pieces 1..n of a month, in closed form so large counts stay cheap."""
    if n <= PIECES_FREE:
        return 0
    if n <= 30:
        return (n - PIECES_FREE) * 100
    full, rest = divmod(n - 30, 10)
    # full bands of ten at 200, 300, …: 10 * Σ(200 + 100j) for j < full
    return 2000 + 2000 * full + 500 * full * (full - 1) + rest * (200 + 100 * full)


def piece_fee(previous_pieces_this_month: int, pieces: int) -> int:
    """Yuan for `pieces` more pieces by an applicant who already had some this month."""
    before = _check_count(previous_pieces_this_month, "previous_pieces_this_month")
    count = _check_count(pieces, "pieces")
    return _piece_total(before + count) - _piece_total(before)


def quote_piece(previous_pieces_this_month: int, pieces: int) -> FeeQuote:
    """`piece_fee` with the bands it crossed, for the fee notice."""
    before = _check_count(previous_pieces_this_month, "previous_pieces_this_month")
    count = _check_count(pieces, "pieces")
    lo, hi = before + 1, before + count
    lines: list[FeeLine] = []
    if count:
        for first, last, price in _piece_bands():
            if first > hi:
                break
            n = min(last, hi) - max(first, lo) + 1
            if n > 0:
                lines.append(FeeLine(f"本月第{first}—{last}件", n, price, n * price))
    amount = sum(line.subtotal for line in lines)
    return FeeQuote("piece", count, amount, lines, previous_pieces_this_month=before)


# ------------------------------------------------------------------------------- by volume


def _volume_lines(pages: int) -> list[FeeLine]:
    lines: list[FeeLine] = []
    for first, last, price in _VOLUME_BANDS:
        if first > pages:
            break
        top = pages if last is None else min(last, pages)
        n = top - first + 1
        where = f"第{first}页及以上" if last is None else f"第{first}—{last}页"
        lines.append(FeeLine(where, n, price, n * price))
    return lines


def volume_fee(pages: int) -> int:
    """Yuan for one application of `pages` pages, each band at its own rate."""
    count = _check_count(pages, "pages")
    return sum(line.subtotal for line in _volume_lines(count))


def quote_volume(pages: int) -> FeeQuote:
    """`volume_fee` with its bands, for the fee notice."""
    count = _check_count(pages, "pages")
    lines = _volume_lines(count)
    return FeeQuote("volume", count, sum(line.subtotal for line in lines), lines)


# ------------------------------------------------------------------------ same applicant


def monthly_pieces_key(identity_number: str, on: date) -> tuple[str, int, int]:
    """The key that groups pieces for the monthly count: (ID or credit code, year, month).

    RULES §2.4: "same applicant" is decided by 身份证号码 or 统一社会信用代码, not by name,
    and the count restarts each natural month. The number is folded to half-width upper
    case with spaces removed so that the same person typed twice counts once.
    """
    if not isinstance(identity_number, str):
        raise DomainError(
            "证件号码（identity_number）应为文本", field="identity_number", rule=_RULE
        )
    folded = unicodedata.normalize("NFKC", identity_number)
    key = "".join(folded.split()).upper()
    if not key:
        raise DomainError(
            "证件号码（identity_number）不能为空：按件计费须按证件号码或统一社会信用代码认定同一申请人",
            field="identity_number",
            rule=_RULE,
        )
    if not isinstance(on, date):
        raise DomainError("日期（on）应为日期", field="on", rule=_RULE)
    return key, on.year, on.month


def require_charge(quote: FeeQuote) -> FeeQuote:
    """RULES §2.2/§2.4: a fee notice stops the clock only for an amount beyond the free band."""
    if quote.amount_yuan <= 0:
        unit = "件" if quote.method == "piece" else "页"
        raise DomainError(
            f"按{'件' if quote.method == 'piece' else '量'}计算，{quote.quantity}{unit}在免费范围内，"
            "应收费用为0元，不能发出收费通知（也不停止计时）",
            field="quantity",
            rule=_RULE,
        )
    return quote
