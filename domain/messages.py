"""A message the engine owes someone: written to the outbox with the change that causes it.

`key` makes it exactly-once: a second message with the same key (a re-run, a second server)
is not written again; when `replace` is set it refreshes the first one's payload instead (the
year-end list after a re-close).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Message:
    kind: str
    recipient: str  # a user name
    key: str
    payload: Mapping[str, Any] = field(default_factory=dict)
    replace: bool = False
    batch: str | None = None  # the sweep run that wrote it: its deliveries are grouped by it
