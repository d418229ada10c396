"""More of RULES §2.1 (identity checks) and §7 (masking), where a mutation run of
`domain/identity.py` showed a rule no test pinned (bench/MUTATION.md).

Check characters are worked out by hand below (GB 11643: weights 7 9 10 5 8 4 2 1 6 3 7 9 10
5 8 4 2, sum mod 11 indexes "10X98765432"; GB 32100: weights 1 3 9 27 19 26 16 17 20 29 25 13
8 24 10 30 28 over the character values 0–30, check = (31 − sum mod 31) mod 31).
"""

from __future__ import annotations

import datetime as dt

import pytest

from domain.errors import DomainError
from domain.identity import (
    check_credit_code,
    check_identity,
    check_other_id,
    check_resident_id,
    infer_id_kind,
    mask_id,
)

# Born 1900-01-01: 1 1 0 1 0 5 1 9 0 0 0 1 0 1 0 0 1 → 7+9+0+5+0+20+2+9+0+0+0+9+0+5+0+0+2 = 68;
#   68 mod 11 = 2 → X.
BORN_1900 = "11010519000101001X"
# Born 1899-12-31: 1 1 0 1 0 5 1 8 9 9 1 2 3 1 0 0 1 → 7+9+0+5+0+20+2+8+54+27+7+18+30+5+0+0+2
#   = 194; 194 mod 11 = 7 → 5.
BORN_1899 = "110105189912310015"
# Born 2020-01-01: 1 1 0 1 0 5 2 0 2 0 0 1 0 1 0 0 1 → 7+9+0+5+0+20+4+0+12+0+0+9+0+5+0+0+2 = 73;
#   73 mod 11 = 7 → 5.
BORN_2020 = "110105202001010015"

# 9 2 3 5 0 1 0 0 M(21) 0 0 0 1 0 0 Y(30) 4 → 9+6+27+135+0+26+0+0+420+0+0+0+8+0+0+900+112
#   = 1643 = 53 × 31; (31 − 0) mod 31 = 0 → check character "0".
CREDIT_CHECK_ZERO = "92350100M000100Y40"
# 9 1 A(10) 5 0 1 0 0 M 0 0 0 1 0 0 Y 4 → 9+3+90+135+0+26+0+0+420+0+0+0+8+0+0+900+112 = 1703;
#   1703 mod 31 = 29; 31 − 29 = 2 → "2". Its check character is right, its region code is not.
CREDIT_LETTER_IN_REGION = "91A50100M000100Y42"


def _refused(call, field: str, rule: str, document: str) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call()
    error = caught.value
    assert error.field == field
    assert error.rule == rule
    assert f"{document}（{field}）" in error.message
    return error


def test_the_earliest_birth_year_is_1900() -> None:
    assert check_resident_id(BORN_1900) == BORN_1900
    error = _refused(
        lambda: check_resident_id(BORN_1899), "id_number", "GB 11643", "居民身份证号码"
    )
    assert "出生日期" in error.message


def test_a_child_born_today_has_a_valid_number() -> None:
    today = dt.date(2020, 1, 1)
    assert check_resident_id(BORN_2020, today=today) == BORN_2020
    _refused(
        lambda: check_resident_id(BORN_2020, today=today - dt.timedelta(days=1)),
        "id_number",
        "GB 11643",
        "居民身份证号码",
    )


def test_a_credit_code_whose_check_character_is_zero() -> None:
    assert check_credit_code(CREDIT_CHECK_ZERO) == CREDIT_CHECK_ZERO
    assert check_identity("", CREDIT_CHECK_ZERO) == ("credit_code", CREDIT_CHECK_ZERO)


def test_the_region_code_is_characters_3_to_8() -> None:
    error = _refused(
        lambda: check_credit_code(CREDIT_LETTER_IN_REGION),
        "credit_code",
        "GB 32100",
        "统一社会信用代码",
    )
    assert "“A50100”" in error.message  # quotes what was typed there


@pytest.mark.parametrize("value", [None, 110105194912310020, b"11010519491231002X"])
def test_a_number_that_is_not_text_is_refused_naming_the_field(value: object) -> None:
    _refused(lambda: check_resident_id(value), "id_number", "GB 11643", "居民身份证号码")
    _refused(lambda: check_resident_id(value, "agent_id"), "agent_id", "GB 11643", "居民身份证号码")
    _refused(lambda: check_credit_code(value), "credit_code", "GB 32100", "统一社会信用代码")
    _refused(lambda: check_credit_code(value, "org"), "org", "GB 32100", "统一社会信用代码")
    _refused(lambda: check_other_id(value), "id_number", "RULES §2.1", "证件号码")


def test_other_documents_are_refused_naming_the_field() -> None:
    _refused(lambda: check_other_id("  "), "id_number", "RULES §2.1", "证件号码")
    _refused(lambda: check_other_id("X" * 41), "id_number", "RULES §2.1", "证件号码")
    _refused(
        lambda: check_identity("other", "", field="agent_id"), "agent_id", "RULES §2.1", "证件号码"
    )


def test_wrong_shapes_name_the_document() -> None:
    _refused(lambda: check_resident_id("12345"), "id_number", "GB 11643", "居民身份证号码")
    _refused(lambda: check_credit_code("12345"), "credit_code", "GB 32100", "统一社会信用代码")


@pytest.mark.parametrize(
    ("label", "number", "kind"),
    [
        ("居民身份证", "11010519491231002X", "resident_id"),
        ("统一社会信用代码", "91350100M000100Y43", "credit_code"),
        ("其他证件", "E12345678", "other"),
    ],
)
def test_a_kind_given_by_its_chinese_label(label: str, number: str, kind: str) -> None:
    assert check_identity(label, number) == (kind, number)


def test_an_unknown_kind_is_quoted_with_the_allowed_ones() -> None:
    with pytest.raises(DomainError) as caught:
        check_identity("passport", "E12345678")
    error = caught.value
    assert (error.field, error.rule) == ("id_kind", "RULES §2.1")
    assert "passport" in error.message
    for code, label in (("resident_id", "居民身份证"), ("credit_code", "统一社会信用代码")):
        assert code in error.message and label in error.message


def test_a_pasted_number_with_spaces_is_recognised() -> None:
    assert infer_id_kind("110105 19491231 002x") == "resident_id"
    assert infer_id_kind("9135 0100 M000 100Y 43") == "credit_code"
    assert infer_id_kind("E 1234 5678") == "other"


def test_masking_at_the_ten_character_edge() -> None:
    # RULES §7: first 6 and last 4 stay. From 11 characters on that hides at least one; at 10
    # it would hide none, so a number of 10 or fewer keeps only its last quarter (10 // 4 = 2).
    assert mask_id("A1234567890") == "A12345*7890"
    assert mask_id("A123456789") == "********89"
