"""Letters in the domain: Chinese dates, remedy sentences, reply wording for every outcome,
the answer's extra fields, which letters a case allows, 文号, and the context's dates.

Dates are counted by hand on the official 2026 calendar: 中秋 9-25 (Fri)–27 off, 国庆
10-01..07 off, Sun 9-20 and Sat 10-10 make-up working days; November 2026 has no holidays.
"""

from __future__ import annotations

import datetime as dt

import pytest

from domain.calendar import WorkCalendar
from domain.case import Actor, Case, CaseEventType, Registration, Role, register
from domain.errors import DomainError
from domain.letters import (
    CONTEXT_FIELDS,
    LetterKind,
    Office,
    available_kinds,
    build_context,
    chinese_date,
    letter_number,
    parse_kind,
    remedy_sentence,
    reply_paragraphs,
)
from domain.letters import (
    legal_basis as basis_of,
)
from domain.outcomes import Outcome

D = dt.date
CAL = WorkCalendar.from_package()
T = CaseEventType
CLERK = Actor("李经办", Role.CASEWORKER)
HEAD = Actor("王主任", Role.OFFICE_HEAD)
ADMIN = Actor("admin", Role.ADMIN)
OFFICE = Office("济南市历下区人民政府")


def at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(3, 0), tzinfo=dt.UTC)


D0 = D(2026, 9, 14)


def new_case(received_on: dt.date = D0) -> Case:
    form = Registration(
        "lixia", "张三", "natural_person", "online", received_on, "道路维修合同",
        id_kind="resident_id", id_number="11010519491231002X", case_no="历下政公开〔2026〕第0007号",
    )  # fmt: skip
    case, _ = register(form, CLERK, at(received_on), D(2026, 11, 20))
    return case


def act(case: Case, type_: CaseEventType, on: dt.date, actor: Actor = CLERK, **kw: object):
    return case.act(type_, actor, on, at(on), CAL, **kw)  # type: ignore[arg-type]


# -- Chinese dates ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (D(2026, 11, 22), "二〇二六年十一月二十二日"),
        (D(2026, 10, 10), "二〇二六年十月十日"),
        (D(2030, 1, 31), "二〇三〇年一月三十一日"),
        (D(2024, 2, 29), "二〇二四年二月二十九日"),
        (D(2000, 12, 1), "二〇〇〇年十二月一日"),
        (D(2026, 5, 20), "二〇二六年五月二十日"),
    ],
)
def test_chinese_date(day: dt.date, text: str) -> None:
    assert chinese_date(day) == text


# -- remedies --------------------------------------------------------------------------------

EITHER = "可以自收到本答复之日起六十日内依法申请行政复议，也可以自收到本答复之日起六个月内依法向人民法院提起行政诉讼"
FIRST = "应当先申请行政复议，对行政复议决定不服的，可以再依法向人民法院提起行政诉讼"


def test_refusals_go_to_reconsideration_first_from_2024() -> None:
    refused = Outcome.WITHHELD_THIRD_PARTY
    assert EITHER in remedy_sentence(refused, D(2023, 12, 31))
    assert FIRST not in remedy_sentence(refused, D(2023, 12, 31))
    after = remedy_sentence(refused, D(2024, 1, 1))
    assert FIRST in after and "第二十三条第一款第（四）项" in after and "也可以" not in after


def test_partial_reconsideration_first_for_its_withheld_part_only() -> None:
    text = remedy_sentence(Outcome.PARTIAL, D(2026, 11, 20))
    assert "不予公开的部分不服" in text and FIRST in text
    assert "其他内容不服" in text and "六个月内依法向人民法院提起行政诉讼" in text


@pytest.mark.parametrize("outcome", [o for o in Outcome if not o.value.startswith("withheld.")])
def test_other_outcomes_keep_the_choice(outcome: Outcome) -> None:
    text = remedy_sentence(outcome, D(2026, 11, 20))
    if outcome is Outcome.PARTIAL:
        return
    assert EITHER in text and FIRST not in text


# -- reply wording ---------------------------------------------------------------------------

# The article every outcome's reply must cite (from the regulation's text, by hand).
ARTICLES = {
    "disclosed": "第三十六条第（二）项",
    "partial": "第三十七条",
    "withheld.state_secret": "第十四条",
    "withheld.prohibited_by_law": "第十四条",
    "withheld.security_stability": "第十四条",
    "withheld.third_party": "第十五条",
    "withheld.internal_affairs": "第十六条第一款",
    "withheld.process_info": "第十六条第二款",
    "withheld.enforcement_file": "第十六条第二款",
    "withheld.admin_query": "第三十六条第（三）项",
    "unavailable.not_held": "第三十六条第（四）项",
    "unavailable.needs_creation": "第三十八条",
    "unavailable.still_unclear": "第三十条",
    "rejected.petition": "第三十九条第一款",
    "rejected.duplicate": "第三十六条第（六）项",
    "rejected.publication": "第三十九条第二款",
    "rejected.excessive": "第三十五条",
    "rejected.confirm_or_reissue": "第三十八条",
    "other.no_supplement": "第三十条",
    "other.fee_unpaid": "第四十二条",
    "other.other": "第三十六条第（七）项",
}


def test_every_outcome_has_wording_citing_its_article() -> None:
    from domain.case import AnswerDetails

    assert set(ARTICLES) == {o.value for o in Outcome}
    for outcome in Outcome:
        text = "".join(reply_paragraphs(outcome, AnswerDetails()))
        basis = basis_of(outcome, AnswerDetails())
        assert ARTICLES[outcome.value] in text, outcome
        expected = "第三十六条第（一）项、第（二）项" if outcome is Outcome.DISCLOSED else None
        assert (expected or ARTICLES[outcome.value]) in basis, outcome
        assert basis.startswith("《中华人民共和国政府信息公开条例》"), outcome


def test_not_this_agency_names_the_responsible_agency() -> None:
    from domain.case import AnswerDetails

    details = AnswerDetails("济南市自然资源和规划局", "0531-12345678")
    text = "".join(reply_paragraphs(Outcome.UNAVAILABLE_NOT_HELD, details))
    assert "济南市自然资源和规划局" in text and "0531-12345678" in text
    assert "第三十六条第（五）项" in text and "第三十六条第（五）项" in basis_of(
        Outcome.UNAVAILABLE_NOT_HELD, details
    )


def test_partial_carries_the_ground_of_its_withheld_part() -> None:
    from domain.case import AnswerDetails

    details = AnswerDetails(withheld_ground=Outcome.WITHHELD_PROCESS_INFO)
    text = "".join(reply_paragraphs(Outcome.PARTIAL, details))
    assert "过程性信息" in text and "第十六条第二款" in text
    assert "第三十七条、第十六条第二款" in basis_of(Outcome.PARTIAL, details)


# -- the answer's extra fields ----------------------------------------------------------------


def test_answer_fields_are_checked_against_the_outcome() -> None:
    case = new_case()
    with pytest.raises(DomainError, match="withheld_ground") as info:
        act(
            case,
            T.ANSWERED,
            D(2026, 9, 30),
            outcome="disclosed",
            withheld_ground="withheld.third_party",
        )
    assert info.value.field == "withheld_ground"
    with pytest.raises(DomainError, match="不予公开的情形之一"):
        act(
            case,
            T.ANSWERED,
            D(2026, 9, 30),
            outcome="partial",
            withheld_ground="rejected.duplicate",
        )
    with pytest.raises(DomainError, match="responsible_agency"):
        act(case, T.ANSWERED, D(2026, 9, 30), outcome="disclosed", responsible_agency="某局")
    with pytest.raises(DomainError, match="没有负责公开的机关名称"):
        act(
            case,
            T.ANSWERED,
            D(2026, 9, 30),
            outcome="unavailable.not_held",
            responsible_contact="12345",
        )
    assert case.is_open and len(case.events) == 1
    event = act(
        case,
        T.ANSWERED,
        D(2026, 9, 30),
        outcome="partial",
        withheld_ground="（三）不予公开 4.保护第三方合法权益",
    )
    assert event.payload["withheld_ground"] == "withheld.third_party"
    assert "responsible_agency" not in event.payload


# -- which letters, their numbers -------------------------------------------------------------


def test_kinds_follow_the_events_and_stay_available_after_conclusion() -> None:
    case = new_case()
    assert available_kinds(case) == [LetterKind.RECEIPT]
    act(case, T.SUPPLEMENT_REQUESTED, D(2026, 9, 16), reason="请写明路段")
    assert available_kinds(case) == [LetterKind.RECEIPT, LetterKind.SUPPLEMENT]
    act(case, T.SUPPLEMENT_RECEIVED, D(2026, 9, 18))
    act(case, T.CONSULTATION_STARTED, D(2026, 9, 21), kind="agency", party="区财政局")
    act(case, T.CONSULTATION_ENDED, D(2026, 9, 23))
    act(case, T.EXTENSION_REQUESTED, D(2026, 9, 24), reason="需区分处理", workdays=5)
    act(case, T.EXTENSION_GRANTED, D(2026, 9, 24), actor=HEAD)
    act(case, T.ANSWERED, D(2026, 10, 9), outcome="disclosed")
    assert available_kinds(case) == [
        LetterKind.RECEIPT,
        LetterKind.SUPPLEMENT,
        LetterKind.EXTENSION,
        LetterKind.CONSULTATION,
        LetterKind.REPLY,
    ]
    # a letter is recorded on a concluded case; an administrator may not issue one
    payload = {
        "kind": "reply",
        "letter_no": "x",
        "template": "seed:reply.docx",
        "template_sha256": "0" * 64,
    }
    with pytest.raises(DomainError, match="系统管理员"):
        act(case, T.LETTER_ISSUED, D(2026, 10, 9), actor=ADMIN, **payload)
    event = act(case, T.LETTER_ISSUED, D(2026, 10, 9), **payload)
    assert event.to_clock() is None and case.state.value == "concluded"


def test_unknown_kind_lists_the_kinds() -> None:
    with pytest.raises(DomainError) as info:
        parse_kind("notice")
    assert "receipt" in info.value.message and "termination" in info.value.message


def test_letter_numbers_are_distinct_per_kind_and_ordinal() -> None:
    numbers = {
        letter_number("历下政公开〔2026〕第0001号", kind, n) for kind in LetterKind for n in (1, 2)
    }
    assert len(numbers) == 2 * len(LetterKind)
    assert letter_number("历下政公开〔2026〕第0001号", LetterKind.REPLY, 1) == (
        "历下政公开〔2026〕第0001号-答1"
    )


def test_a_corrected_outcome_gets_a_new_reply_number() -> None:
    case = new_case()
    act(case, T.ANSWERED, D(2026, 9, 30), outcome="disclosed")
    first = build_context(case, LetterKind.REPLY, OFFICE, CAL)
    act(case, T.CORRECTED, D(2026, 10, 9), reason="结果录错", outcome="withheld.third_party")
    second = build_context(case, LetterKind.REPLY, OFFICE, CAL)
    assert (first.letter_no, second.letter_no) == (
        "历下政公开〔2026〕第0007号-答1",
        "历下政公开〔2026〕第0007号-答2",
    )
    assert second.outcome == "withheld.third_party"


# -- the dates of a letter are the clock's, as of its step -------------------------------------


def test_step_letters_keep_the_dates_of_their_step() -> None:
    case = new_case()  # D0 Mon 2026-09-14: due 10-16 (see test_services.py for the count)
    assert build_context(case, LetterKind.RECEIPT, OFFICE, CAL).due_iso == "2026-10-16"
    # 补正 Wed 9-16, 15 working days: 9-17, 18, 20(Sun), 21..24 (7), 28..30 (10), 10-08, 09,
    # 10(Sat), 12, 13 (15) → 10-13
    act(case, T.SUPPLEMENT_REQUESTED, D(2026, 9, 16), reason="请写明路段")
    act(case, T.SUPPLEMENT_RECEIVED, D(2026, 9, 18))
    letter = build_context(case, LetterKind.SUPPLEMENT, OFFICE, CAL)
    assert (letter.supplement_deadline, letter.supplement_days) == ("二〇二六年十月十三日", 15)
    assert letter.supplement_items == "请写明路段。" and letter.letter_date == "二〇二六年九月十六日"
    assert letter.applicant_id_number == "11010519491231002X"  # letters print it in full


def test_context_fields_are_what_templates_may_use() -> None:
    assert {"case_no", "letter_no", "remedy", "legal_basis", "fee_lines", "due"} <= CONTEXT_FIELDS
