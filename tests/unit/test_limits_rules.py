"""Field lengths (domain/limits.py): a value that does not fit is refused naming the field,
never cut. Checked at the edge, where a mutation run showed no test looked (bench/MUTATION.md).
"""

from __future__ import annotations

import pytest

from domain.errors import DomainError
from domain.limits import LIMITS, check_length, check_lengths


@pytest.mark.parametrize("field", sorted(LIMITS))
def test_the_longest_allowed_value_fits_and_one_more_character_does_not(field: str) -> None:
    label, longest = LIMITS[field]
    check_length(field, "字" * longest)  # exactly the limit: accepted
    with pytest.raises(DomainError) as caught:
        check_length(field, "字" * (longest + 1))
    error = caught.value
    assert error.field == field and error.rule
    assert label in error.message and f"（{field}）" in error.message
    assert str(longest) in error.message and str(longest + 1) in error.message


def test_check_lengths_checks_every_field_and_ignores_what_it_does_not_know() -> None:
    check_lengths({"case_no": "x" * 80, "unknown": "x" * 10_000, "content": None})
    with pytest.raises(DomainError) as caught:
        check_lengths({"case_no": "x" * 80, "reason": "x" * 1001})
    assert caught.value.field == "reason"
