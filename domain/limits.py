"""How long what people type may be: one table, checked before anything is stored.

The database columns have lengths; a value that does not fit must be refused with a message
naming the field, not cut silently (SQLite) or crash (PostgreSQL).
"""

from __future__ import annotations

from domain.errors import DomainError

#: field → (Chinese label, longest allowed length in characters)
LIMITS: dict[str, tuple[str, int]] = {
    "applicant_name": ("申请人", 200),
    "contact": ("联系方式", 200),
    "requested_form": ("提供方式", 100),
    "content": ("申请内容", 5000),
    "case_no": ("申请编号", 80),
    "reason": ("理由", 1000),
    "party": ("被征求意见方", 200),
    "name": ("名称", 200),
    "code": ("代码", 40),
    "prefix": ("编号前缀", 40),
    "case_no_format": ("编号格式", 100),
    "username": ("用户名", 60),
    "display_name": ("姓名", 100),
    "email": ("邮箱", 200),
    "responsible_agency": ("负责公开的机关", 200),
    "responsible_contact": ("负责机关的联系方式", 200),
}


def check_length(field: str, value: object) -> None:
    """Refuse a text longer than the field allows (RULES: bad input changes nothing)."""
    if not isinstance(value, str) or field not in LIMITS:
        return
    label, longest = LIMITS[field]
    if len(value) > longest:
        raise DomainError(
            f"{label}（{field}）最多{longest}个字，实为{len(value)}个字",
            field=field,
            rule="长度限制",
        )


def check_lengths(values: dict[str, object]) -> None:
    for field, value in values.items():
        check_length(field, value)
