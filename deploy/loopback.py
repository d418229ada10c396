"""The office's mail server and group robot, as real servers on loopback that keep what they
receive: the smoke run and the drills count every message that reached them."""

from __future__ import annotations

import email
import email.policy
import json
import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller

from deploy.topology import free_port

CASE_REF = re.compile(r"申请“([^”]+)”")


@dataclass
class Mailbox:
    """Every e-mail the SMTP server accepted: (recipients, the text part)."""

    messages: list[tuple[list[str], str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        parsed = email.message_from_bytes(envelope.original_content or envelope.content,
                                          policy=email.policy.default)
        body = parsed.get_body(preferencelist=("plain",))
        text = body.get_content() if body is not None else ""
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), text))
        return "250 OK"

    def case_refs(self) -> Counter[tuple[str, str]]:
        """How often each (recipient address, case number) was named across all e-mails."""
        with self.lock:
            return Counter((to, case_no) for tos, text in self.messages
                           for to in tos for case_no in CASE_REF.findall(text))

    def count(self) -> int:
        with self.lock:
            return len(self.messages)


class SmtpServer:
    """aiosmtpd on a free loopback port (plain SMTP, no authentication)."""

    def __init__(self) -> None:
        self.mailbox = Mailbox()
        self.port = free_port()
        self._controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SmtpServer:
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._controller.stop()

    def env(self) -> dict[str, str]:
        """The `OGI_SMTP_*` settings that send ogi's mail here."""
        return {"OGI_SMTP_HOST": "127.0.0.1", "OGI_SMTP_PORT": str(self.port),
                "OGI_SMTP_SECURITY": "none", "OGI_SMTP_SENDER": "ogi@example.gov.cn"}


class WebhookServer:
    """A plain-JSON group robot on a free loopback port; keeps every body it was posted."""

    def __init__(self) -> None:
        self.posts: list[Any] = []
        lock = threading.Lock()
        posts = self.posts

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with lock:
                    posts.append(json.loads(body or b"null"))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"errcode": 0}')

            def log_message(self, *args: Any) -> None:  # keep the run's output readable
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/robot"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> WebhookServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
