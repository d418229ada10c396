"""The delivery channels against real servers on loopback: an SMTP server (aiosmtpd) and an
HTTP server standing in for the 企业微信/钉钉 group robots.

Each server is started once for the module on port 0 (the kernel picks a free port) and can be
stopped and started again on the same port, to see a delivery fail while it is down and
succeed when it is back. Nothing of our own code is replaced: the messages are rendered by
`notifications.render` and sent by `notifications.channels` over real sockets.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import email
import email.policy
import hashlib
import hmac
import json
import socket
import ssl
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from domain.reminders import Kind, Notice
from notifications.channels import SmtpSettings, post_webhook, send_email
from notifications.render import digest, webhook_body

D = dt.date
SENDER = "政府信息公开系统 <ogi@lixia.gov.cn>"


def notice(kind: Kind, threshold: int, case_no: str, due: dt.date, **facts: Any) -> Notice:
    return Notice(
        kind,
        threshold,
        "wang",
        "王芳",
        "lixia",
        "历下区人民政府",
        due,
        case_no,
        due,
        {"applicant_name": "张三", **facts},
    )


ITEMS = [
    notice(Kind.ANSWER, 3, "历下政公开〔2026〕30号", D(2026, 11, 25)),
    notice(Kind.OVERDUE, -5, "历下政公开〔2026〕11号", D(2026, 11, 13)),
    notice(Kind.ANSWER, 0, "历下政公开〔2026〕25号", D(2026, 11, 20)),
    notice(Kind.OVERDUE, -1, "历下政公开〔2026〕19号", D(2026, 11, 19)),
]
URGENT_ORDER = ["11号", "19号", "25号", "30号"]

#: A self-signed certificate for 127.0.0.1 (valid until 2126), made for these tests only.
TLS = Path(__file__).parent / "tls"
CA_FILE = str(TLS / "loopback-cert.pem")


def server_tls() -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(TLS / "loopback-cert.pem", TLS / "loopback-key.pem")
    return context


def free_closed_port() -> int:
    """A port nobody listens on: connecting to it is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# ------------------------------------------------------------------ the SMTP server


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes


@dataclass
class Sink:
    """aiosmtpd handler: keeps every message; refuses recipients at refused.example."""

    messages: list[Received] = field(default_factory=list)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address.endswith("@refused.example"):
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope: Envelope):  # noqa: N802
        self.messages.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content))
        )
        return "250 Message accepted"


def authenticator(server, session: Session, envelope, mechanism: str, auth_data) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        b"ogi",
        b"s3cret",
    )
    return AuthResult(success=ok, handled=False)  # not handled: aiosmtpd answers 535


class SmtpServer:
    """An aiosmtpd server on its own event loop thread, on a port chosen by the kernel.

    `tls="starttls"` offers and requires STARTTLS; `tls="ssl"` speaks TLS from the start.
    """

    def __init__(self, tls: str = "none") -> None:
        self.tls = tls
        self.sink = Sink()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.server: asyncio.base_events.Server | None = None
        self.port = 0

    def _factory(self) -> SMTP:
        if self.tls == "starttls":
            return SMTP(
                self.sink,
                authenticator=authenticator,
                tls_context=server_tls(),
                require_starttls=True,
            )
        return SMTP(self.sink, authenticator=authenticator, auth_require_tls=False)

    def start(self) -> None:
        async def serve() -> asyncio.base_events.Server:
            return await self.loop.create_server(
                self._factory,
                "127.0.0.1",
                self.port,
                reuse_address=True,
                ssl=server_tls() if self.tls == "ssl" else None,
            )

        self.server = asyncio.run_coroutine_threadsafe(serve(), self.loop).result(5)
        self.port = self.server.sockets[0].getsockname()[1]

    def stop(self) -> None:
        async def close() -> None:
            assert self.server is not None
            self.server.close()
            await self.server.wait_closed()

        asyncio.run_coroutine_threadsafe(close(), self.loop).result(5)

    def shutdown(self) -> None:
        self.stop()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


@pytest.fixture(scope="module")
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.shutdown()


@pytest.fixture(scope="module")
def starttls_server() -> Iterator[SmtpServer]:
    server = SmtpServer("starttls")
    server.start()
    yield server
    server.shutdown()


@pytest.fixture(scope="module")
def ssl_server() -> Iterator[SmtpServer]:
    server = SmtpServer("ssl")
    server.start()
    yield server
    server.shutdown()


def plain(server: SmtpServer, **kw: Any) -> SmtpSettings:
    return SmtpSettings(
        host="127.0.0.1", port=server.port, security="none", sender=SENDER, timeout=5, **kw
    )


def test_smtp_delivers_the_digest(smtp_server: SmtpServer) -> None:
    before = len(smtp_server.sink.messages)
    message = digest("王芳", "wang@lixia.gov.cn", ITEMS, sender=SENDER)
    result = send_email(plain(smtp_server), message)
    assert result.ok, result.detail
    [got] = smtp_server.sink.messages[before:]
    assert got.mail_from == "ogi@lixia.gov.cn"
    assert got.rcpt_tos == ["wang@lixia.gov.cn"]
    parsed = email.message_from_bytes(got.content, policy=email.policy.default)
    assert parsed["Subject"] == "政府信息公开办理提醒：4项待办，其中逾期2项"
    assert parsed["To"].addresses[0].display_name == "王芳"
    assert parsed.get_content_type() == "multipart/alternative"
    for part in ("plain", "html"):
        text = parsed.get_body((part,)).get_content()
        assert "王芳，您好" in text
        assert "已逾期5个工作日未答复" in text
        assert "今天（2026年11月20日）答复期限届满" in text
        positions = [text.index(f"〔2026〕{no}") for no in URGENT_ORDER]
        assert positions == sorted(positions), part


def test_smtp_login(smtp_server: SmtpServer) -> None:
    message = digest("王芳", "wang@lixia.gov.cn", ITEMS[:1], sender=SENDER)
    good = send_email(plain(smtp_server, username="ogi", password="s3cret"), message)
    assert good.ok, good.detail
    bad = send_email(plain(smtp_server, username="ogi", password="wrong"), message)
    assert not bad.ok and "535" in bad.detail
    assert "wrong" not in repr(plain(smtp_server, username="ogi", password="wrong"))


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_smtp_over_tls_with_login(
    security: str, starttls_server: SmtpServer, ssl_server: SmtpServer
) -> None:
    server = starttls_server if security == "starttls" else ssl_server
    before = len(server.sink.messages)
    settings = SmtpSettings(
        "127.0.0.1",
        server.port,
        security,  # type: ignore[arg-type]
        username="ogi",
        password="s3cret",
        sender=SENDER,
        timeout=5,
        ca_file=CA_FILE,
    )
    result = send_email(settings, digest("王芳", "wang@lixia.gov.cn", ITEMS, sender=SENDER))
    assert result.ok, result.detail
    [got] = server.sink.messages[before:]
    parsed = email.message_from_bytes(got.content, policy=email.policy.default)
    assert parsed["Subject"] == "政府信息公开办理提醒：4项待办，其中逾期2项"


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_smtp_untrusted_certificate_is_a_failure(
    security: str, starttls_server: SmtpServer, ssl_server: SmtpServer
) -> None:
    server = starttls_server if security == "starttls" else ssl_server
    before = len(server.sink.messages)
    settings = SmtpSettings("127.0.0.1", server.port, security, sender=SENDER, timeout=5)  # type: ignore[arg-type]
    result = send_email(settings, digest("王芳", "wang@lixia.gov.cn", ITEMS, sender=SENDER))
    assert not result.ok and "CERTIFICATE_VERIFY_FAILED" in result.detail
    assert server.sink.messages[before:] == []


def test_smtp_refused_recipient_is_a_failure(smtp_server: SmtpServer) -> None:
    message = digest("王芳", "wang@refused.example", ITEMS[:1], sender=SENDER)
    result = send_email(plain(smtp_server), message)
    assert not result.ok
    assert "wang@refused.example" in result.detail and "550" in result.detail


def test_smtp_starttls_not_offered_is_a_failure_not_an_exception(smtp_server: SmtpServer) -> None:
    settings = SmtpSettings("127.0.0.1", smtp_server.port, "starttls", sender=SENDER, timeout=5)
    result = send_email(settings, digest("王芳", "w@lixia.gov.cn", ITEMS[:1], sender=SENDER))
    assert not result.ok and "STARTTLS" in result.detail


def test_smtp_down_then_back(smtp_server: SmtpServer) -> None:
    message = digest("王芳", "wang@lixia.gov.cn", ITEMS[:1], sender=SENDER)
    smtp_server.stop()
    try:
        down = send_email(plain(smtp_server), message)
    finally:
        smtp_server.start()
    assert not down.ok
    assert f"127.0.0.1:{smtp_server.port}" in down.detail and "Refused" in down.detail
    back = send_email(plain(smtp_server), message)
    assert back.ok, back.detail


def test_smtp_nobody_listening() -> None:
    port = free_closed_port()
    settings = SmtpSettings("127.0.0.1", port, "ssl", sender=SENDER, timeout=2)
    result = send_email(settings, digest("王芳", "w@lixia.gov.cn", ITEMS[:1], sender=SENDER))
    assert not result.ok and "ConnectionRefusedError" in result.detail


# ------------------------------------------------------------------ the webhook server


@dataclass
class Hit:
    path: str
    query: str
    content_type: str
    body: bytes


class Robot:
    """A group robot on loopback. `mode`: ok (errcode 0), errcode (200 with errcode 310000,
    as 钉钉 answers a bad signature), 500, or empty (204, as a plain JSON receiver may)."""

    def __init__(self) -> None:
        self.hits: list[Hit] = []
        self.mode = "ok"
        self.port = 0
        self.httpd: ThreadingHTTPServer | None = None

    def start(self) -> None:
        robot = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length", 0))
                parts = urllib.parse.urlsplit(self.path)
                robot.hits.append(
                    Hit(
                        parts.path,
                        parts.query,
                        self.headers["Content-Type"],
                        self.rfile.read(length),
                    )
                )
                if robot.mode == "500":
                    self._answer(500, b"internal error")
                elif robot.mode == "errcode":
                    self._answer(
                        200, json.dumps({"errcode": 310000, "errmsg": "sign not match"}).encode()
                    )
                elif robot.mode == "empty":
                    self._answer(204, b"")
                else:
                    self._answer(200, b'{"errcode":0,"errmsg":"ok"}')

            def _answer(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        assert self.httpd is not None
        self.httpd.shutdown()
        self.httpd.server_close()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@pytest.fixture(scope="module")
def robot() -> Iterator[Robot]:
    server = Robot()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def fresh(robot: Robot) -> Iterator[Robot]:
    robot.mode = "ok"
    robot.hits.clear()
    yield robot
    robot.mode = "ok"


WEBHOOK_ITEMS = [n for n in ITEMS if n.kind is Kind.OVERDUE] + [
    notice(Kind.EXTENSION_REQUEST, 0, "历下政公开〔2026〕40号", D(2026, 11, 27), workdays=10),
]


def test_wecom_webhook(fresh: Robot) -> None:
    body = webhook_body("wecom", WEBHOOK_ITEMS)
    result = post_webhook(fresh.url("/cgi-bin/webhook/send?key=abc"), body, timeout=5)
    assert result.ok, result.detail
    assert "key=abc" not in result.detail  # the robot key stays out of the delivery record
    [hit] = fresh.hits
    assert (hit.path, hit.query) == ("/cgi-bin/webhook/send", "key=abc")
    assert hit.content_type == "application/json; charset=utf-8"
    sent = json.loads(hit.body.decode("utf-8"))
    assert sent == body
    content = sent["markdown"]["content"]
    assert sent["msgtype"] == "markdown"
    assert content.index("11号") < content.index("19号") < content.index("40号")
    assert "延长10个工作日" in content


def test_dingtalk_webhook_is_signed(fresh: Robot) -> None:
    secret = "SEC0123456789abcdef+/="
    body = webhook_body("dingtalk", WEBHOOK_ITEMS)
    before = int(time.time() * 1000)
    result = post_webhook(
        fresh.url("/robot/send?access_token=tok"), body, dingtalk_secret=secret, timeout=5
    )
    after = int(time.time() * 1000)
    assert result.ok, result.detail
    [hit] = fresh.hits
    assert json.loads(hit.body) == body and body["markdown"]["title"] == "政府信息公开提醒（3项）"
    assert hit.query.startswith("access_token=tok&timestamp=")
    raw_sign = hit.query.rpartition("&sign=")[2]
    assert not set(raw_sign) & set("+/=")  # base64 characters are percent-encoded
    query = urllib.parse.parse_qs(hit.query)
    timestamp = query["timestamp"][0]
    assert before <= int(timestamp) <= after
    expected = base64.b64encode(
        hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    ).decode()
    assert query["sign"] == [expected]


def test_plain_json_webhook(fresh: Robot) -> None:
    fresh.mode = "empty"
    body = webhook_body("json", WEBHOOK_ITEMS)
    result = post_webhook(fresh.url("/hooks/ogi"), body, timeout=5)
    assert result.ok, result.detail
    sent = json.loads(fresh.hits[0].body)
    assert sent["count"] == 3
    assert [i["case_no"][-3:] for i in sent["items"]] == ["11号", "19号", "40号"]


def test_errcode_in_a_200_answer_is_a_failure(fresh: Robot) -> None:
    fresh.mode = "errcode"
    result = post_webhook(fresh.url("/robot/send"), webhook_body("dingtalk", WEBHOOK_ITEMS))
    assert not result.ok
    assert "310000" in result.detail and "sign not match" in result.detail


def test_http_500_then_ok(fresh: Robot) -> None:
    body = webhook_body("wecom", WEBHOOK_ITEMS)
    fresh.mode = "500"
    failed = post_webhook(fresh.url("/send"), body, timeout=5)
    assert not failed.ok and "HTTP 500" in failed.detail and "internal error" in failed.detail
    fresh.mode = "ok"
    assert post_webhook(fresh.url("/send"), body, timeout=5).ok


def test_robot_down_then_back(fresh: Robot) -> None:
    body = webhook_body("json", WEBHOOK_ITEMS)
    fresh.stop()
    try:
        down = post_webhook(fresh.url("/send"), body, timeout=5)
    finally:
        fresh.start()
    assert not down.ok and "Refused" in down.detail
    back = post_webhook(fresh.url("/send"), body, timeout=5)
    assert back.ok, back.detail


def test_a_silent_server_times_out() -> None:
    with socket.socket() as listener:  # accepts connections (backlog) but never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        started = time.monotonic()
        result = post_webhook(f"http://127.0.0.1:{port}/send", {"x": 1}, timeout=0.5)
    assert not result.ok and "timed out" in result.detail
    assert time.monotonic() - started < 5


def test_only_http_urls() -> None:
    result = post_webhook("file:///etc/passwd", {"x": 1})
    assert not result.ok and "http" in result.detail
