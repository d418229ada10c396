"""信息处理费 bands of 国办函〔2020〕109号 (RULES §2.4), edges computed by hand."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import DomainError
from domain.fees import (
    FeeLine,
    monthly_pieces_key,
    piece_fee,
    quote_piece,
    quote_volume,
    volume_fee,
)

# By piece, pieces of one month: 1–10 free, 11–30 × 100, 31–40 × 200, 41–50 × 300, 51–60 × 400
#   10 → 0;  11 → 100;  30 → 20 × 100 = 2000;  31 → 2000 + 200 = 2200;
#   40 → 2000 + 10 × 200 = 4000;  41 → 4000 + 300 = 4300;  50 → 4000 + 3000 = 7000;
#   51 → 7000 + 400 = 7400;  60 → 7000 + 4000 = 11000.
PIECE_EDGES = [
    (0, 0),
    (1, 0),
    (10, 0),
    (11, 100),
    (30, 2000),
    (31, 2200),
    (40, 4000),
    (41, 4300),
    (50, 7000),
    (51, 7400),
    (60, 11000),
]

# By volume, one application: 1–30 free, 31–100 × 10, 101–200 × 20, 201+ × 40
#   30 → 0;  31 → 10;  100 → 70 × 10 = 700;  101 → 700 + 20 = 720;
#   200 → 700 + 100 × 20 = 2700;  201 → 2700 + 40 = 2740.
VOLUME_EDGES = [(0, 0), (1, 0), (30, 0), (31, 10), (100, 700), (101, 720), (200, 2700), (201, 2740)]


@pytest.mark.parametrize(("pieces", "yuan"), PIECE_EDGES)
def test_piece_band_edges(pieces: int, yuan: int) -> None:
    assert piece_fee(0, pieces) == yuan


def test_piece_count_is_cumulative_over_the_month() -> None:
    assert piece_fee(10, 1) == 100  # the 11th piece of the month
    assert piece_fee(30, 1) == 200  # the 31st
    assert piece_fee(40, 1) == 300  # the 41st
    assert piece_fee(9, 1) == 0  # the 10th is still free
    assert piece_fee(5, 10) == 500  # pieces 6–15: five free, five at 100
    assert piece_fee(25, 10) == 5 * 100 + 5 * 200


@pytest.mark.parametrize(("pages", "yuan"), VOLUME_EDGES)
def test_volume_band_edges(pages: int, yuan: int) -> None:
    assert volume_fee(pages) == yuan


def _naive_piece_price(n: int) -> int:
    """Price of the n-th piece of a month, straight from the wording of the rule."""
    if n <= 10:
        return 0
    if n <= 30:
        return 100
    return 200 + 100 * ((n - 31) // 10)


counts = st.integers(min_value=0, max_value=400)


@given(counts, counts, counts)
def test_piece_fee_is_additive_over_a_month(a: int, b: int, c: int) -> None:
    assert piece_fee(a, b) + piece_fee(a + b, c) == piece_fee(a, b + c)


@given(counts, counts)
def test_piece_fee_is_monotone(a: int, b: int) -> None:
    assert piece_fee(a, b) <= piece_fee(a, b + 1)  # more pieces never cost less
    assert piece_fee(a, b) <= piece_fee(a + 1, b)  # later in the month never costs less


@given(counts, counts)
def test_piece_fee_matches_piece_by_piece_sum(a: int, b: int) -> None:
    assert piece_fee(a, b) == sum(_naive_piece_price(n) for n in range(a + 1, a + b + 1))


@given(st.integers(min_value=0, max_value=2000))
def test_volume_fee_is_monotone(pages: int) -> None:
    assert volume_fee(pages) <= volume_fee(pages + 1)


@given(counts, counts)
def test_quote_piece_agrees_with_piece_fee(a: int, b: int) -> None:
    quote = quote_piece(a, b)
    assert quote.method == "piece"
    assert quote.quantity == b
    assert quote.amount_yuan == piece_fee(a, b)
    assert sum(line.count for line in quote.breakdown) == b
    assert all(line.subtotal == line.count * line.unit_price for line in quote.breakdown)


def test_quote_piece_breakdown() -> None:
    quote = quote_piece(8, 25)  # pieces 9–33 of the month
    assert quote.breakdown == [
        FeeLine("本月第1—10件", 2, 0, 0),
        FeeLine("本月第11—30件", 20, 100, 2000),
        FeeLine("本月第31—40件", 3, 200, 600),
    ]
    assert quote.amount_yuan == 2600
    assert quote.previous_pieces_this_month == 8
    assert "109号" in quote.basis


def test_quote_volume_breakdown() -> None:
    quote = quote_volume(205)
    assert quote.method == "volume"
    assert quote.breakdown == [
        FeeLine("第1—30页", 30, 0, 0),
        FeeLine("第31—100页", 70, 10, 700),
        FeeLine("第101—200页", 100, 20, 2000),
        FeeLine("第201页及以上", 5, 40, 200),
    ]
    assert quote.amount_yuan == 2900 == volume_fee(205)


def test_zero_is_a_free_empty_quote() -> None:
    assert quote_piece(3, 0).breakdown == []
    assert quote_volume(0).breakdown == []
    assert quote_volume(0).amount_yuan == 0


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: piece_fee(-1, 1), "previous_pieces_this_month"),
        (lambda: piece_fee(0, -1), "pieces"),
        (lambda: piece_fee(0, 1.5), "pieces"),
        (lambda: piece_fee("3", 1), "previous_pieces_this_month"),
        (lambda: piece_fee(0, True), "pieces"),
        (lambda: volume_fee(-5), "pages"),
        (lambda: volume_fee(30.0), "pages"),
        (lambda: quote_piece(0, -2), "pieces"),
        (lambda: quote_volume(None), "pages"),
        (lambda: monthly_pieces_key("  ", date(2025, 3, 1)), "identity_number"),
    ],
)
def test_bad_input_is_refused_naming_the_field(call, field: str) -> None:
    with pytest.raises(DomainError) as caught:
        call()
    assert caught.value.field == field
    assert field in str(caught.value)


def test_monthly_pieces_key() -> None:
    key = monthly_pieces_key(" 11010519491231002x ", date(2025, 3, 31))
    assert key == ("11010519491231002X", 2025, 3)
    assert monthly_pieces_key("11010519491231002X", date(2025, 3, 1)) == key
    assert monthly_pieces_key("11010519491231002X", date(2025, 4, 1)) != key
    assert monthly_pieces_key("91350100m000100y43", date(2025, 3, 1)) == (
        "91350100M000100Y43",
        2025,
        3,
    )
