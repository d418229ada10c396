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
