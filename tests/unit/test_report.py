"""Section 三 as data: totals, the RULES §4.3 checks, and percentages that add up to 100.0 %."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from domain.report import (
    APPLICANT_COLUMNS,
    OUTCOME_ROWS,
    Section3Counts,
    build_section3,
    check_carry,
    check_table,
    largest_remainder_percentages,
    summary_paragraph,
    template_for,
    years_counted,
)


def small_table():
    # 3 new natural persons + 1 carried in; 2 disclosed, 1 not held; 1 carried out.
    # 1 new business, disclosed.
    return build_section3(
        Section3Counts(
            new={"natural_person": 3, "business": 1},
            carried_in={"natural_person": 1},
            carried_out={"natural_person": 1},
            concluded={
                ("disclosed", "natural_person"): 2,
                ("unavailable.not_held", "natural_person"): 1,
                ("disclosed", "business"): 1,
            },
        )
    )


def test_totals_are_computed_not_typed() -> None:
    t = small_table()
    assert t["new"]["total"] == 4
    assert t["disclosed"]["total"] == 3
    assert t["total"]["natural_person"] == 3 and t["total"]["business"] == 1
    assert t["total"]["total"] == 4
    assert all(c.ok for c in check_table(t))


def test_a_wrong_cell_fails_its_column_balance_and_the_total_row_naming_numbers() -> None:
    t = small_table()
    t["disclosed"]["natural_person"] = 1  # typed wrong, as published reports do
    failed = {c.name: c for c in check_table(t) if not c.ok}
    # 予以公开: total 3 ≠ 1 + 1; 自然人 column: （七）总计 3 ≠ 1 + 1 (leaves)
    assert set(failed) == {"total_column", "total_row"}
    t["total"]["natural_person"] = 2
    t["total"]["total"] = 3
    t["disclosed"]["total"] = 2
    failed = {c.name: c for c in check_table(t) if not c.ok}
    # 3 new + 1 carried in = 4, but 2 concluded + 1 carried out = 3
    assert "balance.natural_person" in failed
    assert (
        "4" in failed["balance.natural_person"].detail
        and "3" in failed["balance.natural_person"].detail
    )
    assert ("carried_out", "natural_person") in failed["balance.natural_person"].cells


def test_carry_chain_names_both_numbers_and_cases() -> None:
    check = check_carry(
        2021,
        {"natural_person": 2, "total": 2},
        {"natural_person": 3, "total": 3},
        differing_cases=["A-9"],
    )
    assert not check.ok
    assert "2" in check.detail and "3" in check.detail and "A-9" in check.detail
    assert check_carry(2021, {"total": 0}, None).ok  # nothing recorded to compare with


def test_percentages_add_up_to_exactly_100() -> None:
    # A 2017 report printed 3.84 % for 1/26: one decimal, and the shares must total 100.0.
    assert largest_remainder_percentages({"a": 1, "b": 25}) == {
        "a": Decimal("3.8"),
        "b": Decimal("96.2"),
    }
    thirds = largest_remainder_percentages({"a": 1, "b": 1, "c": 1})
    assert sum(thirds.values()) == Decimal("100.0")
    assert sorted(thirds.values()) == [Decimal("33.3"), Decimal("33.3"), Decimal("33.4")]
    assert set(largest_remainder_percentages({"a": 0, "b": 0}).values()) == {Decimal("0.0")}


@given(
    st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=8).filter(
        lambda v: sum(v) > 0
    )
)
def test_percentages_property(values: list[int]) -> None:
    shares = largest_remainder_percentages({str(i): v for i, v in enumerate(values)})
    assert sum(shares.values()) == Decimal("100.0")
    total = sum(values)
    for i, v in enumerate(values):  # each share is within one step of the exact value
        assert abs(shares[str(i)] - Decimal(v) * 100 / total) < Decimal("0.1")


def test_summary_uses_total_as_denominator() -> None:
    text = summary_paragraph(2021, small_table())
    assert "新收政府信息公开申请4件" in text and "办结4件" in text
    assert "予以公开3件、占75.0%" in text and "无法提供1件、占25.0%" in text
    assert "结转下年度继续办理1件" in text


def test_template_and_years_counted() -> None:
    assert template_for(2020) == "2019" and template_for(2021) == "2021"
    d = dt.date
    assert list(years_counted(d(2019, 12, 20), d(2021, 1, 5), d(2026, 1, 1))) == [2019, 2020, 2021]
    assert list(years_counted(d(2025, 3, 1), None, d(2026, 11, 20))) == [2025, 2026]
    assert set(APPLICANT_COLUMNS) < set(small_table()["new"]) and len(OUTCOME_ROWS) == 21
