"""Outcome codes, applicant types and channels against RULES.md §2.1 and §2.3.

The expected tables are typed here from RULES.md (not imported from the module), so a typo
in the module's labels shows up as a failure instead of being compared with itself.
"""

from __future__ import annotations

import pytest

from domain.errors import DomainError
from domain.outcomes import (
    APPLICANT_TYPES,
    CHANNELS,
    GROUPS,
    OUTCOMES,
    REPORT_COLUMNS,
    ApplicantType,
    Channel,
    Outcome,
    outcome_rows,
    parse_applicant_type,
    parse_channel,
    parse_outcome,
    row_key_for,
    row_label_for_key,
)

# RULES.md §2.1, applicant types: code, label, short column header.
RULES_APPLICANTS = [
    ("natural_person", "自然人", "自然人"),
    ("business", "法人或其他组织 · 商业企业", "商业企业"),
    ("research", "法人或其他组织 · 科研机构", "科研机构"),
    ("nonprofit", "法人或其他组织 · 社会公益组织", "社会公益组织"),
    ("legal_services", "法人或其他组织 · 法律服务机构", "法律服务机构"),
    ("other_org", "法人或其他组织 · 其他", "其他"),
]

RULES_CHANNELS = [
    ("in_person", "当面提交"),
    ("mail", "邮寄"),
    ("online", "互联网"),
    ("fax", "传真"),
    ("other", "其他"),
]

# RULES.md §2.3, in report order: code, full row label, leaf label, group.
G1 = "（一）予以公开"
G2 = "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"
G3 = "（三）不予公开"
G4 = "（四）无法提供"
G5 = "（五）不予处理"
G6 = "（六）其他处理"
RULES_OUTCOMES = [
    ("disclosed", "（一）予以公开", "予以公开", G1),
    ("partial", "（二）部分公开", "部分公开", G2),
    ("withheld.state_secret", "（三）不予公开 1.属于国家秘密", "属于国家秘密", G3),
    (
        "withheld.prohibited_by_law",
        "（三）不予公开 2.其他法律行政法规禁止公开",
        "其他法律行政法规禁止公开",
        G3,
    ),
    (
        "withheld.security_stability",
        "（三）不予公开 3.危及“三安全一稳定”",
        "危及“三安全一稳定”",
        G3,
    ),
    ("withheld.third_party", "（三）不予公开 4.保护第三方合法权益", "保护第三方合法权益", G3),
    (
        "withheld.internal_affairs",
        "（三）不予公开 5.属于三类内部事务信息",
        "属于三类内部事务信息",
        G3,
    ),
    ("withheld.process_info", "（三）不予公开 6.属于四类过程性信息", "属于四类过程性信息", G3),
    ("withheld.enforcement_file", "（三）不予公开 7.属于行政执法案卷", "属于行政执法案卷", G3),
    ("withheld.admin_query", "（三）不予公开 8.属于行政查询事项", "属于行政查询事项", G3),
    (
        "unavailable.not_held",
        "（四）无法提供 1.本机关不掌握相关政府信息",
        "本机关不掌握相关政府信息",
        G4,
    ),
    (
        "unavailable.needs_creation",
        "（四）无法提供 2.没有现成信息需要另行制作",
        "没有现成信息需要另行制作",
        G4,
    ),
    (
        "unavailable.still_unclear",
        "（四）无法提供 3.补正后申请内容仍不明确",
        "补正后申请内容仍不明确",
        G4,
    ),
    ("rejected.petition", "（五）不予处理 1.信访举报投诉类申请", "信访举报投诉类申请", G5),
    ("rejected.duplicate", "（五）不予处理 2.重复申请", "重复申请", G5),
    ("rejected.publication", "（五）不予处理 3.要求提供公开出版物", "要求提供公开出版物", G5),
    (
        "rejected.excessive",
        "（五）不予处理 4.无正当理由大量反复申请",
        "无正当理由大量反复申请",
        G5,
    ),
    (
        "rejected.confirm_or_reissue",
        "（五）不予处理 5.要求行政机关确认或重新出具已获取信息",
        "要求行政机关确认或重新出具已获取信息",
        G5,
    ),
    (
        "other.no_supplement",
        "（六）其他处理 1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
        "申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
        G6,
    ),
    (
        "other.fee_unpaid",
        "（六）其他处理 2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
        "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
        G6,
    ),
    ("other.other", "（六）其他处理 3.其他", "其他", G6),
]


# ------------------------------------------------------------------------ tables match RULES


def test_applicant_types_match_rules() -> None:
    assert [(a.value, a.label, a.short_label) for a in APPLICANT_TYPES] == RULES_APPLICANTS
    expected_columns = (*(code for code, _, _ in RULES_APPLICANTS), "total")
    assert expected_columns == REPORT_COLUMNS


def test_channels_match_rules() -> None:
    assert [(c.value, c.label) for c in CHANNELS] == RULES_CHANNELS


def test_outcomes_match_rules_in_report_order() -> None:
    actual = [(o.value, o.row_label, o.label, o.group) for o in OUTCOMES]
    assert actual == RULES_OUTCOMES
    assert len(OUTCOMES) == 21
    assert GROUPS == (G1, G2, G3, G4, G5, G6)


def test_every_outcome_cites_the_regulation() -> None:
    for o in OUTCOMES:
        assert o.legal_basis.startswith("《条例》第"), o
    assert "第十四条" in Outcome.WITHHELD_STATE_SECRET.legal_basis
    assert "第十五条" in Outcome.WITHHELD_THIRD_PARTY.legal_basis
    assert "第十六条" in Outcome.WITHHELD_PROCESS_INFO.legal_basis
    assert "第三十条" in Outcome.OTHER_NO_SUPPLEMENT.legal_basis
    assert "第三十五条" in Outcome.REJECTED_EXCESSIVE.legal_basis
    assert "第三十八条" in Outcome.UNAVAILABLE_NEEDS_CREATION.legal_basis
    assert "第三十九条" in Outcome.REJECTED_PETITION.legal_basis
    assert "国办函〔2020〕109号" in Outcome.OTHER_FEE_UNPAID.legal_basis


# --------------------------------------------------------------------------------- parsing


@pytest.mark.parametrize(("code", "label", "short"), RULES_APPLICANTS)
def test_parse_applicant_type_round_trip(code: str, label: str, short: str) -> None:
    expected = ApplicantType(code)
    forms = [code, label, short, f"  {code.upper()} "]
    if code != "natural_person":
        forms += [
            f"法人或其他组织·{short}",
            f"法人或其他组织-{short}",
            f"法人或其他组织 - {short}",
            f"法人或其他组织{short}",
            f"法人或其他组织（{short}）",
            f"法人或其他组织/{short}",
        ]
    for form in forms:
        assert parse_applicant_type(form) is expected, form


def test_parse_applicant_type_as_portals_render_it() -> None:
    # published-table-2021.txt splits headers: "商业 企业 | 科研 机构"
    assert parse_applicant_type("商业 企业") is ApplicantType.BUSINESS
    assert parse_applicant_type("科研 机构") is ApplicantType.RESEARCH


@pytest.mark.parametrize(("code", "label"), RULES_CHANNELS)
def test_parse_channel_round_trip(code: str, label: str) -> None:
    assert parse_channel(code) is Channel(code)
    assert parse_channel(label) is Channel(code)
    assert parse_channel(f" {label} ") is Channel(code)


@pytest.mark.parametrize(("code", "row_label", "label", "group"), RULES_OUTCOMES)
def test_parse_outcome_round_trip(code: str, row_label: str, label: str, group: str) -> None:
    expected = Outcome(code)
    half_width = row_label.replace("（", "(").replace("）", ")")
    for form in (code, row_label, label, half_width, row_label.replace(" ", "")):
        assert parse_outcome(form) is expected, form


def test_parse_outcome_accepts_the_forms_ledgers_use() -> None:
    cases = {
        "(三)不予公开 1.属于国家秘密": Outcome.WITHHELD_STATE_SECRET,
        "属于国家秘密": Outcome.WITHHELD_STATE_SECRET,
        "（三）1.属于国家秘密": Outcome.WITHHELD_STATE_SECRET,  # RULES' short form
        "不予公开-属于国家秘密": Outcome.WITHHELD_STATE_SECRET,
        "1．属于国家秘密": Outcome.WITHHELD_STATE_SECRET,
        '3.危及"三安全一稳定"': Outcome.WITHHELD_SECURITY_STABILITY,
        "(二)部分公开(区分处理的,只计这一情形,不计其他情形)": Outcome.PARTIAL,
        "部分公开": Outcome.PARTIAL,
        "（一）予以公开": Outcome.DISCLOSED,
        # the 2019 portal page has a stray space inside this label
        "5.要求行政机关确认或重新 出具已获取信息": Outcome.REJECTED_CONFIRM_OR_REISSUE,
        # "其他" is only ambiguous as "3.其他" under （六）: every form means other.other
        "其他": Outcome.OTHER_OTHER,
        "3.其他": Outcome.OTHER_OTHER,
        "（六）3.其他": Outcome.OTHER_OTHER,
        "其他处理-其他": Outcome.OTHER_OTHER,
        "(六)其他处理": Outcome.OTHER_OTHER,
    }
    for text, expected in cases.items():
        assert parse_outcome(text) is expected, text


@pytest.mark.parametrize(
    ("parse", "field", "text"),
    [
        (parse_applicant_type, "applicant_type", "个体户"),
        (parse_applicant_type, "applicant_type", "法人或其他组织"),
        (parse_applicant_type, "applicant_type", ""),
        (parse_channel, "channel", "微信"),
        (parse_outcome, "outcome", "不予公开"),  # a group, not a leaf
        (parse_outcome, "outcome", "withheld"),
        (parse_outcome, "outcome", "撤回"),
    ],
)
def test_unknown_text_is_refused_naming_the_field(parse, field: str, text: str) -> None:
    with pytest.raises(DomainError) as caught:
        parse(text)
    assert caught.value.field == field
    assert field in str(caught.value)
    assert "无法识别" in str(caught.value)


def test_unknown_outcome_message_lists_allowed_values() -> None:
    with pytest.raises(DomainError) as caught:
        parse_outcome("随便")
    message = str(caught.value)
    for code, _, label, _ in RULES_OUTCOMES:
        assert code in message
        assert label in message


# ------------------------------------------------------------------------------- templates


def test_2021_rows_are_the_21_codes() -> None:
    assert outcome_rows("2021") == tuple(code for code, _, _, _ in RULES_OUTCOMES)


def test_2019_rows_have_one_other_row() -> None:
    rows = outcome_rows("2019")
    assert len(rows) == 19
    assert rows[-1] == "other"
    assert rows.count("other") == 1
    assert not any(r.startswith("other.") for r in rows)
    assert rows[:-1] == tuple(code for code, _, _, _ in RULES_OUTCOMES[:-3])
    assert row_label_for_key("other", "2019") == "（六）其他处理"


def test_row_key_for() -> None:
    for o in OUTCOMES:
        assert row_key_for(o, "2021") == o.value
        assert row_key_for(o, "2021") in outcome_rows("2021")
        assert row_key_for(o, "2019") in outcome_rows("2019")
    for code in ("other.no_supplement", "other.fee_unpaid", "other.other"):
        assert row_key_for(code, "2019") == "other"
    assert row_key_for(Outcome.PARTIAL, "2019") == "partial"
    assert row_label_for_key("withheld.state_secret", "2019") == "（三）不予公开 1.属于国家秘密"


def test_unknown_template_is_refused() -> None:
    with pytest.raises(DomainError) as caught:
        outcome_rows("2008")
    assert caught.value.field == "template"
