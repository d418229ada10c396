"""A district office on the scaled topology, and traffic through its API.

The office is set up through `ogi` as an operator would: a district (历下区) with two
departments under it, a supervisor with an e-mail address in each, a caseworker in each with an
API token, and the district's group robot. Applications arrive through `POST /api/v1/cases`
from many concurrent clients; what each client was answered is kept, so a check can tell a
lost write from a refused one.
"""

from __future__ import annotations

import datetime as dt
import http.client
import random
import re
import secrets
import threading
import time
import urllib.parse
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from deploy.topology import Reply, Scaled, call

#: (code, name, prefix, parent) of the office's agencies
AGENCIES = [
    ("lixia", "济南市历下区人民政府", "历下政公开", None),
    ("lixia_edu", "历下区教育和体育局", "历下教公开", "lixia"),
    ("lixia_hr", "历下区人力资源和社会保障局", "历下人社公开", "lixia"),
]
RECEIVED = dt.date(2026, 11, 2)  # a Monday: due 2026-11-30, reminded 5 days before on 11-23
REMINDER_DAY = dt.date(2026, 11, 23)
CASE_NO = re.compile(r"〔(\d{4})〕第(\d+)号$")
RESIDENT_ID = "11010519491231002X"  # passes the GB 11643 check


@dataclass
class Office:
    """The agencies' caseworker tokens (agency code → token) and the supervisors' addresses."""

    tokens: dict[str, str]
    emails: dict[str, str]  # username → address


def set_up(scaled: Scaled, webhook_url: str) -> Office:
    """Initialise the ogi database and create the office through the command line."""
    code, name, prefix, _ = AGENCIES[0]
    scaled.ogi("init", "--agency", code, "--agency-name", name, "--prefix", prefix)
    for code, name, prefix, parent in AGENCIES[1:]:
        scaled.ogi("agency", "add", code, name, "--prefix", prefix, "--parent", str(parent))
    tokens, emails = {}, {}
    for code, *_ in AGENCIES:
        supervisor, caseworker = f"{code}_sup", f"{code}_cw"
        emails[supervisor] = f"{supervisor}@example.gov.cn"
        scaled.ogi("user", "add", supervisor, "--name", f"{code}主管", "--role", "supervisor",
                   "--agency", code, "--email", emails[supervisor])
        scaled.ogi("user", "add", caseworker, "--name", f"{code}经办", "--role", "caseworker",
                   "--agency", code)
        tokens[code] = scaled.ogi("user", "token", caseworker).stdout.strip()
    scaled.ogi("user", "add", "lixia_head", "--name", "公开办负责人", "--role", "office_head",
               "--agency", "lixia")
    scaled.ogi("notify", "settings", "lixia", "--webhook-flavor", "json",
               "--webhook-url", webhook_url)
    return Office(tokens, emails)


def application(agency: str, number: int) -> dict[str, Any]:
    """The §2.1 fields of the `number`-th application of a run."""
    return {
        "agency": agency, "applicant_name": f"申请人{number:04d}",
        "applicant_type": random.choice(["natural_person", "business", "research"]),
        "id_kind": "resident_id", "id_number": RESIDENT_ID, "contact": "13800000000",
        "channel": "online", "received_on": RECEIVED.isoformat(),
        "content": f"关于某项目第{number}号征收补偿方案的信息", "requested_form": "电子邮件",
    }


@dataclass
class Outcome:
    """What one API call was answered: the status, or the connection error it met."""

    status: int | None
    body: Any = None
    error: str = ""
    key: str = ""  # the Idempotency-Key of an intake, to retry it with
    request: Any = None  # the body sent, to retry it with


@dataclass
class Traffic:
    """Every answer clients got, in order, shared by the client threads."""

    outcomes: list[Outcome] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, outcome: Outcome) -> None:
        with self.lock:
            self.outcomes.append(outcome)

    def created(self) -> list[dict[str, Any]]:
        with self.lock:
            return [o.body for o in self.outcomes if o.status == 201]


def guarded(action: Callable[[], Reply]) -> Outcome:
    """An API call as a client sees it: an answer, or the error of a dropped connection."""
    try:
        reply = action()
    except (OSError, http.client.HTTPException) as exc:
        # A killed process can also cut an answer mid-body (IncompleteRead): the request may
        # or may not have been done, exactly like a dropped connection.
        return Outcome(None, error=f"{type(exc).__name__}: {exc}")
    return Outcome(reply.status, reply.body)


def intake(web_url: str, office: Office, number: int, key: str | None = None) -> Outcome:
    """Register application `number` (agencies in turn) as its agency's caseworker."""
    agency = AGENCIES[number % len(AGENCIES)][0]
    body = application(agency, number)
    key = key or secrets.token_hex(16)
    outcome = guarded(lambda: register(web_url, office.tokens[agency], body, key))
    outcome.key, outcome.request = key, (agency, number)
    return outcome


def register(web_url: str, token: str, body: dict[str, Any], key: str | None = None) -> Reply:
    return call(f"{web_url}/api/v1/cases", "POST", body, {
        "Authorization": f"Bearer {token}", "Idempotency-Key": key or secrets.token_hex(16)})


def act(web_url: str, token: str, case_no: str, event: dict[str, Any]) -> Reply:
    path = urllib.parse.quote(case_no, safe="")
    return call(f"{web_url}/api/v1/cases/{path}/events", "POST", event,
                {"Authorization": f"Bearer {token}"})


def register_many(web_url: str, office: Office, count: int, clients: int) -> Traffic:
    """`count` applications from `clients` concurrent clients, spread over the agencies."""
    traffic = Traffic()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(lambda number: traffic.add(intake(web_url, office, number)), range(count)))
    return traffic


class Writers:
    """Client threads registering applications one after another until stopped."""

    def __init__(self, web_url: str, office: Office, clients: int, first: int = 0) -> None:
        self.traffic = Traffic()
        self._stop = threading.Event()
        self._numbers = iter(range(first, 10**9))
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._client, args=(web_url, office), daemon=True)
                         for _ in range(clients)]

    def _client(self, web_url: str, office: Office) -> None:
        while not self._stop.is_set():
            with self._lock:
                number = next(self._numbers)
            self.traffic.add(intake(web_url, office, number))
            time.sleep(0.02)

    def __enter__(self) -> Writers:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(60)


def case_number_gaps(case_nos: list[str]) -> dict[str, Any]:
    """Per agency prefix and year: duplicates and the sequence numbers missing from 1..max."""
    series: dict[tuple[str, str], list[int]] = {}
    for case_no in case_nos:
        match = CASE_NO.search(case_no)
        if match is None:
            return {"unreadable": case_no}
        prefix = case_no[: match.start()]
        series.setdefault((prefix, match.group(1)), []).append(int(match.group(2)))
    problems: dict[str, Any] = {}
    for (prefix, year), numbers in series.items():
        duplicates = sorted(n for n in set(numbers) if numbers.count(n) > 1)
        missing = sorted(set(range(1, max(numbers) + 1)) - set(numbers))
        if duplicates or missing:
            problems[f"{prefix}〔{year}〕"] = {"duplicates": duplicates, "missing": missing}
    return problems
