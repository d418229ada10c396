"""Letters to the applicant (and to consulted parties): what each one says and when it may go.

An office sends a letter at every step of a case: the receipt, the 补正 notice, the extension
notice, the consultation letter, the fee notice, the reply, and the termination notice after
a lapsed 补正 or fee. The mistakes people make when typing them are in the legal citations,
the dates and the remedy periods, so everything of that kind is decided here, from the case's
events and its clock, and templates only lay the words out.

Every letter is tied to one event of the case (its *anchor*): the receipt to the registration,
the 补正 notice to the 补正 request, the reply to the answer, and so on. The clock is replayed
up to and including that event, so a letter issued days later still carries the dates in force
when the step was taken (the 补正 period end, the extended due date, the payment deadline),
never dates typed by a person. The anchor also gives the letter its number (文号): the case
number, a one-character code of the kind and the anchor's ordinal among events of its type
(see `letter_number`), so a re-issue of the same letter keeps its number.

Pure: no database, no files, no wall clock. `WorkCalendar` is passed in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields
from enum import StrEnum
from typing import Any

from domain import clock as clk
from domain.calendar import WorkCalendar
from domain.case import AnswerDetails, Case, CaseEvent, CaseEventType, answer_details
from domain.errors import DomainError
from domain.outcomes import Outcome, is_refusal

REGULATION = "《中华人民共和国政府信息公开条例》"
RECONSIDERATION_FIRST_FROM = dt.date(2024, 1, 1)
"""行政复议法 (revised 2023) in force: 第二十三条第一款第（四）项 makes reconsideration come
first when an application for government information is refused."""


class LetterKind(StrEnum):
    RECEIPT = "receipt"
    SUPPLEMENT = "supplement"
    EXTENSION = "extension"
    CONSULTATION = "consultation"
    FEE = "fee"
    REPLY = "reply"
    TERMINATION = "termination"


KIND_LABELS: dict[LetterKind, str] = {
    LetterKind.RECEIPT: "政府信息公开申请登记回执",
    LetterKind.SUPPLEMENT: "政府信息公开申请补正告知书",
    LetterKind.EXTENSION: "政府信息公开申请延期答复告知书",
    LetterKind.CONSULTATION: "政府信息公开征求意见函",
    LetterKind.FEE: "政府信息公开信息处理费收费通知书",
    LetterKind.REPLY: "政府信息公开申请答复书",
    LetterKind.TERMINATION: "政府信息公开申请终止办理告知书",
}

# One character per kind, read by people in the 文号: 收(件) 补(正) 延(期) 征(求意见) 费 答(复) 终(止).
KIND_CODES: dict[LetterKind, str] = {
    LetterKind.RECEIPT: "收",
    LetterKind.SUPPLEMENT: "补",
    LetterKind.EXTENSION: "延",
    LetterKind.CONSULTATION: "征",
    LetterKind.FEE: "费",
    LetterKind.REPLY: "答",
    LetterKind.TERMINATION: "终",
}

# The event a letter reports; a letter of that kind exists once that event does.
_ANCHORS: dict[LetterKind, CaseEventType] = {
    LetterKind.RECEIPT: CaseEventType.REGISTERED,
    LetterKind.SUPPLEMENT: CaseEventType.SUPPLEMENT_REQUESTED,
    LetterKind.EXTENSION: CaseEventType.EXTENSION_GRANTED,
    LetterKind.CONSULTATION: CaseEventType.CONSULTATION_STARTED,
    LetterKind.FEE: CaseEventType.FEE_NOTICE_SENT,
    LetterKind.REPLY: CaseEventType.ANSWERED,
    LetterKind.TERMINATION: CaseEventType.DEEMED_ABANDONED,
}

_RULE = "出具文书"


def parse_kind(text: str) -> LetterKind:
    """A kind from its code; an unknown one is refused with the list of codes."""
    try:
        return LetterKind(str(text).strip())
    except ValueError:
        raise DomainError(
            f"文书种类（kind）“{text}”不存在，可选：{describe_kinds(list(LetterKind))}",
            field="kind",
            rule=_RULE,
        ) from None


# ------------------------------------------------------------------------ Chinese dates

_DIGITS = "〇一二三四五六七八九"


def _small_number(n: int) -> str:
    """1–31 the way dates write them: 十, 十一, 二十, 二十二, 三十一."""
    tens, units = divmod(n, 10)
    if tens == 0:
        return _DIGITS[units]
    head = "" if tens == 1 else _DIGITS[tens]
    return f"{head}十{_DIGITS[units] if units else ''}"


def chinese_date(day: dt.date | None) -> str:
    """二〇二六年十一月二十二日: the year digit by digit with 〇, month and day as numbers."""
    if day is None:
        return ""
    year = "".join(_DIGITS[int(c)] for c in str(day.year))
    return f"{year}年{_small_number(day.month)}月{_small_number(day.day)}日"


# ------------------------------------------------------------------------------ remedies

_RECONSIDER = "可以自收到本{doc}之日起六十日内依法申请行政复议"
_SUE = "自收到本{doc}之日起六个月内依法向人民法院提起行政诉讼"


def remedy_sentence(outcome: Outcome | None, on: dt.date, doc: str = "答复") -> str:
    """The remedy sentence of a decision letter issued on `on` (RULES §2.5).

    Reconsideration within 60 days (行政复议法 第二十条) or litigation within 6 months
    (行政诉讼法 第四十六条). From 2024-01-01 a refusal to disclose must first go to
    reconsideration (行政复议法 第二十三条第一款第（四）项); for a partial disclosure this holds
    for its withheld part only.
    """
    either = f"如对本{doc}不服，{_RECONSIDER.format(doc=doc)}，也可以{_SUE.format(doc=doc)}。"
    first = (
        f"{_RECONSIDER.format(doc=doc)}；依照《中华人民共和国行政复议法》第二十三条第一款第（四）项的规定，"
        "应当先申请行政复议，对行政复议决定不服的，可以再依法向人民法院提起行政诉讼"
    )
    if outcome is None or on < RECONSIDERATION_FIRST_FROM:
        return either
    if is_refusal(outcome):
        return f"如对本{doc}不服，{first}。"
    if outcome is Outcome.PARTIAL:
        return (
            f"如对本{doc}中不予公开的部分不服，{first}。"
            f"如对本{doc}其他内容不服，{_RECONSIDER.format(doc=doc)}，也可以{_SUE.format(doc=doc)}。"
        )
    return either


# ------------------------------------------------------------------------- reply wording

_ART = {  # short article citations used inside sentences
    14: f"{REGULATION}第十四条",
    15: f"{REGULATION}第十五条",
    "16.1": f"{REGULATION}第十六条第一款",
    "16.2": f"{REGULATION}第十六条第二款",
}

_WITHHELD_REASONS: dict[Outcome, str] = {
    Outcome.WITHHELD_STATE_SECRET: f"属于依法确定为国家秘密的政府信息，根据{_ART[14]}的规定，不予公开",
    Outcome.WITHHELD_PROHIBITED_BY_LAW: f"属于法律、行政法规禁止公开的政府信息，根据{_ART[14]}的规定，不予公开",
    Outcome.WITHHELD_SECURITY_STABILITY: (
        f"公开后可能危及国家安全、公共安全、经济安全、社会稳定，根据{_ART[14]}的规定，不予公开"
    ),
    Outcome.WITHHELD_THIRD_PARTY: (
        f"涉及商业秘密、个人隐私等，公开会对第三方合法权益造成损害，根据{_ART[15]}的规定，不予公开"
    ),
    Outcome.WITHHELD_INTERNAL_AFFAIRS: (
        f"属于行政机关的内部事务信息（人事管理、后勤管理、内部工作流程等），"
        f"根据{_ART['16.1']}的规定，不予公开"
    ),
    Outcome.WITHHELD_PROCESS_INFO: (
        f"属于行政机关在履行行政管理职能过程中形成的讨论记录、过程稿、磋商信函、请示报告等过程性信息，"
        f"根据{_ART['16.2']}的规定，不予公开"
    ),
    Outcome.WITHHELD_ENFORCEMENT_FILE: (
        f"属于行政执法案卷信息，根据{_ART['16.2']}的规定，不予公开"
    ),
    Outcome.WITHHELD_ADMIN_QUERY: (
        "属于行政查询事项，应当通过相应的查询途径办理，"
        f"根据{REGULATION}第三十六条第（三）项的规定，不作为政府信息予以公开"
    ),
}


def reply_paragraphs(outcome: Outcome, details: AnswerDetails) -> list[str]:
    """The body of the reply (after the opening paragraph), worded for the outcome."""
    r = REGULATION
    o = Outcome
    if outcome is o.DISCLOSED:
        return [
            f"经审查，您申请公开的政府信息属于可以公开的政府信息。根据{r}第三十六条第（二）项的规定，"
            "本机关决定予以公开，现随本答复书向您提供（或告知获取该政府信息的方式、途径和时间）。",
            f"其中已经主动公开的，根据{r}第三十六条第（一）项的规定，您可以通过本机关政府网站"
            "政府信息公开专栏等途径查阅、获取。",
        ]
    if outcome is o.PARTIAL:
        ground = details.withheld_ground
        if ground is not None:
            reason = f"其中部分内容{_WITHHELD_REASONS[ground]}"
        else:
            reason = "其中部分内容属于依法不应当公开的内容，不予公开"
        return [
            f"经审查，您申请公开的政府信息中含有不应当公开的内容，但能够作区分处理。根据{r}第三十七条的规定，"
            "本机关向您提供可以公开的政府信息内容（随本答复书附后）。",
            f"{reason}。",
        ]
    if outcome in _WITHHELD_REASONS:
        return [
            f"经审查，您申请公开的政府信息{_WITHHELD_REASONS[outcome]}。",
            f"根据{r}第三十六条第（三）项的规定，特此告知。",
        ]
    if outcome is o.UNAVAILABLE_NOT_HELD:
        if details.responsible_agency:
            contact = (
                f"，联系方式：{details.responsible_contact}" if details.responsible_contact else ""
            )
            return [
                f"经审查，您申请公开的政府信息不属于本机关负责公开。根据{r}第十条、第三十六条第（五）项的规定，"
                f"负责公开该政府信息的行政机关为{details.responsible_agency}{contact}，"
                "请您向该机关提出申请。",
            ]
        return [
            f"经检索，本机关没有制作或者获取您申请公开的政府信息。根据{r}第三十六条第（四）项的规定，"
            "告知您该政府信息不存在。",
        ]
    texts = {
        o.UNAVAILABLE_NEEDS_CREATION: (
            "经审查，本机关没有您所申请的现成信息，需要对现有政府信息进行加工、分析方能形成。"
            f"根据{r}第三十八条的规定，本机关不予提供。"
        ),
        o.UNAVAILABLE_STILL_UNCLEAR: (
            "本机关已一次性告知您作出补正，您补正后的申请内容仍不明确，本机关无法据此确定您所申请的政府信息。"
            f"根据{r}第三十条的规定，本机关无法提供，您可以在明确所需信息后重新提出申请。"
        ),
        o.REJECTED_PETITION: (
            "经审查，您以政府信息公开申请的形式提出的是信访、投诉、举报等事项，"
            f"根据{r}第三十九条第一款的规定，本机关不作为政府信息公开申请处理，您可以通过相应渠道提出。"
        ),
        o.REJECTED_DUPLICATE: (
            "经审查，本机关已就您提出的政府信息公开申请作出答复，您本次重复申请公开相同政府信息。"
            f"根据{r}第三十六条第（六）项的规定，本机关不予重复处理。"
        ),
        o.REJECTED_PUBLICATION: (
            "经审查，您申请获取的是政府公报、报刊、书籍等公开出版物。"
            f"根据{r}第三十九条第二款的规定，您可以通过公开发行、销售渠道或者公共图书馆等途径获取。"
        ),
        o.REJECTED_EXCESSIVE: (
            "您申请公开政府信息的数量、频次明显超过合理范围，经要求说明理由，本机关认为申请理由不合理。"
            f"根据{r}第三十五条的规定，本机关不予处理。"
        ),
        o.REJECTED_CONFIRM_OR_REISSUE: (
            "经审查，您的申请系要求本机关确认或者重新出具您已经获取的信息，不属于提供已制作或者获取的政府信息。"
            f"根据{r}第三十六条第（六）项、第三十八条的规定，本机关不予处理。"
        ),
        o.OTHER_NO_SUPPLEMENT: (
            "本机关已一次性告知您作出补正，您无正当理由逾期未补正。"
            f"根据{r}第三十条的规定，视为您放弃申请，本机关不再处理该政府信息公开申请。"
        ),
        o.OTHER_FEE_UNPAID: (
            "本机关已向您发出信息处理费收费通知，您逾期未按要求缴纳费用。"
            f"根据{r}第四十二条和《政府信息公开信息处理费管理办法》（国办函〔2020〕109号）的规定，"
            "视为您放弃申请，本机关不再处理该政府信息公开申请。"
        ),
        o.OTHER_OTHER: (
            "经审查，您所申请的信息属于工商、不动产登记资料等信息，有关法律、行政法规对信息的获取有特别规定。"
            f"根据{r}第三十六条第（七）项的规定，请您依照有关法律、行政法规的规定办理。"
        ),
    }
    return [texts[outcome]]


def legal_basis(outcome: Outcome, details: AnswerDetails) -> str:
    """The basis line: the outcome's articles, with the regulation's full title."""
    basis = outcome.legal_basis
    if outcome is Outcome.PARTIAL and details.withheld_ground is not None:
        ground = details.withheld_ground.legal_basis.removeprefix("《条例》")
        basis = f"《条例》第三十七条、{ground}"
    if outcome is Outcome.UNAVAILABLE_NOT_HELD:
        basis = (
            "《条例》第十条、第三十六条第（五）项"
            if details.responsible_agency
            else "《条例》第三十六条第（四）项"
        )
    if outcome is Outcome.OTHER_OTHER:
        basis = "《条例》第三十六条第（七）项"  # the letter names the clause it applies, not "等"
    return basis.replace("《条例》", REGULATION)


# ----------------------------------------------------------------------------- anchors


@dataclass(frozen=True)
class Anchor:
    """The event a letter reports: its index in the case's events and its ordinal of type."""

    kind: LetterKind
    index: int
    ordinal: int
    event: CaseEvent


def _anchor(case: Case, kind: LetterKind) -> Anchor | None:
    """The latest event of the kind's anchor type (a corrected outcome makes a new reply)."""
    wanted = _ANCHORS[kind]
    found: Anchor | None = None
    ordinal = 0
    for index, event in enumerate(case.events):
        if event.type is wanted:
            ordinal += 1
            found = Anchor(kind, index, ordinal, event)
    if found is not None and kind is LetterKind.REPLY:
        corrections = sum(
            1
            for e in case.events[found.index + 1 :]
            if e.type is CaseEventType.CORRECTED and "outcome" in e.payload
        )
        found = Anchor(kind, found.index, found.ordinal + corrections, found.event)
    return found


def available_kinds(case: Case) -> list[LetterKind]:
    """The kinds a case can have a letter of now: those whose anchor event exists.

    A step letter stays available after the case moved on (it may be re-printed), and the
    reply and termination letters are available on concluded cases, which is when they go out.
    """
    return [k for k in LetterKind if _anchor(case, k) is not None]


def anchor_for(case: Case, kind: LetterKind) -> Anchor:
    """The anchor of a letter, or a refusal that lists the kinds this case allows."""
    anchor = _anchor(case, kind)
    if anchor is None:
        valid = available_kinds(case)
        names = describe_kinds(valid) or "无"
        raise DomainError(
            f"案件 {case.case_no} 现在不能出具{KIND_LABELS[kind]}：尚未记录“{_anchor_label(kind)}”；"
            f"当前可出具：{names}",
            field="kind",
            rule=_RULE,
        )
    return anchor


def _anchor_label(kind: LetterKind) -> str:
    from domain.case import EVENT_TYPE_LABELS

    return EVENT_TYPE_LABELS[_ANCHORS[kind]]


def letter_number(case_no: str, kind: LetterKind, ordinal: int) -> str:
    """文号: case number, kind code, ordinal — e.g. 历下政公开〔2026〕第0001号-答1.

    Unique because case numbers are unique and each (kind, ordinal) names one event of the
    case; deterministic because it depends on nothing but the case's events.
    """
    return f"{case_no}-{KIND_CODES[kind]}{ordinal}"


# ------------------------------------------------------------------------------ context


@dataclass(frozen=True)
class Office:
    """The issuing office as the letter names it."""

    name: str


@dataclass(frozen=True)
class FeeLineView:
    description: str
    count: int
    unit_price: int
    subtotal: int


_ID_KIND_LABELS = {"resident_id": "居民身份证", "credit_code": "统一社会信用代码", "other": "证件"}
_METHOD_LABELS = {"piece": "按件计收", "volume": "按量计收"}


@dataclass(frozen=True)
class LetterContext:
    """Every field a letter template may use; a template naming anything else is refused.

    Dates are ready to print in Chinese style (`*_cn`); the ISO forms are kept for tests and
    for offices that want them. All dates come from the clock replayed to the anchor event.
    """

    kind: str
    title: str
    letter_no: str
    case_no: str
    office_name: str
    letter_date: str
    letter_date_iso: str
    addressee: str
    applicant_name: str
    applicant_id_kind: str
    applicant_id_number: str
    applicant_contact: str
    content: str
    requested_form: str
    received_on: str
    received_on_iso: str
    due: str = ""
    due_iso: str = ""
    supplement_items: str = ""
    supplement_days: int = 0
    supplement_deadline: str = ""
    supplement_deadline_iso: str = ""
    extension_days: int = 0
    original_due: str = ""
    original_due_iso: str = ""
    extension_reason: str = ""
    consulted_party: str = ""
    consultation_kind: str = ""
    consultation_article: str = ""
    consultation_reason: str = ""
    consultation_deadline: str = ""
    consultation_deadline_iso: str = ""
    silence_rule: str = ""
    fee_method: str = ""
    fee_quantity: int = 0
    fee_unit: str = ""
    fee_amount: int = 0
    fee_lines: list[FeeLineView] = field(default_factory=list)
    fee_basis: str = ""
    payment_days: int = 0
    payment_deadline: str = ""
    payment_deadline_iso: str = ""
    outcome: str = ""
    outcome_label: str = ""
    reply_paragraphs: list[str] = field(default_factory=list)
    withheld_ground: str = ""
    responsible_agency: str = ""
    responsible_contact: str = ""
    termination_reason: str = ""
    lapsed_deadline: str = ""
    lapsed_deadline_iso: str = ""
    legal_basis: str = ""
    remedy: str = ""

    def as_mapping(self) -> dict[str, Any]:
        return asdict(self)


CONTEXT_FIELDS: frozenset[str] = frozenset(f.name for f in fields(LetterContext))
"""The names a template may use (checked when a template is loaded)."""


def clock_at(case: Case, index: int, calendar: WorkCalendar) -> clk.ClockState:
    """The clock replayed up to and including event `index` (the letter's anchor)."""
    events = [c for c in (e.to_clock() for e in case.events[: index + 1]) if c is not None]
    return clk.compute(case.received_on, events, calendar, supplement_days=case.supplement_days)


def _iso(day: dt.date | None) -> str:
    return day.isoformat() if day else ""


def build_context(
    case: Case, kind: LetterKind, office: Office, calendar: WorkCalendar
) -> LetterContext:
    """Everything a letter of `kind` says, from the case, its clock and the office."""
    anchor = anchor_for(case, kind)
    event = anchor.event
    state = clock_at(case, anchor.index, calendar)
    a = case.applicant
    base: dict[str, Any] = {
        "kind": kind.value,
        "title": KIND_LABELS[kind],
        "letter_no": letter_number(case.case_no, kind, anchor.ordinal),
        "case_no": case.case_no,
        "office_name": office.name,
        "letter_date": chinese_date(event.on),
        "letter_date_iso": _iso(event.on),
        "addressee": a.name,
        "applicant_name": a.name,
        "applicant_id_kind": _ID_KIND_LABELS.get(a.id_kind, "证件") if a.id_number else "",
        "applicant_id_number": a.id_number,
        "applicant_contact": a.contact,
        "content": case.content,
        "requested_form": case.requested_form,
        "received_on": chinese_date(case.received_on),
        "received_on_iso": _iso(case.received_on),
        "due": chinese_date(state.due),
        "due_iso": _iso(state.due),
    }
    p = event.payload
    if kind is LetterKind.SUPPLEMENT:
        days = p.get("applicant_days") or case.supplement_days
        base |= {
            "supplement_items": _sentence(event.reason),
            "supplement_days": days,
            "supplement_deadline": chinese_date(state.waiting_due),
            "supplement_deadline_iso": _iso(state.waiting_due),
        }
    elif kind is LetterKind.EXTENSION:
        before = clock_at(case, anchor.index - 1, calendar)
        base |= {
            "extension_days": p.get("workdays") or 0,
            "original_due": chinese_date(before.due),
            "original_due_iso": _iso(before.due),
            "extension_reason": _extension_reason(case, anchor.index),
        }
    elif kind is LetterKind.CONSULTATION:
        base |= _consultation_fields(case, anchor, state, calendar)
    elif kind is LetterKind.FEE:
        lines = [FeeLineView(**line) for line in p.get("breakdown", [])]
        method = str(p.get("method", ""))
        base |= {
            "fee_method": _METHOD_LABELS.get(method, method),
            "fee_quantity": int(p.get("quantity") or 0),
            "fee_unit": "件" if method == "piece" else "页",
            "fee_amount": int(p.get("amount_yuan") or 0),
            "fee_lines": lines,
            "fee_basis": "《政府信息公开信息处理费管理办法》（国办函〔2020〕109号）",
            "payment_days": clk.PAYMENT_WORKDAYS,
            "payment_deadline": chinese_date(state.waiting_due),
            "payment_deadline_iso": _iso(state.waiting_due),
            "legal_basis": f"{REGULATION}第四十二条",
            "remedy": remedy_sentence(None, event.on, "通知"),
        }
    elif kind is LetterKind.REPLY:
        outcome = case.outcome or Outcome(p["outcome"])
        details = answer_details(p)
        base |= {
            "outcome": outcome.value,
            "outcome_label": outcome.row_label,
            "reply_paragraphs": reply_paragraphs(outcome, details),
            "withheld_ground": details.withheld_ground.label if details.withheld_ground else "",
            "responsible_agency": details.responsible_agency,
            "responsible_contact": details.responsible_contact,
            "legal_basis": legal_basis(outcome, details),
            "remedy": remedy_sentence(outcome, event.on, "答复"),
        }
    elif kind is LetterKind.TERMINATION:
        outcome = Outcome(p["outcome"])
        before = clock_at(case, anchor.index - 1, calendar)
        base |= {
            "outcome": outcome.value,
            "outcome_label": outcome.row_label,
            "termination_reason": reply_paragraphs(outcome, AnswerDetails())[0],
            "lapsed_deadline": chinese_date(before.waiting_due),
            "lapsed_deadline_iso": _iso(before.waiting_due),
            "legal_basis": outcome.legal_basis.replace("《条例》", REGULATION),
            "remedy": remedy_sentence(outcome, event.on, "告知书"),
        }
    elif kind is LetterKind.RECEIPT:
        base |= {
            "supplement_deadline": chinese_date(state.supplement_window_end),
            "supplement_deadline_iso": _iso(state.supplement_window_end),
        }
    return LetterContext(**base)


def _sentence(text: str) -> str:
    """Close a caseworker's note with a full stop when it has none (it ends a sentence)."""
    text = text.strip()
    return text if not text or text[-1] in "。；！？.;!?" else f"{text}。"


def _extension_reason(case: Case, index: int) -> str:
    """The reason given with the extension request that the grant decided."""
    for event in reversed(case.events[:index]):
        if event.type is CaseEventType.EXTENSION_REQUESTED:
            return event.reason
    return case.events[index].reason


def _consultation_fields(
    case: Case, anchor: Anchor, state: clk.ClockState, calendar: WorkCalendar
) -> dict[str, Any]:
    """The consulted party, its article and its reply deadline.

    When this consultation is the only one open, the deadline is the clock's waiting date;
    with overlapping consultations the clock waits for the earliest window, so this party's
    own window is counted by the clock's rule from the day the letter went out.
    """
    p = anchor.event.payload
    kind = clk.ConsultationKind(p.get("kind") or clk.ConsultationKind.THIRD_PARTY.value)
    open_count = sum(
        1 if e.type is CaseEventType.CONSULTATION_STARTED else -1
        for e in case.events[: anchor.index + 1]
        if e.type in (CaseEventType.CONSULTATION_STARTED, CaseEventType.CONSULTATION_ENDED)
    )
    if open_count == 1 and state.waiting_for is clk.Waiting.CONSULTATION:
        deadline = state.waiting_due
    else:
        deadline = clk.consultation_window_end(calendar, anchor.event.on)
    third = kind is clk.ConsultationKind.THIRD_PARTY
    return {
        "addressee": p.get("party") or ("第三方" if third else "相关行政机关"),
        "consulted_party": p.get("party") or "",
        "consultation_kind": clk.CONSULTATION_LABELS[kind],
        "consultation_article": f"{REGULATION}{'第三十二条' if third else '第三十四条'}",
        "consultation_reason": anchor.event.reason,
        "consultation_deadline": chinese_date(deadline),
        "consultation_deadline_iso": _iso(deadline),
        "silence_rule": (
            "逾期未提出意见的，由本机关依照《中华人民共和国政府信息公开条例》的规定决定是否公开。"
            if third
            else "逾期未提出意见的，视为同意公开。"
        ),
        "title": "政府信息公开征求第三方意见函" if third else "政府信息公开征求意见函",
    }


def letter_filename(letter_no: str) -> str:
    """A file name for the letter: its number with characters file systems dislike replaced."""
    safe = "".join("_" if c in '/\\:*?"<>|' else c for c in letter_no)
    return f"{safe}.docx"


def describe_kinds(kinds: Sequence[LetterKind]) -> str:
    return "、".join(f"{k.value}（{KIND_LABELS[k]}）" for k in kinds)
