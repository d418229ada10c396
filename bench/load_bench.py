"""`python -m bench load [--seconds S] [--clients C] [--processes 1,2,4] [--only sqlite|postgres]
[--cases N] [--quick]`: sustained mixed API load against 1, 2 and 4 web processes, on PostgreSQL
and on the embedded SQLite default, so an office can see where one machine stops being enough.

Each configuration (database × web processes) gets its own fresh database and processes, set
up as an operator would through `deploy/` (the topology code `deploy/smoke` uses): `ogi init`,
a district with two departments and a caseworker API token in each (`deploy.office.set_up`),
N cases imported from a ledger file per agency (`ogi import ledger`), then `ogi serve --workers
P --no-scheduler`. None of this is timed. Then C client threads, each acting for one agency's
caseworker, send requests back to back for S seconds (after a short warm-up that is not
recorded), choosing each one at random:

- 40 % `GET /api/v1/cases?agency=A&state=open&limit=50` (the first page of the open cases),
- 40 % `GET /api/v1/cases/{case_no}` of a known case of the agency (seeded or registered),
- 10 % `POST /api/v1/cases` with an `Idempotency-Key` (a new application),
- 10 % `POST /api/v1/cases/{case_no}/events` answering an open case, the client's own when it
  has one, else a seeded one no other client will answer.

Every request's wall-clock latency and answer (status, or the connection error) is recorded;
an error is any answer outside 2xx or no answer. Throughput of each configuration is also shown
as a ratio against one process on the same database, measured in the same run. The clients
run in this process on the same machine as the server, so on a small machine they take part
of its CPU: the figures are a lower bound of what the server alone could do.

Everything a configuration started is stopped by process id and its PostgreSQL database is
dropped when it ends, fails, or is interrupted (Ctrl-C).
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench.fixtures import ledger_rows, write_ledger
from bench.stats import percentile
from deploy import office as office_mod
from deploy.topology import Reply, Scaled, TopologyError, call, stack
from services.bootstrap import SystemClock

#: requests per 100 of each kind: 80 % reads, 20 % writes
MIX = (("list", 40), ("detail", 40), ("intake", 10), ("answer", 10))
READS = {"list", "detail"}
LIST_LIMIT = 50
ANSWER_OUTCOMES = ["disclosed", "partial", "unavailable.not_held", "withheld.third_party"]
#: no dispatcher runs during the benchmark: the district's robot is never called
UNUSED_WEBHOOK = "http://127.0.0.1:9/ogi-load-bench"
REQUEST_TIMEOUT = 30.0
LABELS = {"sqlite": "SQLite", "postgres": "PostgreSQL"}


# -- what was measured ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    """One request as its client saw it: what kind, how long, and the answer or the error."""

    kind: str
    ms: float
    status: int | None
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def failure(self) -> str:
        """How it failed, for the breakdown ("HTTP 500", "TimeoutError"); "" when it did not."""
        if self.ok:
            return ""
        return f"HTTP {self.status}" if self.status is not None else self.error or "no answer"


@dataclass(frozen=True)
class Summary:
    """The figures of one configuration: throughput, latency percentiles and the errors."""

    database: str
    processes: int
    requests: int
    seconds: float
    p50: float
    p95: float
    p99: float
    read_p95: float
    write_p95: float
    errors: Counter[str] = field(default_factory=Counter)
    client_cpu: float = 0.0  # cores the load clients used on average (this process)
    web_cpu: float = 0.0  # cores the web processes used on average (the database's not counted)
    failed: str = ""  # why the configuration could not be measured at all

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds > 0 else 0.0

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


def summarise(database: str, processes: int, samples: Iterable[Sample], seconds: float,
              client_cpu: float = 0.0, web_cpu: float = 0.0) -> Summary:
    """All requests of a run, errors included, count towards throughput and latency: a server
    that answers 500 quickly must not look faster than one that answers correctly."""
    samples = list(samples)
    every = sorted(s.ms for s in samples)
    reads = sorted(s.ms for s in samples if s.kind in READS)
    writes = sorted(s.ms for s in samples if s.kind not in READS)
    errors = Counter(s.failure for s in samples if not s.ok)
    return Summary(database, processes, len(samples), seconds, percentile(every, 50),
                   percentile(every, 95), percentile(every, 99), percentile(reads, 95),
                   percentile(writes, 95), errors, client_cpu, web_cpu)


def ratios(summaries: Iterable[Summary]) -> dict[tuple[str, int], float | None]:
    """Each configuration's throughput over that of one process on the same database in the
    same run (None when there is no such measured configuration to compare with)."""
    summaries = list(summaries)
    base = {s.database: s.rate for s in summaries if s.processes == 1 and not s.failed}
    return {(s.database, s.processes): (s.rate / base[s.database]
                                        if base.get(s.database) and not s.failed else None)
            for s in summaries}


def _width(text: str) -> int:
    """Columns the text takes in a terminal: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _cell(text: str, width: int, right: bool) -> str:
    gap = " " * max(0, width - _width(text))
    return gap + text if right else text + gap


def table(summaries: Sequence[Summary]) -> str:
    """The results as one aligned table, then the errors of each configuration by kind."""
    header = ["数据库 database", "进程 processes", "请求/秒 req/s", "对1进程 vs 1",
              "p50 ms", "p95 ms", "p99 ms", "读 read p95", "写 write p95", "错误 errors",
              "CPU 核 客户端/网页 client/web"]
    ratio_of = ratios(summaries)
    rows = []
    for s in summaries:
        if s.failed:
            rows.append([s.database, str(s.processes), *["—"] * 7, "未测 failed", "—"])
            continue
        ratio = ratio_of[(s.database, s.processes)]
        share = f"{s.error_count / s.requests:.1%}" if s.requests else "—"
        rows.append([s.database, str(s.processes), f"{s.rate:.1f}",
                     f"{ratio:.2f}×" if ratio is not None else "—",
                     f"{s.p50:.1f}", f"{s.p95:.1f}", f"{s.p99:.1f}", f"{s.read_p95:.1f}",
                     f"{s.write_p95:.1f}", f"{s.error_count} ({share})",
                     f"{s.client_cpu:.2f} / {s.web_cpu:.2f}"])
    widths = [max(_width(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(_cell(text, widths[i], i > 1) for i, text in enumerate(row))
             for row in [header, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    for s in summaries:
        if s.failed:
            lines.append(f"{s.database} × {s.processes}：未能测量 failed — {s.failed}")
        elif s.errors:
            kinds = ", ".join(f"{n} × {what}" for what, n in s.errors.most_common())
            lines.append(f"{s.database} × {s.processes} 错误 errors：{kinds}")
    return "\n".join(lines)


# -- the load -------------------------------------------------------------------------------------


class Workload:
    """What the client threads share: each agency's token and known case numbers, and the
    seeded open cases still to answer (each handed to one client only, so no two clients
    answer the same case and a 409 means a real conflict)."""

    def __init__(self, web_url: str, office: office_mod.Office,
                 known: dict[str, list[str]], unanswered: dict[str, list[str]]) -> None:
        self.web_url = web_url
        self.tokens = office.tokens
        self.agencies = sorted(office.tokens)
        self.known = {agency: list(known.get(agency, [])) for agency in self.agencies}
        self._unanswered = {agency: list(unanswered.get(agency, [])) for agency in self.agencies}
        self._lock = threading.Lock()
        self.answered_on = SystemClock().today().isoformat()  # the server's today: a later answer is refused

    def take_unanswered(self, agency: str) -> str | None:
        with self._lock:
            cases = self._unanswered[agency]
            return cases.pop() if cases else None

    def remember(self, agency: str, case_no: str) -> None:
        with self._lock:
            self.known[agency].append(case_no)

    def some_case(self, agency: str, rng: random.Random) -> str | None:
        with self._lock:
            cases = self.known[agency]
            return rng.choice(cases) if cases else None


def _headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class Client:
    """One API client acting for one agency's caseworker; its own open registrations are the
    cases it answers first."""

    def __init__(self, workload: Workload, index: int, seed: int) -> None:
        self.work = workload
        self.agency = workload.agencies[index % len(workload.agencies)]
        self.token = workload.tokens[self.agency]
        self.rng = random.Random(seed)
        self.own_open: list[str] = []
        self.number = index * 1_000_000  # application numbers, distinct between clients
        self._kinds = [kind for kind, share in MIX for _ in range(share)]
        self._actions: dict[str, Callable[[], Reply]] = {
            "list": self.list_open, "detail": self.detail, "intake": self.intake,
            "answer": self.answer}

    def list_open(self) -> Reply:
        query = urllib.parse.urlencode({"agency": self.agency, "state": "open", "limit": LIST_LIMIT})
        return call(f"{self.work.web_url}/api/v1/cases?{query}", headers=_headers(self.token),
                    timeout=REQUEST_TIMEOUT)

    def detail(self) -> Reply:
        case_no = self.work.some_case(self.agency, self.rng)
        if case_no is None:
            return self.list_open()
        path = urllib.parse.quote(case_no, safe="")
        return call(f"{self.work.web_url}/api/v1/cases/{path}", headers=_headers(self.token),
                    timeout=REQUEST_TIMEOUT)

    def intake(self) -> Reply:
        self.number += 1
        body = office_mod.application(self.agency, self.number)
        reply = call(f"{self.work.web_url}/api/v1/cases", "POST", body,
                     {**_headers(self.token), "Idempotency-Key": secrets.token_hex(16)},
                     timeout=REQUEST_TIMEOUT)
        if reply.status == 201 and isinstance(reply.body, dict):
            self.own_open.append(reply.body["case_no"])
            self.work.remember(self.agency, reply.body["case_no"])
        return reply

    def answer(self) -> Reply:
        case_no = self.own_open.pop() if self.own_open else self.work.take_unanswered(self.agency)
        if case_no is None:
            return self.intake()
        event = {"type": "answered", "on": self.work.answered_on,
                 "outcome": self.rng.choice(ANSWER_OUTCOMES)}
        path = urllib.parse.quote(case_no, safe="")
        return call(f"{self.work.web_url}/api/v1/cases/{path}/events", "POST", event,
                    _headers(self.token), timeout=REQUEST_TIMEOUT)

    def one(self) -> Sample:
        """One request of a kind drawn from the mix, timed; a dropped connection is a sample."""
        kind = self.rng.choice(self._kinds)
        started = time.perf_counter()
        try:
            reply = self._actions[kind]()
            status, error = reply.status, ""
        except OSError as exc:  # refused, reset, timed out: the client got no answer
            status, error = None, type(exc).__name__
        return Sample(kind, (time.perf_counter() - started) * 1000, status, error)


def drive(workload: Workload, clients: int, seconds: float,
          warmup: float) -> tuple[list[Sample], float]:
    """C clients sending requests back to back: the first `warmup` seconds are not recorded,
    then for `seconds` every request is. Returns the samples and the measured wall time (from
    the end of the warm-up to the last answer of a request started before the deadline)."""
    samples: list[Sample] = []
    lock, stop = threading.Lock(), threading.Event()
    begin = time.perf_counter()
    measure_from, deadline = begin + warmup, begin + warmup + seconds

    def loop(client: Client) -> None:
        while not stop.is_set():
            started = time.perf_counter()
            if started >= deadline:
                return
            sample = client.one()
            if started >= measure_from:
                with lock:
                    samples.append(sample)

    threads = [threading.Thread(target=loop, args=(Client(workload, i, seed=i),), daemon=True)
               for i in range(clients)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    except BaseException:  # Ctrl-C: no new requests while the processes are taken down
        stop.set()
        raise
    return samples, max(time.perf_counter() - measure_from, 1e-9)


# -- one configuration ----------------------------------------------------------------------------


def cpu_seconds(pids: Iterable[int]) -> float:
    """User and system CPU seconds the processes used so far (Linux /proc; 0 elsewhere or for
    a process that is gone): with the clients' own, it shows whether the machine was the limit."""
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total = 0.0
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()  # after the command name, which may hold spaces
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total


def seed_cases(scaled: Scaled, cases: int, workdir: Path) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Import `cases` ledger cases spread over the office's agencies (80 % open) through
    `ogi import ledger`, as an office moving to ogi would; returns (all case numbers, the open
    ones) per agency."""
    agencies = [code for code, *_ in office_mod.AGENCIES]
    known: dict[str, list[str]] = {}
    unanswered: dict[str, list[str]] = {}
    for position, agency in enumerate(agencies):
        count = cases // len(agencies) + (position < cases % len(agencies))
        rows = ledger_rows(count, seed=position + 1)
        for row in rows:
            row[0] = f"{agency}-{row[0]}"  # case numbers are unique across the installation
        path = write_ledger(workdir / f"ledger-{agency}.csv", rows)
        scaled.ogi("import", "ledger", str(path), "--agency", agency, "--json", timeout=600)
        known[agency] = [row[0] for row in rows]
        unanswered[agency] = [row[0] for row in rows if not row[7]]
    return known, unanswered


def measure(database: str, processes: int, args: argparse.Namespace) -> Summary:
    """One configuration on a fresh database and fresh processes, all taken down at the end."""
    with tempfile.TemporaryDirectory(prefix="ogi-load-") as tmp, stack(Path(tmp)) as owned:
        if database == "sqlite":
            scaled = Scaled.on_database(owned, f"sqlite:///{Path(tmp) / 'ogi.db'}")
        else:
            scaled = Scaled.on_database(owned, owned.create_database("ogi_load"))
        started = time.monotonic()
        office = office_mod.set_up(scaled, UNUSED_WEBHOOK)
        known, unanswered = seed_cases(scaled, args.cases, Path(tmp))
        web = scaled.start_web(processes)
        workers = len(web.workers()) or 1  # one process: uvicorn serves in the command's own
        if workers != processes:
            raise TopologyError(f"应有 {processes} 个网页进程，实际 {workers} 个")
        print(f"  {LABELS[database]} × {processes}：已准备（{args.cases:,} 件台账案件，"
              f"{time.monotonic() - started:.0f} 秒），加压 {args.seconds:.0f} 秒 …", flush=True)
        workload = Workload(scaled.web_url, office, known, unanswered)
        web_pids = [web.pid, *web.children()]
        web_before, client_before = cpu_seconds(web_pids), time.process_time()
        wall = time.perf_counter()
        samples, elapsed = drive(workload, args.clients, args.seconds, args.warmup)
        spent = time.perf_counter() - wall  # CPU over the whole drive, warm-up included
        return summarise(LABELS[database], processes, samples, elapsed,
                         (time.process_time() - client_before) / spent,
                         (cpu_seconds(web_pids) - web_before) / spent)


def postgres_problem() -> str | None:
    """None when the PostgreSQL server answers, else why not (its rows are then skipped)."""
    import psycopg

    from deploy.topology import ADMIN_URL

    try:
        with psycopg.connect(ADMIN_URL, connect_timeout=5) as connection:
            connection.execute("SELECT 1")
    except Exception as exc:  # noqa: BLE001 - any failure means "skip, and say why"
        return f"{type(exc).__name__}: {str(exc).strip().splitlines()[0]}"
    return None


def header(args: argparse.Namespace) -> str:
    cores = os.cpu_count() or 0
    return "\n".join([
        f"负载测试 load benchmark：{args.clients} 个客户端 clients × {args.seconds:.0f} 秒 s"
        f"（另有未计入的预热 warm-up {args.warmup:.0f} 秒），80 % 读 reads / 20 % 写 writes；"
        f"本机 machine {cores} 核 cores",
        f"每个配置 each configuration：新数据库 fresh database，导入 {args.cases:,} 件台账案件"
        f"（3 个机关 agencies），ogi serve --workers N --no-scheduler；"
        "客户端与服务在同一台机器上 clients share the machine",
        "读 reads：案件列表 list (state=open, limit=50) / 案件详情 detail；"
        "写 writes：登记 intake (Idempotency-Key) / 答复 answered",
    ])


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench load", description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=None, help="每个配置加压秒数（默认 60）")
    parser.add_argument("--clients", type=int, default=20, help="并发客户端数（默认 20）")
    parser.add_argument("--processes", default=None, help="网页进程数，逗号分隔（默认 1,2,4）")
    parser.add_argument("--only", choices=["sqlite", "postgres"], default=None)
    parser.add_argument("--cases", type=int, default=None, help="预先导入的台账案件数（默认 3000）")
    parser.add_argument("--warmup", type=float, default=None, help="不计入的预热秒数（默认 3）")
    parser.add_argument("--quick", action="store_true", help="快速检查：5 秒，进程 1,2，600 件")
    args = parser.parse_args(argv)
    defaults = ((5, "1,2", 600, 1) if args.quick else (60, "1,2,4", 3000, 3))
    args.seconds = args.seconds if args.seconds is not None else defaults[0]
    args.processes = args.processes or defaults[1]
    args.cases = args.cases if args.cases is not None else defaults[2]
    args.warmup = args.warmup if args.warmup is not None else defaults[3]
    try:
        args.processes = [int(p) for p in str(args.processes).split(",") if p.strip()]
    except ValueError:
        parser.error(f"--processes 应为逗号分隔的整数，如 1,2,4：{args.processes}")
    if not args.processes or min(args.processes) < 1 or args.clients < 1 or args.seconds <= 0:
        parser.error("--processes、--clients 须为正整数，--seconds 须大于 0")
    args.databases = [args.only] if args.only else ["sqlite", "postgres"]
    return args


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def run(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    # `kill PID` takes everything down as Ctrl-C does, rather than leaving the web processes
    # (in their own sessions) and the databases behind
    signal.signal(signal.SIGTERM, _interrupt)
    print(header(args), flush=True)
    summaries: list[Summary] = []
    status = 0
    try:
        for database in args.databases:
            problem = postgres_problem() if database == "postgres" else None
            if problem:
                print(f"  PostgreSQL 跳过 skipped：{problem}", flush=True)
                continue
            for processes in args.processes:
                try:
                    summaries.append(measure(database, processes, args))
                except (TopologyError, subprocess.SubprocessError) as exc:
                    status = 1
                    why = str(exc).strip().splitlines()[0]
                    print(f"  {LABELS[database]} × {processes} 失败 failed：{exc}", flush=True)
                    summaries.append(Summary(LABELS[database], processes, 0, 0, 0, 0, 0, 0, 0,
                                             failed=why))
    except KeyboardInterrupt:
        status = 130
        print("\n已中断 interrupted：已停止本次启动的进程并删除其数据库", flush=True)
    if summaries:
        print()
        print(table(summaries))
    return status


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
