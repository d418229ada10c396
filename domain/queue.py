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
