"""RULES §7 as a table: every role, in the case's own agency tree or another, against every
case action of the API; the expected status for each cell is written out, not computed.

The case belongs to lixia and is assigned to wang. Users: wang (caseworker, the assignee),
wu (caseworker, same agency, not assigned), liu (supervisor), chen (office head), sun
(caseworker of lixia_zj, an agency *under* lixia: caseworkers see only their own agency),
zhao (caseworker) and qian (supervisor) of shizhong (another tree), admin.
A refused cell writes nothing (the case's events are counted before and after).
"""

from __future__ import annotations

import urllib.parse

import pytest
from web_support import server  # noqa: F401 - the module's fixture

USERS = ("wang", "wu", "liu", "chen", "sun", "zhao", "qian", "admin")

# action -> expected status per user, in the order of USERS
MATRIX: dict[str, tuple[int, ...]] = {
    "view": (200, 200, 200, 200, 404, 404, 404, 200),
    "supplement_requested": (200, 403, 200, 200, 404, 404, 404, 403),
    "consultation_started": (200, 403, 200, 200, 404, 404, 404, 403),
    "assigned": (403, 403, 200, 200, 404, 404, 404, 403),
    "extension_requested": (200, 403, 200, 200, 404, 404, 404, 403),
    "extension_decided": (403, 403, 403, 200, 404, 404, 404, 403),
    "delay_set": (200, 403, 200, 200, 404, 404, 404, 403),
    "answered": (200, 403, 200, 200, 404, 404, 404, 403),
    "withdrawn": (200, 403, 200, 200, 404, 404, 404, 403),
    "corrected": (200, 403, 200, 200, 404, 404, 404, 403),
    "voided": (403, 403, 200, 200, 404, 404, 404, 403),
    "register": (201, 201, 201, 201, 403, 403, 403, 403),
}

BODIES = {
    "supplement_requested": {"type": "supplement_requested", "on": "2026-11-18"},
    "consultation_started": {"type": "consultation_started", "kind": "third_party", "party": "某公司"},
    "assigned": {"type": "assigned", "to": "wu"},
    "extension_requested": {"type": "extension_requested", "workdays": 5, "reason": "需调取档案"},
    "extension_decided": {"type": "extension_decided", "approved": True, "reason": "同意"},
    "delay_set": {"type": "delay_set", "due": "2026-12-31", "reason": "申请数量过大"},
    "answered": {"type": "answered", "outcome": "disclosed"},
    "withdrawn": {"type": "withdrawn", "reason": "申请人撤回"},
    "corrected": {"type": "corrected", "contact": "13800000000", "reason": "漏填电话"},
    "voided": {"type": "voided", "reason": "重复登记"},
}

CELLS = [
    (action, user, statuses[i]) for action, statuses in MATRIX.items() for i, user in enumerate(USERS)
]


def _intake() -> dict[str, str]:
    return {
        "agency": "lixia",
        "applicant_name": "李雷",
        "applicant_type": "natural_person",
        "channel": "in_person",
        "received_on": "2026-11-16",
        "content": "2025年道路维修支出明细",
        "assignee": "wang",
    }


def test_the_matrix_covers_every_role_and_action() -> None:
    assert len(CELLS) == len(USERS) * len(MATRIX) == 96


@pytest.mark.parametrize(("action", "user", "expected"), CELLS)
def test_access(server, action: str, user: str, expected: int) -> None:  # noqa: F811
    if action == "register":
        before = server.count("cases")
        reply = server.api("POST", "/cases", user, _intake())
        assert reply.status == expected, reply.text
        assert server.count("cases") == before + (1 if expected == 201 else 0)
        return
    created = server.api("POST", "/cases", "liu", _intake())
    assert created.status == 201, created.text
    path = "/cases/" + urllib.parse.quote(created.json()["case_no"], safe="")
    if action == "extension_decided":
        asked = server.api("POST", path + "/events", "wang", BODIES["extension_requested"])
        assert asked.status == 200, asked.text
    events_before = server.count("case_events")
    if action == "view":
        reply = server.api("GET", path, user)
    else:
        reply = server.api("POST", path + "/events", user, BODIES[action])
    assert reply.status == expected, reply.text
    if expected >= 400:
        assert reply.json()["error"]["code"] == {403: "forbidden", 404: "not_found"}[expected]
        assert server.count("case_events") == events_before
    elif action != "view":
        assert server.count("case_events") == events_before + 1
