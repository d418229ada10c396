"""Exactly once across processes (RULES §6): two `ogi flows run sweep` at once, a sweep killed
half-way and run again — on SQLite and PostgreSQL, each message once and none missing.

Every case is received Monday 2026-11-02, assigned to wang, and due 2026-11-30; on Monday
2026-11-23 each owes one message (answer, 5 working days before) and the administrators one
calendar alert (2027 not loaded): N + 1 messages in all.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from ops import NewCase, register_case
from sqlalchemy import Engine, text

ROOT = Path(__file__).resolve().parents[2]
RECEIVED = dt.date(2026, 11, 2)
SWEEP_DAY = "2026-11-23"
CASES = 250


def seed(engine: Engine, n: int = CASES) -> None:
    for i in range(n):
        form = NewCase("lixia", f"申请人{i}", "natural_person", "online", RECEIVED, "某项目材料",
                       assignee="wang")
        register_case(engine, form, "wang", today=RECEIVED)


def start_sweep(db_url: str) -> subprocess.Popen[str]:
    env = {**os.environ, "OGI_DATABASE_URL": db_url, "OGI_TODAY": SWEEP_DAY}
    env.pop("OGI_USER", None)
    return subprocess.Popen(
        [sys.executable, "-m", "cli.main", "flows", "run", "sweep", "--today", SWEEP_DAY, "--json"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def messages(engine: Engine) -> list[tuple[str, str]]:
    with engine.connect() as connection:
        return list(connection.execute(text("SELECT recipient, dedupe_key FROM outbox")).tuples())


def reminder_count(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT count(*) FROM reminders")).scalar_one()


def expected_messages(engine: Engine) -> set[tuple[str, str]]:
    """What the sweep owes, worked out from the cases themselves, not from the sweep."""
    with engine.connect() as connection:
        numbers = connection.execute(text("SELECT case_no FROM cases")).scalars().all()
    owed = {("wang", f"case:{no}|answer|5|2026-11-30|wang") for no in numbers}
    owed.add(("admin", f"calendar|calendar_missing|0|{SWEEP_DAY}|admin"))
    return owed


def test_two_sweeps_at_once_send_each_message_once(engine: Engine, db_url: str) -> None:
    seed(engine)
    first, second = start_sweep(db_url), start_sweep(db_url)
    outputs = [p.communicate(timeout=300) for p in (first, second)]
    assert [p.returncode for p in (first, second)] == [0, 0], [err for _, err in outputs]
    import json

    sent = [json.loads(out)["sent"] for out, _ in outputs]
    assert sum(sent) == CASES + 1  # between them, each message sent by exactly one
    written = messages(engine)
    assert len(written) == len(set(written)) == CASES + 1
    assert set(written) == expected_messages(engine)
    again = start_sweep(db_url)
    out, err = again.communicate(timeout=300)
    assert json.loads(out)["sent"] == 0, err


def test_a_sweep_killed_half_way_then_run_again_sends_the_rest_once(
    engine: Engine, db_url: str
) -> None:
    seed(engine)
    victim = start_sweep(db_url)
    deadline = time.monotonic() + 120
    while reminder_count(engine) == 0 and victim.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    victim.send_signal(signal.SIGKILL)
    victim.communicate()
    partial = len(messages(engine))
    rerun = start_sweep(db_url)
    out, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err
    written = messages(engine)
    assert len(written) == len(set(written)) == CASES + 1
    assert set(written) == expected_messages(engine)
    import json

    assert json.loads(out)["sent"] == CASES + 1 - partial_messages_sent(partial)


def partial_messages_sent(rows: int) -> int:
    """Each message of this sweep has one recipient, so rows written = messages sent."""
    return rows
