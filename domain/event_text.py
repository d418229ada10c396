"""An event's details in words: the case page and `ogi case show` print labels, not codes."""

from __future__ import annotations

from typing import Any

from domain.case import CORRECTABLE_LABELS
from domain.identity import mask_id
from domain.outcomes import ApplicantType, Channel, Outcome

#: A registration's own payload is the case's facts, shown above the history; of it the
#: history repeats only these.
_FIRST_EVENT_KEYS = frozenset({"assignee", "applicant_type", "outcome"})
_FIRST_EVENTS = frozenset({"registered", "imported"})

PAYLOAD_LABELS = {
    "assignee": "经办人",
    "applicant_days": "补正期限（工作日）",
    "kind": "类型",
    "party": "被征求方",
    "letter_received_on": "收函日期",
    "workdays": "工作日数",
    "approver": "批准人",
    "method": "收费方式",
    "quantity": "数量",
    "amount_yuan": "金额（元）",
    "due": "期限",
    "outcome": "办理结果",
    "applicant_type": "申请人类型",
    "letter_no": "文号",
    "responsible_agency": "负责机关",
    "withheld_ground": "不予公开理由",
    **CORRECTABLE_LABELS,
}
PAYLOAD_VALUES = {
    "third_party": "第三方",
    "agency": "其他机关",
    "piece": "按件",
    "volume": "按量",
}


def event_details(payload: dict[str, Any], event_type: str = "") -> str:
    """An event's details as people read them: labels, not codes; an ID number masked (the
    full number is shown only with the case's facts, to those who may act on it)."""
    parts = []
    for key, value in payload.items():
        if key not in PAYLOAD_LABELS or value in (None, "", []):
            continue
        if event_type in _FIRST_EVENTS and key not in _FIRST_EVENT_KEYS:
            continue
        if key == "id_number":
            value = mask_id(str(value))
        if key in ("outcome", "withheld_ground"):
            value = Outcome(value).row_label
        elif key == "applicant_type":
            value = ApplicantType(value).label
        elif key == "channel":
            value = Channel(value).label
        parts.append(f"{PAYLOAD_LABELS[key]}：{PAYLOAD_VALUES.get(str(value), value)}")
    return "；".join(parts)
