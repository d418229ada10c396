"""Applicant identity numbers: checked on entry so a typo never becomes a second applicant.

RULES §2.1 refuses a 居民身份证号码 that fails the GB 11643 check digit and a
统一社会信用代码 that fails the GB 32100 check character, with a message naming the field.
The number also decides "same applicant" for piece fees (RULES §2.4), so a mistyped digit
would split one applicant's monthly count in two: hence the check before anything is stored.
Input is folded to half-width upper case and inner spaces dropped, because people paste
numbers from documents with spaces and full-width digits.
"""

from __future__ import annotations

import unicodedata
from datetime import date

from domain.errors import DomainError

_ID_RULE = "GB 11643"
_CREDIT_RULE = "GB 32100"

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_DIGITS = "0123456789"

CREDIT_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
"""The 31 characters of GB 32100: digits and upper-case letters without I, O, Z, S, V."""
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

IDENTITY_KINDS: dict[str, str] = {
    "resident_id": "居民身份证",
    "credit_code": "统一社会信用代码",
    "other": "其他证件",
}
OTHER_MAX_LENGTH = 40


def _fold(value: object, field: str, what: str, rule: str) -> str:
    if not isinstance(value, str):
        raise DomainError(f"{what}（{field}）应为文本", field=field, rule=rule)
    folded = unicodedata.normalize("NFKC", value)
    return "".join(folded.split()).upper()


def resident_id_check_char(first17: str) -> str:
    """The GB 11643 check character for 17 digits."""
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def credit_code_check_char(first17: str) -> str:
    """The GB 32100 check character for 17 characters of `CREDIT_CHARSET`."""
    total = sum(CREDIT_CHARSET.index(c) * w for c, w in zip(first17, _CREDIT_WEIGHTS, strict=True))
    return CREDIT_CHARSET[(31 - total % 31) % 31]


def check_resident_id(value: str, field: str = "id_number", today: date | None = None) -> str:
    """Validate an 18-character 居民身份证号码 and return it normalised (upper-case X)."""
    what = "居民身份证号码"

    def fail(problem: str) -> DomainError:
        return DomainError(f"{what}（{field}）{problem}", field=field, rule=_ID_RULE)

    number = _fold(value, field, what, _ID_RULE)
    if len(number) != 18:
        raise fail(f"长度错误：应为18位，实为{len(number)}位")
    if any(c not in _DIGITS for c in number[:17]) or number[17] not in _DIGITS + "X":
        raise fail("格式错误：前17位应为数字，末位应为数字或X")
    birth = number[6:14]
    try:
        born = date(int(birth[:4]), int(birth[4:6]), int(birth[6:]))
    except ValueError:
        raise fail(f"出生日期错误：第7—14位“{birth}”不是有效日期") from None
    if born.year < 1900 or (today is not None and born > today):
        raise fail(f"出生日期错误：第7—14位“{birth}”不可能是出生日期")
    expected = resident_id_check_char(number[:17])
    if number[17] != expected:
        raise fail(f"校验位错误：应为{expected}，实为{number[17]}")
    return number


def check_credit_code(value: str, field: str = "credit_code") -> str:
    """Validate an 18-character 统一社会信用代码 and return it normalised (upper case)."""
    what = "统一社会信用代码"

    def fail(problem: str) -> DomainError:
        return DomainError(f"{what}（{field}）{problem}", field=field, rule=_CREDIT_RULE)

    code = _fold(value, field, what, _CREDIT_RULE)
    if len(code) != 18:
        raise fail(f"长度错误：应为18位，实为{len(code)}位")
    bad = sorted({c for c in code if c not in CREDIT_CHARSET})
    if bad:
        raise fail(f"含有非法字符：{'、'.join(bad)}（只能使用数字和除I、O、Z、S、V以外的大写字母）")
    if any(c not in _DIGITS for c in code[2:8]):
        raise fail(f"格式错误：第3—8位应为6位数字的行政区划码，实为“{code[2:8]}”")
    expected = credit_code_check_char(code[:17])
    if code[17] != expected:
        raise fail(f"校验位错误：应为{expected}，实为{code[17]}")
    return code


def check_other_id(value: str, field: str = "id_number") -> str:
    """Passports and other documents: no checksum to verify, only present and not too long."""
    what = "证件号码"
    if not isinstance(value, str):
        raise DomainError(f"{what}（{field}）应为文本", field=field, rule="RULES §2.1")
    number = value.strip()
    if not number:
        raise DomainError(f"{what}（{field}）不能为空", field=field, rule="RULES §2.1")
    if len(number) > OTHER_MAX_LENGTH:
        raise DomainError(
            f"{what}（{field}）过长：最多{OTHER_MAX_LENGTH}个字符，实为{len(number)}个",
            field=field,
            rule="RULES §2.1",
        )
    return number


def infer_id_kind(value: str) -> str:
    """The kind a number given without one must be: an 18-character number shaped like a
    居民身份证号码 or a 统一社会信用代码 is checked as one, anything else is "other"."""
    folded = "".join(unicodedata.normalize("NFKC", value).split()).upper()
    if len(folded) == 18 and folded[:17].isdigit() and folded[17] in _DIGITS + "X":
        return "resident_id"
    if len(folded) == 18 and all(c in CREDIT_CHARSET for c in folded):
        return "credit_code"
    return "other"


def check_identity(
    kind: str, value: str, field: str = "id_number", today: date | None = None
) -> tuple[str, str]:
    """Validate `value` as an identity of `kind` ("resident_id" | "credit_code" | "other", or
    "" to infer it from the number). Returns (kind, the normalised number). An unknown kind is
    refused naming the field "id_kind"."""
    kind = (kind or "").strip()
    kind = {label: code for code, label in IDENTITY_KINDS.items()}.get(kind, kind)
    kind = kind or infer_id_kind(value)
    return kind, _check(kind, value, field, today)


def _check(kind: str, value: str, field: str, today: date | None) -> str:
    if kind == "resident_id":
        return check_resident_id(value, field, today)
    if kind == "credit_code":
        return check_credit_code(value, field)
    if kind == "other":
        return check_other_id(value, field)
    allowed = "、".join(f"{k}（{label}）" for k, label in IDENTITY_KINDS.items())
    raise DomainError(
        f"证件类型（id_kind）无法识别：“{kind}”。可选：{allowed}",
        field="id_kind",
        rule="RULES §2.1",
    )


def mask_id(number: str) -> str:
    """An ID number as lists, exports, notifications and logs show it (RULES §7).

    The first 6 and last 4 characters stay (the region code and the tail people quote on the
    phone: `370102********1234`); every other character becomes `*`, so the length still shows
    what kind of document it is. A number of 10 characters or fewer would be shown whole by
    that rule, so only its last quarter stays visible.
    """
    number = number.strip()
    if len(number) > 10:
        return number[:6] + "*" * (len(number) - 10) + number[-4:]
    keep = len(number) // 4
    return "*" * (len(number) - keep) + number[len(number) - keep :]
