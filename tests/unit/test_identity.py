"""居民身份证号码 (GB 11643) and 统一社会信用代码 (GB 32100) checks.

The independent check functions below use the standards' own formulations (ISO 7064
MOD 11-2 with weights 2^(17-i) mod 11; weights 3^i mod 31), not the module's tables, so the
two implementations vouch for each other.
"""

from __future__ import annotations

import pytest

from domain.errors import DomainError
from domain.identity import check_credit_code, check_identity, check_resident_id

CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def independent_id_check(first17: str) -> str:
    """ISO 7064 MOD 11-2: weighted sum plus check ≡ 1 (mod 11), 10 written as X."""
    total = sum(int(c) * pow(2, 17 - i, 11) for i, c in enumerate(first17))
    check = (1 - total) % 11
    return "X" if check == 10 else str(check)


def independent_credit_check(first17: str) -> str:
    """GB 32100: weights 3^i mod 31, check makes the sum ≡ 0 (mod 31)."""
    total = sum(CREDIT_CHARS.index(c) * pow(3, i, 31) for i, c in enumerate(first17))
    return CREDIT_CHARS[-total % 31]


# By hand: digits 1 1 0 1 0 5 1 9 4 9 1 2 3 1 0 0 2 × weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2
#   = 7+9+0+5+0+20+2+9+24+27+7+18+30+5+0+0+4 = 167; 167 mod 11 = 2 → "10X98765432"[2] = X.
GB11643_EXAMPLE = "11010519491231002X"
# By hand: 3 1 0 1 1 5 2 0 0 0 0 2 2 9 0 0 4 → 21+9+0+5+8+20+4+0+0+0+0+18+20+45+0+0+8 = 158;
#   158 mod 11 = 4 → "10X98765432"[4] = 8 (and 2000-02-29 is a real day).
LEAP_DAY_ID = "310115200002290048"
VALID_IDS = [GB11643_EXAMPLE, LEAP_DAY_ID, "44030419900307123X", "650102198511205813"]

# By hand: 9·1 + 1·3 + 3·9 + 5·27 + 0·19 + 1·26 + 0 + 0 + M(21)·20 + 0 + 0 + 0 + 1·8 + 0 + 0
#   + Y(30)·30 + 4·28 = 1640; 1640 mod 31 = 28; 31 − 28 = 3 → "3".
CREDIT_EXAMPLE = "91350100M000100Y43"
VALID_CREDIT_CODES = [
    CREDIT_EXAMPLE,
    "91110000600037341L",
    "12100000400000024B",
    "52440300MJL1234565",
    "91310115MA1K3YJ12G",
]


@pytest.mark.parametrize("number", VALID_IDS)
def test_valid_resident_ids(number: str) -> None:
    assert independent_id_check(number[:17]) == number[17]
    assert check_resident_id(number) == number
    assert check_identity("resident_id", number) == ("resident_id", number)


def test_resident_id_is_normalised() -> None:
    assert check_resident_id(" 11010519491231002x ") == GB11643_EXAMPLE
    assert check_resident_id("110105 19491231 002X") == GB11643_EXAMPLE
    assert check_resident_id("１１０１０５１９４９１２３１００２Ｘ") == GB11643_EXAMPLE


@pytest.mark.parametrize("number", VALID_CREDIT_CODES)
def test_valid_credit_codes(number: str) -> None:
    assert independent_credit_check(number[:17]) == number[17]
    assert check_credit_code(number) == number
    assert check_identity("credit_code", number) == ("credit_code", number)


def test_credit_code_is_normalised() -> None:
    assert check_credit_code("91350100m000100y43") == CREDIT_EXAMPLE


def _refused(call, field: str) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call()
    error = caught.value
    assert error.field == field
    assert f"（{field}）" in str(error)
    return error


@pytest.mark.parametrize(
    ("number", "words"),
    [
        ("110105194912310021", "校验位错误：应为X，实为1"),
        ("11010519491231002", "长度错误"),
        ("1101051949123100201", "长度错误"),
        ("110105491231002", "长度错误"),  # old 15-digit numbers are not accepted
        ("11010519990230002X", "出生日期错误"),  # 30 February
        ("11010519491331002X", "出生日期错误"),  # month 13
        ("11010520010229002X", "出生日期错误"),  # 2001 is not a leap year
        ("1101051949123100AX", "格式错误"),
        ("11010519491231002Y", "格式错误"),
        ("", "长度错误"),
    ],
)
def test_bad_resident_ids(number: str, words: str) -> None:
    error = _refused(lambda: check_resident_id(number), "id_number")
    assert words in str(error)
    assert error.rule == "GB 11643"


def test_resident_id_error_names_the_callers_field() -> None:
    _refused(
        lambda: check_resident_id("110105194912310021", field="agent_id_number"), "agent_id_number"
    )


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("91350100M000100Y44", "校验位错误：应为3，实为4"),
        ("91350100M000100Y4", "长度错误"),
        ("91350100M000100Y433", "长度错误"),
        ("91350100I000100Y43", "非法字符"),
        ("91350100O000100Y43", "非法字符"),
        ("91350100Z000100Y43", "非法字符"),
        ("91350100S000100Y43", "非法字符"),
        ("91350100V000100Y43", "非法字符"),
        ("91350100M000100Y4#", "非法字符"),
        ("91AB0100M000100Y43", "行政区划码"),
    ],
)
def test_bad_credit_codes(code: str, words: str) -> None:
    error = _refused(lambda: check_credit_code(code), "credit_code")
    assert words in str(error)
    assert error.rule == "GB 32100"


def test_every_wrong_check_character_is_caught() -> None:
    for number in VALID_CREDIT_CODES:
        for wrong in CREDIT_CHARS.replace(number[17], ""):
            _refused(lambda n=number, w=wrong: check_credit_code(n[:17] + w), "credit_code")
    for number in VALID_IDS:
        for wrong in "0123456789X".replace(number[17], ""):
            _refused(lambda n=number, w=wrong: check_resident_id(n[:17] + w), "id_number")


def test_other_identity_documents() -> None:
    assert check_identity("other", " E12345678 ") == ("other", "E12345678")
    _refused(lambda: check_identity("other", "   "), "id_number")
    _refused(lambda: check_identity("other", "X" * 41), "id_number")
    assert check_identity("other", "X" * 40) == ("other", "X" * 40)


def test_unknown_identity_kind() -> None:
    _refused(lambda: check_identity("driver_licence", "123"), "id_kind")


def test_a_number_without_its_kind_is_checked_as_what_it_looks_like() -> None:
    # GB 11643's example number, and the same with a wrong check digit
    assert check_identity("", "11010519491231002X") == ("resident_id", "11010519491231002X")
    _refused(lambda: check_identity("", "110105194912310021"), "id_number")
    # a 统一社会信用代码 (check character computed by the GB 32100 weights) and a passport
    assert check_identity("", "91350100M000100Y43") == ("credit_code", "91350100M000100Y43")
    assert check_identity("", "E12345678") == ("other", "E12345678")


def test_a_resident_id_cannot_be_born_in_the_future() -> None:
    import datetime as dt

    # born 2030-01-01 (check digit by GB 11643 for these 17 digits)
    first17 = "11010520300101001"
    number = first17 + independent_id_check(first17)
    assert check_identity("resident_id", number) == ("resident_id", number)  # no today: shape only
    _refused(lambda: check_identity("resident_id", number, today=dt.date(2026, 11, 20)), "id_number")
