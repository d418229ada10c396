"""The Case aggregate: an application's state machine, rebuilt from its events.

Every action checks its guards (RULES §2), then returns a `CaseEvent` carrying who did it, when
it was recorded, the date it takes legal effect, why, and its payload. The caller stores the
event; `Case.from_events` rebuilds the same aggregate from the stored list, so the event log is
the truth and the case row is only its projection. Clock rules live in `domain.clock`: an
action that moves the clock is validated by replaying the clock with the new event added.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from domain import clock as clk
from domain.access import ROLE_LABELS, SYSTEM, Actor, Role  # noqa: F401 - re-exported
from domain.calendar import WorkCalendar
from domain.errors import DomainError, ForbiddenError
from domain.identity import check_identity
from domain.limits import check_lengths
from domain.outcomes import (
    ApplicantType,
    Channel,
    Outcome,
    is_refusal,
    parse_applicant_type,
    parse_channel,
    parse_outcome,
)
from domain.predicates import Compare, InSet, Predicate, all_of
from domain.yearend import VOIDED_STATE


class CaseState(StrEnum):
    IN_PROGRESS = "in_progress"
    AWAITING_SUPPLEMENT = "awaiting_supplement"
    IN_CONSULTATION = "in_consultation"
    AWAITING_FEE = "awaiting_fee"
    CONCLUDED = "concluded"
    DEEMED_ABANDONED = "deemed_abandoned"
    WITHDRAWN = "withdrawn"
    VOIDED = VOIDED_STATE  # registered by mistake: kept with its history, counted nowhere


STATE_LABELS = {
    CaseState.IN_PROGRESS: "办理中",
    CaseState.AWAITING_SUPPLEMENT: "待补正",
    CaseState.IN_CONSULTATION: "征求意见中",
    CaseState.AWAITING_FEE: "待缴费",
    CaseState.CONCLUDED: "已办结",
    CaseState.DEEMED_ABANDONED: "视为放弃",
    CaseState.WITHDRAWN: "已撤回",
    CaseState.VOIDED: "已作废",
}

CLOSED_STATES = frozenset(
    {CaseState.CONCLUDED, CaseState.DEEMED_ABANDONED, CaseState.WITHDRAWN, CaseState.VOIDED}
)
OPEN_STATES = frozenset(set(CaseState) - CLOSED_STATES)


def is_open_case() -> Predicate:
    return InSet("state", frozenset(s.value for s in OPEN_STATES))


def overdue_on(today: dt.date) -> Predicate:
    """An open case whose due date has passed (RULES §6 `overdue`): the queue's red rows."""
    return all_of(is_open_case(), clk.due_passed(today))


def due_by(cutoff: dt.date) -> Predicate:
    """An open case due on or before `cutoff` (the queue's "due within N working days")."""
    return all_of(is_open_case(), Compare("due", "<=", cutoff))


class CaseEventType(StrEnum):
    REGISTERED = "registered"
    IMPORTED = "imported"  # a historical fact from a ledger: no invented history
    ASSIGNED = "assigned"
    SUPPLEMENT_REQUESTED = "supplement_requested"
    SUPPLEMENT_RECEIVED = "supplement_received"
    CONSULTATION_STARTED = "consultation_started"
    CONSULTATION_ENDED = "consultation_ended"
    EXTENSION_REQUESTED = "extension_requested"
    EXTENSION_GRANTED = "extension_granted"
    EXTENSION_REFUSED = "extension_refused"
    FEE_NOTICE_SENT = "fee_notice_sent"
    FEE_PAID = "fee_paid"
    DELAY_SET = "delay_set"
    ANSWERED = "answered"
    DEEMED_ABANDONED = "deemed_abandoned"
    WITHDRAWN = "withdrawn"
    CORRECTED = "corrected"  # recorded facts (D0, channel, applicant, content, outcome) put right
    VOIDED = "voided"  # a registration made by mistake, annulled with a reason
    LETTER_ISSUED = "letter_issued"  # a letter went out (kind, 文号, template sha); no clock effect


EVENT_TYPE_LABELS = {
    CaseEventType.REGISTERED: "登记",
    CaseEventType.IMPORTED: "从台账导入",
    CaseEventType.ASSIGNED: "分派",
    CaseEventType.SUPPLEMENT_REQUESTED: "告知补正",
    CaseEventType.SUPPLEMENT_RECEIVED: "收到补正",
    CaseEventType.CONSULTATION_STARTED: "征求意见",
    CaseEventType.CONSULTATION_ENDED: "征求意见结束",
    CaseEventType.EXTENSION_REQUESTED: "申请延期",
    CaseEventType.EXTENSION_GRANTED: "批准延期",
    CaseEventType.EXTENSION_REFUSED: "不批准延期",
    CaseEventType.FEE_NOTICE_SENT: "发出收费通知",
    CaseEventType.FEE_PAID: "缴费",
    CaseEventType.DELAY_SET: "延迟答复",
    CaseEventType.ANSWERED: "答复",
    CaseEventType.DEEMED_ABANDONED: "视为放弃",
    CaseEventType.WITHDRAWN: "撤回",
    CaseEventType.CORRECTED: "更正",
    CaseEventType.VOIDED: "作废",
    CaseEventType.LETTER_ISSUED: "出具文书",
}

_CLOCK_TYPES = {
    CaseEventType.SUPPLEMENT_REQUESTED: clk.EventType.SUPPLEMENT_REQUESTED,
    CaseEventType.SUPPLEMENT_RECEIVED: clk.EventType.SUPPLEMENT_RECEIVED,
    CaseEventType.CONSULTATION_STARTED: clk.EventType.CONSULTATION_STARTED,
    CaseEventType.CONSULTATION_ENDED: clk.EventType.CONSULTATION_ENDED,
    CaseEventType.EXTENSION_GRANTED: clk.EventType.EXTENSION_GRANTED,
    CaseEventType.FEE_NOTICE_SENT: clk.EventType.FEE_NOTICE_SENT,
    CaseEventType.FEE_PAID: clk.EventType.FEE_PAID,
    CaseEventType.DELAY_SET: clk.EventType.DELAY_SET,
    CaseEventType.ANSWERED: clk.EventType.ANSWERED,
    CaseEventType.DEEMED_ABANDONED: clk.EventType.ANSWERED,
    CaseEventType.WITHDRAWN: clk.EventType.ANSWERED,
}


@dataclass(frozen=True)
class CaseEvent:
    """One immutable fact in a case's life."""

    type: CaseEventType
    on: dt.date  # the date it takes legal effect (Asia/Shanghai)
    at: dt.datetime  # when it was recorded (timezone-aware UTC)
    actor: str
    role: Role
    reason: str = ""
    payload: Mapping[str, Any] = field(default_factory=dict)

    def to_clock(self) -> clk.ClockEvent | None:
        """The clock's view of this event, or None when it does not move the clock."""
        kind = _CLOCK_TYPES.get(self.type)
        if kind is None:
            return None
        p = self.payload
        return clk.ClockEvent(
            type=kind,
            on=self.on,
            applicant_days=p.get("applicant_days"),
            kind=clk.ConsultationKind(p["kind"]) if p.get("kind") else None,
            party=p.get("party"),
            workdays=p.get("workdays"),
            due=dt.date.fromisoformat(p["due"]) if p.get("due") else None,
            letter_received_on=(
                dt.date.fromisoformat(p["letter_received_on"])
                if p.get("letter_received_on")
                else None
            ),
        )


@dataclass(frozen=True)
class Applicant:
    name: str
    type: ApplicantType
    id_kind: str = "other"  # resident_id | credit_code | other
    id_number: str = ""
    contact: str = ""


@dataclass
class Case:
    """An application's facts and state, derived from its events."""

    case_no: str
    agency: str
    applicant: Applicant
    channel: Channel
    received_on: dt.date
    content: str
    requested_form: str = ""
    assignee: str | None = None
    state: CaseState = CaseState.IN_PROGRESS
    outcome: Outcome | None = None
    concluded_on: dt.date | None = None
    imported: bool = False
    pending_extension: int | None = None
    supplement_days: int = clk.DEFAULT_SUPPLEMENT_DAYS
    events: list[CaseEvent] = field(default_factory=list)

    # -- rebuilding ------------------------------------------------------------------

    @classmethod
    def from_events(cls, events: Iterable[CaseEvent]) -> Case:
        """Replay stored events; the first must be `registered` or `imported`."""
        events = list(events)
        if not events or events[0].type not in (CaseEventType.REGISTERED, CaseEventType.IMPORTED):
            raise DomainError("案件事件应以登记或导入开始", field="events", rule="事件顺序")
        p = events[0].payload
        case = cls(
            case_no=p["case_no"],
            agency=p["agency"],
            applicant=Applicant(
                name=p["applicant_name"],
                type=ApplicantType(p["applicant_type"]),
                id_kind=p.get("id_kind", "other"),
                id_number=p.get("id_number", ""),
                contact=p.get("contact", ""),
            ),
            channel=Channel(p["channel"]),
            received_on=dt.date.fromisoformat(p["received_on"]),
            content=p.get("content", ""),
            requested_form=p.get("requested_form", ""),
            assignee=p.get("assignee"),
            supplement_days=p.get("supplement_days", clk.DEFAULT_SUPPLEMENT_DAYS),
        )
        for event in events:
            case._apply(event)
        return case

    def _apply(self, event: CaseEvent) -> None:
        """Move the projection by one event (no guards: stored events are already valid)."""
        t, p = event.type, event.payload
        self.events.append(event)
        if t is CaseEventType.IMPORTED:
            self.imported = True
            if p.get("outcome"):
                self.outcome = Outcome(p["outcome"])
                self.concluded_on = dt.date.fromisoformat(p["concluded_on"])
                self.state = CaseState.CONCLUDED
        elif t is CaseEventType.ASSIGNED:
            self.assignee = p["assignee"]
        elif t is CaseEventType.SUPPLEMENT_REQUESTED:
            self.state = CaseState.AWAITING_SUPPLEMENT
        elif t in (CaseEventType.SUPPLEMENT_RECEIVED, CaseEventType.FEE_PAID):
            self.state = CaseState.IN_PROGRESS
        elif t is CaseEventType.CONSULTATION_STARTED:
            self.state = CaseState.IN_CONSULTATION
        elif t is CaseEventType.CONSULTATION_ENDED:
            self.state = (
                CaseState.IN_CONSULTATION if self._open_consultations() else CaseState.IN_PROGRESS
            )
        elif t is CaseEventType.EXTENSION_REQUESTED:
            self.pending_extension = p["workdays"]
        elif t in (CaseEventType.EXTENSION_GRANTED, CaseEventType.EXTENSION_REFUSED):
            self.pending_extension = None
        elif t is CaseEventType.FEE_NOTICE_SENT:
            self.state = CaseState.AWAITING_FEE
        elif t in (CaseEventType.ANSWERED, CaseEventType.DEEMED_ABANDONED, CaseEventType.WITHDRAWN):
            self.outcome = Outcome(p["outcome"])
            self.concluded_on = event.on
            self.state = {
                CaseEventType.ANSWERED: CaseState.CONCLUDED,
                CaseEventType.DEEMED_ABANDONED: CaseState.DEEMED_ABANDONED,
                CaseEventType.WITHDRAWN: CaseState.WITHDRAWN,
            }[t]
        elif t is CaseEventType.CORRECTED:
            self._apply_correction(p)
        elif t is CaseEventType.VOIDED:
            self.state, self.outcome, self.concluded_on = CaseState.VOIDED, None, None
            self.pending_extension = None

    def _apply_correction(self, p: Mapping[str, Any]) -> None:
        applicant = self.applicant
        self.applicant = Applicant(
            name=p.get("applicant_name", applicant.name),
            type=ApplicantType(p.get("applicant_type", applicant.type.value)),
            id_kind=p.get("id_kind", applicant.id_kind),
            id_number=p.get("id_number", applicant.id_number),
            contact=p.get("contact", applicant.contact),
        )
        if "received_on" in p:
            self.received_on = dt.date.fromisoformat(p["received_on"])
        if "channel" in p:
            self.channel = Channel(p["channel"])
        if "content" in p:
            self.content = p["content"]
        if "outcome" in p:
            self.outcome = Outcome(p["outcome"])

    def _open_consultations(self) -> int:
        started = sum(1 for e in self.events if e.type is CaseEventType.CONSULTATION_STARTED)
        ended = sum(1 for e in self.events if e.type is CaseEventType.CONSULTATION_ENDED)
        return started - ended

    # -- reading ---------------------------------------------------------------------

    def facts(self) -> dict[str, Any]:
        """The case row's recorded facts (RULES §2.1) in stored form, as corrections leave them."""
        return {
            "received_on": self.received_on.isoformat(),
            "channel": self.channel.value,
            "applicant_name": self.applicant.name,
            "applicant_type": self.applicant.type.value,
            "id_kind": self.applicant.id_kind,
            "id_number": self.applicant.id_number,
            "contact": self.applicant.contact,
            "content": self.content,
        }

    @property
    def is_open(self) -> bool:
        return self.state not in CLOSED_STATES

    def clock_events(self) -> list[clk.ClockEvent]:
        return [c for c in (e.to_clock() for e in self.events) if c is not None]

    def clock_state(self, calendar: WorkCalendar) -> clk.ClockState | None:
        """The clock, except for a case imported already concluded (its history is unknown) and
        a voided one (it has no deadline)."""
        if (self.imported and self.outcome is not None) or self.state is CaseState.VOIDED:
            return None
        return self.clock(calendar)

    def clock(self, calendar: WorkCalendar) -> clk.ClockState:
        """The deadline projection; an imported case has no clock history beyond D0."""
        return clk.compute(
            self.received_on,
            self.clock_events(),
            calendar,
            supplement_days=self.supplement_days,
        )

    # -- actions ---------------------------------------------------------------------

    def _event(
        self,
        type_: CaseEventType,
        actor: Actor,
        on: dt.date,
        at: dt.datetime,
        reason: str = "",
        **payload: Any,
    ) -> CaseEvent:
        return CaseEvent(type_, on, at, actor.name, actor.role, reason, payload)

    def _guard_open(self, action: str) -> None:
        if not self.is_open:
            raise DomainError(
                f"案件 {self.case_no} {STATE_LABELS[self.state]}，不能再{action}",
                field="state",
                rule="已办结案件不可变更",
            )

    def guard_actor(self, actor: Actor, action: str) -> None:
        """Refuse a role that may not act on cases (also for reading out a kept letter)."""
        self._guard_acting_role(actor, action)

    def _guard_acting_role(self, actor: Actor, action: str) -> None:
        if actor.role is Role.ADMIN:
            raise ForbiddenError(
                f"系统管理员不办理案件，不能{action}", field="user", rule="RULES §7"
            )

    def _commit(self, event: CaseEvent, calendar: WorkCalendar) -> CaseEvent:
        """Validate the event against the clock, then apply it."""
        if event.to_clock() is not None:
            clk.compute(
                self.received_on,
                [*self.clock_events(), event.to_clock()],
                calendar,
                supplement_days=self.supplement_days,
            )
        self._apply(event)
        return event

    def act(
        self,
        type_: CaseEventType,
        actor: Actor,
        on: dt.date,
        at: dt.datetime,
        calendar: WorkCalendar,
        *,
        reason: str = "",
        **payload: Any,
    ) -> CaseEvent:
        """Apply one action of the state machine after its guards; returns the new event."""
        label = EVENT_TYPE_LABELS[type_]
        if type_ in (CaseEventType.REGISTERED, CaseEventType.IMPORTED):
            raise DomainError("登记和导入只能用于新案件", field="type", rule="事件顺序")
        if type_ not in _ALLOWED_WHEN_CLOSED or self.state is CaseState.VOIDED:
            self._guard_open(label)
        self._guard_acting_role(actor, label)
        if on < self.received_on:
            raise DomainError(
                f"{label}日期 {on.isoformat()} 早于收到申请之日 {self.received_on.isoformat()}",
                field="on",
                rule="事件顺序",
            )
        check_lengths({"reason": reason, **{k: v for k, v in payload.items() if isinstance(v, str)}})
        guard = _GUARDS.get(type_)
        if guard is not None:
            payload = guard(self, actor, on, reason, dict(payload), calendar)
        return self._commit(self._event(type_, actor, on, at, reason, **payload), calendar)


# A correction puts a recorded fact right; a letter (the reply above all) is issued or
# re-printed after the case is concluded.
# A registration made by mistake may be voided whether or not it was concluded.
_ALLOWED_WHEN_CLOSED = frozenset(
    {CaseEventType.CORRECTED, CaseEventType.LETTER_ISSUED, CaseEventType.VOIDED}
)


def _require_reason(reason: str, label: str) -> None:
    if not reason.strip():
        raise DomainError(f"{label}须填写理由（reason）", field="reason", rule="须说明理由")


def _guard_assign(
    case: Case, actor: Actor, on: dt.date, reason: str, p: dict, calendar: WorkCalendar
) -> dict:
    if not str(p.get("assignee") or "").strip():
        raise DomainError("须指定经办人（assignee）", field="assignee", rule="必填")
    return p


def _guard_extension_request(
    case: Case, actor: Actor, on: dt.date, reason: str, p: dict, calendar: WorkCalendar
) -> dict:
    _require_reason(reason, "申请延期")
    if case.pending_extension is not None:
        raise DomainError("已有待审批的延期申请", field="workdays", rule="《条例》第三十三条")
    clk.check_extension_days(p.get("workdays"))
    state = case.clock(calendar)
    if state.clock is clk.ClockStatus.STOPPED:
        raise DomainError(
            "答复期限停止计算期间（等待申请人补正或缴费）不能申请延期",
            field="workdays",
            rule="《条例》第三十三条",
        )
    if state.due is not None and on > state.due:
        raise DomainError(
            f"答复期限已于 {state.due.isoformat()} 届满，延期须在届满前申请和批准",
            field="on",
            rule="《条例》第三十三条",
        )
    if any(e.type is CaseEventType.EXTENSION_GRANTED for e in case.events):
        raise DomainError(
            "延期答复只能一次，本申请已延期过", field="workdays", rule="《条例》第三十三条"
        )
    return p


def _guard_extension_decision(
    case: Case, actor: Actor, on: dt.date, reason: str, p: dict, calendar: WorkCalendar
) -> dict:
    if actor.role is not Role.OFFICE_HEAD:
        raise ForbiddenError(
            f"延期须经政府信息公开工作机构负责人批准，{actor.name}（{ROLE_LABELS[actor.role]}）无权审批",
            field="approver",
            rule="《条例》第三十三条",
        )
    if case.pending_extension is None and "workdays" not in p:
        raise DomainError("没有待审批的延期申请", field="workdays", rule="《条例》第三十三条")
    p.setdefault("workdays", case.pending_extension)
    p["approver"] = actor.name
    return p


def _guard_extension_refusal(
    case: Case, actor: Actor, on: dt.date, reason: str, p: dict, calendar: WorkCalendar
) -> dict:
    p = _guard_extension_decision(case, actor, on, reason, p, calendar)
    p.pop("workdays", None)
    return p


def _guard_delay(
    case: Case, actor: Actor, on: dt.date, reason: str, p: dict, calendar: WorkCalendar
) -> dict:
    _require_reason(reason, "延迟答复")
    if isinstance(p.get("due"), dt.date):
        p["due"] = p["due"].isoformat()
    return p


def _guard_conclusion(allowed: frozenset[Outcome] | None, default: Outcome | None):
    def guard(
        case: Case, actor: Actor, on: dt.date, reason: str, p: dict, calendar: WorkCalendar
    ) -> dict:
        outcome = p.get("outcome") or default
        if outcome is None:
            raise DomainError(
                "须选择办理结果（outcome）", field="outcome", rule="《条例》第三十六条"
            )
        outcome = outcome if isinstance(outcome, Outcome) else parse_outcome(outcome)
        if allowed is not None and outcome not in allowed:
            names = "、".join(o.value for o in allowed)
            raise DomainError(f"此操作的办理结果只能是 {names}", field="outcome", rule="RULES §2.3")
        p["outcome"] = outcome.value
        return check_answer_details(outcome, p)

    return guard


@dataclass(frozen=True)
class AnswerDetails:
    """What the answer event records beyond its outcome (`ogi case answer` options)."""

    responsible_agency: str = ""
    responsible_contact: str = ""
    withheld_ground: Outcome | None = None


def answer_details(payload: Mapping[str, Any]) -> AnswerDetails:
    ground = payload.get("withheld_ground")
    return AnswerDetails(
        str(payload.get("responsible_agency") or ""),
        str(payload.get("responsible_contact") or ""),
        Outcome(ground) if ground else None,
    )


def check_answer_details(outcome: Outcome, payload: dict[str, Any]) -> dict[str, Any]:
    """Validate the answer's extra fields against its outcome (called by the case guard).

    The withheld part's ground belongs to a partial answer only and must be a withheld.* code;
    the responsible agency belongs to 非本机关 (unavailable.not_held) only. Empty values are
    dropped so that stored payloads stay as they were for answers without them.
    """
    ground = payload.pop("withheld_ground", None)
    agency = str(payload.pop("responsible_agency", None) or "").strip()
    contact = str(payload.pop("responsible_contact", None) or "").strip()
    if ground:
        if outcome is not Outcome.PARTIAL:
            raise DomainError(
                f"不予公开部分的理由（withheld_ground）只用于部分公开（partial），本次办理结果为 {outcome.value}",
                field="withheld_ground",
                rule="《条例》第三十七条",
            )
        parsed = ground if isinstance(ground, Outcome) else parse_outcome(str(ground))
        if not is_refusal(parsed):
            codes = "、".join(o.value for o in Outcome if is_refusal(o))
            raise DomainError(
                f"不予公开部分的理由（withheld_ground）应为不予公开的情形之一：{codes}，实为“{ground}”",
                field="withheld_ground",
                rule="《条例》第三十七条",
            )
        payload["withheld_ground"] = parsed.value
    if agency or contact:
        if outcome is not Outcome.UNAVAILABLE_NOT_HELD:
            raise DomainError(
                "负责公开的机关（responsible_agency）只用于非本机关负责公开的情形（unavailable.not_held），"
                f"本次办理结果为 {outcome.value}",
                field="responsible_agency",
                rule="《条例》第三十六条第（五）项",
            )
        if not agency:
            raise DomainError(
                "填写了联系方式（responsible_contact）却没有负责公开的机关名称（responsible_agency）",
                field="responsible_agency",
                rule="《条例》第三十六条第（五）项",
            )
        payload["responsible_agency"] = agency
        if contact:
            payload["responsible_contact"] = contact
    return payload


def _guard_letter(
    case: Case, actor: Actor, on: dt.date, reason: str, p: dict, calendar: WorkCalendar
) -> dict:
    """The letter's kind, number and template are decided by the caller (domain.letters)."""
    for name in ("kind", "letter_no", "template", "template_sha256"):
        if not str(p.get(name) or "").strip():
            raise DomainError(f"出具文书须记录 {name}", field=name, rule="出具文书")
    return p


def _guard_abandoned(
    case: Case, actor: Actor, on: dt.date, reason: str, p: dict, calendar: WorkCalendar
) -> dict:
    state = case.clock(calendar)
    waiting = {
        CaseState.AWAITING_SUPPLEMENT: Outcome("other.no_supplement"),
        CaseState.AWAITING_FEE: Outcome("other.fee_unpaid"),
    }.get(case.state)
    if waiting is None:
        raise DomainError(
            "只有待补正或待缴费的案件才能视为放弃", field="state", rule="《条例》第三十条"
        )
    if state is not None and state.waiting_due is not None and on <= state.waiting_due:
        raise DomainError(
            f"申请人的期限至 {state.waiting_due.isoformat()} 才届满，届满前不能视为放弃",
            field="on",
            rule="《条例》第三十条",
        )
    p["outcome"] = waiting.value
    return p


#: What a correction may put right (RULES §2.1 facts, the applicant type and the outcome).
CORRECTABLE = (
    "received_on",
    "channel",
    "applicant_name",
    "applicant_type",
    "id_kind",
    "id_number",
    "contact",
    "content",
    "outcome",
)

CORRECTABLE_LABELS = {
    "received_on": "收到申请日期",
    "channel": "申请方式",
    "applicant_name": "申请人",
    "applicant_type": "申请人类型",
    "id_kind": "证件类型",
    "id_number": "证件号码",
    "contact": "联系方式",
    "content": "申请内容",
    "outcome": "办理结果",
}


def _guard_correction(
    case: Case, actor: Actor, on: dt.date, reason: str, p: dict, calendar: WorkCalendar
) -> dict:
    """Check each corrected fact as registration would, keep only what really changes, and
    replay the clock from a corrected D0 so that no recorded step falls before it."""
    _require_reason(reason, "更正")
    given = {k: p[k] for k in CORRECTABLE if p.get(k) not in (None, "")}
    if not given:
        names = "、".join(CORRECTABLE_LABELS.values())
        raise DomainError(f"须指定要更正的事项（{names}之一）", field="payload", rule="更正")
    fields = _corrected_values(case, given, on)
    current = case.facts() | {"outcome": case.outcome.value if case.outcome else None}
    changed = {k: v for k, v in fields.items() if current.get(k) != v}
    if not changed:
        raise DomainError("更正的内容与现有记录相同，没有需要更正的事项", field="payload", rule="更正")
    if "received_on" in changed:
        _check_new_received_on(case, dt.date.fromisoformat(changed["received_on"]), on, calendar)
    return changed


def _corrected_values(case: Case, given: dict[str, Any], on: dt.date) -> dict[str, Any]:
    """The corrected facts in their stored form, each validated as at registration."""
    fields: dict[str, Any] = {}
    for name in ("applicant_name", "content"):
        if name in given:
            fields[name] = str(given[name]).strip()
            if not fields[name]:
                raise DomainError(
                    f"{CORRECTABLE_LABELS[name]}（{name}）不能为空", field=name, rule="必填"
                )
    if "contact" in given:
        fields["contact"] = str(given["contact"]).strip()
    if "applicant_type" in given:
        fields["applicant_type"] = parse_applicant_type(given["applicant_type"]).value
    if "channel" in given:
        fields["channel"] = parse_channel(given["channel"]).value
    if "id_number" in given or "id_kind" in given:
        number = str(given.get("id_number", case.applicant.id_number))
        kind, number = check_identity(str(given.get("id_kind", "")), number, today=on)
        fields["id_kind"], fields["id_number"] = kind, number
    if "outcome" in given:
        if case.outcome is None:
            raise DomainError("未办结的案件没有办理结果可更正", field="outcome", rule="更正")
        fields["outcome"] = parse_outcome(given["outcome"]).value
    if "received_on" in given:
        fields["received_on"] = _as_date(given["received_on"], "received_on").isoformat()
    return fields


def _as_date(value: Any, field_name: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise DomainError(
            f"{CORRECTABLE_LABELS.get(field_name, field_name)}（{field_name}）“{value}”不是有效日期，"
            "应为 YYYY-MM-DD",
            field=field_name,
            rule="日期格式",
        ) from None


def _check_new_received_on(
    case: Case, received_on: dt.date, on: dt.date, calendar: WorkCalendar
) -> None:
    """A corrected D0 is not after the correction, not after any step with legal effect, and
    the recorded steps must still be valid when counted from it (e.g. 补正 asked within 7
    working days of D0)."""
    if received_on > on:
        raise DomainError(
            f"更正后的收到申请日期 {received_on.isoformat()} 晚于更正之日 {on.isoformat()}",
            field="received_on",
            rule="日期不能在未来",
        )
    for event in case.events[1:]:
        if event.to_clock() is not None and event.on < received_on:
            raise DomainError(
                f"更正后的收到申请日期 {received_on.isoformat()} 晚于已记录的"
                f"“{EVENT_TYPE_LABELS[event.type]}”（{event.on.isoformat()}）",
                field="received_on",
                rule="事件顺序",
            )
    if case.concluded_on is not None and case.concluded_on < received_on:
        raise DomainError(
            f"更正后的收到申请日期 {received_on.isoformat()} 晚于答复日期 "
            f"{case.concluded_on.isoformat()}",
            field="received_on",
            rule="事件顺序",
        )
    try:
        clk.compute(
            received_on, case.clock_events(), calendar, supplement_days=case.supplement_days
        )
    except DomainError as error:
        raise DomainError(
            f"按更正后的收到申请日期 {received_on.isoformat()} 计算，已记录的办理步骤不成立："
            f"{error.message}",
            field="received_on",
            rule=error.rule,
        ) from None


def _guard_void(
    case: Case, actor: Actor, on: dt.date, reason: str, p: dict, calendar: WorkCalendar
) -> dict:
    """Voiding takes a case out of every count: the reason is kept with its history (who may
    void is `domain.access.authorize_case`)."""
    _require_reason(reason, "作废")
    return {}


def _guard_consultation(
    case: Case, actor: Actor, on: dt.date, reason: str, p: dict, calendar: WorkCalendar
) -> dict:
    kind = p.get("kind")
    if kind is not None and kind not in {k.value for k in clk.ConsultationKind}:
        raise DomainError(
            f"征求意见类型（kind）应为 third_party（第三方）或 agency（其他机关），实为“{kind}”",
            field="kind",
            rule="《条例》第三十二条、第三十四条",
        )
    received = p.get("letter_received_on")
    if isinstance(received, dt.date):
        p["letter_received_on"] = received.isoformat()
    elif received is not None:
        try:
            dt.date.fromisoformat(str(received))
        except ValueError:
            raise DomainError(
                f"收到征求意见函的日期（letter_received_on）“{received}”不是有效日期",
                field="letter_received_on",
                rule="日期格式",
            ) from None
    return p


_GUARDS = {
    CaseEventType.ASSIGNED: _guard_assign,
    CaseEventType.CONSULTATION_STARTED: _guard_consultation,
    CaseEventType.CONSULTATION_ENDED: _guard_consultation,
    CaseEventType.EXTENSION_REQUESTED: _guard_extension_request,
    CaseEventType.EXTENSION_GRANTED: _guard_extension_decision,
    CaseEventType.EXTENSION_REFUSED: _guard_extension_refusal,
    CaseEventType.DELAY_SET: _guard_delay,
    CaseEventType.ANSWERED: _guard_conclusion(None, None),
    CaseEventType.WITHDRAWN: _guard_conclusion(
        frozenset({Outcome("other.other")}), Outcome("other.other")
    ),
    CaseEventType.DEEMED_ABANDONED: _guard_abandoned,
    CaseEventType.CORRECTED: _guard_correction,
    CaseEventType.VOIDED: _guard_void,
    CaseEventType.LETTER_ISSUED: _guard_letter,
}


@dataclass(frozen=True)
class Registration:
    """What an office records when an application arrives (RULES §2.1).

    Labels or codes are accepted for the applicant type and channel. `case_no` is issued by
    the store on registration, or given by the office's ledger on import.
    """

    agency: str
    applicant_name: str
    applicant_type: str
    channel: str
    received_on: dt.date
    content: str
    id_kind: str = ""  # "" = inferred from the number (resident_id, credit_code or other)
    id_number: str = ""
    contact: str = ""
    requested_form: str = ""
    assignee: str | None = None
    case_no: str = ""
    supplement_days: int = clk.DEFAULT_SUPPLEMENT_DAYS


def register(
    form: Registration,
    actor: Actor,
    at: dt.datetime,
    today: dt.date,
    *,
    imported: bool = False,
    outcome: str | None = None,
    concluded_on: dt.date | None = None,
) -> tuple[Case, CaseEvent]:
    """Validate a new application and return the case with its first event.

    `imported` marks a case brought in from an existing ledger: its outcome and conclusion date
    are kept as historical facts; the engine records no steps it was not told about.
    """
    for name, value in (("applicant_name", form.applicant_name), ("content", form.content)):
        if not str(value or "").strip():
            label = {"applicant_name": "申请人", "content": "申请内容"}[name]
            raise DomainError(f"{label}（{name}）不能为空", field=name, rule="必填")
    check_lengths(
        {
            "applicant_name": form.applicant_name,
            "contact": form.contact,
            "requested_form": form.requested_form,
            "content": form.content,
            "case_no": form.case_no,
        }
    )
    applicant_type = parse_applicant_type(form.applicant_type)
    channel = parse_channel(form.channel)
    if form.received_on > today:
        raise DomainError(
            f"收到申请日期（received_on）{form.received_on.isoformat()} 晚于今天 {today.isoformat()}",
            field="received_on",
            rule="日期不能在未来",
        )
    id_kind, id_number = (
        check_identity(form.id_kind, form.id_number, today=today)
        if form.id_number.strip()
        else ("other", "")
    )
    clk.check_supplement_days(form.supplement_days, "supplement_days")
    payload: dict[str, Any] = {
        "case_no": form.case_no,
        "agency": form.agency,
        "applicant_name": form.applicant_name.strip(),
        "applicant_type": applicant_type.value,
        "id_kind": id_kind,
        "id_number": id_number,
        "contact": form.contact,
        "channel": channel.value,
        "received_on": form.received_on.isoformat(),
        "content": form.content.strip(),
        "requested_form": form.requested_form,
        "assignee": form.assignee,
        "supplement_days": form.supplement_days,
    }
    if imported and outcome:
        parsed = parse_outcome(outcome)
        if concluded_on is None:
            raise DomainError(
                "已有办理结果的案件须填写答复日期（concluded_on）",
                field="concluded_on",
                rule="必填",
            )
        if concluded_on < form.received_on:
            raise DomainError(
                f"答复日期（concluded_on）{concluded_on.isoformat()} 早于收到申请日期 {form.received_on.isoformat()}",
                field="concluded_on",
                rule="事件顺序",
            )
        if concluded_on > today:
            raise DomainError(
                f"答复日期（concluded_on）{concluded_on.isoformat()} 晚于今天",
                field="concluded_on",
                rule="日期不能在未来",
            )
        payload["outcome"] = parsed.value
        payload["concluded_on"] = concluded_on.isoformat()
    elif concluded_on is not None:
        raise DomainError(
            "填写了答复日期（concluded_on）却没有办理结果（outcome）", field="outcome", rule="必填"
        )
    type_ = CaseEventType.IMPORTED if imported else CaseEventType.REGISTERED
    event = CaseEvent(type_, form.received_on, at, actor.name, actor.role, "", payload)
    return Case.from_events([event]), event


# -- the case row's projection ----------------------------------------------------------------


@dataclass(frozen=True)
class Projection:
    """The columns of the case row derived from its events and the calendar."""

    state: str
    outcome: str | None
    concluded_on: dt.date | None
    applicant_type: str
    due: dt.date | None = None
    clock: str = clk.ClockStatus.STOPPED.value
    waiting_for: str | None = None
    waiting_due: dt.date | None = None
    provisional: bool = False
    on_time: bool | None = None
    next_reminder_on: dt.date | None = None

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def project(case: Case, calendar: WorkCalendar) -> Projection:
    """What the case row shows: state, outcome and the deadline fields."""
    base = Projection(
        state=case.state.value,
        outcome=case.outcome.value if case.outcome else None,
        concluded_on=case.concluded_on,
        applicant_type=case.applicant.type.value,
    )
    state = case.clock_state(calendar)
    if state is None:
        return base
    return Projection(
        state=base.state,
        outcome=base.outcome,
        concluded_on=base.concluded_on,
        applicant_type=base.applicant_type,
        due=state.due,
        clock=state.clock.value,
        waiting_for=state.waiting_for.value if state.waiting_for else None,
        waiting_due=state.waiting_due,
        provisional=state.provisional,
        on_time=state.on_time,
        next_reminder_on=_next_reminder(case, state, calendar),
    )


def _next_reminder(case: Case, state: clk.ClockState, calendar: WorkCalendar) -> dt.date | None:
    """The first day the daily sweep must look at this case: the earliest threshold of any
    RULES §6 watch (`domain.reminders.next_check_on` with nothing recorded yet).

    The projection does not know what was already sent; it may therefore name a day the sweep
    has already handled. That only costs one more look at this case: the sweep finds the keys
    recorded, sends nothing, and moves the column on (it never hides work).
    """
    from domain import reminders  # reminders builds on this module; imported here, not above

    facts = reminders.facts_of(case, state, registered_on=case.events[0].on)
    return reminders.next_check_on(reminders.case_watches(facts, calendar), calendar, ())


#: The payload keys a projection reads: `Case.from_events` (D0, applicant type, assignee, the
#: 补正 period, outcome and conclusion date), `CaseEvent.to_clock` and the reminders (the
#: consultation's kind and party). Names, content and case numbers never move a date, so a bulk
#: recompute loads each event's type, date and these keys only: cases whose histories agree on
#: them share one projection (tests/unit/test_projection_cache.py checks that stripping every
#: other key changes no projection).
PROJECTION_PAYLOAD_KEYS: tuple[str, ...] = (
    "received_on",
    "applicant_type",
    "assignee",
    "supplement_days",
    "outcome",
    "concluded_on",
    "applicant_days",
    "kind",
    "party",
    "workdays",
    "due",
    "letter_received_on",
)

# what a history rebuilt for projecting says about who and when: nothing (project() reads
# neither; a fixed value, never the system clock)
_NO_ONE_AT = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_NO_IDENTITY = {"case_no": "", "agency": "", "applicant_name": "", "channel": Channel.OTHER.value}


def case_for_projection(steps: Iterable[tuple[str, dt.date, Mapping[str, Any]]]) -> Case:
    """A case rebuilt from each event's type, date and `PROJECTION_PAYLOAD_KEYS` only, in
    order: `project()` gives it exactly what it gives the full case. It has no case number,
    names, content, author or timestamps, so it is good for projecting and nothing else."""
    events = []
    for index, (kind, on, payload) in enumerate(steps):
        if index == 0:
            payload = {**_NO_IDENTITY, **payload}
        events.append(CaseEvent(CaseEventType(kind), on, _NO_ONE_AT, "", Role.SYSTEM, "", payload))
    return Case.from_events(events)


class ProjectionCache:
    """`project()` for many cases on one calendar, computed once per distinct set of the facts
    a projection reads (a bulk recompute meets thousands of cases with the same history:
    received the same day, assigned, nothing else yet).

    The key is every input of `project()` except the case's identity and its applicant type
    (copied, not computed with): state, outcome, dates, the clock's events, the 补正 period, the registration day, whether it is
    assigned, and a pending extension request. A new input of `project()` must be added here;
    tests/unit/test_projection_cache.py compares cached and direct projections over random
    histories to catch one that is not.
    """

    def __init__(self, calendar: WorkCalendar) -> None:
        self.calendar = calendar
        self._memo: dict[tuple[Any, ...], Projection] = {}

    def project(self, case: Case) -> Projection:
        key = _projection_key(case)
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = project(case, self.calendar)
        kind = case.applicant.type.value
        # the applicant type is copied into the row, never computed with: not in the key
        return found if found.applicant_type == kind else replace(found, applicant_type=kind)

    def __len__(self) -> int:
        return len(self._memo)


def _projection_key(case: Case) -> tuple[Any, ...]:
    requested = None
    if case.pending_extension is not None:
        requested = next(
            e.on for e in reversed(case.events) if e.type is CaseEventType.EXTENSION_REQUESTED
        )
    return (
        case.state,
        case.outcome,
        case.concluded_on,
        case.imported,
        case.received_on,
        case.supplement_days,
        tuple(case.clock_events()),
        case.events[0].on,
        bool(case.assignee),
        case.pending_extension,
        requested,
    )
