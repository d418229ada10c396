"""When to try a failed delivery again (RULES §6 "Delivery"), as a pure rule.

An SMTP server or a group robot that is down must not lose a message, and must not be
hammered either: the dispatcher waits 1 min, 5 min, 30 min, 2 h, then every 6 h, and gives
up 24 hours after the first attempt, marking the delivery failed so administrators see it.
The pauses count from the attempt actually made (`now`), so a dispatcher that runs late does
not fire a catch-up burst. The last retry is pulled in to the 24-hour mark rather than
dropped, so every delivery gets tried right up to its limit.
"""

from __future__ import annotations

import datetime as dt

#: The pause after the 1st, 2nd, 3rd and 4th failed attempt; after that, REPEAT_PAUSE.
PAUSES: tuple[dt.timedelta, ...] = (
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
)
REPEAT_PAUSE = dt.timedelta(hours=6)
GIVE_UP_AFTER = dt.timedelta(hours=24)

#: The channels a delivery goes over, as administrators read them.
CHANNEL_LABELS = {"email": "邮件", "webhook": "群机器人"}


def pause_after(attempts_made: int) -> dt.timedelta:
    """The pause after the `attempts_made`-th failed attempt (1-based)."""
    if attempts_made < 1:
        raise ValueError("attempts_made counts failed attempts and starts at 1")
    if attempts_made <= len(PAUSES):
        return PAUSES[attempts_made - 1]
    return REPEAT_PAUSE


def next_attempt_at(
    first_attempt_at: dt.datetime, attempts_made: int, now: dt.datetime
) -> dt.datetime | None:
    """When to try again after `attempts_made` failed attempts, the last one at `now`.

    None means give up: 24 hours have passed since the first attempt, so the delivery is
    marked failed. Timestamps must be timezone-aware (the store keeps UTC).
    """
    if first_attempt_at.tzinfo is None or now.tzinfo is None:
        raise ValueError("delivery timestamps must be timezone-aware")
    deadline = first_attempt_at + GIVE_UP_AFTER
    if now >= deadline:
        return None
    return min(now + pause_after(attempts_made), deadline)
