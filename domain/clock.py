"""The answer-deadline clock (RULES §2.2, Art. 30–35 of the regulation).

From the date of receipt (D0), the clock events and the calendar, `compute` derives the due
date, whether the clock is running, paused (consultation) or stopped (waiting for the
applicant), what the office is waiting for and until when, and the list of steps that
explains every date. It is a pure function of its inputs: the case's events are the truth,
and this is their projection, recomputed whenever an event is added or the calendar changes.

Invalid sequences raise `DomainError` naming the event and the rule, so a caller never stores
an event the law does not allow.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from domain.calendar import WorkCalendar
from domain.errors import DomainError
from domain.predicates import Compare, Predicate, holds

ANSWER_WORKDAYS = 20  # Art. 33
SUPPLEMENT_REQUEST_WORKDAYS = 7  # Art. 30: 补正 must be asked within 7 working days of D0
DEFAULT_SUPPLEMENT_DAYS = 15  # Decision: default applicant's 补正 period, per agency
SUPPLEMENT_DAYS_RANGE = (1, 60)  # Decision: a 补正 period is always 1–60 working days
CONSULTATION_WORKDAYS = 15  # Art. 32 and 34
PAYMENT_WORKDAYS = 20  # 国办函〔2020〕109号
MAX_EXTENSION_WORKDAYS = 20  # Art. 33


class EventType(StrEnum):
    """The events that move the clock (RULES §5 names)."""

    SUPPLEMENT_REQUESTED = "supplement_requested"
    SUPPLEMENT_RECEIVED = "supplement_received"
    CONSULTATION_STARTED = "consultation_started"
    CONSULTATION_ENDED = "consultation_ended"
    EXTENSION_GRANTED = "extension_granted"
    FEE_NOTICE_SENT = "fee_notice_sent"
    FEE_PAID = "fee_paid"
    DELAY_SET = "delay_set"
    ANSWERED = "answered"  # the reply is issued or the case is closed: the clock ends


EVENT_LABELS = {
    EventType.SUPPLEMENT_REQUESTED: "告知补正",
    EventType.SUPPLEMENT_RECEIVED: "收到补正",
    EventType.CONSULTATION_STARTED: "征求意见",
    EventType.CONSULTATION_ENDED: "征求意见结束",
    EventType.EXTENSION_GRANTED: "延期答复",
    EventType.FEE_NOTICE_SENT: "发出收费通知",
    EventType.FEE_PAID: "缴纳信息处理费",
    EventType.DELAY_SET: "确定延迟答复期限",
    EventType.ANSWERED: "答复",
}


class ConsultationKind(StrEnum):
    THIRD_PARTY = "third_party"  # Art. 32: silence is not consent
    AGENCY = "agency"  # Art. 34: silence is consent


CONSULTATION_LABELS = {ConsultationKind.THIRD_PARTY: "第三方", ConsultationKind.AGENCY: "相关机关"}


class ClockStatus(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    STOPPED = "stopped"


class Waiting(StrEnum):
    """What the office is waiting for while the clock does not run."""

    SUPPLEMENT = "supplement"
    CONSULTATION = "consultation"
    FEE = "fee"


class Deadline(StrEnum):
    """Which of a case's deadlines a date is: the answer's, or what the office waits for."""

    ANSWER = "answer"
    SUPPLEMENT = Waiting.SUPPLEMENT.value
    CONSULTATION = Waiting.CONSULTATION.value
    FEE = Waiting.FEE.value

    @property
    def label(self) -> str:
        return DEADLINE_LABELS[self]


DEADLINE_LABELS = {
    Deadline.ANSWER: "答复期限",
    Deadline.SUPPLEMENT: "补正期限",
    Deadline.CONSULTATION: "征求意见期限",
    Deadline.FEE: "缴费期限",
}


class Deadlines(Protocol):
    """The deadline fields shared by a clock state and a case's stored projection."""

    @property
    def due(self) -> dt.date | None: ...

    @property
    def waiting_for(self) -> str | None: ...

    @property
    def waiting_due(self) -> dt.date | None: ...


@dataclass(frozen=True)
class DeadlineMove:
    """One deadline of a case that lies elsewhere on another calendar."""

    deadline: Deadline
    old: dt.date | None
    new: dt.date | None


def deadline_moves(before: Deadlines, after: Deadlines) -> tuple[DeadlineMove, ...]:
    """The deadlines that differ between two projections of the same events (RULES §1: the
    caseworker is told when a due date moved), the answer first.

    The answer due date moved when it differs (a stopped clock has none on either side, so a
    case waiting for the applicant never shows an answer move). The waiting deadline moved
    when the office waits for the same thing on both sides and its last day differs; a
    different thing waited for is a different deadline, not a move of one.
    """
    moves = []
    if before.due != after.due:
        moves.append(DeadlineMove(Deadline.ANSWER, before.due, after.due))
    waiting = before.waiting_for
    if (
        waiting is not None
        and waiting == after.waiting_for
        and before.waiting_due != after.waiting_due
    ):
        moves.append(DeadlineMove(Deadline(waiting), before.waiting_due, after.waiting_due))
    return tuple(moves)


@dataclass(frozen=True)
class ClockEvent:
    """One event as the clock sees it; extra fields apply to some types only."""

    type: EventType
    on: dt.date
    applicant_days: int | None = None
    kind: ConsultationKind | None = None
    party: str | None = None
    workdays: int | None = None
    due: dt.date | None = None
    letter_received_on: dt.date | None = None  # consultation: the day the party got the letter


@dataclass(frozen=True)
class Step:
    """One line of a deadline's explanation."""

    on: dt.date
    event: str
    text: str
    due: dt.date | None

    def to_json(self) -> dict[str, Any]:
        return {
            "on": self.on.isoformat(),
            "event": self.event,
            "due": self.due.isoformat() if self.due else None,
            "text": self.text,
        }


@dataclass(frozen=True)
class ClockState:
    """The projection of a case's clock."""

    received_on: dt.date
    due: dt.date | None
    clock: ClockStatus
    waiting_for: Waiting | None
    waiting_due: dt.date | None
    provisional: bool
    steps: tuple[Step, ...]
    supplement_window_end: dt.date
    supplement_requested: bool
    extension_used: bool
    answered_on: dt.date | None = None
    on_time: bool | None = None

    def to_json(self) -> dict[str, Any]:
        """Exactly the RULES §5 `ogi deadline explain --json` contract."""
        return {
            "due": self.due.isoformat() if self.due else None,
            "clock": self.clock.value,
            "waiting_due": self.waiting_due.isoformat() if self.waiting_due else None,
            "provisional": self.provisional,
            "steps": [step.to_json() for step in self.steps],
        }

    def is_overdue(self, today: dt.date) -> bool:
        """Unanswered with the clock running or paused and the due date already past."""
        return self.answered_on is None and holds(due_passed(today), {"due": self.due})


def due_passed(today: dt.date) -> Predicate:
    """Overdue: the due date in force is before today (a case due today is not yet overdue).

    The one definition of "overdue"; the queue's SQL is compiled from it.
    """
    return Compare("due", "<", today)


@dataclass
class _Consultation:
    kind: ConsultationKind
    party: str | None
    started: dt.date
    window_end: dt.date


@dataclass
class _Run:
    """Mutable working state of one computation."""

    calendar: WorkCalendar
    received_on: dt.date
    due: dt.date | None = None
    remaining: int = 0  # working days left when the clock paused (shown to people)
    paused_from: dt.date | None = None  # the day the pause began (C)
    due_at_pause: dt.date | None = None  # the due date in force when it began
    added_in_pause: int = 0  # extension days granted while paused
    pause_end: dt.date | None = None  # latest effective end of the consultations ended so far
    status: ClockStatus = ClockStatus.RUNNING
    waiting_for: Waiting | None = None
    waiting_due: dt.date | None = None
    provisional: bool = False  # set once at the end, from the dates then in force
    steps: list[Step] = field(default_factory=list)
    consultations: list[_Consultation] = field(default_factory=list)
    supplement_requested: bool = False
    extension_used: bool = False
    fee_notice: bool = False
    answered_on: dt.date | None = None
    on_time: bool | None = None

    def add(self, day: dt.date, n: int) -> dt.date:
        return self.calendar.add_workdays(day, n).day

    def between(self, start: dt.date, end: dt.date) -> int:
        return self.calendar.workdays_between(start, end).count

    def say(self, event: ClockEvent | None, on: dt.date, text: str) -> None:
        name = event.type.value if event else "received"
        self.steps.append(Step(on, name, text, self.due))


def check_supplement_days(days: object, field: str = "applicant_days") -> int:
    """RULES §2.2 Decision: a 补正 period is a whole number of working days, 1–60."""
    low, high = SUPPLEMENT_DAYS_RANGE
    if isinstance(days, bool) or not isinstance(days, int) or not low <= days <= high:
        raise DomainError(
            f"补正期限（{field}）应为{low}至{high}个工作日，实为{days}",
            field=field,
            rule="合理的补正期限（RULES §2.2）",
        )
    return days


def check_extension_days(days: object, field: str = "workdays") -> int:
    """Art. 33: an extension is 1 to 20 working days."""
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_EXTENSION_WORKDAYS:
        raise DomainError(
            f"延长的期限（{field}）应为1至{MAX_EXTENSION_WORKDAYS}个工作日，实为{days}",
            field=field,
            rule="《条例》第三十三条",
        )
    return days

def consultation_window_end(calendar: WorkCalendar, started_on: dt.date) -> dt.date:
    """The consulted party's last day to reply: 15 working days after the letter (Art. 32, 34).

    The clock waits only for the earliest open window; a letter to one of several parties
    consulted at once needs that party's own window, counted by the same rule.
    """
    return calendar.add_workdays(started_on, CONSULTATION_WORKDAYS).day


def _refuse(event: ClockEvent, index: int, rule: str, message: str) -> DomainError:
    label = EVENT_LABELS[event.type]
    return DomainError(
        f"第{index}个事件（{label} {event.type.value}，{event.on.isoformat()}）不被允许：{message}",
        field=f"events[{index - 1}]",
        rule=rule,
    )


def compute(
    received_on: dt.date,
    events: Sequence[ClockEvent],
    calendar: WorkCalendar,
    *,
    supplement_days: int = DEFAULT_SUPPLEMENT_DAYS,
) -> ClockState:
    """Replay the events in order and return the clock's state with its explanation."""
    run = _Run(calendar, received_on)
    run.due = run.add(received_on, ANSWER_WORKDAYS)
    run.say(
        None,
        received_on,
        f"收到申请之日为 {calendar.describe(received_on)}，自次日起计算，"
        f"{ANSWER_WORKDAYS}个工作日内答复，期限至 {run.due.isoformat()}（《条例》第三十三条）",
    )
    window_end = run.add(received_on, SUPPLEMENT_REQUEST_WORKDAYS)
    previous = received_on
    for index, event in enumerate(events, start=1):
        if event.on < previous:
            before = "收到申请之日" if previous == received_on else "上一事件"
            raise _refuse(event, index, "事件顺序", f"日期早于{before}（{previous.isoformat()}）")
        if run.answered_on is not None:
            raise _refuse(event, index, "已答复", "案件已于此前答复或办结，不能再记录事件")
        _HANDLERS[event.type](run, event, index, window_end, supplement_days)
        previous = event.on
    if run.status is ClockStatus.PAUSED:
        _project_pause(run)
    # Provisional describes the dates in force now, not every date computed on the way: a due
    # date that moved back inside the official schedule is official again.
    final_due = run.due if run.status is not ClockStatus.STOPPED or run.answered_on else None
    run.provisional = any(
        calendar.is_provisional(day) for day in (final_due, run.waiting_due, received_on) if day
    )
    if run.provisional:
        run.steps.append(
            Step(
                calendar.coverage,
                "provisional",
                f"注意：计算涉及 {calendar.provisional_from.isoformat()} 以后的日期，"
                "当年节假日安排尚未正式公布，按法定假日推算，期限为暂定，公布后自动重算",
                run.due if run.status is not ClockStatus.STOPPED else None,
            )
        )
    return ClockState(
        received_on=received_on,
        due=run.due if run.status is not ClockStatus.STOPPED or run.answered_on else None,
        clock=run.status,
        waiting_for=run.waiting_for,
        waiting_due=run.waiting_due,
        provisional=run.provisional,
        steps=tuple(run.steps),
        supplement_window_end=window_end,
        supplement_requested=run.supplement_requested,
        extension_used=run.extension_used,
        answered_on=run.answered_on,
        on_time=run.on_time,
    )


def _require_running(run: _Run, event: ClockEvent, index: int) -> None:
    if run.status is ClockStatus.STOPPED:
        waiting = "补正" if run.waiting_for is Waiting.SUPPLEMENT else "缴费"
        raise _refuse(event, index, "计时已停止", f"正在等待申请人{waiting}，答复期限停止计算")
    if run.status is ClockStatus.PAUSED:
        raise _refuse(event, index, "计时已暂停", "征求意见尚未结束，答复期限暂停计算")


def _on_supplement_requested(
    run: _Run, event: ClockEvent, index: int, window_end: dt.date, default_days: int
) -> None:
    if run.supplement_requested:
        raise _refuse(event, index, "《条例》第三十条", "补正只能一次性告知，本申请已告知过补正")
    _require_running(run, event, index)
    if event.on > window_end:
        raise _refuse(
            event,
            index,
            "《条例》第三十条",
            f"应自收到申请之日起{SUPPLEMENT_REQUEST_WORKDAYS}个工作日内告知补正，"
            f"最迟 {window_end.isoformat()}",
        )
    days = event.applicant_days if event.applicant_days is not None else default_days
    try:
        check_supplement_days(days)
    except DomainError as exc:
        raise _refuse(event, index, exc.rule or "补正期限", exc.message) from None
    run.supplement_requested = True
    run.status, run.waiting_for = ClockStatus.STOPPED, Waiting.SUPPLEMENT
    run.waiting_due = run.add(event.on, days)
    run.due = None
    run.say(
        event,
        event.on,
        f"{event.on.isoformat()} 一次性告知补正，答复期限停止计算；申请人应在{days}个工作日内补正，"
        f"即 {run.waiting_due.isoformat()} 前（《条例》第三十条）",
    )


def _on_supplement_received(run: _Run, event: ClockEvent, index: int, *_: Any) -> None:
    if run.waiting_for is not Waiting.SUPPLEMENT:
        raise _refuse(event, index, "《条例》第三十条", "没有待补正的告知，不能记录收到补正")
    late = run.waiting_due is not None and event.on > run.waiting_due
    run.status, run.waiting_for, run.waiting_due = ClockStatus.RUNNING, None, None
    run.due = run.add(event.on, ANSWER_WORKDAYS)
    note = "（已超过补正期限，经办人认定有正当理由）" if late else ""
    run.say(
        event,
        event.on,
        f"{event.on.isoformat()} 收到补正{note}，答复期限自收到补正之日起重新计算，"
        f"{ANSWER_WORKDAYS}个工作日，至 {run.due.isoformat()}（《条例》第三十条）",
    )


def _on_consultation_started(run: _Run, event: ClockEvent, index: int, *_: Any) -> None:
    if run.status is ClockStatus.STOPPED:
        _require_running(run, event, index)
    kind = event.kind or ConsultationKind.THIRD_PARTY
    article = "第三十二条" if kind is ConsultationKind.THIRD_PARTY else "第三十四条"
    letter_on = event.letter_received_on or event.on
    if letter_on < event.on:
        raise _refuse(
            event, index, "征求意见", "被征求方收到征求意见函的日期不能早于发函日期"
        )
    window = run.add(letter_on, CONSULTATION_WORKDAYS)  # = consultation_window_end
    who = CONSULTATION_LABELS[kind] + (f"（{event.party}）" if event.party else "")
    if run.status is ClockStatus.RUNNING:
        assert run.due is not None
        if event.on > run.due:
            raise _refuse(
                event, index, "答复期限", f"答复期限已于 {run.due.isoformat()} 届满，不能再暂停计时"
            )
        run.remaining = run.between(event.on, run.due)
        run.paused_from, run.due_at_pause, run.added_in_pause = event.on, run.due, 0
        run.pause_end = None
        run.status, run.waiting_for = ClockStatus.PAUSED, Waiting.CONSULTATION
        text = (
            f"{event.on.isoformat()} 征求{who}意见，答复期限暂停计算（尚余{run.remaining}个工作日）；"
            f"被征求方应在{CONSULTATION_WORKDAYS}个工作日内即 {window.isoformat()} 前提出意见"
            f"（《条例》{article}）"
        )
    else:
        text = (
            f"{event.on.isoformat()} 同时征求{who}意见，期限不重复暂停；"
            f"被征求方应在 {window.isoformat()} 前提出意见（《条例》{article}）"
        )
    run.consultations.append(_Consultation(kind, event.party, event.on, window))
    run.waiting_due = min(c.window_end for c in run.consultations)
    run.say(event, event.on, text)


def _on_consultation_ended(run: _Run, event: ClockEvent, index: int, *_: Any) -> None:
    match = next(
        (
            c
            for c in run.consultations
            if (event.kind is None or c.kind == event.kind)
            and (event.party is None or c.party == event.party)
        ),
        None,
    )
    if match is None:
        raise _refuse(event, index, "征求意见", "没有与之对应的进行中的征求意见")
    run.consultations.remove(match)
    # RULES §2.2: the consultation ends at the reply or when its window lapses, whichever is
    # first; a reply recorded late does not lengthen the pause.
    effective = min(event.on, match.window_end)
    run.pause_end = max(run.pause_end or effective, effective)
    late = (
        f"（晚于征求意见期限，暂停计至期满日 {match.window_end.isoformat()}）"
        if event.on > match.window_end
        else ""
    )
    silence = ""
    if event.on >= match.window_end:
        silence = (
            "；被征求机关逾期未提出意见的视为同意公开"
            if match.kind is ConsultationKind.AGENCY
            else "；第三方逾期未提出意见不视为同意，由本机关依法决定"
        )
    if run.consultations:
        run.waiting_due = min(c.window_end for c in run.consultations)
        run.say(
            event,
            event.on,
            f"{event.on.isoformat()} 一项征求意见结束{late}，其余征求意见仍在进行，继续暂停",
        )
        return
    run.status, run.waiting_for, run.waiting_due = ClockStatus.RUNNING, None, None
    run.due = _resume(run, run.pause_end)
    run.say(
        event,
        event.on,
        f"{event.on.isoformat()} 征求意见结束{late}，恢复计时：尚余{run.remaining}个工作日，"
        f"答复期限顺延至 {run.due.isoformat()}{silence}",
    )


def _resume(run: _Run, end: dt.date) -> dt.date:
    """The due date after a pause (C, end]: later by the paused working days (RULES §2.2)."""
    assert run.paused_from is not None and run.due_at_pause is not None
    paused = run.between(run.paused_from, end)
    return run.add(run.due_at_pause, paused + run.added_in_pause)


def _project_pause(run: _Run) -> None:
    """While paused, show the due date the case gets if the consultations use their window."""
    last_window = max(c.window_end for c in run.consultations)
    run.due = _resume(run, last_window)
    run.steps.append(
        Step(
            last_window,
            "projection",
            f"征求意见尚未结束；若至 {last_window.isoformat()} 期满结束，"
            f"答复期限为 {run.due.isoformat()}，提前结束则相应提前",
            run.due,
        )
    )


def _on_extension_granted(run: _Run, event: ClockEvent, index: int, *_: Any) -> None:
    if run.extension_used:
        raise _refuse(event, index, "《条例》第三十三条", "延期答复只能一次，本申请已延期过")
    if run.status is ClockStatus.STOPPED:
        _require_running(run, event, index)
    try:
        n = check_extension_days(event.workdays)
    except DomainError as exc:
        raise _refuse(event, index, exc.rule or "《条例》第三十三条", exc.message) from None
    run.extension_used = True
    if run.status is ClockStatus.PAUSED:
        run.remaining += n
        run.added_in_pause += n
        run.say(
            event,
            event.on,
            f"{event.on.isoformat()} 经负责人同意延期{n}个工作日，计入暂停后尚余期限",
        )
        return
    assert run.due is not None
    if event.on > run.due:
        raise _refuse(
            event, index, "《条例》第三十三条", f"延期须在答复期限 {run.due.isoformat()} 届满前决定"
        )
    old = run.due
    run.due = run.add(old, n)
    run.say(
        event,
        event.on,
        f"{event.on.isoformat()} 经政府信息公开工作机构负责人同意延期{n}个工作日，"
        f"答复期限由 {old.isoformat()} 延至 {run.due.isoformat()}（《条例》第三十三条）",
    )


def _on_fee_notice_sent(run: _Run, event: ClockEvent, index: int, *_: Any) -> None:
    if run.fee_notice:
        raise _refuse(event, index, "信息处理费", "本申请已发出过收费通知")
    _require_running(run, event, index)
    assert run.due is not None
    if event.on > run.due:
        raise _refuse(
            event,
            index,
            "答复期限",
            f"答复期限已于 {run.due.isoformat()} 届满，不能再发出收费通知停止计时",
        )
    run.fee_notice = True
    run.status, run.waiting_for = ClockStatus.STOPPED, Waiting.FEE
    run.waiting_due = run.add(event.on, PAYMENT_WORKDAYS)
    run.due = None
    run.say(
        event,
        event.on,
        f"{event.on.isoformat()} 发出收费通知，答复期限停止计算；申请人应在{PAYMENT_WORKDAYS}个工作日内"
        f"即 {run.waiting_due.isoformat()} 前缴费（国办函〔2020〕109号）",
    )


def _on_fee_paid(run: _Run, event: ClockEvent, index: int, *_: Any) -> None:
    if run.waiting_for is not Waiting.FEE:
        raise _refuse(event, index, "信息处理费", "没有待缴费的收费通知，不能记录缴费")
    late = "（已超过缴费期限）" if run.waiting_due and event.on > run.waiting_due else ""
    run.status, run.waiting_for, run.waiting_due = ClockStatus.RUNNING, None, None
    run.due = run.add(event.on, ANSWER_WORKDAYS)
    run.say(
        event,
        event.on,
        f"{event.on.isoformat()} 申请人完成缴费{late}，答复期限从次日起重新计算，"
        f"{ANSWER_WORKDAYS}个工作日，至 {run.due.isoformat()}",
    )


def _on_delay_set(run: _Run, event: ClockEvent, index: int, *_: Any) -> None:
    _require_running(run, event, index)
    assert run.due is not None
    if event.due is None:
        raise _refuse(event, index, "《条例》第三十五条", "须写明延迟答复的期限（due）")
    if event.on > run.due:
        raise _refuse(
            event,
            index,
            "《条例》第三十五条",
            f"须在答复期限 {run.due.isoformat()} 届满前确定延迟答复期限",
        )
    if event.due <= run.due:
        raise _refuse(
            event,
            index,
            "《条例》第三十五条",
            f"延迟答复的期限应晚于现行答复期限 {run.due.isoformat()}",
        )
    old, run.due = run.due, event.due
    run.say(
        event,
        event.on,
        f"{event.on.isoformat()} 申请数量、频次明显超过合理范围，确定延迟答复的合理期限，"
        f"答复期限由 {old.isoformat()} 改为 {event.due.isoformat()}（《条例》第三十五条）",
    )


def _on_answered(run: _Run, event: ClockEvent, index: int, *_: Any) -> None:
    run.answered_on = event.on
    if run.status is ClockStatus.STOPPED:
        run.on_time = None
        run.say(event, event.on, f"{event.on.isoformat()} 办结（答复期限停止计算期间）")
    else:
        if run.status is ClockStatus.PAUSED:
            open_ends = [min(event.on, c.window_end) for c in run.consultations]
            run.due = _resume(run, max([*open_ends, *([run.pause_end] if run.pause_end else [])]))
            run.consultations.clear()
            run.status, run.waiting_for, run.waiting_due = ClockStatus.RUNNING, None, None
        assert run.due is not None
        run.on_time = event.on <= run.due
        verdict = "按期" if run.on_time else f"逾期{run.between(run.due, event.on)}个工作日"
        run.say(
            event, event.on, f"{event.on.isoformat()} 答复，期限 {run.due.isoformat()}，{verdict}"
        )
    run.status = ClockStatus.STOPPED
    run.waiting_for = run.waiting_due = None


_HANDLERS = {
    EventType.SUPPLEMENT_REQUESTED: _on_supplement_requested,
    EventType.SUPPLEMENT_RECEIVED: _on_supplement_received,
    EventType.CONSULTATION_STARTED: _on_consultation_started,
    EventType.CONSULTATION_ENDED: _on_consultation_ended,
    EventType.EXTENSION_GRANTED: _on_extension_granted,
    EventType.FEE_NOTICE_SENT: _on_fee_notice_sent,
    EventType.FEE_PAID: _on_fee_paid,
    EventType.DELAY_SET: _on_delay_set,
    EventType.ANSWERED: _on_answered,
}


# -- the RULES §5 JSON form -----------------------------------------------------------------


def _parse_date(value: Any, where: str) -> dt.date:
    if not isinstance(value, str):
        raise DomainError(f"{where} 应为 YYYY-MM-DD 格式的日期", field=where, rule="日期格式")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise DomainError(
            f"{where} 的值“{value}”不是有效日期（应为 YYYY-MM-DD）", field=where, rule="日期格式"
        ) from None


def _parse_int(value: Any, where: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise DomainError(f"{where} 应为整数", field=where, rule="整数")
    return value


def event_from_json(item: Mapping[str, Any], index: int) -> ClockEvent:
    """One event of the RULES §5 form; the error names the event by its position."""
    where = f"events[{index}]"
    if not isinstance(item, Mapping):
        raise DomainError(f"{where} 应为对象", field=where, rule="事件格式")
    try:
        kind = EventType(item.get("type"))
    except ValueError:
        allowed = "、".join(t.value for t in EventType)
        raise DomainError(
            f"{where}.type 的值“{item.get('type')}”无法识别，应为：{allowed}",
            field=f"{where}.type",
            rule="事件类型",
        ) from None
    consultation_kind = item.get("kind")
    if consultation_kind is not None:
        try:
            consultation_kind = ConsultationKind(consultation_kind)
        except ValueError:
            raise DomainError(
                f"{where}.kind 应为 third_party 或 agency",
                field=f"{where}.kind",
                rule="征求意见类型",
            ) from None
    party = item.get("party")
    return ClockEvent(
        type=kind,
        on=_parse_date(item.get("on"), f"{where}.on"),
        applicant_days=_parse_int(item.get("applicant_days"), f"{where}.applicant_days"),
        kind=consultation_kind,
        party=str(party) if party is not None else None,
        workdays=_parse_int(item.get("workdays"), f"{where}.workdays"),
        due=_parse_date(item["due"], f"{where}.due") if item.get("due") is not None else None,
        letter_received_on=(
            _parse_date(item["letter_received_on"], f"{where}.letter_received_on")
            if item.get("letter_received_on") is not None
            else None
        ),
    )


def request_from_json(data: Any) -> tuple[dt.date, list[ClockEvent]]:
    """Parse `{"received_on": ..., "events": [...]}` into D0 and clock events."""
    if not isinstance(data, Mapping):
        raise DomainError("输入应为 JSON 对象", field="(root)", rule="格式")
    received_on = _parse_date(data.get("received_on"), "received_on")
    events = data.get("events", [])
    if not isinstance(events, list):
        raise DomainError("events 应为列表", field="events", rule="格式")
    return received_on, [event_from_json(item, i) for i, item in enumerate(events)]


def explain(data: Any, calendar: WorkCalendar, **options: Any) -> ClockState:
    """Compute from the RULES §5 JSON form."""
    received_on, events = request_from_json(data)
    return compute(received_on, events, calendar, **options)


def replay(
    received_on: dt.date, events: Iterable[ClockEvent], calendar: WorkCalendar
) -> ClockState:
    """Alias kept short for callers that already hold typed events."""
    return compute(received_on, list(events), calendar)
