"""Outcome codes, applicant types and channels: the rows and columns of the annual report.

RULES.md §2.1 and §2.3 make the report's section 三 the data model: every concluded case has
exactly one outcome, and the outcome codes *are* the leaf rows of the 2021 format, the
applicant types *are* its columns. Keeping codes, Chinese labels and report rows in one
table here means the case page, the reply letter, the ledger import and the annual report
can never disagree about what a row is called.

People type these values into ledgers and forms in many shapes (full- or half-width
brackets, with or without the group heading, spaces inside words as published portals
render them), so the `parse_*` functions accept the code or any of the Chinese forms and
refuse everything else with a Chinese message that lists what is allowed.
"""

from __future__ import annotations

import unicodedata
from enum import StrEnum
from typing import NamedTuple

from domain.errors import DomainError

# --------------------------------------------------------------------------- applicant types

LEGAL_PERSON_PREFIX = "法人或其他组织"


class ApplicantType(StrEnum):
    """Who applied: exactly the report's six applicant columns (RULES §2.1)."""

    NATURAL_PERSON = "natural_person"
    BUSINESS = "business"
    RESEARCH = "research"
    NONPROFIT = "nonprofit"
    LEGAL_SERVICES = "legal_services"
    OTHER_ORG = "other_org"

    @property
    def label(self) -> str:
        """The label as RULES §2.1 writes it, e.g. "法人或其他组织 · 商业企业"."""
        short = _APPLICANT_SHORT[self]
        if self is ApplicantType.NATURAL_PERSON:
            return short
        return f"{LEGAL_PERSON_PREFIX} · {short}"

    @property
    def short_label(self) -> str:
        """The column header under "法人或其他组织" in the report, e.g. "商业企业"."""
        return _APPLICANT_SHORT[self]


_APPLICANT_SHORT: dict[ApplicantType, str] = {
    ApplicantType.NATURAL_PERSON: "自然人",
    ApplicantType.BUSINESS: "商业企业",
    ApplicantType.RESEARCH: "科研机构",
    ApplicantType.NONPROFIT: "社会公益组织",
    ApplicantType.LEGAL_SERVICES: "法律服务机构",
    ApplicantType.OTHER_ORG: "其他",
}

APPLICANT_TYPES: tuple[ApplicantType, ...] = tuple(ApplicantType)
"""Applicant types in the report's column order."""

REPORT_COLUMNS: tuple[str, ...] = (*(a.value for a in APPLICANT_TYPES), "total")
"""Column keys of the report contract (RULES §5): each applicant type code, then "total"."""


# --------------------------------------------------------------------------------- channels


class Channel(StrEnum):
    """How the application arrived; decides its date of receipt D0 (RULES §2.1, Art. 31)."""

    IN_PERSON = "in_person"
    MAIL = "mail"
    ONLINE = "online"
    FAX = "fax"
    OTHER = "other"

    @property
    def label(self) -> str:
        """Chinese label as in RULES §2.1."""
        return _CHANNEL_LABELS[self]


_CHANNEL_LABELS: dict[Channel, str] = {
    Channel.IN_PERSON: "当面提交",
    Channel.MAIL: "邮寄",
    Channel.ONLINE: "互联网",
    Channel.FAX: "传真",
    Channel.OTHER: "其他",
}

CHANNELS: tuple[Channel, ...] = tuple(Channel)

CHANNEL_D0: dict[Channel, str] = {
    Channel.IN_PERSON: "当面提交：以申请人提交之日为收到申请之日",
    Channel.MAIL: "邮寄：以机关签收之日为收到申请之日；平常信函以与申请人确认之日为准（到达当日即应确认）",
    Channel.ONLINE: "互联网：以双方确认之日为收到申请之日",
    Channel.FAX: "传真：以双方确认之日为收到申请之日",
    Channel.OTHER: "其他方式：以机关记录的收到之日为准",
}
"""How the date of receipt D0 is fixed for each channel (RULES §2.1, 《条例》第三十一条)."""


# --------------------------------------------------------------------------------- outcomes

GROUP_DISCLOSED = "（一）予以公开"
GROUP_PARTIAL = "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"
GROUP_WITHHELD = "（三）不予公开"
GROUP_UNAVAILABLE = "（四）无法提供"
GROUP_REJECTED = "（五）不予处理"
GROUP_OTHER = "（六）其他处理"

GROUPS: tuple[str, ...] = (
    GROUP_DISCLOSED,
    GROUP_PARTIAL,
    GROUP_WITHHELD,
    GROUP_UNAVAILABLE,
    GROUP_REJECTED,
    GROUP_OTHER,
)
"""The report's result groups （一）–（六） in order, exactly as the report prints them."""

# The group heading without the partial-disclosure note, used to build row labels.
_GROUP_HEAD: dict[str, str] = {
    GROUP_DISCLOSED: "（一）予以公开",
    GROUP_PARTIAL: "（二）部分公开",
    GROUP_WITHHELD: "（三）不予公开",
    GROUP_UNAVAILABLE: "（四）无法提供",
    GROUP_REJECTED: "（五）不予处理",
    GROUP_OTHER: "（六）其他处理",
}


class Outcome(StrEnum):
    """How a concluded case ended: exactly the leaf rows of report section 三 (RULES §2.3)."""

    DISCLOSED = "disclosed"
    PARTIAL = "partial"
    WITHHELD_STATE_SECRET = "withheld.state_secret"
    WITHHELD_PROHIBITED_BY_LAW = "withheld.prohibited_by_law"
    WITHHELD_SECURITY_STABILITY = "withheld.security_stability"
    WITHHELD_THIRD_PARTY = "withheld.third_party"
    WITHHELD_INTERNAL_AFFAIRS = "withheld.internal_affairs"
    WITHHELD_PROCESS_INFO = "withheld.process_info"
    WITHHELD_ENFORCEMENT_FILE = "withheld.enforcement_file"
    WITHHELD_ADMIN_QUERY = "withheld.admin_query"
    UNAVAILABLE_NOT_HELD = "unavailable.not_held"
    UNAVAILABLE_NEEDS_CREATION = "unavailable.needs_creation"
    UNAVAILABLE_STILL_UNCLEAR = "unavailable.still_unclear"
    REJECTED_PETITION = "rejected.petition"
    REJECTED_DUPLICATE = "rejected.duplicate"
    REJECTED_PUBLICATION = "rejected.publication"
    REJECTED_EXCESSIVE = "rejected.excessive"
    REJECTED_CONFIRM_OR_REISSUE = "rejected.confirm_or_reissue"
    OTHER_NO_SUPPLEMENT = "other.no_supplement"
    OTHER_FEE_UNPAID = "other.fee_unpaid"
    OTHER_OTHER = "other.other"

    @property
    def label(self) -> str:
        """The leaf label as the report prints it, e.g. "属于国家秘密" (no number)."""
        return _OUTCOME_INFO[self].label

    @property
    def group(self) -> str:
        """The report group heading, e.g. "（三）不予公开"."""
        return _OUTCOME_INFO[self].group

    @property
    def number(self) -> int | None:
        """The leaf's number inside its group ("1." → 1); None for （一） and （二）."""
        return _OUTCOME_INFO[self].number

    @property
    def row_label(self) -> str:
        """The full row text as RULES §2.3 names it, e.g. "（三）不予公开 1.属于国家秘密".

        For （一） and （二） the group is the row: "（一）予以公开", "（二）部分公开" (the
        report's note on partial disclosure stays in `group`).
        """
        info = _OUTCOME_INFO[self]
        head = _GROUP_HEAD[info.group]
        if info.number is None:
            return head
        return f"{head} {info.number}.{info.label}"

    @property
    def legal_basis(self) -> str:
        """The regulation article the reply letter cites for this outcome."""
        return _OUTCOME_INFO[self].legal_basis


class _OutcomeInfo(NamedTuple):
    group: str
    number: int | None
    label: str
    legal_basis: str


_O = Outcome
_OUTCOME_INFO: dict[Outcome, _OutcomeInfo] = {
    _O.DISCLOSED: _OutcomeInfo(
        GROUP_DISCLOSED, None, "予以公开", "《条例》第三十六条第（一）项、第（二）项"
    ),
    _O.PARTIAL: _OutcomeInfo(
        GROUP_PARTIAL, None, "部分公开", "《条例》第三十七条、第三十六条第（三）项"
    ),
    _O.WITHHELD_STATE_SECRET: _OutcomeInfo(
        GROUP_WITHHELD, 1, "属于国家秘密", "《条例》第十四条、第三十六条第（三）项"
    ),
    _O.WITHHELD_PROHIBITED_BY_LAW: _OutcomeInfo(
        GROUP_WITHHELD, 2, "其他法律行政法规禁止公开", "《条例》第十四条、第三十六条第（三）项"
    ),
    _O.WITHHELD_SECURITY_STABILITY: _OutcomeInfo(
        GROUP_WITHHELD, 3, "危及“三安全一稳定”", "《条例》第十四条、第三十六条第（三）项"
    ),
    _O.WITHHELD_THIRD_PARTY: _OutcomeInfo(
        GROUP_WITHHELD, 4, "保护第三方合法权益", "《条例》第十五条、第三十六条第（三）项"
    ),
    _O.WITHHELD_INTERNAL_AFFAIRS: _OutcomeInfo(
        GROUP_WITHHELD,
        5,
        "属于三类内部事务信息",
        "《条例》第十六条第一款、第三十六条第（三）项",
    ),
    _O.WITHHELD_PROCESS_INFO: _OutcomeInfo(
        GROUP_WITHHELD,
        6,
        "属于四类过程性信息",
        "《条例》第十六条第二款、第三十六条第（三）项",
    ),
    _O.WITHHELD_ENFORCEMENT_FILE: _OutcomeInfo(
        GROUP_WITHHELD,
        7,
        "属于行政执法案卷",
        "《条例》第十六条第二款、第三十六条第（三）项",
    ),
    # The regulation has no article of its own for 行政查询事项; offices reply under the
    # general "decided not to disclose, with reasons" clause.
    _O.WITHHELD_ADMIN_QUERY: _OutcomeInfo(
        GROUP_WITHHELD, 8, "属于行政查询事项", "《条例》第三十六条第（三）项"
    ),
    _O.UNAVAILABLE_NOT_HELD: _OutcomeInfo(
        GROUP_UNAVAILABLE,
        1,
        "本机关不掌握相关政府信息",
        "《条例》第三十六条第（四）项、第（五）项",
    ),
    _O.UNAVAILABLE_NEEDS_CREATION: _OutcomeInfo(
        GROUP_UNAVAILABLE, 2, "没有现成信息需要另行制作", "《条例》第三十八条"
    ),
    _O.UNAVAILABLE_STILL_UNCLEAR: _OutcomeInfo(
        GROUP_UNAVAILABLE, 3, "补正后申请内容仍不明确", "《条例》第三十条"
    ),
    _O.REJECTED_PETITION: _OutcomeInfo(
        GROUP_REJECTED, 1, "信访举报投诉类申请", "《条例》第三十九条第一款"
    ),
    _O.REJECTED_DUPLICATE: _OutcomeInfo(
        GROUP_REJECTED, 2, "重复申请", "《条例》第三十六条第（六）项"
    ),
    _O.REJECTED_PUBLICATION: _OutcomeInfo(
        GROUP_REJECTED, 3, "要求提供公开出版物", "《条例》第三十九条第二款"
    ),
    _O.REJECTED_EXCESSIVE: _OutcomeInfo(
        GROUP_REJECTED, 4, "无正当理由大量反复申请", "《条例》第三十五条"
    ),
    # No article names this case; re-issuing what the applicant already holds is treated
    # like a repeat request, and confirming is not providing existing information (Art. 38).
    _O.REJECTED_CONFIRM_OR_REISSUE: _OutcomeInfo(
        GROUP_REJECTED,
        5,
        "要求行政机关确认或重新出具已获取信息",
        "《条例》第三十六条第（六）项、第三十八条",
    ),
    _O.OTHER_NO_SUPPLEMENT: _OutcomeInfo(
        GROUP_OTHER,
        1,
        "申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
        "《条例》第三十条",
    ),
    _O.OTHER_FEE_UNPAID: _OutcomeInfo(
        GROUP_OTHER,
        2,
        "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
        "《条例》第四十二条、国办函〔2020〕109号",
    ),
    # Withdrawals and special registers (工商、不动产登记资料, Art. 36(7)) end up here.
    _O.OTHER_OTHER: _OutcomeInfo(GROUP_OTHER, 3, "其他", "《条例》第三十六条第（七）项等"),
}
del _O

OUTCOMES: tuple[Outcome, ...] = tuple(Outcome)
"""Outcomes in the report's row order (the enum is declared in that order)."""


def is_refusal(outcome: Outcome) -> bool:
    """Disclosure refused (（三）不予公开): since 2024 these go to reconsideration first
    (行政复议法 第二十三条第一款第（四）项), and a partial answer's withheld part has one of them
    as its ground."""
    return outcome.group == GROUP_WITHHELD


# -------------------------------------------------------------------------------- templates

TEMPLATE_2019 = "2019"
"""国办公开办函〔2019〕60号, reports for 2019–2020."""
TEMPLATE_2021 = "2021"
"""国办公开办函〔2021〕30号, reports from 2021 on."""
TEMPLATES: tuple[str, ...] = (TEMPLATE_2019, TEMPLATE_2021)

OTHER_ROW_2019 = "other"
"""The single （六）其他处理 row of the 2019 format.

The 2019 format has no sub-rows under （六）, so the three `other.*` outcomes all count in
this one row there. Cases keep their precise 2021 outcome code; only the row they count in
depends on the template.
"""

_OTHER_OUTCOMES = (Outcome.OTHER_NO_SUPPLEMENT, Outcome.OTHER_FEE_UNPAID, Outcome.OTHER_OTHER)


def _check_template(template: str) -> str:
    if template not in TEMPLATES:
        raise DomainError(
            f"年度报告格式（template）无法识别：“{template}”。可选：2019（国办公开办函〔2019〕60号）、"
            "2021（国办公开办函〔2021〕30号）",
            field="template",
            rule="RULES §4.1",
        )
    return template


def outcome_rows(template: str) -> tuple[str, ...]:
    """The leaf row keys of section 三 in report order, for a report template.

    "2021": the 21 outcome codes. "2019": the same, except that the three `other.*` codes
    are replaced by the single key "other" (the 2019 format's one （六）其他处理 row).
    """
    _check_template(template)
    if template == TEMPLATE_2021:
        return tuple(o.value for o in OUTCOMES)
    return (*(o.value for o in OUTCOMES if o not in _OTHER_OUTCOMES), OTHER_ROW_2019)


def row_key_for(outcome: Outcome | str, template: str) -> str:
    """The row key an outcome counts in under a template (see `outcome_rows`)."""
    _check_template(template)
    o = Outcome(outcome)
    if template == TEMPLATE_2019 and o in _OTHER_OUTCOMES:
        return OTHER_ROW_2019
    return o.value


def row_label_for_key(key: str, template: str) -> str:
    """The printed row text for a row key of `outcome_rows(template)`."""
    _check_template(template)
    if key == OTHER_ROW_2019 and template == TEMPLATE_2019:
        return GROUP_OTHER
    if key not in outcome_rows(template):
        raise DomainError(
            f"报告行（row）“{key}”不属于{template}年格式", field="row", rule="RULES §4.1"
        )
    return Outcome(key).row_label


# ---------------------------------------------------------------------------------- parsing

# Characters people and portals put between or around label parts; dropping them all makes
# "法人或其他组织·商业企业", "法人或其他组织 - 商业企业" and "商业 企业" compare equal.
_IGNORED = set(
    " \t\r\n\u3000\u00a0"  # spaces
    "·・･•‧∙"  # middle dots
    ".。．"  # full stops (the "1." of a row number)
    "-‐‑–—―－_~～/／|｜\\"  # dashes and slashes
    ":：、,，;；"  # other punctuation
    "\"'“”‘’「」『』"  # quotes
    "()（）[]【】〔〕<>《》"  # brackets
)


def _normalise(text: str) -> str:
    """Fold width (NFKC), drop spacing, punctuation and brackets, lower-case ASCII."""
    folded = unicodedata.normalize("NFKC", text)
    return "".join(c for c in folded if c not in _IGNORED).lower()


def _build_index(variants: dict[str, list[str]]) -> dict[str, str]:
    """Map every normalised variant to its code; two codes sharing a form is a bug here."""
    index: dict[str, str] = {}
    for code, forms in variants.items():
        for form in forms:
            key = _normalise(form)
            if index.get(key, code) != code:
                raise RuntimeError(f"ambiguous label {form!r}: {index[key]} / {code}")
            index[key] = code
    return index


def _applicant_variants() -> dict[str, list[str]]:
    return {
        a.value: [a.value, a.label, a.short_label, LEGAL_PERSON_PREFIX + a.short_label]
        for a in APPLICANT_TYPES
    }


def _channel_variants() -> dict[str, list[str]]:
    return {c.value: [c.value, c.label] for c in CHANNELS}


def _outcome_variants() -> dict[str, list[str]]:
    """Every accepted written form of each outcome.

    For a numbered leaf: the leaf label, with or without its number, alone or after the
    group's numeral, name, or both — "属于国家秘密", "1.属于国家秘密", "（三）1.属于国家秘密",
    "不予公开-属于国家秘密", "（三）不予公开 1.属于国家秘密". The bare "其他" is unambiguous
    among outcome labels (only （六）3 is called that), so "其他", "3.其他", "（六）3.其他" and
    "其他处理-其他" all mean `other.other`; so do "其他处理" and "（六）其他处理", because a
    2019-format ledger has only that one row and other.other is the catch-all of the three.
    """
    variants: dict[str, list[str]] = {}
    for o in OUTCOMES:
        info = _OUTCOME_INFO[o]
        head = _GROUP_HEAD[info.group]
        numeral, name = head[: head.index("）") + 1], head[head.index("）") + 1 :]
        forms = [o.value, o.row_label]
        if info.number is None:
            forms += [info.group, name, head]
        else:
            for prefix in ("", numeral, name, head):
                for number in ("", f"{info.number}."):
                    forms.append(f"{prefix}{number}{info.label}")
            if o is Outcome.OTHER_OTHER:
                forms += [name, head]
        variants[o.value] = forms
    return variants


_APPLICANT_INDEX = _build_index(_applicant_variants())
_CHANNEL_INDEX = _build_index(_channel_variants())
_OUTCOME_INDEX = _build_index(_outcome_variants())


def _unknown(field: str, what: str, text: object, allowed: str, rule: str) -> DomainError:
    return DomainError(
        f"{what}（{field}）无法识别：“{text}”。可填写代码或中文名称：{allowed}",
        field=field,
        rule=rule,
    )


def _lookup(index: dict[str, str], text: object) -> str | None:
    if not isinstance(text, str):
        return None
    return index.get(_normalise(text))


def parse_applicant_type(text: str) -> ApplicantType:
    """Read an applicant type from its code, RULES label, short label or prefixed label."""
    code = _lookup(_APPLICANT_INDEX, text)
    if code is None:
        allowed = "、".join(f"{a.value}（{a.label}）" for a in APPLICANT_TYPES)
        raise _unknown("applicant_type", "申请人类型", text, allowed, "RULES §2.1")
    return ApplicantType(code)


def parse_channel(text: str) -> Channel:
    """Read a channel from its code or Chinese label."""
    code = _lookup(_CHANNEL_INDEX, text)
    if code is None:
        allowed = "、".join(f"{c.value}（{c.label}）" for c in CHANNELS)
        raise _unknown("channel", "申请方式", text, allowed, "RULES §2.1")
    return Channel(code)


def parse_outcome(text: str) -> Outcome:
    """Read an outcome from its code, leaf label or report row text (see `_outcome_variants`)."""
    code = _lookup(_OUTCOME_INDEX, text)
    if code is None:
        allowed = "、".join(f"{o.value}（{o.label}）" for o in OUTCOMES)
        raise _unknown("outcome", "办理结果", text, allowed, "RULES §2.3")
    return Outcome(code)
