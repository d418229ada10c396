"""Server-rendered pages (Chinese, Jinja2, autoescaped). Each handler reads the form, calls one
service and renders; who may do what is decided by the services (domain.access)."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from domain.access import ROLE_LABELS, SUPERVISING_ROLES, Actor, Role
from domain.case import EVENT_TYPE_LABELS, STATE_LABELS, CaseEventType, CaseState
from domain.delivery import CHANNEL_LABELS
from domain.errors import DomainError, UnauthenticatedError
from domain.event_text import event_details
from domain.identity import IDENTITY_KINDS
from domain.outcomes import APPLICANT_TYPES, CHANNEL_D0, CHANNELS, OUTCOMES
from services import auth, case_api, dashboard
from services.bootstrap import shanghai_minute
from services.cases import CaseFilter, inbox
from web.security import check_csrf

router = APIRouter(include_in_schema=False)
QUEUE_PAGE = 50  # cases per queue page, most urgent first; pages and filters reach the rest

TEMPLATES = Path(__file__).resolve().parent / "templates"
env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"], default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
env.globals.update(
    ROLE_LABELS={r.value: label for r, label in ROLE_LABELS.items()},
    STATE_LABELS={s.value: label for s, label in STATE_LABELS.items()},
    EVENT_LABELS={t.value: label for t, label in EVENT_TYPE_LABELS.items()},
    APPLICANT_TYPES=[(a.value, a.label) for a in APPLICANT_TYPES],
    CHANNELS=[(c.value, c.label, CHANNEL_D0[c]) for c in CHANNELS],
    CHANNEL_LABELS={c.value: c.label for c in CHANNELS},
    OUTCOMES=[(o.value, o.label) for o in OUTCOMES],
    ID_KINDS=list(IDENTITY_KINDS.items()),
    STATES=[(s.value, label) for s, label in STATE_LABELS.items()],
    event_details=event_details,
    FLOW_LABELS={
        "sweep": "提醒扫描",
        "dispatch": "消息投递",
        "year-end": "年度结转",
        "calendar-check": "日历检查",
    },
    DELIVERY_CHANNELS=CHANNEL_LABELS,
    COUNT_LABELS={
        "sent": "发送",
        "skipped": "跳过",
        "closed": "自动办结",
        "delivered": "送达",
        "retrying": "待重试",
        "failed": "失败",
        "moved": "期限调整",
        "cases": "案件",
    },
)


@lru_cache(maxsize=8192)
def _quoted(value: str) -> str:
    """A path segment percent-encoded; remembered, as the queue links the same case numbers
    on every request."""
    return quote(value, safe="")


env.filters["q"] = lambda value: _quoted(str(value))


env.filters["shanghai"] = shanghai_minute


def _rt(request: Request) -> Any:
    return request.app.state.runtime


def render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    session = request.state.session
    actor = context.setdefault("actor", getattr(request.state, "actor", None))
    if actor is not None and "unread" not in context:
        from services.inbox import unread_count

        context["unread"] = unread_count(_rt(request).uow(), actor=actor)
    html = env.get_template(name).render(request=request, csrf=session.csrf, **context)
    return HTMLResponse(html, status_code=status)


def error_page(request: Request, error: DomainError, status: int) -> HTMLResponse:
    return render(request, "error.html", status, error=error, code=status)


def page_actor(request: Request) -> Actor:
    """The signed-in user; UnauthenticatedError (→ the sign-in page) otherwise."""
    username = request.state.session.username
    if not username:
        raise UnauthenticatedError("请先登录", field="session", rule="身份验证")
    actor = auth.actor_of(_rt(request).uow(), username)
    request.state.actor = actor
    return actor


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    data = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    check_csrf(request.state.session, data.pop("csrf_token", None))
    return data


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


# -- sign-in ---------------------------------------------------------------------------------


@router.get("/login")
def login_page(request: Request) -> HTMLResponse:
    return render(request, "login.html", actor=None)


@router.post("/login")
async def login(request: Request) -> Response:
    data = await _form(request)
    username = data.get("username", "").strip()
    try:
        signed = await run_in_threadpool(auth.sign_in, _rt(request).uow(), username, data.get("password", ""))
    except UnauthenticatedError as error:
        return render(request, "login.html", 401, actor=None, error=error, username=username)
    session = request.state.session
    session.username = signed.actor.name
    session.csrf = secrets.token_urlsafe(24)  # a new token per signed-in session
    session.changed = True
    return _redirect("/password" if signed.must_change_password else "/")


@router.post("/logout")
async def logout(request: Request) -> Response:
    await _form(request)
    request.state.session.username = None
    request.state.session.changed = True
    return _redirect("/login")


@router.get("/password")
def password_page(request: Request) -> HTMLResponse:
    page_actor(request)
    return render(request, "password.html")


@router.post("/password")
async def change_password(request: Request) -> Response:
    actor = page_actor(request)
    data = await _form(request)
    try:
        await run_in_threadpool(
            auth.change_password,
            _rt(request).uow(),
            actor.name,
            data.get("old_password", ""),
            data.get("new_password", ""),
        )
    except DomainError as error:
        return render(request, "password.html", 422, error=error)
    return render(request, "password.html", done=True)


# -- queue, case, register ---------------------------------------------------------------------


@router.get("/")
def home(request: Request) -> Response:
    actor = page_actor(request)
    if actor.role is Role.ADMIN:
        return _redirect("/admin")
    return _redirect("/queue")


@router.get("/queue")
def queue_page(
    request: Request,
    state: str = "open",
    overdue: bool = False,
    due_within: int | None = None,
    mine: bool = False,
    page: int = Query(1, ge=1, le=100_000),
) -> HTMLResponse:
    actor = page_actor(request)
    rt = _rt(request)
    flt = CaseFilter(
        state=state or None,
        overdue=overdue,
        due_within=due_within,
        assignee=actor.name if mine else None,
        limit=QUEUE_PAGE + 1,  # one more than shown: whether there is a next page
        offset=(page - 1) * QUEUE_PAGE,
    )
    result = dashboard.queue_page(rt.uow(), flt, actor=actor, today=rt.today())
    filters = {"state": state, "overdue": overdue, "due_within": due_within, "mine": mine}
    rows = result.rows[:QUEUE_PAGE]
    return render(
        request,
        "queue.html",
        rows=rows,
        unread=result.unread,
        today=rt.today(),
        filters=filters,
        first=flt.offset + 1,
        prev_url=_queue_url(filters, page - 1) if page > 1 else None,
        next_url=_queue_url(filters, page + 1) if len(result.rows) > QUEUE_PAGE else None,
    )


def _queue_url(filters: dict[str, Any], page: int) -> str:
    """The queue with the same filters on another page."""
    # "" is kept: state="" means all states, leaving it out would mean the default (open)
    kept = {k: ("true" if v is True else v) for k, v in filters.items() if v not in (None, False)}
    return "/queue?" + urlencode({**kept, "page": page})


@router.get("/cases/new")
def register_page(request: Request) -> HTMLResponse:
    actor = page_actor(request)
    return render(request, "register.html", form={"agency": actor.agency or ""}, today=_rt(request).today())


@router.post("/cases/new")
async def register(request: Request) -> Response:
    actor = page_actor(request)
    data = await _form(request)
    rt = _rt(request)
    fields = {k: data.get(k, "") for k in case_api.INTAKE_FIELDS}
    try:
        form = case_api.registration_from(fields)
        case_no, _ = await run_in_threadpool(
            case_api.register_once, rt.uow(), form, key=None, actor=actor, today=rt.today()
        )
    except DomainError as error:
        return render(request, "register.html", 422, form=fields, error=error, today=rt.today())
    return _redirect(f"/cases/{quote(case_no, safe='')}")


@router.get("/cases/{case_no}")
def case_page(request: Request, case_no: str) -> HTMLResponse:
    actor = page_actor(request)
    rt = _rt(request)
    case = case_api.case_json(rt.uow(), case_no, actor=actor, today=rt.today(), reveal_id=True)
    return render(request, "case.html", case=case, today=rt.today(), **_case_forms(rt, actor, case))


def _case_forms(rt: Any, actor: Actor, case: dict[str, Any]) -> dict[str, Any]:
    """What the case page shows beside the case: its forms' choices and its moved deadlines."""
    from services import calendar_service
    from services.letters import available_letters

    letters = available_letters(rt.uow(), case["case_no"], actor=actor) if case["may_act"] else []
    assignees: list[Any] = []
    if CaseEventType.ASSIGNED.value in case["actions"]:
        from services.directory import list_users

        assignees = [
            u for u in list_users(rt.uow(), case["agency"]) if u.role not in (Role.ADMIN,)
        ]
    due_changes = calendar_service.case_due_changes(rt.uow(), case["case_no"], actor=actor)
    return {"assignees": assignees, "letters": letters, "due_changes": due_changes}


@router.post("/cases/{case_no}/events")
async def case_event(request: Request, case_no: str) -> Response:
    actor = page_actor(request)
    data = await _form(request)
    rt = _rt(request)
    body: dict[str, Any] = {k: v for k, v in data.items() if v != ""}
    if body.get("type") == "extension_decided":
        body["approved"] = body.get("approved") == "1"
    try:
        await run_in_threadpool(
            case_api.apply_event, rt.uow(), case_no, body, actor=actor, today=rt.today()
        )
    except DomainError as error:
        if error.code == "not_found":
            raise
        case = case_api.case_json(rt.uow(), case_no, actor=actor, today=rt.today(), reveal_id=True)
        status = 409 if error.code in ("conflict", "locked_year") else 422
        if error.code == "forbidden":
            status = 403
        return render(
            request, "case.html", status, case=case, today=rt.today(), error=error, sent=body,
            **_case_forms(rt, actor, case),
        )
    return _redirect(f"/cases/{quote(case_no, safe='')}")


# -- inbox, dashboard, extensions ------------------------------------------------------------


@router.get("/inbox")
def inbox_page(request: Request) -> HTMLResponse:
    actor = page_actor(request)
    return render(request, "inbox.html", messages=inbox(_rt(request).uow(), actor=actor))


@router.post("/inbox/read")
async def inbox_read(request: Request) -> Response:
    """Mark one message (`id`) or every unread one (`all`) read."""
    from services.inbox import mark_read

    actor = page_actor(request)
    data = await _form(request)
    rt = _rt(request)
    if data.get("all"):
        ids = [m["id"] for m in inbox(rt.uow(), actor=actor) if not m["read"]]
    else:
        ids = [int(data["id"])] if str(data.get("id", "")).isdigit() else []
    if ids:
        await run_in_threadpool(mark_read, rt.uow(), ids, actor=actor)
    return _redirect("/inbox")


@router.get("/dashboard")
def dashboard_page(request: Request) -> HTMLResponse:
    actor = page_actor(request)
    rt = _rt(request)
    board = dashboard.dashboard(rt.uow(), actor=actor, today=rt.today())
    return render(request, "dashboard.html", board=board, today=rt.today())


@router.get("/extensions")
def extensions_page(request: Request) -> HTMLResponse:
    actor = page_actor(request)
    rows = dashboard.extension_requests(_rt(request).uow(), actor=actor)
    return render(
        request, "extensions.html", rows=rows, may_decide=actor.role is Role.OFFICE_HEAD
    )


def nav_items(actor: Actor | None, unread: int = 0) -> list[tuple[str, str]]:
    """The menu of the actor's role; 消息 shows how many messages are unread."""
    if actor is None:
        return []
    inbox = f"消息（{unread} 条未读）" if unread else "消息"
    items = [("/queue", "待办队列"), ("/cases/new", "登记申请"), ("/inbox", inbox)]
    if actor.role in SUPERVISING_ROLES:
        items += [("/dashboard", "督办看板"), ("/extensions", "延期审批"), ("/year", "年度结转与报告")]
    if actor.role is Role.ADMIN:
        items = [("/admin", "系统管理"), ("/year", "年度报告"), ("/inbox", inbox), ("/docs", "API 文档")]
    return items


env.globals["nav_items"] = nav_items
env.globals["CaseState"] = CaseState


@router.post("/cases/{case_no}/letters")
async def case_letter(request: Request, case_no: str) -> Response:
    """Issue (or re-print the kept copy of) one letter and send it as a Word file."""
    from services.letters import issue_letter

    actor = page_actor(request)
    data = await _form(request)
    rt = _rt(request)
    letter = await run_in_threadpool(
        issue_letter, rt.uow(), case_no, data.get("kind", ""), actor=actor, today=rt.today()
    )
    return Response(
        letter.content,
        media_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(letter.filename)}"},
    )
