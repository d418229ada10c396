"""More of RULES §2.4 (信息处理费), where a mutation run of `domain/fees.py` showed a rule no
test pinned (bench/MUTATION.md). Amounts are worked out by hand from the bands:
by piece 1–10 free, 11–30 at 100 元; by volume 1–30 pages free, 31–100 at 10 元 a page.
"""

from __future__ import annotations

from datetime import date

import pytest

from domain.errors import DomainError
from domain.fees import (
    FeeLine,
    monthly_pieces_key,
    piece_fee,
    quote_piece,
    quote_volume,
    require_charge,
    volume_fee,
)


def test_a_quote_lists_only_the_bands_it_crosses() -> None:
    # Pieces 11–15 of the month: all five in the 11–30 band at 100 元 = 500 元; the free band
    # 1–10 was used up earlier in the month and is not a line of this notice.
    quote = quote_piece(10, 5)
    assert quote.breakdown == [FeeLine("本月第11—30件", 5, 100, 500)]
    assert quote.amount_yuan == 500


def test_a_volume_quote_states_its_page_count() -> None:
    quote = quote_volume(205)
    assert (quote.method, quote.quantity, quote.previous_pieces_this_month) == ("volume", 205, 0)


@pytest.mark.parametrize(
    ("call", "field", "label"),
    [
        (lambda: piece_fee(0, -1), "pieces", "件数"),
        (lambda: piece_fee(0, "3"), "pieces", "件数"),
        (lambda: piece_fee(-1, 1), "previous_pieces_this_month", "本月此前已申请件数"),
        (lambda: quote_piece(-1, 1), "previous_pieces_this_month", "本月此前已申请件数"),
        (lambda: quote_piece(1.5, 1), "previous_pieces_this_month", "本月此前已申请件数"),
        (lambda: volume_fee(-1), "pages", "页数"),
        (lambda: quote_volume("30"), "pages", "页数"),
    ],
)
def test_a_bad_count_is_refused_in_chinese_naming_the_field(call, field: str, label: str) -> None:
    with pytest.raises(DomainError) as caught:
        call()
    assert caught.value.field == field
    assert label in caught.value.message and field in caught.value.message
    assert caught.value.rule


def test_the_same_applicant_is_one_key_however_the_number_is_typed() -> None:
    # RULES §2.4: "same applicant" is decided by the ID number; spaces inside it, full-width
    # characters and a lower-case x do not make a second applicant.
    key = ("11010519491231002X", 2025, 3)
    assert monthly_pieces_key("110105 19491231 002x", date(2025, 3, 9)) == key
    assert monthly_pieces_key("１１０１０５１９４９１２３１００２Ｘ", date(2025, 3, 9)) == key


@pytest.mark.parametrize(
    ("number", "on", "field"),
    [
        (None, date(2025, 3, 1), "identity_number"),
        (11010519491231002, date(2025, 3, 1), "identity_number"),
        ("", date(2025, 3, 1), "identity_number"),
        ("11010519491231002X", "2025-03-01", "on"),
    ],
)
def test_the_monthly_key_refuses_bad_input_naming_the_field(number, on, field: str) -> None:
    with pytest.raises(DomainError) as caught:
        monthly_pieces_key(number, on)
    assert caught.value.field == field
    assert f"（{field}）" in caught.value.message
    assert caught.value.rule


def test_a_fee_notice_needs_an_amount_beyond_the_free_band() -> None:
    # RULES §2.2: a fee notice stops the clock only for an amount above zero.
    with pytest.raises(DomainError) as caught:
        require_charge(quote_piece(3, 5))  # pieces 4–8: free
    assert caught.value.field == "quantity" and caught.value.rule
    assert "按件" in caught.value.message and "5件" in caught.value.message
    with pytest.raises(DomainError) as caught:
        require_charge(quote_volume(30))  # pages 1–30: free
    assert caught.value.field == "quantity" and caught.value.rule
    assert "按量" in caught.value.message and "30页" in caught.value.message
    # The smallest charges: the 11th piece of a month (100 元), the 31st page (10 元).
    eleventh = quote_piece(10, 1)
    assert require_charge(eleventh) is eleventh and eleventh.amount_yuan == 100
    page_31 = quote_volume(31)
    assert require_charge(page_31) is page_31 and page_31.amount_yuan == 10
