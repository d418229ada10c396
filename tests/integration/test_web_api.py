"""The JSON API of RULES §5 over HTTP, against a real server on SQLite and PostgreSQL.

Dates (TODAY = Friday 2026-11-20; November/early December 2026 are plain Mon–Fri weeks):
- received Mon 11-02: 20 working days after it = Nov 3–6 (4), 9–13 (9), 16–20 (14),
  23–27 (19), 30 (20) -> due 2026-11-30.
- 补正 received Tue 11-10: 11–13 (3), 16–20 (8), 23–27 (13), 30, Dec 1–4 (18), 7, 8 -> 2026-12-08.
- extension of 5 working days on a due of 11-30: Dec 1, 2, 3, 4, 7 -> 2026-12-07.
- received Fri 10-09: Sat 10-10 is a working day (1), Oct 12–16 (6), 19–23 (11), 26–30 (16),
  Nov 2–5 (20) -> due 2026-11-05, overdue on 11-20.
"""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

import pytest
from web_support import server  # noqa: F401 - the module's fixture

GOOD_ID = "11010519491231002X"  # a valid GB 11643 number (check character X)


def intake(**over: Any) -> dict[str, Any]:
    body = {
        "agency": "lixia",
        "applicant_name": "张伟",
        "applicant_type": "natural_person",
        "id_kind": "resident_id",
        "id_number": GOOD_ID,
        "contact": "13800000000",
        "channel": "online",
        "received_on": "2026-11-02",
        "content": "某项目征收补偿方案",
        "requested_form": "电子邮件",
    }
    body.update(over)
    return {k: v for k, v in body.items() if v is not None}


def url(case_no: str) -> str:
    return "/cases/" + urllib.parse.quote(case_no, safe="")


def new_case(server, user: str = "wang", **over: Any) -> dict[str, Any]:  # noqa: F811
    reply = server.api("POST", "/cases", user, intake(**over))
    assert reply.status == 201, reply.text
    return reply.json()


def event(server, case_no: str, user: str, body: dict[str, Any]):  # noqa: F811
    return server.api("POST", url(case_no) + "/events", user, body)


def counts(server) -> dict[str, int]:  # noqa: F811
    return {t: server.count(t) for t in ("cases", "case_events", "idempotency_keys")}


def test_healthz_and_openapi(server) -> None:  # noqa: F811
    assert server.request("GET", "/healthz").json()["ok"] is True  # details: test_operations
    spec = server.request("GET", "/openapi.json").json()
    assert "/api/v1/cases" in spec["paths"]
    assert "/api/v1/cases/{case_no}/events" in spec["paths"]


def test_register_returns_the_case_with_its_deadline_and_the_id_masked(server) -> None:  # noqa: F811
    case = new_case(server)
    assert case["agency"] == "lixia"
    assert case["version"] == 1
    assert case["state"] == "in_progress"
    assert case["clock"] == "running"
    assert case["due"] == "2026-11-30"
    assert case["provisional"] is False
    assert case["id_number"] == "110105********002X"
    assert case["applicant_type"] == "natural_person"
    assert case["channel"] == "online"
    assert case["received_on"] == "2026-11-02"
    assert case["content"] == "某项目征收补偿方案"
    assert [e["type"] for e in case["events"]] == ["registered"]
    assert case["steps"], "the deadline comes with its explanation"
    again = server.api("GET", url(case["case_no"]), "wang").json()
    assert again["due"] == "2026-11-30" and again["id_number"] == "110105********002X"


def test_idempotency_key_returns_the_first_case_and_never_a_second(server) -> None:  # noqa: F811
    before = counts(server)
    headers = {"Idempotency-Key": "portal-7f3a-0001"}
    first = server.api("POST", "/cases", "wang", intake(), headers=headers)
    second = server.api("POST", "/cases", "wang", intake(), headers=headers)
    assert first.status == second.status == 201
    assert first.json()["case_no"] == second.json()["case_no"]
    assert second.headers.get("idempotent-replayed") == "true"
    after = counts(server)
    assert after["cases"] == before["cases"] + 1
    assert after["idempotency_keys"] == before["idempotency_keys"] + 1


BAD_INTAKES = [
    ({"agency": None}, "agency"),
    ({"agency": "nowhere"}, "agency"),
    ({"applicant_name": "  "}, "applicant_name"),
    ({"applicant_type": "alien"}, "applicant_type"),
    ({"channel": "pigeon"}, "channel"),
    ({"received_on": "2026-13-01"}, "received_on"),
    ({"received_on": "2026-11-21"}, "received_on"),  # tomorrow
    ({"id_number": "110105194912310021"}, "id_number"),  # wrong check digit
    ({"id_kind": "credit_code", "id_number": "91350100M000100Y44"}, "id_number"),
    ({"content": ""}, "content"),
    ({"colour": "red"}, "colour"),
]


@pytest.mark.parametrize(("change", "field"), BAD_INTAKES)
def test_bad_intake_names_the_field_and_writes_nothing(server, change, field) -> None:  # noqa: F811
    before = counts(server)
    reply = server.api("POST", "/cases", "wang", intake(**change), headers={"Idempotency-Key": f"bad-{field}"})
    assert reply.status == 422, reply.text
    error = reply.json()["error"]
    assert error["field"] == field
    assert error["code"] in ("rule", "usage")
    assert any("\u4e00" <= ch <= "\u9fff" for ch in error["message"]), "message in Chinese"
    assert counts(server) == before


def test_body_that_is_not_an_object_is_refused(server) -> None:  # noqa: F811
    before = counts(server)
    for body in (b"[1, 2]", b"{not json"):
        reply = server.api("POST", "/cases", "wang", body)
        assert reply.status == 422
        assert reply.json()["error"]["field"] == "body"
    assert counts(server) == before


def test_supplement_stops_the_clock_and_its_receipt_restarts_it(server) -> None:  # noqa: F811
    case = new_case(server)
    no = case["case_no"]
    stopped = event(server, no, "wang", {"type": "supplement_requested", "on": "2026-11-04", "reason": "请补充项目名称"})
    assert stopped.status == 200, stopped.text
    assert (stopped.json()["clock"], stopped.json()["due"]) == ("stopped", None)
    assert stopped.json()["state"] == "awaiting_supplement"
    restarted = event(server, no, "wang", {"type": "supplement_received", "on": "2026-11-10"})
    assert restarted.json()["due"] == "2026-12-08"
    assert restarted.json()["version"] == 3


def test_bad_events_name_the_field_and_write_nothing(server) -> None:  # noqa: F811
    no = new_case(server)["case_no"]
    cases = [
        ({"type": "teleported"}, "type"),
        ({"type": "supplement_requested", "on": "someday"}, "on"),
        ({"type": "supplement_requested", "on": "2026-11-21"}, "on"),
        ({"type": "extension_requested", "on": "2026-11-20", "reason": "复杂"}, "workdays"),
        ({"type": "extension_requested", "workdays": 25, "reason": "复杂"}, "workdays"),
        ({"type": "extension_requested", "workdays": "five", "reason": "x"}, "workdays"),
        ({"type": "answered"}, "outcome"),
        ({"type": "answered", "outcome": "maybe"}, "outcome"),
        ({"type": "supplement_received", "colour": 1}, "colour"),
    ]
    before = counts(server)
    for body, field in cases:
        reply = event(server, no, "wang", body)
        assert reply.status == 422, (body, reply.text)
        assert reply.json()["error"]["field"] == field, (body, reply.json())
    assert counts(server) == before


def test_a_stale_expected_version_is_a_conflict_and_writes_nothing(server) -> None:  # noqa: F811
    no = new_case(server)["case_no"]
    assert event(server, no, "wang", {"type": "supplement_requested", "on": "2026-11-04", "expected_version": 1}).status == 200
    before = counts(server)
    stale = event(server, no, "wang", {"type": "withdrawn", "expected_version": 1})
    assert stale.status == 409
    assert stale.json()["error"]["code"] == "conflict"
    assert counts(server) == before


def test_extension_is_a_request_that_only_an_office_head_approval_applies(server) -> None:  # noqa: F811
    no = new_case(server)["case_no"]
    asked = event(server, no, "wang", {"type": "extension_requested", "workdays": 5, "reason": "需调取档案"})
    assert asked.status == 200 and asked.json()["due"] == "2026-11-30"
    waiting = server.api("GET", "/extension-requests", "chen").json()["requests"]
    assert no in [r["case_no"] for r in waiting]
    refused = event(server, no, "liu", {"type": "extension_decided", "approved": True})
    assert refused.status == 403
    approved = event(server, no, "chen", {"type": "extension_decided", "approved": True, "reason": "同意"})
    assert approved.status == 200, approved.text
    assert approved.json()["due"] == "2026-12-07"
    assert no not in [r["case_no"] for r in server.api("GET", "/extension-requests", "chen").json()["requests"]]


def test_a_refused_extension_leaves_the_due_date(server) -> None:  # noqa: F811
    no = new_case(server)["case_no"]
    event(server, no, "wang", {"type": "extension_requested", "workdays": 5, "reason": "需调取档案"})
    refused = event(server, no, "chen", {"type": "extension_decided", "approved": False, "reason": "不必"})
    assert refused.status == 200 and refused.json()["due"] == "2026-11-30"
    assert refused.json()["events"][-1]["type"] == "extension_refused"


def test_list_is_sorted_by_due_and_filters(server) -> None:  # noqa: F811
    late = new_case(server, received_on="2026-10-09")["case_no"]
    new_case(server)
    rows = server.api("GET", "/cases?state=open", "wang").json()["cases"]
    dues = [r["due"] for r in rows if r["due"]]
    assert dues == sorted(dues)
    overdue = server.api("GET", "/cases?overdue=true", "wang").json()["cases"]
    assert late in [r["case_no"] for r in overdue]
    assert all(r["due"] < "2026-11-20" for r in overdue)
    assert all("*" in r["id_number"] for r in rows if r["id_number"])
    soon = server.api("GET", "/cases?due_within=6", "wang").json()["cases"]
    assert all(r["due"] <= "2026-11-30" for r in soon)  # 6 working days after Fri 11-20: Mon 11-30
    bad = server.api("GET", "/cases?due_within=soon", "wang")
    assert bad.status == 422 and bad.json()["error"]["field"] == "due_within"
    bad_state = server.api("GET", "/cases?state=sleeping", "wang")
    assert bad_state.status == 422 and bad_state.json()["error"]["field"] == "state"


def test_other_agencies_cases_do_not_exist_for_a_user(server) -> None:  # noqa: F811
    no = new_case(server)["case_no"]
    hidden = server.api("GET", url(no), "zhao")
    unknown = "历下政公开〔2026〕第9999号"
    missing = server.api("GET", url(unknown), "zhao")
    assert hidden.status == missing.status == 404
    assert hidden.json() == json.loads(missing.text.replace(unknown, no))
    assert no not in [r["case_no"] for r in server.api("GET", "/cases", "zhao").json()["cases"]]


def test_tokens_missing_bad_and_revoked_are_401(server) -> None:  # noqa: F811
    from domain.access import SYSTEM
    from services import auth
    from store.uow import SqlUnitOfWork

    assert server.request("GET", "/api/v1/cases").status == 401
    assert server.request("GET", "/api/v1/cases", token="ogi_nonsense").status == 401
    token = auth.create_token(SqlUnitOfWork(server.engine), "wu", actor=SYSTEM)
    assert server.request("GET", "/api/v1/cases", token=token).status == 200
    auth.revoke_tokens(SqlUnitOfWork(server.engine), "wu", actor=SYSTEM, prefix=token[:10])
    reply = server.request("GET", "/api/v1/cases", token=token)
    assert reply.status == 401 and reply.json()["error"]["code"] == "unauthenticated"
    assert server.request("GET", "/api/v1/cases", token=server.tokens["wu"]).status == 200


def test_tokens_are_stored_hashed(server) -> None:  # noqa: F811
    from sqlalchemy import text

    with server.engine.connect() as connection:
        stored = connection.execute(text("SELECT token_sha256 FROM api_tokens")).scalars().all()
    assert server.tokens["wang"] not in stored
    assert all(len(s) == 64 for s in stored)


HOSTILE = [
    "<script>alert('x')</script>",
    "'; DROP TABLE cases; --",
    "\" onmouseover=\"alert(1)",
    "Robert'); DELETE FROM case_events WHERE ('1'='1",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_is_stored_as_typed(server, text) -> None:  # noqa: F811
    before = server.count("cases")
    case = new_case(server, applicant_name=text, content=text)
    assert server.count("cases") == before + 1
    back = server.api("GET", url(case["case_no"]), "wang").json()
    assert (back["applicant_name"], back["content"]) == (text, text)


def test_the_list_pages_in_due_order(server) -> None:  # noqa: F811
    for _ in range(3):
        new_case(server)
    everything = server.api("GET", "/cases", "wang").json()["cases"]
    first = server.api("GET", "/cases?limit=2", "wang").json()["cases"]
    second = server.api("GET", "/cases?limit=2&offset=2", "wang").json()["cases"]
    assert [r["case_no"] for r in first + second] == [r["case_no"] for r in everything[:4]]
    for query, field in (("limit=0", "limit"), ("limit=1001", "limit"), ("offset=-1", "offset")):
        reply = server.api("GET", f"/cases?{query}", "wang")
        assert reply.status == 422 and reply.json()["error"]["field"] == field


def test_corrections_and_voiding_through_the_api(server) -> None:  # noqa: F811
    no = new_case(server)["case_no"]  # D0 Mon 11-02 → due 11-30
    before = counts(server)
    for body, field in (
        ({"type": "corrected", "received_on": "2026-11-04"}, "reason"),
        ({"type": "corrected", "received_on": "4 Nov", "reason": "录错"}, "received_on"),
        ({"type": "corrected", "channel": "pigeon", "reason": "录错"}, "channel"),
        ({"type": "voided", "reason": "误登记", "outcome": "disclosed"}, "outcome"),
    ):
        reply = event(server, no, "wang", body)
        assert reply.status == 422, (body, reply.text)
        assert reply.json()["error"]["field"] == field
    assert counts(server) == before
    # from Wed 11-04: 20 working days end on Wed 12-02 (no holidays in Nov/Dec 2026)
    fixed = event(server, no, "wang", {"type": "corrected", "received_on": "2026-11-04", "reason": "录错"})
    assert fixed.status == 200, fixed.text
    assert (fixed.json()["received_on"], fixed.json()["due"]) == ("2026-11-04", "2026-12-02")
    assert event(server, no, "wang", {"type": "voided", "reason": "误登记"}).status == 403
    voided = event(server, no, "liu", {"type": "voided", "reason": "误登记"})
    assert voided.status == 200 and voided.json()["state"] == "voided"
    assert no not in [c["case_no"] for c in server.api("GET", "/cases?state=open", "liu").json()["cases"]]
