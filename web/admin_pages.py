"""Administration: agencies and users (added, edited on their own small page, deactivated and
re-activated), one-time passwords, the calendar (status, a notice previewed then confirmed),
ledger imports (checked, then confirmed), the scheduled flows' last runs and the deliveries
given up on (sent again from here)."""

from __future__ import annotations

import secrets
import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from domain.access import Role, require_role
from domain.errors import DomainError
from domain.notice import parse_notice
from services import auth, deliveries, directory
from services.calendar_service import calendar_status, import_notice
from services.ledger import import_ledger
from web.pages import _form, _rt, page_actor, render
from web.security import check_csrf

router = APIRouter(include_in_schema=False)
UPLOADS = Path(tempfile.gettempdir()) / "ogi-ledger-uploads"
ROLES = [r for r in Role if r is not Role.SYSTEM]


def _page(request: Request, status: int = 200, **extra: Any) -> HTMLResponse:
    actor = page_actor(request)
    require_role(actor, {Role.ADMIN}, "管理系统")
    rt = _rt(request)
    context = {
        "agencies": directory.list_agencies(rt.uow()),
        "users": directory.list_users(rt.uow()),
        "calendar": calendar_status(rt.uow(), today=rt.today()),
        "roles": ROLES,
        "flow_runs": deliveries.recent_flow_runs(rt.uow(), actor=actor, limit=12),
        "failed": deliveries.failed_deliveries(rt.uow(), actor=actor),
    }
    context.update(extra)
    return render(request, "admin.html", status, **context)


@router.get("/admin")
def admin_page(request: Request) -> HTMLResponse:
    return _page(request)


@router.post("/admin/deliveries/retry")
async def retry_delivery(request: Request) -> Response:
    """Queue one failed delivery again (the next dispatcher run sends it)."""
    actor = page_actor(request)
    data = await _form(request)
    rt = _rt(request)
    ids = [int(data["id"])] if str(data.get("id", "")).isdigit() else []
    try:
        await run_in_threadpool(deliveries.retry_deliveries, rt.uow(), ids, actor=actor, today=rt.today())
    except DomainError as error:
        return _page(request, 404 if error.code == "not_found" else 422, error=error)
    return _page(request, retried=ids[0])


@router.post("/admin/agencies")
async def add_agency(request: Request) -> Response:
    actor = page_actor(request)
    data = await _form(request)
    rt = _rt(request)
    try:
        await run_in_threadpool(
            directory.add_agency, rt.uow(), data.get("code", "").strip(), data.get("name", "").strip(),
            actor=actor, today=rt.today(), parent=data.get("parent") or None, prefix=data.get("prefix") or None,
        )
    except DomainError as error:
        return _page(request, 422, error=error)
    return _page(request, notice=f"已添加机关 {data.get('code')}")


@router.post("/admin/users")
async def add_user(request: Request) -> Response:
    actor = page_actor(request)
    data = await _form(request)
    rt = _rt(request)
    username = data.get("username", "").strip()
    try:
        await run_in_threadpool(
            directory.add_user, rt.uow(), username, data.get("display_name", ""), data.get("role", ""),
            data.get("agency", ""), data.get("email", ""), actor=actor, today=rt.today(),
        )
        one_time = await run_in_threadpool(auth.issue_one_time_password, rt.uow(), username, actor=actor)
    except DomainError as error:
        return _page(request, 422, error=error)
    return _page(request, one_time=(username, one_time))


def _edit_page(request: Request, status: int = 200, **extra: Any) -> HTMLResponse:
    """The edit form of one user (`user`) or one agency (`agency`)."""
    actor = page_actor(request)
    require_role(actor, {Role.ADMIN}, "管理系统")
    rt = _rt(request)
    context = {"agencies": directory.list_agencies(rt.uow()), "roles": ROLES}
    context.update(extra)
    return render(request, "admin_edit.html", status, **context)


def _days(value: str) -> int | None:
    """The 补正 period typed in a form: empty keeps it, otherwise a whole number."""
    value = value.strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise DomainError(
            f"补正期限（supplement_days）应为整数个工作日，实为“{value}”",
            field="supplement_days",
            rule="整数",
        ) from None


@router.get("/admin/agencies/edit")
def edit_agency_page(request: Request, code: str = "") -> HTMLResponse:
    require_role(page_actor(request), {Role.ADMIN}, "管理系统")
    try:
        agency = directory.get_agency(_rt(request).uow(), code)
    except DomainError as error:
        return _page(request, 404, error=error)
    return _edit_page(request, agency=agency)


@router.post("/admin/agencies/update")
async def update_agency(request: Request) -> Response:
    """Empty prefix and format keep them; an empty parent makes a top-level agency."""
    actor = page_actor(request)
    data = await _form(request)
    rt = _rt(request)
    code = data.get("code", "")
    try:
        agency = await run_in_threadpool(
            directory.update_agency, rt.uow(), code,
            name=data.get("name", ""), parent=data.get("parent", ""),
            prefix=data.get("prefix", "").strip() or None,
            supplement_days=_days(data.get("supplement_days", "")),
            case_no_format=data.get("case_no_format", "").strip() or None,
            actor=actor, today=rt.today(),
        )  # fmt: skip
    except DomainError as error:
        try:
            current = directory.get_agency(rt.uow(), code)
        except DomainError:
            return _page(request, 422, error=error)
        return _edit_page(request, 422, error=error, agency=current, form=data)
    return _page(request, notice=f"已修改机关 {agency.code}（{agency.name}），编号格式 {agency.case_no_format}")


@router.post("/admin/agencies/deactivate")
async def deactivate_agency(request: Request) -> Response:
    return await _switch(request, directory.deactivate_agency, "code", "已停用机关")


@router.post("/admin/agencies/activate")
async def activate_agency(request: Request) -> Response:
    return await _switch(request, directory.activate_agency, "code", "已启用机关")


@router.get("/admin/users/edit")
def edit_user_page(request: Request, username: str = "") -> HTMLResponse:
    require_role(page_actor(request), {Role.ADMIN}, "管理系统")
    try:
        user = directory.get_user(_rt(request).uow(), username)
    except DomainError as error:
        return _page(request, 404, error=error)
    return _edit_page(request, user=user)


@router.post("/admin/users/update")
async def update_user(request: Request) -> Response:
    actor = page_actor(request)
    data = await _form(request)
    rt = _rt(request)
    username = data.get("username", "")
    try:
        user = await run_in_threadpool(
            directory.update_user, rt.uow(), username,
            display_name=data.get("display_name", ""), role=data.get("role", ""),
            agency=data.get("agency", ""), email=data.get("email", ""),
            actor=actor, today=rt.today(),
        )  # fmt: skip
    except DomainError as error:
        try:
            current = directory.get_user(rt.uow(), username)
        except DomainError:
            return _page(request, 422, error=error)
        return _edit_page(request, 422, error=error, user=current, form=data)
    return _page(request, notice=f"已修改用户 {user.username}（{user.display_name}）")


@router.post("/admin/users/deactivate")
async def deactivate_user(request: Request) -> Response:
    return await _switch(request, directory.deactivate_user, "username", "已停用用户")


@router.post("/admin/users/activate")
async def activate_user(request: Request) -> Response:
    return await _switch(request, directory.activate_user, "username", "已启用用户")


async def _switch(request: Request, service: Any, key: str, done: str) -> Response:
    """A 停用/启用 button: the service with the row's code or user name."""
    actor = page_actor(request)
    data = await _form(request)
    rt = _rt(request)
    name = data.get(key, "")
    try:
        await run_in_threadpool(service, rt.uow(), name, actor=actor, today=rt.today())
    except DomainError as error:
        return _page(request, 422, error=error)
    return _page(request, notice=f"{done} {name}")


@router.post("/admin/users/password")
async def reset_password(request: Request) -> Response:
    actor = page_actor(request)
    data = await _form(request)
    username = data.get("username", "")
    try:
        one_time = await run_in_threadpool(auth.issue_one_time_password, _rt(request).uow(), username, actor=actor)
    except DomainError as error:
        return _page(request, 422, error=error)
    return _page(request, one_time=(username, one_time))


@router.post("/admin/calendar")
async def calendar_notice(request: Request) -> Response:
    """Without `confirm`: the preview (nothing written); with it: the import."""
    actor = page_actor(request)
    data = await _form(request)
    rt = _rt(request)
    text = data.get("notice", "")
    confirm = data.get("confirm") == "1"
    try:
        if not text.strip():
            raise DomainError("请粘贴通知全文", field="notice", rule="必填")
        parsed = parse_notice(text)
        result = await run_in_threadpool(
            import_notice, rt.uow(), parsed, actor=actor, today=rt.today(), dry_run=not confirm
        )
    except DomainError as error:
        return _page(request, 422, error=error, notice_text=text)
    return _page(request, preview=result, notice_text=text, confirmed=confirm)


@router.post("/admin/ledger")
async def ledger(request: Request) -> Response:
    """An uploaded ledger is checked (dry run); a confirmation imports the same file."""
    actor = page_actor(request)
    form = await request.form()
    check_csrf(request.state.session, str(form.get("csrf_token") or "") or None)
    rt = _rt(request)
    agency = str(form.get("agency") or "")
    ticket = str(form.get("ticket") or "")
    upload = form.get("file")
    try:
        if ticket:
            path = _ticket_path(ticket)
            dry_run = False
        elif isinstance(upload, UploadFile) and upload.filename:
            suffix = Path(upload.filename).suffix.lower()
            if suffix not in (".csv", ".xlsx"):
                raise DomainError("台账应为 .csv 或 .xlsx 文件", field="file", rule="文件格式")
            ticket = secrets.token_urlsafe(12) + suffix
            UPLOADS.mkdir(exist_ok=True)
            path = UPLOADS / ticket
            path.write_bytes(await upload.read())
            dry_run = True
        else:
            raise DomainError("请选择台账文件", field="file", rule="必填")
        result = await run_in_threadpool(
            import_ledger, rt.uow(), path, agency, actor=actor, today=rt.today(), dry_run=dry_run
        )
    except DomainError as error:
        problems = [p.message for p in getattr(error, "problems", [])] or [error.message]
        return _page(request, 422, error=error, ledger_problems=problems)
    if not dry_run:
        path.unlink(missing_ok=True)
    return _page(request, ledger=result, ticket=ticket if dry_run else "", ledger_agency=agency)


def _ticket_path(ticket: str) -> Path:
    """The kept upload of a checked ledger; only a bare file name made by `ledger` is accepted."""
    name = Path(ticket).name
    if name != ticket or not (UPLOADS / name).is_file():
        raise DomainError("待确认的台账已失效，请重新上传", field="file", rule="台账导入")
    return UPLOADS / name
