"""How the queue colours a case (the web queue, RULES §7 users' first page).

Overdue is `domain.case.overdue_on`; "at risk" (amber) is due within `AT_RISK_WORKDAYS`
working days from today. The service resolves the working-day boundary on the calendar and
passes it here, so the one definition is used by the queue and the dashboard alike.
"""

from __future__ import annotations

import datetime as dt

AT_RISK_WORKDAYS = 3


def urgency(due: dt.date | None, overdue: bool, at_risk_by: dt.date) -> str | None:
    """'overdue', 'at_risk' or None for an open case's due date."""
    if overdue:
        return "overdue"
    if due is not None and due <= at_risk_by:
        return "at_risk"
    return None


def on_time_rate(on_time: int, late: int) -> float | None:
    """The dashboard's 按时率 in per cent to one decimal: of the cases answered with a due date
    in force, the share answered on or before it (RULES §2.2). Cases closed while the clock
    was stopped (视为放弃 after an unanswered 补正 or fee notice) and imported ledger rows have
    no verdict and are not counted either way. None when no case has one."""
    judged = on_time + late
    return round(100 * on_time / judged, 1) if judged else None
