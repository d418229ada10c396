"""The pages over HTTP with a cookie-keeping client: sign-in, lockout, CSRF, escaping, the
register form's errors, the case page's actions, the dashboard and extension approval.

Dates as in test_web_api (TODAY = Fri 2026-11-20): received Mon 11-02 -> due 2026-11-30;
received Fri 10-09 -> due 2026-11-05 (Sat 10-10 worked), overdue today; an approved
extension of 5 working days on a due of 11-30 -> 2026-12-07.
"""

from __future__ import annotations

import re

import pytest
from conftest import TODAY
from sqlalchemy import text
from web_support import PASSWORD, case_path, server  # noqa: F401 - the module's fixture

from domain.access import SYSTEM
from services import auth, directory
from store.uow import SqlUnitOfWork

GOOD_ID = "11010519491231002X"


def form(**over: str) -> dict[str, str]:
    data = {
        "agency": "lixia",
        "applicant_name": "张伟",
        "applicant_type": "natural_person",
        "id_kind": "resident_id",
        "id_number": GOOD_ID,
        "contact": "13800000000",
        "channel": "mail",
        "received_on": "2026-11-02",
        "content": "某项目征收补偿方案",
        "requested_form": "纸质",
    }
    data.update(over)
    return data


def signed_in(server, user: str):  # noqa: F811
    browser = server.browser()
    assert browser.sign_in(user).status == 303
    return browser


def register(browser, **over: str) -> str:
    token = browser.csrf("/cases/new")
    reply = browser.post("/cases/new", {"csrf_token": token, **form(**over)})
    assert reply.status == 303, reply.text
    location = reply.headers["location"]
    assert location.startswith("/cases/")
    return location


def test_pages_need_a_sign_in(server) -> None:  # noqa: F811
    for path in ("/queue", "/cases/new", "/dashboard", "/inbox"):
        reply = server.browser().get(path)
        assert (reply.status, reply.headers["location"]) == (303, "/login")


def test_sign_in_sets_a_signed_http_only_same_site_cookie(server) -> None:  # noqa: F811
    browser = server.browser()
    reply = browser.sign_in("wang")
    assert reply.status == 303
    cookie = reply.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("samesite", "SameSite")
    assert "Secure" not in cookie  # served over plain HTTP here
    assert "待办队列" in browser.get("/queue").text
    tampered = server.browser()
    tampered.jar.set_cookie(_copy_cookie(browser, value_suffix="x"))
    assert tampered.get("/queue").status == 303


def _copy_cookie(browser, value_suffix: str):
    import copy

    cookie = copy.copy(next(iter(browser.jar)))
    cookie.value = cookie.value + value_suffix
    return cookie


def test_wrong_password_is_refused_with_one_message(server) -> None:  # noqa: F811
    wrong = server.browser().sign_in("wang", "not-the-password")
    unknown = server.browser().sign_in("nobody", "not-the-password")
    assert wrong.status == unknown.status == 401
    assert "用户名或密码不正确" in wrong.text and "用户名或密码不正确" in unknown.text


def test_five_failures_lock_the_account(server) -> None:  # noqa: F811
    uow = lambda: SqlUnitOfWork(server.engine)  # noqa: E731
    directory.add_user(uow(), "lockme", "锁定测试", "caseworker", "lixia", actor=SYSTEM, today=TODAY)
    auth.set_password(uow(), "lockme", PASSWORD, actor=SYSTEM)
    for _ in range(4):
        assert server.browser().sign_in("lockme", "guess-guess-guess").status == 401
    fifth = server.browser().sign_in("lockme", "guess-guess-guess")
    assert fifth.status == 401 and "锁定" in fifth.text
    right = server.browser().sign_in("lockme", PASSWORD)
    assert right.status == 401 and "锁定" in right.text
    with server.engine.connect() as connection:
        locked = connection.execute(
            text("SELECT locked_until FROM users WHERE username = 'lockme'")
        ).scalar_one()
    assert locked is not None


def test_forms_without_the_csrf_token_are_refused_and_write_nothing(server) -> None:  # noqa: F811
    browser = signed_in(server, "wang")
    before = server.count("cases")
    reply = browser.post("/cases/new", form())
    assert reply.status == 403 and "CSRF" in reply.text
    forged = browser.post("/cases/new", {"csrf_token": "forged", **form()})
    assert forged.status == 403
    assert server.count("cases") == before
    assert server.browser().post("/login", {"username": "wang", "password": PASSWORD}).status == 403


def test_register_shows_the_deadline_and_full_id_to_the_caseworker(server) -> None:  # noqa: F811
    browser = signed_in(server, "wang")
    page = browser.get(register(browser)).text
    assert "2026-11-30" in page
    assert GOOD_ID in page
    assert 'data-action="supplement_requested"' in page
    admin_view = signed_in(server, "admin").get(register(browser)).text
    assert GOOD_ID not in admin_view and "110105********002X" in admin_view
    assert 'data-action=' not in admin_view


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"id_number": "110105194912310021"}, "id_number"),
        ({"received_on": "2026-11-21"}, "received_on"),
        ({"received_on": "yesterday"}, "received_on"),
        ({"applicant_name": ""}, "applicant_name"),
        ({"channel": "pigeon"}, "channel"),
        ({"agency": "shizhong"}, "agency"),
    ],
)
def test_register_form_errors_name_the_field_and_write_nothing(server, change, field) -> None:  # noqa: F811
    browser = signed_in(server, "wang")
    before = (server.count("cases"), server.count("case_events"))
    token = browser.csrf("/cases/new")
    reply = browser.post("/cases/new", {"csrf_token": token, **form(**change)})
    assert reply.status in (403, 422)
    assert f'data-field="{field}"' in reply.text
    assert (server.count("cases"), server.count("case_events")) == before


HOSTILE = "<script>alert('x')</script>"


def test_typed_text_is_shown_escaped(server) -> None:  # noqa: F811
    browser = signed_in(server, "wang")
    location = register(browser, applicant_name=HOSTILE, content="'; DROP TABLE cases; --")
    for page in (browser.get(location).text, browser.get("/queue").text):
        assert HOSTILE not in page
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
    assert server.count("cases") > 0


def test_supplement_stops_the_clock_and_receipt_restarts_it_on_the_page(server) -> None:  # noqa: F811
    browser = signed_in(server, "wang")
    location = register(browser)
    token = browser.csrf(location)
    reply = browser.post(
        location + "/events",
        {"csrf_token": token, "type": "supplement_requested", "on": "2026-11-04", "reason": "请补充项目名称"},
    )
    assert reply.status == 303
    page = browser.get(location).text
    assert "计时停止" in page and 'data-action="supplement_received"' in page
    browser.post(location + "/events", {"csrf_token": token, "type": "supplement_received", "on": "2026-11-10"})
    assert "2026-12-08" in browser.get(location).text


def test_a_bad_action_form_shows_the_message_and_writes_nothing(server) -> None:  # noqa: F811
    browser = signed_in(server, "wang")
    location = register(browser)
    token = browser.csrf(location)
    before = server.count("case_events")
    reply = browser.post(location + "/events", {"csrf_token": token, "type": "extension_requested", "workdays": "30", "reason": "x"})
    assert reply.status == 422 and 'data-field="workdays"' in reply.text
    assert server.count("case_events") == before


def _month_row(board: str, month: int) -> list[str]:
    """The cells of one month's row in the dashboard's 逐月 table (月份, 办结, 按时, 逾期, 按时率)."""
    row = re.search(rf"<tr><td>{month}月</td>(.*?)</tr>", board, re.S)
    assert row, board
    return [f"{month}月", *re.findall(r"<td[^>]*>([^<]*)</td>", row.group(1))[:4]]


def test_the_dashboard_counts_a_late_answer_in_its_month(server) -> None:  # noqa: F811
    wang, liu = signed_in(server, "wang"), signed_in(server, "liu")
    before = _month_row(liu.get("/dashboard").text, 11)
    location = register(wang, received_on="2026-10-09")  # due 2026-11-05
    reply = wang.post(location + "/events", {
        "csrf_token": wang.csrf(location), "type": "answered", "on": "2026-11-10", "outcome": "disclosed"})
    assert reply.status == 303, reply.text
    after = _month_row(liu.get("/dashboard").text, 11)
    assert [int(after[i]) - int(before[i]) for i in (1, 2, 3)] == [1, 0, 1]  # concluded, on time, late
    on_time, late = int(after[2]), int(after[3])
    assert after[4] == f"{100 * on_time / (on_time + late):.1f}%"
    assert _month_row(liu.get("/dashboard").text, 1)[1:3] == ["0", "0"]  # every month so far has a row


def test_other_agencies_case_page_is_not_found(server) -> None:  # noqa: F811
    location = register(signed_in(server, "wang"))
    assert signed_in(server, "zhao").get(location).status == 404


def test_supervisor_sees_the_overdue_case_and_reassigns_it(server) -> None:  # noqa: F811
    location = register(signed_in(server, "wang"), received_on="2026-10-09")
    supervisor = signed_in(server, "liu")
    board = supervisor.get("/dashboard").text
    case_no = re.search(r"/cases/([^\"]+)", location).group(1)
    assert case_no in board and "2026-11-05" in board
    token = supervisor.csrf(location)
    reply = supervisor.post(location + "/events", {"csrf_token": token, "type": "assigned", "to": "wu"})
    assert reply.status == 303
    assert "<dd>wu</dd>" in supervisor.get(location).text
    assert signed_in(server, "wang").get("/dashboard").status == 403


def test_office_head_approves_an_extension_from_the_list(server) -> None:  # noqa: F811
    caseworker = signed_in(server, "wang")
    location = register(caseworker)
    token = caseworker.csrf(location)
    caseworker.post(location + "/events", {"csrf_token": token, "type": "extension_requested", "workdays": "5", "reason": "需调取档案"})
    head = signed_in(server, "chen")
    listing = head.get("/extensions").text
    assert "需调取档案" in listing
    token = head.csrf("/extensions")
    version = re.search(r'/cases/' + re.escape(location.split("/")[-1]) + r'/events".*?name="expected_version" value="(\d+)"', listing, re.S).group(1)
    reply = head.post(location + "/events", {"csrf_token": token, "type": "extension_decided", "approved": "1", "expected_version": version})
    assert reply.status == 303
    assert "2026-12-07" in head.get(location).text


def test_one_time_password_must_be_changed(server) -> None:  # noqa: F811
    uow = lambda: SqlUnitOfWork(server.engine)  # noqa: E731
    directory.add_user(uow(), "newbie", "新同事", "caseworker", "lixia", actor=SYSTEM, today=TODAY)
    one_time = auth.issue_one_time_password(uow(), "newbie", actor=SYSTEM)
    browser = server.browser()
    reply = browser.sign_in("newbie", one_time)
    assert (reply.status, reply.headers["location"]) == (303, "/password")
    token = browser.csrf("/password")
    short = browser.post("/password", {"csrf_token": token, "old_password": one_time, "new_password": "short"})
    assert short.status == 422 and 'data-field="new_password"' in short.text
    done = browser.post("/password", {"csrf_token": token, "old_password": one_time, "new_password": "a-much-longer-secret"})
    assert done.status == 200 and "密码已修改" in done.text
    assert server.browser().sign_in("newbie", one_time).status == 401
    assert server.browser().sign_in("newbie", "a-much-longer-secret").status == 303


def test_year_end_close_lock_unlock_and_report_downloads(server) -> None:  # noqa: F811
    supervisor = signed_in(server, "liu")
    page = supervisor.get("/year?year=2025&agency=lixia")
    assert page.status == 200 and "勾稽检查" in page.text
    token = supervisor.csrf("/year?year=2025&agency=lixia")
    base = {"csrf_token": token, "year": "2025", "agency": "lixia"}
    assert supervisor.post("/year", {**base, "action": "close"}).status == 303
    assert supervisor.post("/year", {**base, "action": "lock"}).status == 303
    audits = server.count("year_audit")
    no_reason = supervisor.post("/year", {**base, "action": "unlock", "reason": " "})
    assert no_reason.status == 422 and 'data-field="reason"' in no_reason.text
    assert server.count("year_audit") == audits
    assert supervisor.post("/year", {**base, "action": "unlock", "reason": "更正申请人类型"}).status == 303
    assert server.count("year_audit") == audits + 1
    docx = supervisor.get("/year/report.docx?year=2025&agency=lixia")
    assert docx.status == 200 and docx.body[:2] == b"PK"
    html = supervisor.get("/year/report.html?year=2025&agency=lixia")
    assert html.status == 200 and "年度报告" in html.text
    caseworker = signed_in(server, "wang")
    token = caseworker.csrf("/queue")
    refused = caseworker.post("/year", {"csrf_token": token, "year": "2025", "agency": "lixia", "action": "lock"})
    assert refused.status == 403


def test_letters_are_issued_and_reprinted_identically_from_the_case_page(server) -> None:  # noqa: F811
    browser = signed_in(server, "wang")
    location = register(browser)
    page = browser.get(location).text
    assert 'data-letter="receipt"' in page
    token = browser.csrf(location)
    first = browser.post(location + "/letters", {"csrf_token": token, "kind": "receipt"})
    assert first.status == 200 and first.body[:2] == b"PK"
    assert "attachment" in first.headers["content-disposition"]
    again = browser.post(location + "/letters", {"csrf_token": token, "kind": "receipt"})
    assert again.body == first.body
    assert "重新打印" in browser.get(location).text
    bad = browser.post(location + "/letters", {"csrf_token": token, "kind": "love_letter"})
    assert bad.status == 422 and 'data-field="kind"' in bad.text


def test_a_supervisor_corrects_and_voids_on_the_case_page(server) -> None:  # noqa: F811
    location = register(signed_in(server, "wang"))
    supervisor = signed_in(server, "liu")
    page = supervisor.get(location).text
    assert 'data-action="corrected"' in page and 'data-action="voided"' in page
    token = supervisor.csrf(location)
    reply = supervisor.post(
        location + "/events",
        {"csrf_token": token, "type": "corrected", "applicant_name": "张玮", "reason": "姓名录错"},
    )
    assert reply.status == 303
    page = supervisor.get(location).text
    assert "申请人：张玮" in page and "姓名录错" in page
    supervisor.post(location + "/events", {"csrf_token": token, "type": "voided", "reason": "重复登记"})
    page = supervisor.get(location).text
    assert "已作废" in page and 'data-action="answered"' not in page


def test_pages_carry_a_content_security_policy(server) -> None:  # noqa: F811
    reply = signed_in(server, "wang").get("/queue")
    policy = reply.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "object-src 'none'" in policy
    assert "frame-ancestors 'self'" in policy


def test_unread_messages_are_counted_on_every_page_until_read(server) -> None:  # noqa: F811
    from domain.messages import Message

    uow = lambda: SqlUnitOfWork(server.engine)  # noqa: E731
    directory.add_user(uow(), "reader", "读者", "caseworker", "lixia", actor=SYSTEM, today=TODAY)
    auth.set_password(uow(), "reader", PASSWORD, actor=SYSTEM)
    work = uow()
    with work.write():
        for n in (1, 2):
            work.publish(Message("answer", "reader", f"test|reader|{n}", {"text": f"第{n}条提醒"}))
    browser = signed_in(server, "reader")
    for page in ("/queue", "/cases/new", "/inbox"):
        assert "消息（2 条未读）" in browser.get(page).text, page
    token = browser.csrf("/inbox")
    first = re.search(r'data-message="(\d+)"', browser.get("/inbox").text).group(1)
    assert browser.post("/inbox/read", {"csrf_token": token, "id": first}).status == 303
    assert "消息（1 条未读）" in browser.get("/queue").text
    # someone else's message: not found, and nothing is marked
    other = signed_in(server, "wang")
    second = re.search(r'data-message="(\d+)"', browser.get("/inbox").text.split("unread", 1)[1])
    refused = other.post("/inbox/read", {"csrf_token": other.csrf("/inbox"), "id": second.group(1)})
    assert refused.status == 404
    assert "消息（1 条未读）" in browser.get("/queue").text
    browser.post("/inbox/read", {"csrf_token": token, "all": "1"})
    page = browser.get("/inbox").text
    assert "全部已读" in page and "条未读" not in page
    # when each came, in Asia/Shanghai wall time (stored in UTC)
    import datetime as dt
    from zoneinfo import ZoneInfo

    from sqlalchemy import text

    with server.engine.connect() as connection:
        came = connection.execute(text("SELECT created_at FROM outbox WHERE recipient = 'reader'")).scalars().all()
    for at in came:
        at = dt.datetime.fromisoformat(str(at))  # SQLite's text, PostgreSQL's timestamptz
        at = at if at.tzinfo else at.replace(tzinfo=dt.UTC)
        assert f'<span class="when">{at.astimezone(ZoneInfo("Asia/Shanghai")):%Y-%m-%d %H:%M}</span>' in page


def test_the_queue_pages_through_every_open_case_most_urgent_first(server) -> None:  # noqa: F811
    """Fifty cases a page; the pages together hold each open case once, in due order, and
    the links keep the filters."""
    received = ["2026-10-12", "2026-10-26", "2026-11-02", "2026-11-09", "2026-11-16"]
    for index in range(56):
        body = {**form(agency="shizhong", channel="online"), "received_on": received[index % 5]}
        assert server.api("POST", "/cases", "zhao", body).status == 201
    listed = server.api("GET", "/cases?state=open&agency=shizhong", "zhao").json()["cases"]
    assert len(listed) >= 56
    browser = signed_in(server, "zhao")
    seen: list[str] = []
    path: str | None = "/queue?due_within=400"
    while path is not None:
        page = browser.get(path.replace("&amp;", "&")).text
        rows = re.findall(r'<td><a href="/cases/[^"]+">([^<]+)</a></td>', page)
        assert len(rows) <= 50
        first = len(seen) + 1
        if len(listed) > 50:
            assert f"第 {first}–{first + len(rows) - 1} 件" in page
        seen += rows
        link = re.search(r'<a href="([^"]+)" rel="next">下一页</a>', page)
        path = link.group(1) if link else None
        assert path is None or "due_within=400" in path  # the filter is kept
        assert (first > 1) == ('rel="prev"' in page)
    assert seen == [case["case_no"] for case in listed]  # each once, most urgent first
    refused = browser.get("/queue?page=0")
    assert refused.status == 422 and "page" in refused.text
