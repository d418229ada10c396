"""A small language for conditions on a case's dated facts, evaluated in Python or in SQL.

Some rules decide which cases a report or a queue counts: "carried out of Y" is
`received_on ≤ 31 Dec Y and (concluded_on is null or concluded_on > 31 Dec Y)`. The annual
report counts millions of cases in the database, the year-end close and the tests look at
single cases in Python; writing the rule twice is how the two drift apart. So the rule is
written once, here, as data: `holds()` evaluates it on one case's facts, and the store compiles
the same tree into SQL. Evaluation follows SQL's three-valued logic (a comparison with a
missing value is unknown), so both sides agree on cases with missing dates too.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
}


@dataclass(frozen=True)
class Compare:
    """`field op value`: unknown when the field has no value."""

    field: str
    op: str
    value: Any


@dataclass(frozen=True)
class IsNull:
    field: str


@dataclass(frozen=True)
class InSet:
    field: str
    values: frozenset[Any]


@dataclass(frozen=True)
class All:
    parts: tuple[Predicate, ...]


@dataclass(frozen=True)
class Any_:
    parts: tuple[Predicate, ...]


@dataclass(frozen=True)
class Not:
    part: Predicate


Predicate = Compare | IsNull | InSet | All | Any_ | Not


def all_of(*parts: Predicate) -> All:
    return All(tuple(parts))


def any_of(*parts: Predicate) -> Any_:
    return Any_(tuple(parts))


def evaluate(predicate: Predicate, facts: Mapping[str, Any]) -> bool | None:
    """Three-valued: True, False, or None (unknown) as SQL would answer."""
    match predicate:
        case Compare(field, op, value):
            actual = facts[field]
            return None if actual is None else OPERATORS[op](actual, value)
        case IsNull(field):
            return facts[field] is None
        case InSet(field, values):
            actual = facts[field]
            return None if actual is None else actual in values
        case All(parts):
            results = [evaluate(p, facts) for p in parts]
            if False in results:
                return False
            return None if None in results else True
        case Any_(parts):
            results = [evaluate(p, facts) for p in parts]
            if True in results:
                return True
            return None if None in results else False
        case Not(part):
            result = evaluate(part, facts)
            return None if result is None else not result
    raise TypeError(f"not a predicate: {predicate!r}")


def holds(predicate: Predicate, facts: Mapping[str, Any]) -> bool:
    """Whether a case is counted: SQL's WHERE keeps a row only when the condition is true."""
    return evaluate(predicate, facts) is True
