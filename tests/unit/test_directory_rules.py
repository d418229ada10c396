"""The directory's editing rules, without a database: prefixes written into stored formats,
the agency tree staying a tree, assignees who must still be able to act, the last admin."""

from __future__ import annotations

import pytest

from domain.access import Role
from domain.directory import (
    Agency,
    User,
    check_agency_deactivation,
    check_parent,
    check_user_deactivation,
    check_user_edit,
    current_prefix,
    edited_agency,
    edited_user,
    new_agency,
)
from domain.errors import DomainError, NotFoundError

LIXIA = new_agency("lixia", "历下区人民政府", prefix="历下政公开")
WANG = User("wang", "王敏", Role.CASEWORKER, "lixia")
ADMIN = User("admin", "系统管理员", Role.ADMIN, "lixia")


def test_the_prefix_is_read_back_only_from_the_default_format() -> None:
    assert current_prefix(LIXIA.case_no_format) == "历下政公开"
    assert current_prefix("X-{year}-{seq}") is None
    assert current_prefix("〔{year}〕第{seq:04d}号") is None
    assert current_prefix("{code}〔{year}〕第{seq:04d}号") is None


def test_an_edited_agency_keeps_what_is_not_given() -> None:
    assert edited_agency(LIXIA) == LIXIA
    renamed = edited_agency(LIXIA, name=" 济南市历下区人民政府 ")
    assert (renamed.name, renamed.case_no_format) == ("济南市历下区人民政府", LIXIA.case_no_format)
    assert edited_agency(LIXIA, prefix="历下").case_no_format == "历下〔{year}〕第{seq:04d}号"
    assert edited_agency(LIXIA, case_no_format="{prefix}{year}-{seq}").case_no_format == "历下政公开{year}-{seq}"
    assert edited_agency(LIXIA, parent="jinan").parent == "jinan"
    assert edited_agency(edited_agency(LIXIA, parent="jinan"), parent="").parent is None
    closed = Agency("x", "X", None, 15, "X{year}{seq}", active=False)
    assert edited_agency(closed, name="Y").active is False


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"supplement_days": 61}, "supplement_days"),
        ({"case_no_format": "{prefix}-{seq}"}, "case_no_format"),
        ({"prefix": "历下", "case_no_format": "X-{year}-{seq}"}, "prefix"),
        ({"name": ""}, "name"),
        ({"prefix": "长" * 41}, "prefix"),
    ],
)
def test_an_agency_edit_is_refused_naming_the_field(change: dict[str, object], field: str) -> None:
    with pytest.raises(DomainError) as caught:
        edited_agency(LIXIA, **change)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_a_custom_format_needs_the_prefix_and_a_new_prefix_the_format() -> None:
    custom = edited_agency(LIXIA, case_no_format="LX-{year}-{seq:05d}")
    with pytest.raises(DomainError) as caught:
        edited_agency(custom, prefix="历下")
    assert caught.value.field == "prefix" and "case_no_format" in caught.value.message
    with pytest.raises(DomainError) as caught:
        edited_agency(custom, case_no_format="{prefix}-{year}-{seq}")
    assert caught.value.field == "prefix"


def test_the_tree_stays_a_tree() -> None:
    parents = {"lixia": None, "a": "lixia", "b": "a", "shizhong": None}
    check_parent("b", "shizhong", parents)
    check_parent("a", None, parents)
    for code, parent in (("lixia", "b"), ("lixia", "a"), ("a", "a")):
        with pytest.raises(DomainError) as caught:
            check_parent(code, parent, parents)
        assert caught.value.field == "parent" and "不能把机关设为其下级机关的下级" in caught.value.message
    with pytest.raises(NotFoundError):
        check_parent("a", "nowhere", parents)


def test_an_assignee_keeps_a_role_and_agency_that_act_on_their_open_cases() -> None:
    check_user_edit(WANG, edited_user(WANG, role="主管"), {"lixia": 2}, 1)
    with pytest.raises(DomainError) as caught:
        check_user_edit(WANG, edited_user(WANG, agency="shizhong"), {"lixia": 2}, 1)
    assert caught.value.field == "agency" and "2 件未办结案件" in caught.value.message
    with pytest.raises(DomainError) as caught:
        check_user_edit(WANG, edited_user(WANG, role="admin"), {"lixia": 2}, 1)
    assert caught.value.field == "role"
    check_user_edit(WANG, edited_user(WANG, agency="shizhong"), {}, 1)
    with pytest.raises(DomainError) as caught:
        check_user_deactivation(WANG, {"lixia": 1, "lixia_zj": 2}, 1)
    assert "3 件未办结案件" in caught.value.message and "须先改派" in caught.value.message


def test_the_last_active_administrator_is_kept() -> None:
    for call in (
        lambda: check_user_deactivation(ADMIN, {}, 1),
        lambda: check_user_edit(ADMIN, edited_user(ADMIN, role="supervisor"), {}, 1),
    ):
        with pytest.raises(DomainError):
            call()
    check_user_deactivation(ADMIN, {}, 2)
    check_user_edit(ADMIN, edited_user(ADMIN, display_name="管理员甲"), {}, 1)


def test_an_agency_with_open_cases_or_active_users_stays_in_use() -> None:
    check_agency_deactivation(LIXIA, 0, 0)
    with pytest.raises(DomainError) as caught:
        check_agency_deactivation(LIXIA, 4, 2)
    assert "4 件未办结案件" in caught.value.message and "2 名在用用户" in caught.value.message
