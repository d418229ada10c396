"""Staff entries of the report (section 二, texts), remedies' validation, and the inbox."""

from __future__ import annotations

import datetime as dt

import ops as svc
import pytest
from ops import add_remedy, annual_report, close_year, inbox, set_annual_text, update_remedy
from sqlalchemy import Engine, func, select

from domain.errors import DomainError
from store.db import read_session
from store.models import AnnualText, Remedy

TODAY = dt.date(2026, 11, 20)


def _register(engine: Engine, received_on: dt.date) -> str:
    new = svc.NewCase("lixia", "张伟", "自然人", "online", received_on, "某文件")
    return svc.register_case(engine, new, "wang", today=TODAY).case_no


def test_section2_and_texts_are_validated_and_reported(engine: Engine) -> None:
    set_annual_text(
        engine, 2026, "lixia", "liu",
        section2={"rules_issued": "3", "fees_amount_wan": "12.5"}, overview="总体情况……",
    )  # fmt: skip
    set_annual_text(
        engine, 2026, "lixia", "liu", section2={"penalty_decisions": 40}, problems="问题……"
    )
    extra = annual_report(engine, 2026, "lixia")["extra"]
    assert extra["section2"] == {
        "rules_issued": 3,
        "fees_amount_wan": "12.50",
        "penalty_decisions": 40,
    }
    assert extra["overview"] == "总体情况……" and extra["problems"] == "问题……"
    for bad, field in (({"rules_issued": "-1"}, "rules_issued"), ({"fees_amount_wan": "1.234"}, "fees_amount_wan"),
                       ({"fees_amount_wan": "abc"}, "fees_amount_wan"), ({"nonsense": 1}, "nonsense")):  # fmt: skip
        with pytest.raises(DomainError) as caught:
            set_annual_text(engine, 2026, "lixia", "liu", section2=bad, overview="不应写入")
        assert caught.value.field == field
    with read_session(engine) as session:
        text = session.execute(select(AnnualText)).scalar_one()
        assert text.overview == "总体情况……"  # the refused calls wrote nothing


def test_remedy_rules_and_year_end_result(engine: Engine) -> None:
    case_no = _register(engine, dt.date(2026, 3, 2))
    with pytest.raises(DomainError) as caught:
        add_remedy(engine, case_no, "appeal", dt.date(2026, 4, 1), "liu", today=TODAY)
    assert caught.value.field == "kind"
    with pytest.raises(DomainError) as caught:
        add_remedy(
            engine,
            case_no,
            "reconsideration",
            dt.date(2026, 4, 1),
            "liu",
            result="upheld",
            today=TODAY,
        )
    assert caught.value.field == "result_on"
    with pytest.raises(DomainError) as caught:
        add_remedy(engine, case_no, "reconsideration", dt.date(2026, 2, 1), "liu", today=TODAY)
    assert caught.value.field == "filed_on"  # before the application was received
    with read_session(engine) as session:
        assert session.execute(select(func.count()).select_from(Remedy)).scalar_one() == 0
    remedy = add_remedy(engine, case_no, "reconsideration", dt.date(2026, 4, 1), "liu", today=TODAY)
    assert annual_report(engine, 2026, "lixia")["section4"]["reconsideration"]["pending"] == 1
    update_remedy(engine, remedy, "corrected", dt.date(2026, 6, 1), "liu", today=TODAY)
    section4 = annual_report(engine, 2026, "lixia")["section4"]
    assert section4["reconsideration"] == {
        "upheld": 0,
        "corrected": 1,
        "other": 0,
        "pending": 0,
        "total": 1,
    }


def test_year_close_reaches_the_supervisors_inbox(engine: Engine) -> None:
    carried = _register(engine, dt.date(2025, 12, 29))
    close_year(engine, 2025, "liu")
    close_year(engine, 2025, "liu")  # a second run refreshes, never duplicates
    messages = inbox(engine, "liu")
    assert len(messages) == 1
    assert messages[0]["payload"]["facts"]["cases"] == [{"case_no": carried}]
    assert inbox(engine, "wang") == []  # caseworkers are not told
