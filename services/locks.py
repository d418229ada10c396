"""Year locks: once a year's report is published, changes that would alter it are refused."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session


def guard_year_change(session: Session, agency_id: int, years: Iterable[int]) -> None:
    """Refuse a change touching a locked year of the agency (locks arrive with the year close)."""
    return None
