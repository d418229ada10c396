"""Small SQL helpers the repositories share."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session


def among(session: Session, column: Any, values: Sequence[Any]) -> Any:
    """`column IN (…)`; on PostgreSQL `column = ANY(array)`: one parameter, not hundreds
    (psycopg parses a query text with many placeholders slowly, and each length is a new
    statement to prepare)."""
    if session.get_bind().dialect.name == "sqlite":
        return column.in_(list(values))
    return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
