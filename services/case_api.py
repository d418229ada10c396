"""The cases as the JSON API and the web pages see them (RULES §5 "Web and API").

Thin use cases over `services.cases`: an intake that a retried request with the same
`Idempotency-Key` cannot register twice, the case in its published JSON shape (ID number
masked unless the reader may act and asks for it), and one event applied from the API's
`{"type", "on", ...}` vocabulary. Values arriving as text are checked here, field by field,
so a bad request names its field and writes nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from domain.access import Actor, authorize_case
from domain.case import CaseEventType
from domain.case_actions import allowed_actions
from domain.errors import DomainError, ForbiddenError, NotFoundError, UsageError
from services import cases as case_service

INTAKE_FIELDS = (
    "agency",
    "applicant_name",
    "applicant_type",
    "id_kind",
    "id_number",
    "contact",
    "channel",
    "received_on",
    "content",
    "requested_form",
)
_REQUIRED = ("agency", "applicant_name", "applicant_type", "channel", "received_on", "content")

# The API's event vocabulary: RULES §5's deadline events plus the case actions.
_EVENT_TYPES: dict[str, CaseEventType] = {
    t.value: t
    for t in (
        CaseEventType.ASSIGNED,
        CaseEventType.SUPPLEMENT_REQUESTED,
        CaseEventType.SUPPLEMENT_RECEIVED,
        CaseEventType.CONSULTATION_STARTED,
        CaseEventType.CONSULTATION_ENDED,
        CaseEventType.EXTENSION_REQUESTED,
        CaseEventType.EXTENSION_GRANTED,
        CaseEventType.EXTENSION_REFUSED,
        CaseEventType.FEE_NOTICE_SENT,
        CaseEventType.FEE_PAID,
        CaseEventType.DELAY_SET,
        CaseEventType.ANSWERED,
        CaseEventType.DEEMED_ABANDONED,
        CaseEventType.WITHDRAWN,
        CaseEventType.CORRECTED,
        CaseEventType.VOIDED,
    )
}
EVENT_TYPES = (*_EVENT_TYPES, "extension_decided")

# Per event type: the body fields it takes beyond type/on/reason/expected_version, and how
# each is read (name in the body -> (keyword of the service, reader)).
_INT, _STR, _DATE = "int", "str", "date"
_EVENT_FIELDS: dict[str, dict[str, tuple[str, str]]] = {
    "assigned": {"to": ("assignee", _STR), "assignee": ("assignee", _STR)},
    "supplement_requested": {"applicant_days": ("applicant_days", _INT)},
    "consultation_started": {
        "kind": ("kind", _STR),
        "party": ("party", _STR),
        "letter_received_on": ("letter_received_on", _DATE),
    },
    "consultation_ended": {"kind": ("kind", _STR), "party": ("party", _STR)},
    "extension_requested": {"workdays": ("workdays", _INT)},
    "extension_granted": {},
    "extension_refused": {},
    "extension_decided": {"approved": ("approved", "bool")},
    "fee_notice_sent": {"method": ("method", _STR), "quantity": ("quantity", _INT)},
    "delay_set": {"due": ("due", _DATE)},
    "answered": {
        "outcome": ("outcome", _STR),
        "responsible_agency": ("responsible_agency", _STR),
        "responsible_contact": ("responsible_contact", _STR),
        "withheld_ground": ("withheld_ground", _STR),
    },
    "deemed_abandoned": {"outcome": ("outcome", _STR)},
    "withdrawn": {},
    "corrected": {
        "received_on": ("received_on", _DATE),
        "channel": ("channel", _STR),
        "applicant_name": ("applicant_name", _STR),
        "applicant_type": ("applicant_type", _STR),
        "id_kind": ("id_kind", _STR),
        "id_number": ("id_number", _STR),
        "contact": ("contact", _STR),
        "content": ("content", _STR),
        "outcome": ("outcome", _STR),
    },
    "voided": {},
    "supplement_received": {},
    "fee_paid": {},
}
_COMMON = ("type", "on", "reason", "expected_version")


def parse_date(value: Any, field: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise DomainError(
            f"{field} 应为日期 YYYY-MM-DD，实为“{value}”", field=field, rule="日期格式"
        ) from None


def parse_int(value: Any, field: str) -> int:
    if isinstance(value, bool):
        raise DomainError(f"{field} 应为整数", field=field, rule="整数")
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        raise DomainError(f"{field} 应为整数，实为“{value}”", field=field, rule="整数") from None


def _text(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if value is None:
        return ""
    if not isinstance(value, str | int):
        raise DomainError(f"{name} 应为文本", field=name, rule="文本")
    return str(value)


# -- intake ---------------------------------------------------------------------------------


def registration_from(body: dict[str, Any], *, received_on_field: str = "received_on") -> case_service.NewCase:
    """A registration from the §2.1 fields of a request (JSON body or form)."""
    if not isinstance(body, dict):
        raise UsageError("请求体应为 JSON 对象", field="body", rule="JSON")
    unknown = sorted(set(body) - set(INTAKE_FIELDS) - {"assignee"})
    if unknown:
        raise DomainError(
            f"未知字段：{'、'.join(unknown)}", field=unknown[0], rule="RULES §5 字段"
        )
    for name in _REQUIRED:
        if not str(body.get(name) or "").strip():
            raise DomainError(f"缺少必填字段 {name}", field=name, rule="必填")
    values = {name: _text(body, name) for name in INTAKE_FIELDS if name != "received_on"}
    values["id_kind"] = values["id_kind"] or "other"
    assignee = _text(body, "assignee").strip() or None
    return case_service.NewCase(
        received_on=parse_date(body["received_on"], received_on_field),
        assignee=assignee,
        **{k: v.strip() if k != "content" else v for k, v in values.items()},
    )


def register_once(
    uow: Any, form: case_service.NewCase, *, key: str | None, actor: Actor, today: dt.date
) -> tuple[str, bool]:
    """Register, or with an `Idempotency-Key` seen before return the case it made.

    Returns (case number, created). The key is stored in the registering transaction, so a
    retry racing the first request either sees it or fails on the unique key — never a
    second case.
    """
    key = (key or "").strip() or None
    if key is not None and len(key) > 200:
        raise DomainError("Idempotency-Key 不能超过 200 个字符", field="Idempotency-Key", rule="长度")
    with uow.write():
        if key is not None:
            existing = uow.auth.idempotent_case(actor.name, key)
            if existing is not None:
                return existing, False
        try:
            ref = case_service.insert_case(uow, form, actor=actor, today=today)
        except NotFoundError as missing:
            # an unknown agency or assignee in a request body is bad input (422), not a
            # missing resource of the URL (404)
            raise DomainError(missing.message, field=missing.field, rule=missing.rule) from None
        if key is not None:
            uow.auth.remember_intake(actor.name, key, ref.case_no, uow.now())
    return ref.case_no, True


# -- reading --------------------------------------------------------------------------------


def may_act(actor: Actor, agency: str, assignee: str | None) -> bool:
    """May the actor take case actions here (and so see the ID number in full, RULES §7)?"""
    try:
        authorize_case(actor, CaseEventType.SUPPLEMENT_RECEIVED, agency=agency, assignee=assignee)
    except (ForbiddenError, DomainError):
        return False
    return True


def list_json(row: dict[str, Any]) -> dict[str, Any]:
    """A listed case in the API's shape (the ID number masked)."""
    out = {
        "case_no": row["case_no"],
        "agency": row["agency"],
        "version": row["version"],
        "state": row["state"],
        "clock": row["clock"],
        "due": row["due"],
        "waiting_due": row["waiting_due"],
        "waiting_for": row.get("waiting_for"),
        "provisional": row["provisional"],
        "assignee": row["assignee"],
        "overdue": row.get("overdue", False),
        "outcome": row.get("outcome"),
    }
    for name in INTAKE_FIELDS:
        if name in row:
            out[name] = row[name]
    return out


def case_json(
    uow: Any, case_no: str, *, actor: Actor, today: dt.date, reveal_id: bool = False
) -> dict[str, Any]:
    """One case with its events and deadline steps; the full ID only when asked for by a
    reader who may act on the case (the case page), masked otherwise."""
    detail = case_service.show_case(uow, case_no, actor=actor, today=today)
    row = dict(detail.row)
    out = list_json(row)
    acting = may_act(actor, row["agency"], row["assignee"])
    out["actions"] = []
    if reveal_id and acting:
        with uow.read():
            case = uow.cases.get(case_no).case
        out["id_number"] = case.applicant.id_number
        out["actions"] = [a.value for a in allowed_actions(case, actor)]
    out["may_act"] = acting
    out["concluded_on"] = row.get("concluded_on")
    out["events"] = detail.events
    out["steps"] = detail.explanation
    out["provisional_warning"] = detail.provisional_warning
    out["deadline"] = detail.clock
    return out


def list_cases_json(
    uow: Any, flt: case_service.CaseFilter, *, actor: Actor, today: dt.date
) -> list[dict[str, Any]]:
    return [list_json(r) for r in case_service.list_cases(uow, flt, actor=actor, today=today)]


# -- events ---------------------------------------------------------------------------------


def apply_event(
    uow: Any, case_no: str, body: dict[str, Any], *, actor: Actor, today: dt.date
) -> case_service.CaseRef:
    """One event from the API's vocabulary, checked field by field, applied by the service."""
    if not isinstance(body, dict):
        raise UsageError("请求体应为 JSON 对象", field="body", rule="JSON")
    kind = str(body.get("type") or "").strip()
    if kind not in EVENT_TYPES:
        raise DomainError(
            f"事件类型（type）“{kind}”无效，应为：{'、'.join(EVENT_TYPES)}", field="type", rule="RULES §5"
        )
    allowed = _EVENT_FIELDS[kind]
    unknown = sorted(set(body) - set(_COMMON) - set(allowed))
    if unknown:
        raise DomainError(
            f"事件 {kind} 不接受字段：{'、'.join(unknown)}", field=unknown[0], rule="RULES §5 字段"
        )
    on = parse_date(body["on"], "on") if body.get("on") not in (None, "") else None
    expected = body.get("expected_version")
    expected = parse_int(expected, "expected_version") if expected not in (None, "") else None
    payload: dict[str, Any] = {}
    for name, (keyword, reader) in allowed.items():
        if body.get(name) in (None, ""):
            continue
        value = body[name]
        if reader == _INT:
            payload[keyword] = parse_int(value, name)
        elif reader == _DATE:
            payload[keyword] = parse_date(value, name).isoformat()
        elif reader == "bool":
            if not isinstance(value, bool):
                raise DomainError("approved 应为 true 或 false", field=name, rule="布尔值")
            payload[keyword] = value
        else:
            payload[keyword] = _text(body, name)
    action: CaseEventType
    if kind == "extension_decided":
        if "approved" not in payload:
            raise DomainError("延期审批须给出 approved（true 批准 / false 不批准）", field="approved", rule="必填")
        action = (
            CaseEventType.EXTENSION_GRANTED if payload.pop("approved") else CaseEventType.EXTENSION_REFUSED
        )
    else:
        action = _EVENT_TYPES[kind]
    if action is CaseEventType.EXTENSION_REQUESTED and "workdays" not in payload:
        raise DomainError("申请延期须填写延长的工作日数（workdays）", field="workdays", rule="必填")
    return case_service.act(
        uow,
        case_no,
        action,
        actor=actor,
        today=today,
        on=on,
        reason=_text(body, "reason"),
        expected_version=expected,
        **payload,
    )


__all__ = [
    "EVENT_TYPES",
    "INTAKE_FIELDS",
    "apply_event",
    "case_json",
    "list_cases_json",
    "register_once",
    "registration_from",
]
