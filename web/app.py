"""The FastAPI application: made from a `Runtime`, serving the pages and the JSON API.

`create_app(runtime)` is what `ogi serve` and the tests run; `factory()` is what each uvicorn
worker process runs under `ogi serve --workers N`. Every refusal is a
`domain.errors` error; it becomes the HTTP status of `ERROR_STATUS` and, under /api/, the body
`{"error": {"code", "field", "message"}}`; pages show the message in place, and a missing or
expired sign-in sends the browser to the sign-in page.
"""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection

from domain.errors import DomainError, status_of
from services.bootstrap import Runtime
from services.operations import metrics_enabled
from web import admin_pages, api, operations, pages, year_pages
from web.security import COOKIE, SessionCodec

STATIC = Path(__file__).resolve().parent / "static"

#: The pages use no script and load nothing from elsewhere; inline styles remain (bar widths
#: on the dashboard, the report preview). A script injected through typed text would not run.
#: FastAPI's own API docs page (/docs) loads its viewer from a CDN and is left out.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'self'"
)
_OWN_POLICY_PATHS = ("/docs", "/redoc")


def create_app(runtime: Runtime, *, secret_key: str | None = None, https: bool | None = None) -> FastAPI:
    """The app for one runtime. The session key comes from `OGI_SECRET_KEY` when not given;
    without one, a random key is made (sessions end when the process restarts). `/metrics`
    is served unless `OGI_METRICS=off`."""
    extra = runtime.settings.extra
    with_metrics = metrics_enabled(extra)
    secret = secret_key or extra.get("OGI_SECRET_KEY") or secrets.token_urlsafe(32)
    secure = https if https is not None else extra.get("OGI_HTTPS", "").lower() in ("1", "true")
    app = FastAPI(
        title="ogi 政府信息公开依申请办理 API",
        version="1",
        description="RULES §5：案件登记、查询与办理。认证：Authorization: Bearer 令牌（ogi user token 用户名）。",
    )
    app.state.runtime = runtime
    app.state.sessions = SessionCodec(secret, secure=secure)
    app.state.http_metrics = operations.HttpMetrics() if with_metrics else None

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> Response:
        exc = operations.public(exc)
        status = status_of(exc).http_status
        if request.url.path.startswith("/api/"):
            headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
            return JSONResponse({"error": exc.to_json()}, status_code=status, headers=headers)
        if exc.code == "unauthenticated":
            return RedirectResponse("/login", status_code=303)
        return pages.error_page(request, exc, status)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        problem = exc.errors()[0] if exc.errors() else {}
        location = [
            str(p) for p in problem.get("loc", ()) if isinstance(p, str) and p not in ("query", "path")
        ]
        field = location[-1] if location else "body"
        error = DomainError(
            f"参数 {field} 无效：应为{_expected(problem.get('type', ''))}", field=field, rule="请求格式"
        )
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": error.to_json()}, status_code=422)
        return pages.error_page(request, error, 422)

    app.add_middleware(SessionCookies)
    app.include_router(operations.router)
    if with_metrics:
        app.add_api_route(
            "/metrics", operations.metrics_endpoint, methods=["GET"], tags=["operations"],
            summary="监控指标（Prometheus 文本格式）", include_in_schema=False,
        )
    app.include_router(api.router)
    app.include_router(pages.router)
    app.include_router(year_pages.router)
    app.include_router(admin_pages.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    # outermost: times and logs every request, including those the handlers above refuse
    app.add_middleware(operations.RequestObserver, metrics=lambda: app.state.http_metrics)
    return app


class SessionCookies:
    """ASGI middleware: the signed session cookie in (`request.state.session`) and, on pages,
    out again with the security headers. Plain ASGI rather than `@app.middleware("http")`,
    which runs each response through a second task and a stream: a tenth of a page's cost."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        codec: SessionCodec = scope["app"].state.sessions
        now = dt.datetime.now(dt.UTC)
        session = codec.load(HTTPConnection(scope).cookies.get(COOKIE), now)
        scope.setdefault("state", {})["session"] = session
        path = scope["path"]
        if path.startswith("/api/") or path in operations.QUIET_PATHS:
            await self.app(scope, receive, send)
            return

        async def send_page(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if session.username:
                    session.seen = now.timestamp()  # sliding idle expiry
                    session.changed = True
                if session.changed:
                    cookie = Response()
                    cookie.set_cookie(value=codec.dump(session), **codec.cookie_args())
                    headers.append("set-cookie", cookie.headers["set-cookie"])
                for name, value in _PAGE_HEADERS:
                    if name not in headers:
                        headers[name] = value
                if not path.startswith(_OWN_POLICY_PATHS) and "content-security-policy" not in headers:
                    headers["content-security-policy"] = CONTENT_SECURITY_POLICY
            await send(message)

        await self.app(scope, receive, send_page)


_PAGE_HEADERS = (
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "SAMEORIGIN"),
    ("referrer-policy", "same-origin"),
)


def factory() -> FastAPI:
    """The app of one uvicorn worker process (`ogi serve --workers N`): settings from the
    environment, logs configured, no scheduler (flows run elsewhere)."""
    from services.bootstrap import bootstrap
    from services.logs import configure_logging

    configure_logging(level="INFO")
    return create_app(bootstrap())


def _expected(kind: str) -> str:
    if kind.startswith("int"):
        return "整数"
    if kind.startswith("bool"):
        return "true 或 false"
    if kind in ("dict_type", "model_attributes_type") or "json" in kind:
        return " JSON 对象"
    if kind == "missing":
        return "必填项"
    return "正确的格式"
