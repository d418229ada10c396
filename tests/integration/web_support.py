"""A real web server for the web tests: one uvicorn per test module and database, on a free
loopback port, over a database seeded with a small agency tree and one user per role.

Agencies: lixia (区政府) with lixia_zj under it; shizhong, a separate tree. Users (password
`PASSWORD` for all, one API token each in `Server.tokens`):
wang, wu (caseworkers of lixia), liu (supervisor, lixia), chen (office head, lixia),
sun (caseworker, lixia_zj), zhao (caseworker, shizhong), qian (supervisor, shizhong), admin.
"""

from __future__ import annotations

import http.cookiejar
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

import pytest
import uvicorn
from conftest import TODAY, pg_schema, pg_url
from sqlalchemy import Engine, text

from domain.access import SYSTEM
from services import auth, directory
from services.bootstrap import Settings, bootstrap
from services.setup import initialise
from store.db import make_engine, migrate
from store.uow import SqlUnitOfWork
from web.app import create_app

PASSWORD = "correct-horse-battery"
PEOPLE = (
    ("wang", "王敏", "caseworker", "lixia"),
    ("wu", "吴芳", "caseworker", "lixia"),
    ("liu", "刘科长", "supervisor", "lixia"),
    ("chen", "陈主任", "office_head", "lixia"),
    ("sun", "孙强", "caseworker", "lixia_zj"),
    ("zhao", "赵丽", "caseworker", "shizhong"),
    ("qian", "钱处长", "supervisor", "shizhong"),
)


@dataclass
class Reply:
    status: int
    body: bytes
    headers: dict[str, str]

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@dataclass
class Server:
    base: str
    engine: Engine
    kind: str
    tokens: dict[str, str] = field(default_factory=dict)

    def request(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
        opener: urllib.request.OpenerDirector | None = None,
        form: dict[str, str] | None = None,
    ) -> Reply:
        data = None
        sent = dict(headers or {})
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode("utf-8")
            sent.setdefault("Content-Type", "application/json")
        if form is not None:
            data = urllib.parse.urlencode(form).encode("utf-8")
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=sent)
        opener = opener or urllib.request.build_opener(_NoRedirect)
        try:
            with opener.open(req, timeout=30) as response:
                return Reply(response.status, response.read(), dict(response.headers))
        except urllib.error.HTTPError as error:
            return Reply(error.code, error.read(), dict(error.headers))

    def api(self, method: str, path: str, user: str, body: Any = None, **kw: Any) -> Reply:
        return self.request(method, "/api/v1" + path, token=self.tokens[user], body=body, **kw)

    def browser(self) -> Browser:
        return Browser(self)

    def count(self, table: str) -> int:
        with self.engine.connect() as connection:
            return connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()


class Browser:
    """A cookie-keeping client of the pages (no redirects followed: tests see the 303s)."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect
        )

    def get(self, path: str) -> Reply:
        return self.server.request("GET", path, opener=self.opener)

    def post(self, path: str, form: dict[str, str]) -> Reply:
        return self.server.request("POST", path, form=form, opener=self.opener)

    def csrf(self, path: str = "/login") -> str:
        page = self.get(path).text
        marker = 'name="csrf_token" value="'
        start = page.index(marker) + len(marker)
        return page[start : page.index('"', start)]

    def sign_in(self, username: str, password: str = PASSWORD) -> Reply:
        token = self.csrf("/login")
        return self.post("/login", {"csrf_token": token, "username": username, "password": password})


def case_path(case_no: str) -> str:
    return "/cases/" + urllib.parse.quote(case_no, safe="")


def seed(engine: Engine) -> dict[str, str]:
    uow = lambda: SqlUnitOfWork(engine)  # noqa: E731 - a factory of units of work
    migrate(engine)
    initialise(uow(), "lixia", "历下区人民政府", prefix="历下政公开")
    directory.add_agency(uow(), "lixia_zj", "历下区住房和城乡建设局", actor=SYSTEM, today=TODAY, parent="lixia", prefix="历下住建公开")
    directory.add_agency(uow(), "shizhong", "市中区人民政府", actor=SYSTEM, today=TODAY, prefix="市中政公开")
    for username, name, role, agency in PEOPLE:
        directory.add_user(uow(), username, name, role, agency, actor=SYSTEM, today=TODAY)
    tokens = {}
    for username in [p[0] for p in PEOPLE] + ["admin"]:
        auth.set_password(uow(), username, PASSWORD, actor=SYSTEM)
        tokens[username] = auth.create_token(uow(), username, actor=SYSTEM)
    return tokens


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One running server per module and database kind."""
    with ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path_factory.mktemp('web')}/ogi.db"
        else:
            url = pg_url(stack.enter_context(pg_schema("ogi_w")))
        yield from _serve(request.param, url)


def _serve(kind: str, url: str) -> Iterator[Server]:
    engine = make_engine(url)
    tokens = seed(engine)
    runtime = bootstrap(Settings(database_url=url, today=TODAY))
    config = uvicorn.Config(create_app(runtime, secret_key="test-secret"), host="127.0.0.1", port=0, log_level="warning")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    while not uv.started:
        if not thread.is_alive():
            raise RuntimeError("the web server did not start")
        time.sleep(0.02)
    port = uv.servers[0].sockets[0].getsockname()[1]
    try:
        yield Server(f"http://127.0.0.1:{port}", engine, kind, tokens)
    finally:
        uv.should_exit = True
        thread.join(10)
        runtime.close()
        engine.dispose()
