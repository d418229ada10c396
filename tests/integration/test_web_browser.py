"""The pages in a real Chromium (Debian's `chromium`, driven by Playwright): the paths people
take every day. Screenshots of the main pages go to $OGI_SCREENSHOTS (default: a temporary
folder), never into the repository.

Dates (TODAY = Fri 2026-11-20): received Mon 11-02 -> due 2026-11-30; 补正 received Tue 11-10
-> due 2026-12-08; received Fri 10-09 -> due 2026-11-05 (Sat 10-10 worked), overdue; an
extension of 5 working days on 11-30 -> 2026-12-07.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from web_support import PASSWORD, server  # noqa: F401 - the module's fixture

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = Path(os.environ.get("OGI_SCREENSHOTS") or tmp_path_factory.mktemp("screens"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def open_as(chromium: Browser, server, user: str) -> Page:  # noqa: F811
    page = chromium.new_context(locale="zh-CN", viewport={"width": 1360, "height": 900}).new_page()
    page.goto(server.base + "/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("header .who")).to_contain_text(user)
    return page


def register(page: Page, server, received_on: str = "2026-11-02") -> str:  # noqa: F811
    page.goto(server.base + "/cases/new")
    page.fill("input[name=applicant_name]", "张伟")
    page.select_option("select[name=id_kind]", "resident_id")
    page.fill("input[name=id_number]", "11010519491231002X")
    page.select_option("select[name=channel]", "online")
    page.fill("input[name=received_on]", received_on)
    page.fill("textarea[name=content]", "某项目征收补偿方案")
    page.click("form.card button[type=submit]")
    expect(page.locator("h1")).to_contain_text("历下政公开")
    return page.url


def test_caseworker_registers_asks_supplement_sees_the_clock_stop_and_answers(chromium, server, shots) -> None:  # noqa: F811
    page = open_as(chromium, server, "wang")
    page.goto(server.base + "/cases/new")
    page.screenshot(path=str(shots / f"register-{server.kind}.png"), full_page=True)
    url = register(page, server)
    expect(page.locator(".deadline .due")).to_contain_text("2026-11-30")
    form = page.locator("form[data-action=supplement_requested]")
    form.locator("input[name=on]").fill("2026-11-04")
    form.locator("input[name=reason]").fill("请写明项目名称")
    form.locator("button").click()
    expect(page.locator(".deadline .due")).to_contain_text("计时停止")
    form = page.locator("form[data-action=supplement_received]")
    form.locator("input[name=on]").fill("2026-11-10")
    form.locator("button").click()
    expect(page.locator(".deadline .due")).to_contain_text("2026-12-08")
    page.screenshot(path=str(shots / f"case-{server.kind}.png"), full_page=True)
    form = page.locator("form[data-action=answered]")
    form.locator("select[name=outcome]").select_option("disclosed")
    form.locator("button").click()
    expect(page.locator("h1 .state")).to_contain_text("已")
    assert page.url == url
    page.goto(server.base + "/queue")
    page.screenshot(path=str(shots / f"queue-{server.kind}.png"), full_page=True)


def test_supervisor_sees_an_overdue_case_and_reassigns_it(chromium, server, shots) -> None:  # noqa: F811
    caseworker = open_as(chromium, server, "wang")
    url = register(caseworker, server, received_on="2026-10-09")
    case_no = caseworker.locator("h1").inner_text().split()[0]
    page = open_as(chromium, server, "liu")
    page.goto(server.base + "/dashboard")
    overdue = page.locator("section", has=page.locator("h2", has_text="超期案件"))
    row = overdue.locator("tr.overdue", has_text=case_no)
    expect(row).to_contain_text("2026-11-05")
    page.screenshot(path=str(shots / f"dashboard-{server.kind}.png"), full_page=True)
    row.locator("a").click()
    form = page.locator("form[data-action=assigned]")
    form.locator("select[name=to]").select_option("wu")
    form.locator("button").click()
    expect(page.locator("dl")).to_contain_text("wu")
    assert page.url == url


def test_office_head_approves_an_extension(chromium, server, shots) -> None:  # noqa: F811
    caseworker = open_as(chromium, server, "wang")
    url = register(caseworker, server)
    form = caseworker.locator("form[data-action=extension_requested]")
    form.locator("input[name=workdays]").fill("5")
    form.locator("input[name=reason]").fill("需调取多年档案")
    form.locator("button").click()
    expect(caseworker.locator("table").first).to_contain_text("申请延期")  # the timeline
    head = open_as(chromium, server, "chen")
    head.goto(server.base + "/extensions")
    head.screenshot(path=str(shots / f"extensions-{server.kind}.png"), full_page=True)
    row = head.locator("tr", has_text="需调取多年档案")
    row.locator("button", has_text="批准").first.click()
    assert head.url == url
    expect(head.locator(".deadline .due")).to_contain_text("2026-12-07")


def test_caseworker_cannot_open_another_agencys_case(chromium, server, shots) -> None:  # noqa: F811
    url = register(open_as(chromium, server, "wang"), server)
    page = open_as(chromium, server, "zhao")
    response = page.goto(url)
    assert response is not None and response.status == 404
    expect(page.locator("h1")).to_have_text("未找到")
    page.goto(server.base + "/login")
    page.screenshot(path=str(shots / f"login-{server.kind}.png"), full_page=True)
