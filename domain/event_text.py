"""An event's details in words: the case page and `ogi case show` print labels, not codes."""

from __future__ import annotations

from typing import Any

from domain.case import CORRECTABLE_LABELS
from domain.outcomes import ApplicantType, Channel, Outcome

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


def event_details(payload: dict[str, Any]) -> str:
    """An event's details as people read them: labels, not codes."""
    parts = []
    for key, value in payload.items():
        if key not in PAYLOAD_LABELS or value in (None, "", []):
            continue
        if key in ("outcome", "withheld_ground"):
            value = Outcome(value).row_label
        elif key == "applicant_type":
            value = ApplicantType(value).label
        elif key == "channel":
            value = Channel(value).label
        parts.append(f"{PAYLOAD_LABELS[key]}：{PAYLOAD_VALUES.get(str(value), value)}")
    return "；".join(parts)
