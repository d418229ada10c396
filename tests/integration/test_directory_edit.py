"""Editing, deactivating and re-activating users and agencies, on SQLite and PostgreSQL.

The fixture's office: agency lixia (prefix 历下政公开) with admin, wang (caseworker), chen
(office head) and liu (supervisor). Every refusal names the field and leaves the stored row as
it was (read back from the table, not through the services). Today is 2026-11-20.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from conftest import Database, Run
from ops import NewCase, act, add_agency, add_user, register_case, show_case, sweep, uow, who
from sqlalchemy import Engine, text

from domain.case import CaseEventType as E
from domain.errors import DomainError, ForbiddenError, NotFoundError, UnauthenticatedError
from services import auth, directory

D = dt.date
TODAY = D(2026, 11, 20)
PASSWORD = "correct-horse-battery"


def run(engine: Engine, service: Callable[..., Any], *args: Any, by: str = "admin", **kw: Any) -> Any:
    """A directory service as the entry points call it, acting as `by`."""
    return service(uow(engine), *args, actor=who(engine, by), today=TODAY, **kw)


def user_row(engine: Engine, username: str) -> dict[str, Any]:
    with engine.connect() as connection:
        row = connection.execute(
            text(
                "SELECT u.display_name, u.role, a.code AS agency, u.email, u.active "
                "FROM users u JOIN agencies a ON a.id = u.agency_id WHERE u.username = :name"
            ),
            {"name": username},
        ).one()
    return {**row._mapping, "active": bool(row.active)}


def agency_row(engine: Engine, code: str) -> dict[str, Any]:
    with engine.connect() as connection:
        row = connection.execute(
            text(
                "SELECT a.name, p.code AS parent, a.supplement_days, a.case_no_format, a.active "
                "FROM agencies a LEFT JOIN agencies p ON p.id = a.parent_id WHERE a.code = :code"
            ),
            {"code": code},
        ).one()
    return {**row._mapping, "active": bool(row.active)}


def new_case(engine: Engine, *, agency: str = "lixia", by: str = "wang", assignee: str | None = "wang") -> str:
    form = NewCase(agency, "张三", "natural_person", "online", D(2026, 11, 16), "某项目征收补偿方案",
                   assignee=assignee)  # fmt: skip
    return register_case(engine, form, by).case_no


def refused(
    error: type[DomainError], field: str, call: Callable[[], Any], *words: str
) -> DomainError:
    with pytest.raises(error) as caught:
        call()
    assert caught.value.field == field, caught.value.message
    for word in words:
        assert word in caught.value.message
    return caught.value


# -- users ------------------------------------------------------------------------------------


def test_a_user_is_edited_with_the_rules_of_a_new_user(engine: Engine) -> None:
    add_agency(engine, "lixia_zj", "历下区住房和城乡建设局", parent="lixia")
    edited = run(engine, directory.update_user, "liu", display_name="刘洋", role="政府信息公开工作机构负责人",
                 email="liu@lixia.gov.cn")  # fmt: skip
    assert (edited.display_name, edited.role.value) == ("刘洋", "office_head")
    assert user_row(engine, "liu") == {
        "display_name": "刘洋", "role": "office_head", "agency": "lixia",
        "email": "liu@lixia.gov.cn", "active": True,
    }  # fmt: skip
    run(engine, directory.update_user, "liu", role="supervisor", agency="lixia_zj", email="")
    assert user_row(engine, "liu") == {
        "display_name": "刘洋", "role": "supervisor", "agency": "lixia_zj", "email": "", "active": True,
    }  # fmt: skip
    assert who(engine, "liu").agencies == frozenset({"lixia_zj"})  # takes effect at once

    before = user_row(engine, "liu")
    refused(DomainError, "role", lambda: run(engine, directory.update_user, "liu", role="boss"), "boss")
    refused(DomainError, "email", lambda: run(engine, directory.update_user, "liu", email="liu at lixia"))
    refused(DomainError, "display_name", lambda: run(engine, directory.update_user, "liu", display_name="刘" * 101))
    refused(NotFoundError, "agency", lambda: run(engine, directory.update_user, "liu", agency="nowhere"), "nowhere")
    refused(NotFoundError, "user", lambda: run(engine, directory.update_user, "nobody", display_name="某"), "nobody")
    assert user_row(engine, "liu") == before


def test_only_administrators_edit_deactivate_or_activate(engine: Engine) -> None:
    users, agencies = user_row(engine, "liu"), agency_row(engine, "lixia")
    for username in ("wang", "liu", "chen"):
        for call in (
            lambda u=username: run(engine, directory.update_user, "liu", by=u, display_name="某"),
            lambda u=username: run(engine, directory.deactivate_user, "liu", by=u),
            lambda u=username: run(engine, directory.activate_user, "liu", by=u),
            lambda u=username: run(engine, directory.update_agency, "lixia", by=u, name="某"),
            lambda u=username: run(engine, directory.deactivate_agency, "lixia", by=u),
            lambda u=username: run(engine, directory.activate_agency, "lixia", by=u),
        ):
            refused(ForbiddenError, "user", call, "系统管理员")
    assert user_row(engine, "liu") == users
    assert agency_row(engine, "lixia") == agencies


def test_an_assignee_of_open_cases_keeps_a_role_and_agency_that_can_act_on_them(engine: Engine) -> None:
    add_agency(engine, "lixia_zj", "历下区住房和城乡建设局", parent="lixia")
    cases = [new_case(engine) for _ in range(3)]
    done = new_case(engine)
    act(engine, done, E.ANSWERED, "wang", outcome="disclosed")  # concluded: does not count
    before = user_row(engine, "wang")

    moved = refused(DomainError, "agency", lambda: run(engine, directory.update_user, "wang", agency="lixia_zj"),
                    "用户 wang 仍是 3 件未办结案件的经办人", "须先改派")  # fmt: skip
    assert "所属机关" in moved.message
    refused(DomainError, "role", lambda: run(engine, directory.update_user, "wang", role="admin"),
            "用户 wang 仍是 3 件未办结案件的经办人")  # fmt: skip
    refused(DomainError, "username", lambda: run(engine, directory.deactivate_user, "wang"),
            "用户 wang 仍是 3 件未办结案件的经办人", "须先改派")  # fmt: skip
    assert user_row(engine, "wang") == before

    # a role that still acts on the agency's cases is fine
    run(engine, directory.update_user, "wang", role="supervisor")
    run(engine, directory.update_user, "wang", role="caseworker")
    # reassigned (a voided registration is not open either), the move goes through
    act(engine, cases[0], E.ASSIGNED, "liu", assignee="chen")
    act(engine, cases[1], E.ASSIGNED, "liu", assignee="chen")
    act(engine, cases[2], E.VOIDED, "liu", reason="误登记")
    run(engine, directory.update_user, "wang", agency="lixia_zj")
    assert user_row(engine, "wang")["agency"] == "lixia_zj"


def test_a_deactivated_user_cannot_sign_in_use_a_token_or_act_and_stays_in_history(engine: Engine) -> None:
    no = new_case(engine)
    act(engine, no, E.ASSIGNED, "liu", assignee="chen")
    auth.set_password(uow(engine), "wang", PASSWORD, actor=who(engine, "admin"))
    token = auth.create_token(uow(engine), "wang", actor=who(engine, "admin"))
    assert auth.sign_in(uow(engine), "wang", PASSWORD).actor.name == "wang"
    assert auth.actor_for_token(uow(engine), token).name == "wang"

    gone = run(engine, directory.deactivate_user, "wang")
    assert gone.active is False
    assert user_row(engine, "wang")["active"] is False

    with pytest.raises(UnauthenticatedError):
        auth.sign_in(uow(engine), "wang", PASSWORD)
    with pytest.raises(UnauthenticatedError):
        auth.actor_for_token(uow(engine), token)
    with pytest.raises(UnauthenticatedError):
        auth.actor_of(uow(engine), "wang")  # a session still open is ended on its next request
    # as an actor (the command line): refused like an unknown user, but saying why
    refused(NotFoundError, "user", lambda: who(engine, "wang"), "wang", "已停用")
    refused(NotFoundError, "user", lambda: who(engine, "nobody"), "不存在")
    # nor can anyone assign a case to them
    refused(NotFoundError, "user", lambda: act(engine, no, E.ASSIGNED, "liu", assignee="wang"), "已停用")

    # still listed, still in the history of the case they registered
    assert {u.username: u.active for u in directory.list_users(uow(engine))}["wang"] is False
    events = show_case(engine, no, "liu").events
    assert events[0]["actor"] == "wang"

    back = run(engine, directory.activate_user, "wang")
    assert back.active is True and user_row(engine, "wang")["active"] is True
    assert auth.sign_in(uow(engine), "wang", PASSWORD).actor.name == "wang"
    with pytest.raises(UnauthenticatedError):  # the old token was revoked on deactivation
        auth.actor_for_token(uow(engine), token)


def test_deactivated_users_receive_no_reminders(engine: Engine) -> None:
    add_user(engine, "admin2", "第二管理员", "admin", "lixia")
    run(engine, directory.deactivate_user, "liu")  # the agency's only supervisor
    run(engine, directory.deactivate_user, "admin2")
    no = new_case(engine, assignee=None)
    sweep(engine, D(2026, 11, 20))  # the calendar alert, to administrators
    sweep(engine, D(2026, 11, 23))  # 1 working day after registration: unassigned
    with engine.connect() as connection:
        sent = sorted(tuple(r) for r in connection.execute(text("SELECT kind, recipient FROM outbox")).all())
    # without an active supervisor the office head is told; no deactivated person is
    assert {name for _, name in sent} == {"admin", "chen"}
    assert ("calendar_missing", "admin") in sent and ("unassigned", "chen") in sent
    assert no


def test_the_last_active_administrator_stays(engine: Engine) -> None:
    before = user_row(engine, "admin")
    refused(DomainError, "username", lambda: run(engine, directory.deactivate_user, "admin"), "唯一在用的系统管理员")
    refused(DomainError, "role", lambda: run(engine, directory.update_user, "admin", role="supervisor"),
            "唯一在用的系统管理员")  # fmt: skip
    assert user_row(engine, "admin") == before

    add_user(engine, "admin2", "第二管理员", "admin", "lixia")
    run(engine, directory.deactivate_user, "admin2")
    refused(DomainError, "role", lambda: run(engine, directory.update_user, "admin", role="supervisor"))
    run(engine, directory.activate_user, "admin2")
    run(engine, directory.update_user, "admin", role="supervisor", by="admin2")  # admin2 remains
    assert user_row(engine, "admin")["role"] == "supervisor"
    refused(DomainError, "username", lambda: run(engine, directory.deactivate_user, "admin2", by="admin2"))


def test_two_administrators_removing_each_other_at_once_leave_one(engine: Engine, database: Database) -> None:
    """Each checks "another admin remains" and then writes: the admins' rows are locked (and on
    SQLite the write transaction holds the file), so the second sees the first's change."""
    add_user(engine, "admin2", "第二管理员", "admin", "lixia")
    barrier = threading.Barrier(2)

    def remove(target: str, by: str) -> str:
        own = database.new_engine()
        actor = who(own, by)
        barrier.wait(timeout=30)
        try:
            directory.deactivate_user(uow(own), target, actor=actor, today=TODAY)
            return "ok"
        except DomainError as error:
            assert error.field == "username" and "唯一在用的系统管理员" in error.message
            return "refused"

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = [f.result(timeout=120) for f in
                    [pool.submit(remove, "admin2", "admin"), pool.submit(remove, "admin", "admin2")]]  # fmt: skip
    assert sorted(outcomes) == ["ok", "refused"]
    assert [user_row(engine, name)["active"] for name in ("admin", "admin2")].count(True) == 1


# -- agencies ---------------------------------------------------------------------------------


def test_a_new_prefix_or_format_numbers_only_new_cases(engine: Engine) -> None:
    first = new_case(engine)
    assert first == "历下政公开〔2026〕第0001号"
    edited = run(engine, directory.update_agency, "lixia", prefix="历下区政务公开", name="济南市历下区人民政府",
                 supplement_days=10)  # fmt: skip
    assert edited.case_no_format == "历下区政务公开〔{year}〕第{seq:04d}号"
    assert agency_row(engine, "lixia") == {
        "name": "济南市历下区人民政府", "parent": None, "supplement_days": 10,
        "case_no_format": "历下区政务公开〔{year}〕第{seq:04d}号", "active": True,
    }  # fmt: skip
    second = new_case(engine)
    assert second == "历下区政务公开〔2026〕第0002号"
    # a format naming {prefix} keeps the current prefix
    run(engine, directory.update_agency, "lixia", case_no_format="{prefix}-{year}-{seq:03d}")
    assert new_case(engine) == "历下区政务公开-2026-003"
    # the numbers issued before never change
    assert show_case(engine, first, "liu").row["case_no"] == first
    assert show_case(engine, second, "liu").row["case_no"] == second
    with engine.connect() as connection:
        numbers = sorted(connection.execute(text("SELECT case_no FROM cases")).scalars())
    assert numbers == sorted([first, second, "历下区政务公开-2026-003"])

    # a custom format does not say where its prefix is: a new prefix needs the format too
    before = agency_row(engine, "lixia")
    refused(DomainError, "prefix", lambda: run(engine, directory.update_agency, "lixia", prefix="历下"),
            "case_no_format")  # fmt: skip
    refused(DomainError, "prefix",
            lambda: run(engine, directory.update_agency, "lixia", prefix="历下", case_no_format="X-{year}-{seq}"))  # fmt: skip
    refused(DomainError, "case_no_format", lambda: run(engine, directory.update_agency, "lixia", case_no_format="{seq}"))
    refused(DomainError, "supplement_days", lambda: run(engine, directory.update_agency, "lixia", supplement_days=0))
    refused(DomainError, "name", lambda: run(engine, directory.update_agency, "lixia", name="  "))
    refused(NotFoundError, "agency", lambda: run(engine, directory.update_agency, "nowhere", name="某"), "nowhere")
    assert agency_row(engine, "lixia") == before
    run(engine, directory.update_agency, "lixia", prefix="历下", case_no_format="{prefix}〔{year}〕{seq}号")
    assert agency_row(engine, "lixia")["case_no_format"] == "历下〔{year}〕{seq}号"


def test_a_parent_must_exist_and_not_lie_under_the_agency(engine: Engine) -> None:
    add_agency(engine, "lixia_a", "甲局", parent="lixia")
    add_agency(engine, "lixia_b", "甲局下属中心", parent="lixia_a")
    add_agency(engine, "shizhong", "市中区人民政府")
    before = {code: agency_row(engine, code) for code in ("lixia", "lixia_a", "lixia_b")}
    refused(DomainError, "parent", lambda: run(engine, directory.update_agency, "lixia", parent="lixia_b"),
            "不能把机关设为其下级机关的下级")  # fmt: skip
    refused(DomainError, "parent", lambda: run(engine, directory.update_agency, "lixia_a", parent="lixia_a"),
            "不能把机关设为其下级机关的下级")  # fmt: skip
    refused(NotFoundError, "parent", lambda: run(engine, directory.update_agency, "lixia_a", parent="nowhere"),
            "nowhere")  # fmt: skip
    assert {code: agency_row(engine, code) for code in before} == before

    run(engine, directory.update_agency, "lixia_b", parent="lixia")  # up one level
    run(engine, directory.update_agency, "lixia_a", parent="shizhong")  # to another tree
    assert agency_row(engine, "lixia_a")["parent"] == "shizhong"
    run(engine, directory.update_agency, "lixia_a", parent="")  # a top-level agency
    assert agency_row(engine, "lixia_a")["parent"] is None
    assert agency_row(engine, "lixia_b")["parent"] == "lixia"


def agency_codes(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return sorted(connection.execute(text("SELECT code FROM agencies")).scalars())


def test_an_agency_takes_no_other_agencys_numbers_and_no_deactivated_parent(engine: Engine) -> None:
    """Case numbers are unique across agencies: a second agency numbering like the first
    would collide on its first registration. A deactivated agency is nobody's parent."""
    add_agency(engine, "lixia_a", "甲局", parent="lixia", prefix="甲局公开")
    add_agency(engine, "lixia_x", "已撤并的局", parent="lixia", prefix="撤并局公开")
    run(engine, directory.deactivate_agency, "lixia_x")
    codes, before = agency_codes(engine), agency_row(engine, "lixia_a")

    refused(DomainError, "prefix", lambda: run(engine, directory.add_agency, "lixia_b", "乙局",
            parent="lixia", prefix="历下政公开"), "lixia", "历下政公开〔2026〕第0001号", "重复")  # fmt: skip
    refused(DomainError, "prefix", lambda: run(engine, directory.update_agency, "lixia_a",
            prefix="历下政公开"), "重复")  # fmt: skip
    refused(DomainError, "parent", lambda: run(engine, directory.add_agency, "lixia_b", "乙局",
            parent="lixia_x", prefix="乙局公开"), "lixia_x", "已停用")  # fmt: skip
    refused(DomainError, "parent", lambda: run(engine, directory.update_agency, "lixia_a",
            parent="lixia_x"), "已停用")  # fmt: skip
    assert agency_codes(engine) == codes and agency_row(engine, "lixia_a") == before

    # the same prefix in a format that tells the agencies apart numbers on its own
    run(engine, directory.add_agency, "lixia_c", "丙局", parent="lixia", prefix="历下政公开",
        case_no_format="{prefix}-{code}〔{year}〕第{seq:04d}号")  # fmt: skip
    add_user(engine, "zhou", "周经办", "caseworker", "lixia_c")
    assert new_case(engine) != new_case(engine, agency="lixia_c", by="zhou", assignee="zhou")
    # an agency keeps its own numbering when other fields change
    run(engine, directory.update_agency, "lixia_a", name="甲局（新名）")


def test_a_deactivated_agency_registers_nothing_and_keeps_its_cases(
    engine: Engine, table_counts: Callable[..., dict[str, int]]
) -> None:
    add_agency(engine, "lixia_zj", "历下区住房和城乡建设局", parent="lixia", prefix="历下住建公开")
    add_user(engine, "sun", "孙强", "caseworker", "lixia_zj")
    no = new_case(engine, agency="lixia_zj", by="sun", assignee="sun")
    before = agency_row(engine, "lixia_zj")
    refused(DomainError, "code", lambda: run(engine, directory.deactivate_agency, "lixia_zj"),
            "1 件未办结案件", "1 名在用用户")  # fmt: skip
    act(engine, no, E.ANSWERED, "sun", outcome="disclosed")
    refused(DomainError, "code", lambda: run(engine, directory.deactivate_agency, "lixia_zj"), "1 名在用用户")
    assert agency_row(engine, "lixia_zj") == before

    run(engine, directory.deactivate_user, "sun")
    assert run(engine, directory.deactivate_agency, "lixia_zj").active is False
    assert agency_row(engine, "lixia_zj")["active"] is False
    assert {a.code: a.active for a in directory.list_agencies(uow(engine))} == {"lixia": True, "lixia_zj": False}

    counts = table_counts()
    refused(DomainError, "agency", lambda: new_case(engine, agency="lixia_zj", by="liu", assignee=None),
            "lixia_zj", "已停用", "不能登记")  # fmt: skip
    assert table_counts() == counts
    # its cases and history stay, and its people do not come back to it while it is closed
    assert show_case(engine, no, "liu").row["state"] == "concluded"
    refused(DomainError, "agency", lambda: run(engine, directory.activate_user, "sun"), "已停用")
    refused(DomainError, "agency", lambda: add_user(engine, "zhou", "周", "caseworker", "lixia_zj"), "已停用")
    refused(DomainError, "agency", lambda: run(engine, directory.update_user, "wang", agency="lixia_zj"), "已停用")
    assert user_row(engine, "sun")["active"] is False

    run(engine, directory.activate_agency, "lixia_zj")
    run(engine, directory.activate_user, "sun")
    assert new_case(engine, agency="lixia_zj", by="sun", assignee="sun") == "历下住建公开〔2026〕第0002号"


# -- the command line -------------------------------------------------------------------------


def test_cli_update_deactivate_activate_users(engine: Engine, ogi: Callable[..., Run]) -> None:
    updated = ogi("user", "update", "liu", "--name", "刘洋", "--role", "负责人", "--email", "liu@lixia.gov.cn", "--json")
    assert updated.code == 0, updated.err
    assert updated.json() == {
        "username": "liu", "display_name": "刘洋", "role": "office_head", "agency": "lixia",
        "email": "liu@lixia.gov.cn", "active": True,
    }  # fmt: skip
    assert "已修改用户 liu" in ogi("user", "update", "liu", "--role", "supervisor").out

    stopped = ogi("user", "deactivate", "liu")
    assert stopped.code == 0, stopped.err
    assert "已停用用户 liu" in stopped.out
    listed = ogi("user", "list").out
    assert "状态" in listed and "已停用" in listed and "在用" in listed
    assert {u["username"]: u["active"] for u in ogi("user", "list", "--json").json()}["liu"] is False
    # a deactivated user is refused as the acting user: exit 3, saying why
    acting = ogi("case", "list", "-u", "liu")
    assert acting.code == 3 and "已停用" in acting.err and "Traceback" not in acting.err
    assert "已启用用户 liu" in ogi("user", "activate", "liu").out
    assert ogi("user", "list", "--json").json()[-1]["active"] is True

    before = user_row(engine, "liu")
    assert ogi("user", "update", "liu", "--role", "boss").code == 1
    forbidden = ogi("user", "deactivate", "liu", "-u", "wang")
    assert forbidden.code == 7 and "系统管理员" in forbidden.err
    assert ogi("user", "update", "liu", "--name", "某", "-u", "chen").code == 7
    assert ogi("user", "update", "nobody", "--name", "某").code == 3
    last = ogi("user", "deactivate", "admin")
    assert last.code == 1 and "唯一在用的系统管理员" in last.err
    assert user_row(engine, "liu") == before


def test_cli_update_deactivate_activate_agencies(engine: Engine, ogi: Callable[..., Run]) -> None:
    assert ogi("agency", "add", "lixia_zj", "历下区住建局", "--parent", "lixia").code == 0
    updated = ogi("agency", "update", "lixia_zj", "--name", "历下区住房和城乡建设局", "--prefix", "历下住建公开",
                  "--supplement-days", "10", "--json")  # fmt: skip
    assert updated.code == 0, updated.err
    assert updated.json()["case_no_format"] == "历下住建公开〔{year}〕第{seq:04d}号"
    assert updated.json()["supplement_days"] == 10 and updated.json()["active"] is True
    cycle = ogi("agency", "update", "lixia", "--parent", "lixia_zj")
    assert cycle.code == 1 and "parent" in cycle.err and "不能把机关设为其下级机关的下级" in cycle.err

    stopped = ogi("agency", "deactivate", "lixia_zj")
    assert stopped.code == 0, stopped.err
    assert "已停用机关 lixia_zj" in stopped.out
    assert "已停用" in ogi("agency", "list").out
    assert {a["code"]: a["active"] for a in ogi("agency", "list", "--json").json()} == {
        "lixia": True, "lixia_zj": False,
    }  # fmt: skip
    register = ogi(
        "case", "register", "--agency", "lixia_zj", "--applicant", "张伟", "--applicant-type", "自然人",
        "--channel", "online", "--received-on", "2026-11-16", "--content", "某方案", "-u", "liu",
    )  # fmt: skip
    assert register.code == 1 and "agency" in register.err and "已停用" in register.err
    busy = ogi("agency", "deactivate", "lixia")
    assert busy.code == 1 and "在用用户" in busy.err
    assert ogi("agency", "activate", "lixia_zj", "-u", "wang").code == 7
    assert "已启用机关 lixia_zj" in ogi("agency", "activate", "lixia_zj").out
    assert ogi("agency", "update", "nowhere", "--name", "某").code == 3
    assert count_active(engine) == 2


def count_active(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT count(*) FROM agencies WHERE active = :t"), {"t": True}).scalar_one()
