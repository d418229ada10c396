"""`deploy/smoke`: the scaled topology started, used and checked end to end on this machine.

On loopback ports, on fresh PostgreSQL databases: a Prefect server (on its own database), a
worker on a process pool, the web app with `--workers N` processes, a mail server and a group
robot. The run creates the deployments, registers applications through the API from many
concurrent clients, answers some, runs the sweep and the dispatcher through Prefect (each twice,
as a re-run after a crash would), and checks:

- every API call succeeded and made exactly one case; case numbers are unique and gapless;
- every reminder is in the outbox once, every e-mail digest was delivered once and names each
  of its recipient's cases once, the second sweep and dispatch sent nothing;
- the annual report of the district (region scope) is balanced and counts every case.

Then it stops everything it started, by process id, and drops its databases. Exit status 0
when every check passed. `python -m deploy.smoke [--cases N] [--clients C] [--web-workers W]`.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from deploy import office as office_mod
from deploy.loopback import SmtpServer, WebhookServer
from deploy.topology import Scaled, TopologyError, stack

OUTCOMES = ["disclosed", "partial", "unavailable.not_held", "withheld.third_party"]


@dataclass
class Checks:
    """The named checks of a run, printed as they are made."""

    results: list[tuple[str, bool, str]] = field(default_factory=list)

    def check(self, name: str, ok: bool, detail: str = "") -> bool:
        self.results.append((name, ok, detail))
        print(f"  {'✓' if ok else '✗'} {name}{'：' + detail if detail else ''}", flush=True)
        return ok

    @property
    def ok(self) -> bool:
        return all(ok for _, ok, _ in self.results)


def step(text: str, started: float) -> None:
    print(f"[{time.monotonic() - started:6.1f}s] {text}", flush=True)


def flow_counts(scaled: Scaled, kind: str) -> list[dict[str, Any]]:
    rows = scaled.query("SELECT counts FROM flow_runs WHERE kind = %s ORDER BY id", kind)
    return [row[0] if isinstance(row[0], dict) else json.loads(row[0]) for row in rows]


def check_cases(scaled: Scaled, checks: Checks, traffic: office_mod.Traffic, expected: int) -> list[dict[str, Any]]:
    statuses = Counter(o.status for o in traffic.outcomes)
    checks.check("每个登记请求都成功（201）", statuses == Counter({201: expected}), str(dict(statuses)))
    created = traffic.created()
    numbers = [case["case_no"] for case in created]
    stored = [row[0] for row in scaled.query("SELECT case_no FROM cases")]
    checks.check("库中案件数等于登记成功数", sorted(stored) == sorted(numbers),
                 f"库中 {len(stored)} 件，应答 {len(numbers)} 件")
    gaps = office_mod.case_number_gaps(stored)
    checks.check("案件编号唯一且连续（每个机关从 1 起）", not gaps, json.dumps(gaps, ensure_ascii=False))
    return created


def check_idempotency(scaled: Scaled, checks: Checks, office: office_mod.Office) -> None:
    """A retried intake with the same key answers the first case and makes no second."""
    before = scaled.query("SELECT count(*) FROM cases")[0][0]
    body = office_mod.application("lixia", 99999)
    first = office_mod.register(scaled.web_url, office.tokens["lixia"], body, key="smoke-retry")
    again = office_mod.register(scaled.web_url, office.tokens["lixia"], body, key="smoke-retry")
    after = scaled.query("SELECT count(*) FROM cases")[0][0]
    checks.check("同一 Idempotency-Key 重试只建一件",
                 first.status == 201 and again.body.get("case_no") == first.body.get("case_no")
                 and after == before + 1, f"{first.status}/{again.status}，{before}→{after}")


def answer_some(scaled: Scaled, office: office_mod.Office, created: list[dict[str, Any]], count: int) -> int:
    """Answer the first `count` cases through the API; how many were answered."""
    answered = 0
    for index, case in enumerate(created[:count]):
        reply = office_mod.act(scaled.web_url, office.tokens[case["agency"]], case["case_no"], {
            "type": "answered", "on": "2026-11-20", "outcome": OUTCOMES[index % len(OUTCOMES)]})
        answered += reply.status == 200
    return answered


def check_messages(scaled: Scaled, checks: Checks, smtp: SmtpServer, robot: WebhookServer,
                   office: office_mod.Office, open_cases: set[str]) -> None:
    """Reminders once in the outbox, digests delivered once, each case named once per reader."""
    outbox = scaled.query("SELECT recipient, kind, payload FROM outbox")
    answer = Counter((r, (p or {}).get("case_no")) for r, k, p in outbox if k == "answer")
    supervisors_of = {f"{code}_sup": code for code, *_ in office_mod.AGENCIES}
    agency_of = {row[0]: row[1] for row in scaled.query(
        "SELECT c.case_no, a.code FROM cases c JOIN agencies a ON a.id = c.agency_id")}
    expected = Counter((f"{agency_of[no]}_sup", no) for no in open_cases)
    checks.check("每件未结案件的“5个工作日前”答复提醒在发件箱中恰有一条（发给本机关主管）",
                 answer == expected, f"{sum(answer.values())} 条，应为 {len(expected)} 条")
    deliveries = scaled.query(
        "SELECT channel, target, status, attempts FROM deliveries ORDER BY id")
    email = [d for d in deliveries if d[0] == "email"]
    checks.check("每份邮件摘要投递一次且成功",
                 all(d[2] == "delivered" and d[3] == 1 for d in email)
                 and sorted(d[1] for d in email) == sorted(supervisors_of),
                 f"{len(email)} 份：{[(d[1], d[2], d[3]) for d in email]}")
    checks.check("邮件服务器收到的邮件数等于投递记录数", smtp.mailbox.count() == len(email),
                 f"收到 {smtp.mailbox.count()} 封")
    hooks = [d for d in deliveries if d[0] == "webhook"]
    checks.check("群机器人每条投递收到一次", len(robot.posts) == len(hooks)
                 and all(d[2] == "delivered" and d[3] == 1 for d in hooks),
                 f"投递记录 {len(hooks)} 条，收到 {len(robot.posts)} 次")
    refs = smtp.mailbox.case_refs()
    # every message for a reader with an address, named once in that reader's e-mail
    wanted = Counter((office.emails[r], (p or {}).get("case_no")) for r, _, p in outbox
                     if r in office.emails and (p or {}).get("case_no"))
    checks.check("发件箱中每条案件消息在收件人的邮件中恰好出现一次", refs == wanted,
                 f"出现 {sum(refs.values())} 次，应为 {sum(wanted.values())} 次")


def check_report(scaled: Scaled, checks: Checks, registered: int, answered: int) -> None:
    report = json.loads(scaled.ogi("report", "annual", "--year", "2026", "--agency", "lixia",
                                   "--scope", "region", "--format", "json").stdout)
    rows = report["section3"]["rows"]
    failed = [c["name"] for c in report["checks"] if not c["ok"]]
    checks.check("年度报告（本行政区域）各项校验通过", not failed, ", ".join(failed))
    figures = (rows["new"]["total"], rows["total"]["total"], rows["carried_out"]["total"])
    checks.check("报告计入每一件案件：新收 = 登记数，总计 = 已答复，结转 = 未结",
                 figures == (registered, answered, registered - answered), str(figures))


def run(cases: int, clients: int, web_workers: int, workdir: Path) -> int:
    started = time.monotonic()
    checks = Checks()
    with SmtpServer() as smtp, WebhookServer() as robot, stack(workdir) as owned:
        try:
            scaled = Scaled.create(owned, smtp.env())
            step(f"新建数据库 {', '.join(owned.databases)}", started)
            office = office_mod.set_up(scaled, robot.url)
            step("初始化 ogi 数据库与机关、用户、令牌（ogi init / agency / user）", started)
            scaled.start_prefect_server()
            step("Prefect 服务器已启动（PostgreSQL 数据库）", started)
            deployed = scaled.deploy()
            step(f"已创建 {len(deployed['deployments'])} 个部署", started)
            worker = scaled.start_worker()
            web = scaled.start_web(web_workers)
            checks.check(f"网页服务有 {web_workers} 个工作进程", len(web.workers()) == web_workers,
                         f"进程 {web.workers()}")
            step(f"网页服务已启动：{scaled.web_url}（{web_workers} 个进程），工作进程 {worker.pid}", started)

            traffic = office_mod.register_many(scaled.web_url, office, cases, clients)
            step(f"{clients} 个客户端并发登记 {cases} 件申请", started)
            created = check_cases(scaled, checks, traffic, cases)
            check_idempotency(scaled, checks, office)
            answered = answer_some(scaled, office, created, cases // 5)
            checks.check("部分案件经 API 答复", answered == cases // 5, f"{answered} 件")
            open_cases = {c[0] for c in scaled.query("SELECT case_no FROM cases WHERE state = 'in_progress'")}

            day = office_mod.REMINDER_DAY.isoformat()
            for attempt in (1, 2):
                scaled.run_flow("sweep", {"today": day}, worker.log)
                scaled.run_flow("dispatch", {"today": day}, worker.log)
                step(f"经 Prefect 运行提醒扫描与投递（第 {attempt} 次）", started)
            sweeps, dispatches = flow_counts(scaled, "sweep"), flow_counts(scaled, "dispatch")
            checks.check("第二次扫描不再发送", len(sweeps) == 2 and sweeps[1]["sent"] == 0
                         and sweeps[0]["sent"] > 0, str([s["sent"] for s in sweeps]))
            checks.check("第二次投递不再投递", len(dispatches) == 2 and dispatches[1]["delivered"] == 0,
                         str([d["delivered"] for d in dispatches]))
            check_messages(scaled, checks, smtp, robot, office, open_cases)
            check_report(scaled, checks, cases + 1, answered)
        except TopologyError as exc:
            checks.check("拓扑运行", False, str(exc))
        finally:
            for line in owned.close():
                print(f"  {line}")
    step("全部通过" if checks.ok else "有检查未通过", started)
    return 0 if checks.ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="deploy/smoke", description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=500)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--workdir", type=Path, help="日志目录（默认临时目录，结束后删除）")
    args = parser.parse_args(argv)
    if args.workdir:
        return run(args.cases, args.clients, args.web_workers, args.workdir)
    with tempfile.TemporaryDirectory(prefix="ogi-smoke-") as tmp:
        return run(args.cases, args.clients, args.web_workers, Path(tmp))


if __name__ == "__main__":
    sys.exit(main())
