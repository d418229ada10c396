"""The administration page: users with one-time passwords, a holiday notice previewed (nothing
written) then confirmed, a ledger checked (per-row errors, nothing written) then confirmed.
Its own server (module), since it changes the calendar."""

from __future__ import annotations

import re

from conftest import _NOTICE_2027
from web_support import server  # noqa: F401 - the module's fixture

LEDGER_HEADER = "case_no,applicant_type,applicant_name,channel,received_on,content,outcome,concluded_on\n"
GOOD_LEDGER = LEDGER_HEADER + (
    "历下政公开〔2025〕第0100号,natural_person,周一,in_person,2025-12-01,某道路规划,disclosed,2025-12-10\n"
    "历下政公开〔2025〕第0101号,business,某公司,mail,2025-12-20,某招标文件,,\n"
)
BAD_LEDGER = LEDGER_HEADER + (
    "历下政公开〔2025〕第0102号,natural_person,周二,in_person,2025-12-01,某道路规划,disclosed,2025-12-10\n"
    "历下政公开〔2025〕第0103号,martian,某人,mail,2025-12-20,某招标文件,,\n"
)


def admin(server):  # noqa: F811
    browser = server.browser()
    assert browser.sign_in("admin").status == 303
    return browser


def test_only_administrators_open_the_administration_page(server) -> None:  # noqa: F811
    caseworker = server.browser()
    caseworker.sign_in("wang")
    assert caseworker.get("/admin").status == 403
    assert admin(server).get("/admin").status == 200


def test_a_new_user_gets_a_one_time_password_shown_once(server) -> None:  # noqa: F811
    browser = admin(server)
    token = browser.csrf("/admin")
    page = browser.post(
        "/admin/users",
        {"csrf_token": token, "username": "xu", "display_name": "徐静", "role": "caseworker", "agency": "lixia"},
    ).text
    one_time = re.search(r'<code class="otp">([^<]+)</code>', page).group(1)
    assert "xu" in page
    assert server.browser().sign_in("xu", one_time).headers["location"] == "/password"
    before = server.count("users")
    bad = browser.post("/admin/users", {"csrf_token": token, "username": "yu", "role": "emperor", "agency": "lixia"})
    assert bad.status == 422 and 'data-field="role"' in bad.text
    assert server.count("users") == before


def test_a_holiday_notice_is_previewed_then_confirmed(server) -> None:  # noqa: F811
    browser = admin(server)
    token = browser.csrf("/admin")
    before = server.count("calendar_entries")
    preview = browser.post("/admin/calendar", {"csrf_token": token, "notice": _NOTICE_2027})
    assert preview.status == 200 and 'data-preview="preview"' in preview.text
    assert "2027-02-20" in preview.text  # a make-up working Saturday in the preview
    assert server.count("calendar_entries") == before
    done = browser.post("/admin/calendar", {"csrf_token": token, "notice": _NOTICE_2027, "confirm": "1"})
    assert 'data-preview="done"' in done.text
    assert server.count("calendar_entries") != before
    broken = browser.post("/admin/calendar", {"csrf_token": token, "notice": ""})
    assert broken.status == 422 and 'data-field="notice"' in broken.text


def _upload(browser, token: str, content: str, agency: str = "lixia"):
    boundary = "----ogi-test-boundary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n',
        f'--{boundary}\r\nContent-Disposition: form-data; name="agency"\r\n\r\n{agency}\r\n',
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="ledger.csv"\r\n'
        f"Content-Type: text/csv\r\n\r\n{content}\r\n",
        f"--{boundary}--\r\n",
    ]
    body = "".join(parts).encode("utf-8")
    return browser.server.request(
        "POST", "/admin/ledger", body=body, opener=browser.opener,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )


def test_a_ledger_with_a_bad_row_is_refused_row_by_row_and_writes_nothing(server) -> None:  # noqa: F811
    browser = admin(server)
    token = browser.csrf("/admin")
    before = server.count("cases")
    reply = _upload(browser, token, BAD_LEDGER)
    assert reply.status == 422 and 'data-ledger="problems"' in reply.text
    assert "第3行" in reply.text
    assert server.count("cases") == before


def test_a_good_ledger_is_checked_then_imported(server) -> None:  # noqa: F811
    browser = admin(server)
    token = browser.csrf("/admin")
    before = server.count("cases")
    checked = _upload(browser, token, GOOD_LEDGER)
    assert checked.status == 200 and 'data-ledger="checked"' in checked.text
    assert "共 2 件，未办结 1 件，已办结 1 件" in checked.text
    assert server.count("cases") == before
    ticket = re.search(r'name="ticket" value="([^"]+)"', checked.text).group(1)
    done = browser.post("/admin/ledger", {"csrf_token": token, "ticket": ticket, "agency": "lixia"})
    assert 'data-ledger="imported"' in done.text
    assert server.count("cases") == before + 2
    again = browser.post("/admin/ledger", {"csrf_token": token, "ticket": ticket, "agency": "lixia"})
    assert again.status == 422 and 'data-field="file"' in again.text
    assert server.count("cases") == before + 2


def _person(server, username: str, agency: str = "lixia") -> str:  # noqa: F811
    """A user of this test only (the module's server is shared): password set, one token."""
    from conftest import TODAY
    from web_support import PASSWORD

    from domain.access import SYSTEM
    from services import auth, directory
    from store.uow import SqlUnitOfWork

    directory.add_user(SqlUnitOfWork(server.engine), username, "周敏", "caseworker", agency, actor=SYSTEM, today=TODAY)
    auth.set_password(SqlUnitOfWork(server.engine), username, PASSWORD, actor=SYSTEM)
    return auth.create_token(SqlUnitOfWork(server.engine), username, actor=SYSTEM)


def _user(server, username: str) -> tuple:  # noqa: F811
    from sqlalchemy import text

    with server.engine.connect() as connection:
        row = connection.execute(
            text("SELECT display_name, role, email, active FROM users WHERE username = :u"), {"u": username}
        ).one()
    return (row[0], row[1], row[2], bool(row[3]))


def test_a_user_is_edited_then_deactivated_from_the_administration_page(server) -> None:  # noqa: F811
    token = _person(server, "zhou")
    person = server.browser()
    assert person.sign_in("zhou").status == 303
    assert server.request("GET", "/api/v1/cases", token=token).status == 200

    browser = admin(server)
    listing = browser.get("/admin").text
    assert 'data-user="zhou" data-active="yes"' in listing and "在用" in listing
    edit = browser.get("/admin/users/edit?username=zhou")
    assert edit.status == 200 and 'data-action="update_user"' in edit.text and "周敏" in edit.text
    csrf = browser.csrf("/admin/users/edit?username=zhou")
    form = {"csrf_token": csrf, "username": "zhou", "display_name": "周静", "role": "caseworker",
            "agency": "lixia", "email": "zhou@lixia.gov.cn"}  # fmt: skip
    done = browser.post("/admin/users/update", form)
    assert done.status == 200 and "已修改用户 zhou" in done.text
    assert _user(server, "zhou") == ("周静", "caseworker", "zhou@lixia.gov.cn", True)

    bad = browser.post("/admin/users/update", {**form, "email": "not an address", "display_name": "别的"})
    assert bad.status == 422 and 'data-field="email"' in bad.text and 'data-action="update_user"' in bad.text
    assert "别的" in bad.text  # the form keeps what was typed
    assert _user(server, "zhou") == ("周静", "caseworker", "zhou@lixia.gov.cn", True)
    stale = browser.post("/admin/users/deactivate", {"csrf_token": "forged", "username": "zhou"})
    assert stale.status == 403 and _user(server, "zhou")[3] is True
    caseworker = server.browser()
    caseworker.sign_in("wang")
    not_admin = caseworker.post("/admin/users/deactivate", {"csrf_token": caseworker.csrf("/password"), "username": "zhou"})
    assert not_admin.status == 403 and _user(server, "zhou")[3] is True

    stopped = browser.post("/admin/users/deactivate", {"csrf_token": csrf, "username": "zhou"})
    assert stopped.status == 200 and 'data-user="zhou" data-active="no"' in stopped.text
    assert _user(server, "zhou")[3] is False
    # no new sign-in, no token, and the open session ends at its next request
    assert server.browser().sign_in("zhou").status == 401
    assert server.request("GET", "/api/v1/cases", token=token).status == 401
    ended = person.get("/password")
    assert ended.status == 303 and ended.headers["location"] == "/login"

    last = browser.post("/admin/users/deactivate", {"csrf_token": csrf, "username": "admin"})
    assert last.status == 422 and 'data-field="username"' in last.text and "唯一在用的系统管理员" in last.text
    again = browser.post("/admin/users/activate", {"csrf_token": csrf, "username": "zhou"})
    assert again.status == 200 and _user(server, "zhou")[3] is True
    assert server.browser().sign_in("zhou").status == 303


def test_an_agency_is_edited_and_deactivated_from_the_administration_page(server) -> None:  # noqa: F811
    browser = admin(server)
    csrf = browser.csrf("/admin")
    assert browser.post("/admin/agencies", {"csrf_token": csrf, "code": "lixia_wj", "name": "历下区卫健委",
                                            "parent": "lixia"}).status == 200  # fmt: skip
    edit = browser.get("/admin/agencies/edit?code=lixia_wj")
    assert edit.status == 200 and 'data-action="update_agency"' in edit.text
    form = {"csrf_token": csrf, "code": "lixia_wj", "name": "历下区卫生健康委员会", "parent": "lixia",
            "supplement_days": "10", "prefix": "历下卫健公开", "case_no_format": ""}  # fmt: skip
    done = browser.post("/admin/agencies/update", form)
    assert done.status == 200 and "历下卫健公开〔{year}〕第{seq:04d}号" in done.text
    before = server.count("agencies")
    cycle = browser.post("/admin/agencies/update", {**form, "code": "lixia", "name": "历下区人民政府",
                                                    "parent": "lixia_wj", "prefix": ""})  # fmt: skip
    assert cycle.status == 422 and 'data-field="parent"' in cycle.text and "不能把机关设为其下级机关的下级" in cycle.text
    days = browser.post("/admin/agencies/update", {**form, "supplement_days": "十"})
    assert days.status == 422 and 'data-field="supplement_days"' in days.text
    assert server.count("agencies") == before

    stopped = browser.post("/admin/agencies/deactivate", {"csrf_token": csrf, "code": "lixia_wj"})
    assert stopped.status == 200 and 'data-agency="lixia_wj" data-active="no"' in stopped.text
    busy = browser.post("/admin/agencies/deactivate", {"csrf_token": csrf, "code": "lixia"})
    assert busy.status == 422 and 'data-field="code"' in busy.text and "在用用户" in busy.text
    again = browser.post("/admin/agencies/activate", {"csrf_token": csrf, "code": "lixia_wj"})
    assert again.status == 200 and 'data-agency="lixia_wj" data-active="yes"' in again.text


def test_flow_runs_and_failed_deliveries_are_shown_and_sent_again(server) -> None:  # noqa: F811
    import datetime as dt

    from ops import NewCase, register_case, set_notification_settings, sweep
    from sqlalchemy import text

    from flows.dispatch import run_dispatch
    from services.bootstrap import Settings
    from store.uow import SqlUnitOfWork

    # nothing listens on port 9: every post to this group robot fails
    set_notification_settings(
        server.engine, "lixia", webhook_flavor="json", webhook_url="http://127.0.0.1:9/hook"
    )
    received = dt.date(2026, 11, 2)  # due 30 Nov; one day overdue on 1 Dec → the agency's robot
    form = NewCase("lixia", "张三", "natural_person", "online", received, "某事项", assignee="wang")
    register_case(server.engine, form, "wang", today=received)
    sweep(server.engine, dt.date(2026, 12, 1))
    start = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    for hours in (0, 25):  # first try, then past the 24 hours of retries
        run_dispatch(
            SqlUnitOfWork(server.engine), dt.date(2026, 12, 1), Settings(),
            now=start + dt.timedelta(hours=hours),
        )  # fmt: skip

    browser = admin(server)
    page = browser.get("/admin").text
    flows = page.split('data-section="flows"', 1)[1].split("</section>", 1)[0]
    assert "提醒扫描" in flows and "2026-12-01" in flows and "消息投递" in flows
    # the start of a run in Asia/Shanghai wall time, whatever the server's zone (stored in UTC)
    from zoneinfo import ZoneInfo

    with server.engine.connect() as connection:
        started = connection.execute(text("SELECT max(started_at) FROM flow_runs")).scalar_one()
    started = dt.datetime.fromisoformat(str(started))  # SQLite's text, PostgreSQL's timestamptz
    started = started if started.tzinfo else started.replace(tzinfo=dt.UTC)
    assert started.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M") in flows
    # counts as the runs recorded them (other tests of this module add cases of their own)
    assert re.search(r"完成 发送 [1-9]\d*，跳过 \d+", flows) and re.search(r"失败 [1-9]", flows)
    failed = page.split('data-section="failed-deliveries"', 1)[1].split("</section>", 1)[0]
    assert "群机器人" in failed and "lixia" in failed
    number = re.search(r'name="id" value="(\d+)"', failed).group(1)

    token = browser.csrf("/admin")
    again = browser.post("/admin/deliveries/retry", {"csrf_token": token, "id": number})
    assert again.status == 200 and f"已重新排队第 {number} 号" in again.text
    with server.engine.connect() as connection:
        status = connection.execute(
            text("SELECT status FROM deliveries WHERE id = :i"), {"i": int(number)}
        ).scalar_one()
    assert status == "pending"
    assert browser.post("/admin/deliveries/retry", {"csrf_token": token, "id": number}).status == 404
    set_notification_settings(server.engine, "lixia")  # leave the module's agency as it was
