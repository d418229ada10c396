"""The JSON API under /api/v1/ (RULES §5): authenticated by bearer token, services only."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Query, Request
from fastapi.responses import JSONResponse

from domain.access import Actor
from services import auth, case_api, dashboard
from services.cases import CaseFilter
from web.security import bearer

router = APIRouter(prefix="/api/v1", tags=["api"])

_CASE_EXAMPLE = {
    "agency": "lixia",
    "applicant_name": "张伟",
    "applicant_type": "natural_person",
    "id_kind": "resident_id",
    "id_number": "11010519491231002X",
    "contact": "13800000000",
    "channel": "online",
    "received_on": "2026-11-02",
    "content": "某项目征收补偿方案",
    "requested_form": "电子邮件",
}


def _runtime(request: Request) -> Any:
    return request.app.state.runtime


def api_actor(request: Request) -> Actor:
    """The user a request's bearer token stands for (401 otherwise)."""
    token = bearer(request.headers.get("authorization"))
    actor = auth.actor_for_token(_runtime(request).uow(), token)
    request.state.username = actor.name  # for the request log
    return actor


@router.post("/cases", status_code=201, summary="登记申请（网上申请接口）")
def create_case(
    request: Request,
    body: Annotated[dict[str, Any], Body(examples=[_CASE_EXAMPLE])],
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> JSONResponse:
    """Register an application; a retry with the same Idempotency-Key returns the first case."""
    actor = api_actor(request)
    rt = _runtime(request)
    today = rt.today()
    form = case_api.registration_from(body)
    case_no, created = case_api.register_once(rt.uow(), form, key=idempotency_key, actor=actor, today=today)
    case = case_api.case_json(rt.uow(), case_no, actor=actor, today=today)
    headers = {} if created else {"Idempotent-Replayed": "true"}
    return JSONResponse(_jsonable(case), status_code=201, headers=headers)


@router.get("/cases", summary="案件列表（按到期日排序）", response_model=dict[str, Any])
def list_cases(
    request: Request,
    agency: str | None = None,
    state: str | None = None,
    due_within: Annotated[int | None, Query(description="N 个工作日内到期")] = None,
    overdue: bool = False,
    limit: Annotated[int | None, Query(description="每页件数（1–1000）；不填则返回全部")] = None,
    offset: Annotated[int, Query(description="跳过的件数")] = 0,
) -> JSONResponse:
    actor = api_actor(request)
    rt = _runtime(request)
    flt = CaseFilter(
        agency=agency,
        region=bool(agency),
        state=state,
        due_within=due_within,
        overdue=overdue,
        limit=limit,
        offset=offset,
    )
    rows = case_api.list_cases_json(rt.uow(), flt, actor=actor, today=rt.today())
    # the rows are JSON already: answered as they are, without a second pass through the
    # response model (the documented schema stays `response_model`)
    return JSONResponse(_jsonable({"cases": rows}))


@router.get("/cases/{case_no}", summary="案件详情（事件与期限说明）")
def get_case(request: Request, case_no: str) -> dict[str, Any]:
    actor = api_actor(request)
    rt = _runtime(request)
    return _jsonable(case_api.case_json(rt.uow(), case_no, actor=actor, today=rt.today()))


@router.post("/cases/{case_no}/events", summary="办理事件（补正、征求意见、延期、答复等）")
def post_event(
    request: Request,
    case_no: str,
    body: Annotated[
        dict[str, Any], Body(examples=[{"type": "supplement_requested", "on": "2026-11-04"}])
    ],
) -> dict[str, Any]:
    actor = api_actor(request)
    rt = _runtime(request)
    today = rt.today()
    case_api.apply_event(rt.uow(), case_no, body, actor=actor, today=today)
    return _jsonable(case_api.case_json(rt.uow(), case_no, actor=actor, today=today))


@router.get("/extension-requests", summary="待审批的延期申请")
def extension_requests(request: Request) -> dict[str, Any]:
    actor = api_actor(request)
    rows = dashboard.extension_requests(_runtime(request).uow(), actor=actor)
    return _jsonable({"requests": rows})


def _jsonable(value: Any) -> Any:
    """The value with dates and the like turned into JSON types. A listing is strings, numbers,
    booleans and None already (checking that is ~20x cheaper than `jsonable_encoder`, which
    costs milliseconds per 100 cases); anything else goes through FastAPI's encoder."""
    if _plain(value):
        return value
    from fastapi.encoders import jsonable_encoder

    return jsonable_encoder(value)


_SCALARS = (str, int, float, bool, type(None))


def _plain(value: Any) -> bool:
    """Whether `value` is made only of dicts with string keys, lists and JSON scalars."""
    kind = type(value)
    if kind is dict:
        return all(type(k) is str and _plain(v) for k, v in value.items())
    if kind is list:
        return all(_plain(v) for v in value)
    return kind in _SCALARS
