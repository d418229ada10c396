"""Delivery of the sweep's messages over real servers on loopback (RULES §6 "Channels" and
"Delivery"): one e-mail digest per person per sweep, most urgent first; the agency's webhook
for overdue alerts; a server answering 500 is retried after the pause and then delivered,
nothing lost and nothing twice; after 24 hours of failures the delivery is marked failed and
shown to administrators. Retry times are passed as `now`, never waited for.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email
import email.policy
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.smtp import SMTP, Envelope
from ops import (
    NewCase,
    add_user,
    close_year,
    my_inbox,
    register_case,
    set_notification_settings,
    sweep,
    uow,
)
from sqlalchemy import Engine, text

from flows.dispatch import dispatch
from services.bootstrap import Settings, SmtpConfig

D = dt.date
RECEIVED = D(2026, 11, 2)  # due 2026-11-30 (see test_flows); overdue -1 on 2026-12-01


class Mailbox:
    """An SMTP server (aiosmtpd) on its own loop thread, on a port the kernel picks."""

    def __init__(self) -> None:
        self.received: list[tuple[list[str], bytes]] = []
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        mailbox = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Envelope) -> str:  # noqa: N802
                mailbox.received.append((list(envelope.rcpt_tos), bytes(envelope.content)))
                return "250 Message accepted"

        async def serve() -> Any:
            return await self.loop.create_server(lambda: SMTP(Handler()), "127.0.0.1", 0)

        self.server = asyncio.run_coroutine_threadsafe(serve(), self.loop).result(5)
        self.port = self.server.sockets[0].getsockname()[1]

    def close(self) -> None:
        self.server.close()
        self.loop.call_soon_threadsafe(self.loop.stop)


class Robot:
    """A webhook receiver on loopback; `status` is what it answers."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.status = 200
        robot = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                robot.bodies.append(json.loads(body))
                answer = b'{"errcode":0,"errmsg":"ok"}' if robot.status == 200 else b"error"
                self.send_response(robot.status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def mailbox() -> Iterator[Mailbox]:
    server = Mailbox()
    yield server
    server.close()


@pytest.fixture(scope="module")
def robot() -> Iterator[Robot]:
    server = Robot()
    yield server
    server.close()


def settings(mailbox: Mailbox) -> Settings:
    return Settings(smtp=SmtpConfig("127.0.0.1", mailbox.port, "none", sender="ogi@lixia.example"))


def later(hours: float = 1) -> dt.datetime:
    """A dispatcher's `now` after the sweep wrote its deliveries."""
    return dt.datetime.now(dt.UTC) + dt.timedelta(hours=hours)


def new_case(engine: Engine, assignee: str, name: str) -> str:
    form = NewCase("lixia", name, "natural_person", "online", RECEIVED, "某项目材料", assignee=assignee)
    return register_case(engine, form, assignee, today=RECEIVED).case_no


def attempts(engine: Engine) -> list[bool]:
    with engine.connect() as connection:
        return list(connection.execute(text("SELECT ok FROM delivery_attempts ORDER BY id")).scalars())


def test_one_digest_per_person_per_sweep_most_urgent_first(engine: Engine, mailbox: Mailbox) -> None:
    add_user(engine, "zhou", "周洁", "caseworker", "lixia", email="zhou@lixia.example")
    address = f"zhou+{engine.dialect.name}@lixia.example"
    with engine.begin() as connection:
        connection.execute(text("UPDATE users SET email = :a WHERE username = 'zhou'"), {"a": address})
    first = new_case(engine, "zhou", "张三")
    second = new_case(engine, "zhou", "李四")
    sweep(engine, D(2026, 11, 23))  # answer 5 before, for both cases
    result = dispatch(uow(engine), settings(mailbox), now=later())
    assert result.to_json() == {"delivered": 1, "retrying": 0, "failed": 0}
    mine = [content for rcpt, content in mailbox.received if rcpt == [address]]
    assert len(mine) == 1
    message = email.message_from_bytes(mine[0], policy=email.policy.default)
    body = message.get_body(("plain",)).get_content()
    assert first in body and second in body
    assert dispatch(uow(engine), settings(mailbox), now=later(2)).delivered == 0  # nothing twice


def test_webhook_answering_500_is_retried_after_the_pause_then_delivered_once(
    engine: Engine, robot: Robot, mailbox: Mailbox
) -> None:
    set_notification_settings(engine, "lixia", webhook_flavor="json", webhook_url=robot.url)
    no = new_case(engine, "wang", "张三")
    sweep(engine, D(2026, 12, 1))  # overdue -1: the webhook receives overdue alerts
    before = len(robot.bodies)
    robot.status = 500
    t0 = later()
    assert dispatch(uow(engine), settings(mailbox), now=t0).to_json() == {
        "delivered": 0, "retrying": 1, "failed": 0
    }
    robot.status = 200
    # the first pause is 1 minute: 30 s later nothing is tried
    assert dispatch(uow(engine), settings(mailbox), now=t0 + dt.timedelta(seconds=30)).to_json() == {
        "delivered": 0, "retrying": 0, "failed": 0
    }
    assert dispatch(uow(engine), settings(mailbox), now=t0 + dt.timedelta(minutes=1)).delivered == 1
    assert dispatch(uow(engine), settings(mailbox), now=t0 + dt.timedelta(hours=1)).delivered == 0
    posted = robot.bodies[before:]
    assert len(posted) == 2  # the refused post and the delivered one
    assert no in json.dumps(posted[-1], ensure_ascii=False)
    assert attempts(engine) == [False, True]


def test_a_delivery_failing_for_24_hours_is_marked_failed_shown_and_sent_again(
    engine: Engine, robot: Robot, mailbox: Mailbox, ogi: Any
) -> None:
    set_notification_settings(engine, "lixia", webhook_flavor="json", webhook_url=robot.url)
    new_case(engine, "wang", "张三")
    sweep(engine, D(2026, 12, 1))
    robot.status = 500
    try:
        t0 = later()
        assert dispatch(uow(engine), settings(mailbox), now=t0).retrying == 1
        assert dispatch(uow(engine), settings(mailbox), now=t0 + dt.timedelta(hours=25)).failed == 1
    finally:
        robot.status = 200
    listed = ogi("notify", "failures", "--json")
    assert listed.code == 0, listed.err
    shown = listed.json()
    assert [(f["channel"], f["target"], f["attempts"]) for f in shown] == [("webhook", "lixia", 2)]
    assert "500" in shown[0]["error"]
    assert ogi("notify", "failures", "-u", "wang").code == 7  # administrators only
    assert "群机器人" in ogi("notify", "failures").out

    # fixed: an administrator queues it again and the next dispatcher run delivers it
    unknown = ogi("notify", "retry", "999999")
    assert unknown.code == 3 and "999999" in unknown.err
    before = len(robot.bodies)
    retried = ogi("notify", "retry", str(shown[0]["id"]), "--json")
    assert retried.code == 0 and retried.json() == {"queued": [shown[0]["id"]]}
    assert ogi("notify", "failures", "--json").json() == []
    assert dispatch(uow(engine), settings(mailbox), now=later(26)).delivered == 1
    assert len(robot.bodies) == before + 1
    assert ogi("notify", "retry", str(shown[0]["id"])).code == 3  # delivered: nothing to retry


def test_notify_test_posts_a_sample_and_refuses_an_unknown_channel(
    engine: Engine, robot: Robot, ogi: Any
) -> None:
    before = len(robot.bodies)
    assert ogi("notify", "test", "--channel", "webhook", "--to", robot.url).code == 0
    assert len(robot.bodies) == before + 1
    refused = ogi("notify", "test", "--channel", "fax", "--to", "x")
    assert refused.code != 0 and "channel" in refused.err
    assert len(robot.bodies) == before + 1


def test_agency_notification_settings_on_the_command_line(engine: Engine, ogi: Any) -> None:
    shown = ogi("notify", "settings", "lixia", "--json")
    assert shown.code == 0, shown.err
    assert (shown.json()["webhook_flavor"], shown.json()["auto_close_abandoned"]) == ("", False)
    bad = ogi("notify", "settings", "lixia", "--webhook-flavor", "dingtalk",
              "--webhook-url", "https://oapi.dingtalk.com/robot/send?access_token=x")  # fmt: skip
    assert bad.code == 1 and "加签" in bad.err
    assert ogi("notify", "settings", "lixia", "--json").json()["webhook_flavor"] == ""  # nothing written
    done = ogi("notify", "settings", "lixia", "--webhook-flavor", "dingtalk", "--webhook-url",
               "https://oapi.dingtalk.com/robot/send?access_token=x", "--webhook-secret", "SEC1",
               "--auto-close-abandoned", "--json")  # fmt: skip
    assert done.code == 0, done.err
    settings_now = done.json()
    assert settings_now["webhook_flavor"] == "dingtalk" and settings_now["auto_close_abandoned"]
    assert settings_now["webhook_secret"] == "已设置"  # the secret itself is never printed
    assert ogi("notify", "settings", "lixia", "--report-kind", "government", "-u", "liu").code == 7
    # one option changes one setting; the others stay
    later_one = ogi("notify", "settings", "lixia", "--no-auto-close-abandoned", "--json").json()
    assert (later_one["webhook_flavor"], later_one["auto_close_abandoned"]) == ("dingtalk", False)


def test_the_year_end_list_reaches_the_supervisors_e_mail_once(engine: Engine, mailbox: Mailbox) -> None:
    """RULES §6 `year_closed`: the close tells each supervisor in the inbox at once, and the
    next sweep hands it to the e-mail digest like every other message (once, even when the
    year is closed again)."""
    address = f"boss+{engine.dialect.name}@lixia.example"
    add_user(engine, "boss", "区领导", "supervisor", "lixia", email=address)
    carried = register_case(
        engine, NewCase("lixia", "张三", "natural_person", "online", D(2025, 12, 29), "某项目材料"), "wang",
        today=D(2025, 12, 29),
    ).case_no
    close_year(engine, 2025, "boss", today=D(2026, 1, 1))
    close_year(engine, 2025, "boss", today=D(2026, 1, 1))  # a re-close refreshes, never repeats
    told = [i for i in my_inbox(engine, "boss") if i["kind"] == "year_closed"]
    assert len(told) == 1 and carried in told[0]["text"]
    sweep(engine, D(2026, 1, 5))
    assert dispatch(uow(engine), settings(mailbox), now=later()).failed == 0
    mine = [content for rcpt, content in mailbox.received if rcpt == [address]]
    assert len(mine) == 1
    body = email.message_from_bytes(mine[0], policy=email.policy.default).get_body(("plain",)).get_content()
    assert "年度结转" in body and carried in body
    close_year(engine, 2025, "boss", today=D(2026, 1, 1))
    sweep(engine, D(2026, 1, 6))
    dispatch(uow(engine), settings(mailbox), now=later(2))
    later_mail = [c for rcpt, c in mailbox.received if rcpt == [address]][1:]
    for content in later_mail:  # other reminders may come; the year-end list does not again
        text_ = email.message_from_bytes(content, policy=email.policy.default).get_body(("plain",)).get_content()
        assert "年度结转" not in text_
