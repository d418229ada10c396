"""Year end (结转, lock, unlock with reason) and the annual report preview and downloads."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from domain.errors import DomainError
from formats.report import render as render_report
from services import years
from services.reports import annual_report
from web.pages import _form, _redirect, _rt, page_actor, render

router = APIRouter(include_in_schema=False)

MEDIA = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "html": "text/html; charset=utf-8",
}


def _year_of(request: Request, value: Any) -> int:
    try:
        return int(value) if value not in (None, "") else _rt(request).today().year - 1
    except ValueError:
        raise DomainError(f"年度（year）应为整数，实为“{value}”", field="year", rule="整数") from None


@router.get("/year")
def year_page(request: Request, year: str | None = None, agency: str | None = None, scope: str = "self") -> HTMLResponse:
    actor = page_actor(request)
    rt = _rt(request)
    y = _year_of(request, year)
    code = agency or actor.agency or ""
    report = annual_report(rt.uow(), y, code, actor=actor, today=rt.today(), scope=scope)
    query = urlencode({"year": y, "agency": code, "scope": scope})
    return render(request, "year.html", report=report, year=y, agency=code, scope=scope, query=query)


@router.get("/year/report.{fmt}")
def year_report(request: Request, fmt: str, year: str | None = None, agency: str | None = None, scope: str = "self") -> Response:
    actor = page_actor(request)
    rt = _rt(request)
    y = _year_of(request, year)
    report = annual_report(rt.uow(), y, agency or actor.agency or "", actor=actor, today=rt.today(), scope=scope)
    content = render_report(report.document(), fmt)
    name = f"{report.agency_name}{y}年度政府信息公开工作年度报告.{fmt}"
    disposition = "inline" if fmt == "html" else "attachment"
    headers = {"Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(name)}"}
    return Response(content, media_type=MEDIA.get(fmt, "application/octet-stream"), headers=headers)


@router.post("/year")
async def year_action(request: Request) -> Response:
    actor = page_actor(request)
    data = await _form(request)
    rt = _rt(request)
    y = _year_of(request, data.get("year"))
    agency = data.get("agency") or None
    action = data.get("action", "")
    try:
        if action == "close":
            await run_in_threadpool(years.close_year, rt.uow(), y, actor=actor, today=rt.today(), agency=agency)
        elif action == "lock":
            await run_in_threadpool(years.lock_year, rt.uow(), y, actor=actor, today=rt.today(), agency=agency)
        elif action == "unlock":
            await run_in_threadpool(
                years.unlock_year, rt.uow(), y, actor=actor, today=rt.today(), agency=agency, reason=data.get("reason", "")
            )
        else:
            raise DomainError(f"未知操作“{action}”", field="action", rule="年度操作")
    except DomainError as error:
        report = annual_report(rt.uow(), y, agency or actor.agency or "", actor=actor, today=rt.today())
        query = urlencode({"year": y, "agency": agency or "", "scope": "self"})
        status = 409 if error.code == "locked_year" else 403 if error.code == "forbidden" else 422
        return render(request, "year.html", status, report=report, year=y, agency=agency, scope="self", query=query, error=error)
    return _redirect(f"/year?{urlencode({'year': y, 'agency': agency or ''})}")
