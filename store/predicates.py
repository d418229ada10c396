"""Compile `domain.predicates` conditions into SQL over the cases table.

The domain writes a rule once as data; this turns the same tree into a SQLAlchemy expression,
so the report's aggregates and the year-end list count exactly what the domain defines.

A set of values (`InSet`, e.g. the open states) is rendered as literals, sorted, not as bound
parameters: the sets are the domain's own constants, and a planner can only see that a query's
`state IN (...)` implies a partial index's predicate (migration 0011) when it sees the values.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, bindparam, not_, or_
from sqlalchemy.sql.elements import ColumnElement

from domain.predicates import All, Any_, Compare, InSet, IsNull, Not, Predicate
from store.models import CaseRow

_SQL_OPERATORS = {
    "<": lambda c, v: c < v,
    "<=": lambda c, v: c <= v,
    ">": lambda c, v: c > v,
    ">=": lambda c, v: c >= v,
    "==": lambda c, v: c == v,
}


def compile_predicate(predicate: Predicate, table: Any = CaseRow) -> ColumnElement[bool]:
    """The SQL condition of a domain predicate on `table`'s columns of the same names."""
    match predicate:
        case Compare(field, op, value):
            return _SQL_OPERATORS[op](getattr(table, field), value)
        case IsNull(field):
            return getattr(table, field).is_(None)
        case InSet(field, values):
            literal = bindparam(None, sorted(values), expanding=True, literal_execute=True)
            return getattr(table, field).in_(literal)
        case All(parts):
            return and_(*(compile_predicate(p, table) for p in parts))
        case Any_(parts):
            return or_(*(compile_predicate(p, table) for p in parts))
        case Not(part):
            return not_(compile_predicate(part, table))
    raise TypeError(f"not a predicate: {predicate!r}")
