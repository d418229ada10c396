"""Which actions a case offers now, to whom: the case page shows exactly these as forms.

The state machine's guards (domain.case) still decide each action when it is taken; this is
the menu, derived from the same facts, so a page never offers an action that the state or
the role (domain.access) would refuse out of hand.
"""

from __future__ import annotations

from domain.access import Actor, authorize_case
from domain.case import Case, CaseEventType, CaseState
from domain.errors import DomainError

E = CaseEventType


def _has(case: Case, kind: CaseEventType) -> bool:
    return any(e.type is kind for e in case.events)


def offered(case: Case) -> list[CaseEventType]:
    """The actions the case's state allows, in the order a caseworker meets them; a fact
    can be corrected and a mistaken registration voided whether or not the case is closed."""
    if case.state is CaseState.VOIDED:
        return []
    mending = [E.CORRECTED, E.VOIDED]
    if not case.is_open:
        return mending
    actions = [E.ASSIGNED]
    if case.state is CaseState.AWAITING_SUPPLEMENT:
        actions += [E.SUPPLEMENT_RECEIVED, E.DEEMED_ABANDONED]
    elif not _has(case, E.SUPPLEMENT_REQUESTED):
        actions.append(E.SUPPLEMENT_REQUESTED)
    actions.append(E.CONSULTATION_STARTED)
    if case.state is CaseState.IN_CONSULTATION:
        actions.append(E.CONSULTATION_ENDED)
    if case.pending_extension is not None:
        actions += [E.EXTENSION_GRANTED, E.EXTENSION_REFUSED]
    elif not _has(case, E.EXTENSION_GRANTED):
        actions.append(E.EXTENSION_REQUESTED)
    if case.state is CaseState.AWAITING_FEE:
        actions += [E.FEE_PAID, E.DEEMED_ABANDONED]
    elif case.state is CaseState.IN_PROGRESS:
        actions.append(E.FEE_NOTICE_SENT)
    actions += [E.DELAY_SET, E.ANSWERED, E.WITHDRAWN, *mending]
    return list(dict.fromkeys(actions))


def allowed_actions(case: Case, actor: Actor) -> list[CaseEventType]:
    """The offered actions this actor's role may take on this case (RULES §7)."""
    out = []
    for action in offered(case):
        try:
            authorize_case(actor, action, agency=case.agency, assignee=case.assignee)
        except DomainError:
            continue
        out.append(action)
    return out
