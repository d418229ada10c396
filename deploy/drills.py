"""Fault drills on the scaled topology: each breaks one thing on purpose, then reports what it
did and what was lost. Nothing may be lost; a drill that finds a loss exits non-zero.

`python -m deploy.drills [NAME ...]` runs the named drills (default: all):

- `worker-killed`: a Prefect worker is killed in the middle of a sweep; the automation that
  `ogi flows deploy` keeps marks the silent run crashed, another worker runs the sweep again:
  every reminder exactly once.
- `web-killed`: a web process is killed during sustained API writes; clients get an answer
  or an error, never a half-written case, and a retry with the same Idempotency-Key makes no
  second case.
- `database-down`: PostgreSQL goes away for 10 s under load; requests get 503 with a Chinese
  message, then succeed again; no registration is lost; a sweep started during the outage is
  retried by Prefect and its reminders are written once.
- `two-schedulers`: the embedded scheduler and Prefect both run the sweep and the year end at
  the same moment; each reminder, each year-end ledger row and each year-closed message once.
- `restore`: the database is dumped with `pg_dump`, restored into an empty database with
  `pg_restore`, and the annual report from the restored copy is identical.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from deploy import office as office_mod
from deploy.loopback import SmtpServer, WebhookServer
from deploy.proxy import Relay
from deploy.topology import (
    FINAL_STATES,
    Process,
    Scaled,
    Stack,
    TopologyError,
    call,
    stack,
    wait_until,
)
from flows.prefect_flows import SILENT_SECONDS

DAY = office_mod.REMINDER_DAY.isoformat()


@dataclass
class Report:
    """What a drill did, and what it found lost (nothing, when it passes)."""

    name: str
    did: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)

    def step(self, text: str) -> None:
        self.did.append(text)
        print(f"  · {text}", flush=True)

    def require(self, ok: bool, loss: str) -> None:
        if not ok:
            self.lost.append(loss)
            print(f"  ✗ {loss}", flush=True)

    def render(self) -> str:
        lost = "无" if not self.lost else "；".join(self.lost)
        return f"== {self.name}：{'通过' if not self.lost else '未通过'} ==\n丢失或出错：{lost}"


@dataclass
class Rig:
    """One drill's topology: the stack, ogi on it, the office, and the mail and robot servers."""

    stack: Stack
    scaled: Scaled
    office: office_mod.Office
    smtp: SmtpServer
    robot: WebhookServer


@contextmanager
def rig(workdir: Path, name: str, relay: Relay | None = None) -> Iterator[Rig]:
    """A fresh office on fresh databases; with a relay, ogi reaches PostgreSQL through it."""
    with SmtpServer() as smtp, WebhookServer() as robot, stack(workdir) as owned:
        scaled = Scaled.create(owned, smtp.env(), name=name)
        office = office_mod.set_up(scaled, robot.url)
        if relay is not None:
            parts = urllib.parse.urlsplit(scaled.database_url)
            scaled.env["OGI_DATABASE_URL"] = urllib.parse.urlunsplit(
                parts._replace(netloc=f"{parts.username}@127.0.0.1:{relay.port}"))
        yield Rig(owned, scaled, office, smtp, robot)


def seed_ledger(scaled: Scaled, workdir: Path, open_cases: int, concluded: int = 0) -> None:
    """Open (received 2026-11-02) and concluded cases of the district, through a ledger import."""
    path = workdir / "ledger.csv"
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["case_no", "applicant_type", "applicant_name", "channel", "received_on",
                         "content", "outcome", "concluded_on"])
        for i in range(open_cases + concluded):
            done = i >= open_cases
            writer.writerow([f"台账〔2026〕{i + 1:05d}", "natural_person", f"台账申请人{i}", "mail",
                             "2026-11-02" if not done else "2026-03-02", f"台账申请内容{i}",
                             "disclosed" if done else "", "2026-03-20" if done else ""])
    scaled.ogi("import", "ledger", str(path), "--agency", "lixia", timeout=600)


def open_case_numbers(scaled: Scaled) -> set[str]:
    return {row[0] for row in scaled.query("SELECT case_no FROM cases WHERE state = 'in_progress'")}


def messages(scaled: Scaled) -> list[tuple[str, str, int, str | None]]:
    """(recipient, kind, threshold, case number) of every outbox row."""
    rows = scaled.query("SELECT recipient, kind, payload FROM outbox")
    return [(r, k, int((p or {}).get("threshold", 0)), (p or {}).get("case_no")) for r, k, p in rows]


def check_reminders_once(report: Report, scaled: Scaled, expected_cases: set[str]) -> None:
    """No message twice, and the "5 days before" answer reminder for every open case."""
    found = messages(scaled)
    twice = [m for m, n in Counter(found).items() if n > 1]
    report.require(not twice, f"{len(twice)} 条消息重复，如 {twice[:3]}")
    answered = {m[3] for m in found if m[1] == "answer" and m[2] == 5}
    missing = expected_cases - answered
    report.require(not missing, f"{len(missing)} 件案件没有答复提醒，如 {sorted(missing)[:3]}")
    report.step(f"发件箱 {len(found)} 条消息，无重复；{len(answered)} 件未结案件各有一条答复提醒")


def check_digests_once(report: Report, rig_: Rig) -> None:
    """Every case message reached its reader's e-mail exactly once."""
    wanted = Counter((rig_.office.emails[r], case_no) for r, _, _, case_no in messages(rig_.scaled)
                     if r in rig_.office.emails and case_no)
    got = rig_.smtp.mailbox.case_refs()
    report.require(got == wanted, f"邮件中的案件消息 {sum(got.values())} 条，应为 {sum(wanted.values())} 条")
    report.step(f"投递后邮件共 {rig_.smtp.mailbox.count()} 封，{sum(got.values())} 条案件消息各出现一次")


# -- the drills -------------------------------------------------------------------------------


def worker_killed(workdir: Path) -> Report:
    report = Report("演练一：扫描进行中杀掉 Prefect 工作进程")
    with rig(workdir, "drill1") as r:
        seed_ledger(r.scaled, workdir, open_cases=6000)
        expected = open_case_numbers(r.scaled)
        report.step(f"台账导入 {len(expected)} 件未结案件（2026-11-02 收到，11-23 应提醒）")
        r.scaled.start_prefect_server()
        r.scaled.deploy()
        worker = r.scaled.start_worker()
        run_id = r.scaled.create_run("sweep", {"today": DAY})
        written = wait_until(lambda: r.scaled.query("SELECT count(*) FROM outbox")[0][0],
                             240, "扫描开始写入发件箱", worker.log, every=0.05)
        killed = r.stack.kill(worker)
        time.sleep(1)
        at_kill = r.scaled.query("SELECT count(*) FROM outbox")[0][0]
        time.sleep(3)
        later = r.scaled.query("SELECT count(*) FROM outbox")[0][0]
        report.step(f"扫描写入 {written} 条后强行结束工作进程及其运行进程 {killed}（SIGKILL），"
                    f"此时发件箱 {at_kill} 条，3 秒后 {later} 条")
        report.require(at_kill < 2 * len(expected), "工作进程结束前扫描已完成，未能在扫描中途打断")
        report.require(later == at_kill, "工作进程结束后扫描仍在写入：运行进程没有一起结束")
        state = r.scaled.run_state(run_id)
        silent = time.monotonic()
        final = r.scaled.wait_run(run_id, SILENT_SECONDS + 150, worker.log)
        report.require(final == "CRASHED", f"被打断的运行最终为 {final}，应由 Prefect 标为 CRASHED")
        report.step(f"被打断的运行状态为 {state}；心跳停止后约 {time.monotonic() - silent:.0f} 秒，"
                    f"Prefect 的自动化（ogi flows deploy 建立）把它标为 CRASHED，释放部署的并发名额")
        second = r.scaled.start_worker()
        r.scaled.run_flow("sweep", {"today": DAY}, second.log)
        report.step(f"启动新工作进程 {second.pid}，重新运行扫描：完成")
        check_reminders_once(report, r.scaled, expected)
        r.scaled.run_flow("dispatch", {"today": DAY}, second.log)
        check_digests_once(report, r)
        unfinished = r.scaled.query("SELECT count(*) FROM flow_runs WHERE kind = 'sweep' AND finished_at IS NULL")[0][0]
        report.require(unfinished == 1, f"被打断的扫描应留下 1 条未完成记录，实为 {unfinished} 条")
        report.step(f"flow_runs 中留有 {unfinished} 条未完成的扫描记录（被打断的那次），管理页可见")
    return report


def _retry_failures(report: Report, r: Rig, traffic: office_mod.Traffic) -> int:
    """Retry every intake that got no 201 with its own key, until it does; how many."""
    failed = [o for o in traffic.outcomes if o.status != 201]
    for outcome in failed:
        agency, number = outcome.request
        again = wait_until(
            lambda o=outcome, n=number: (x := office_mod.intake(r.scaled.web_url, r.office, n, o.key)).status == 201 and x,
            60, f"重试 {outcome.key}")
        outcome.status, outcome.body = again.status, again.body
    report.step(f"{len(failed)} 个失败的登记用原 Idempotency-Key 重试，全部成功")
    return len(failed)


def check_registrations(report: Report, r: Rig, traffic: office_mod.Traffic) -> None:
    """Each key made exactly one whole case: present, with its registration event, numbered
    without gaps."""
    keys = {o.key for o in traffic.outcomes}
    created = {o.body["case_no"] for o in traffic.outcomes if o.status == 201}
    stored = {row[0] for row in r.scaled.query(  # the API's cases, not a seeded ledger's
        "SELECT case_no FROM cases WHERE case_no NOT LIKE '台账%%'")}
    report.require(created <= stored, f"{len(created - stored)} 件已答复 201 的案件不在库中")
    report.require(len(stored) == len(keys),
                   f"库中 {len(stored)} 件，而不同的登记请求只有 {len(keys)} 个（重复或多出的案件）")
    bare = r.scaled.query("SELECT c.case_no FROM cases c WHERE NOT EXISTS "  # all cases
                          "(SELECT 1 FROM case_events e WHERE e.case_id = c.id)")
    report.require(not bare, f"{len(bare)} 件案件没有登记事件（写了一半）")
    gaps = office_mod.case_number_gaps(list(stored))
    report.require(not gaps, f"案件编号不连续：{gaps}")
    report.step(f"{len(keys)} 个登记请求对应库中 {len(stored)} 件完整案件，编号连续")


def web_killed(workdir: Path) -> Report:
    report = Report("演练二：持续写入时杀掉一个网页进程")
    with rig(workdir, "drill2") as r:
        web = r.scaled.start_web(2)
        victim = web.workers()[0]
        with office_mod.Writers(r.scaled.web_url, r.office, clients=10) as writers:
            time.sleep(4)
            subprocess.run(["kill", "-9", str(victim)], check=True)
            report.step(f"10 个客户端持续登记，4 秒后强行结束网页进程 {victim}（SIGKILL）")
            time.sleep(6)
        traffic = writers.traffic
        statuses = Counter(o.status for o in traffic.outcomes)
        report.step(f"共 {len(traffic.outcomes)} 个登记请求，应答 {dict(statuses)}")
        report.require(set(statuses) <= {201, 500, 502, 503, None},
                       f"出现意外的应答 {dict(statuses)}")
        alive = wait_until(lambda: len(web.workers()) == 2 and web.workers(), 30, "网页进程恢复到 2 个")
        report.step(f"进程管理器重新拉起了网页进程：现为 {alive}")
        _retry_failures(report, r, traffic)
        check_registrations(report, r, traffic)
    return report


def database_down(workdir: Path) -> Report:
    report = Report("演练三：负载下 PostgreSQL 中断 10 秒")
    relay = Relay(("127.0.0.1", 5432))
    try:
        with rig(workdir, "drill3", relay=relay) as r:
            seed_ledger(r.scaled, workdir, open_cases=6000)
            r.scaled.start_prefect_server()
            r.scaled.deploy()
            worker = r.scaled.start_worker()
            r.scaled.start_web(2)
            with office_mod.Writers(r.scaled.web_url, r.office, clients=10) as writers:
                time.sleep(2)
                run_id = r.scaled.create_run("sweep", {"today": DAY})
                wait_until(lambda: r.scaled.query("SELECT count(*) FROM outbox")[0][0], 240,
                           "扫描开始写入发件箱", worker.log, every=0.05)
                cut = relay.down()
                report.step(f"10 个客户端持续登记，扫描进行到一半时数据库中断"
                            f"（切断 {cut} 个连接，拒绝新连接）")
                time.sleep(2)
                health = call(f"{r.scaled.web_url}/healthz")
                report.require(health.status == 503 and _chinese((health.body or {}).get("message")),
                               f"中断时 /healthz 应答 {health.status} {health.body}")
                report.step(f"中断时 /healthz 应答 {health.status}：{(health.body or {}).get('message')}")
                time.sleep(8)
                down_until = len(writers.traffic.outcomes)
                relay.up()
                report.step("10 秒后数据库恢复")
                time.sleep(6)
            outcomes = writers.traffic.outcomes
            during = [o for o in outcomes[:down_until] if o.status != 201]
            kinds = Counter(o.status for o in during)
            report.step(f"中断期间失败的请求 {len(during)} 个：{dict(kinds)}")
            report.require(set(kinds) <= {503}, f"中断期间应只有 503，实为 {dict(kinds)}")
            wrong = [o.body for o in during if o.status == 503 and not _chinese(
                ((o.body or {}).get("error") or {}).get("message"))]
            report.require(not wrong, f"503 应答缺少中文说明：{wrong[:2]}")
            tail_ = outcomes[-20:]
            report.require(all(o.status == 201 for o in tail_),
                           f"恢复后最后 20 个请求仍有失败：{Counter(o.status for o in tail_)}")
            report.step(f"恢复后请求全部成功（共 {len(outcomes)} 个请求）")
            _retry_failures(report, r, writers.traffic)
            check_registrations(report, r, writers.traffic)
            state = r.scaled.wait_run(run_id, timeout=240, log=worker.log)
            run = r.scaled.prefect("GET", f"/flow_runs/{run_id}")
            report.step(f"中断时开始的扫描：{state}，Prefect 共运行 {run['run_count']} 次")
            report.require(state == "COMPLETED", f"中断时开始的扫描最终为 {state}")
            # the registrations retried after the outage came later: the next sweep covers them
            r.scaled.run_flow("sweep", {"today": DAY}, worker.log)
            check_reminders_once(report, r.scaled, open_case_numbers(r.scaled))
            r.scaled.run_flow("sweep", {"today": DAY}, worker.log)
            again = r.scaled.query("SELECT counts FROM flow_runs WHERE kind = 'sweep' ORDER BY id DESC LIMIT 1")[0][0]
            report.require(again.get("sent") == 0, f"再次扫描又发送了 {again.get('sent')} 条")
            report.step("同日再次扫描：不再发送")
    finally:
        relay.close()
    return report


def _chinese(text: Any) -> bool:
    return isinstance(text, str) and any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _embedded(r: Rig, *args: str) -> subprocess.Popen[str]:
    """The embedded scheduler's job, as `ogi flows run` runs it, in a process of its own."""
    env = {**r.scaled.env, "OGI_SCHEDULER": "embedded"}
    return subprocess.Popen([sys.executable, "-m", "cli.main", "flows", "run", *args, "--json"],
                            cwd=Path(__file__).resolve().parents[1], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _together(r: Rig, worker: Process, flow: str, parameters: dict[str, Any], *args: str) -> tuple[str, Any]:
    """Start the Prefect run and the embedded job at the same moment; both outcomes."""
    run_id = r.scaled.create_run(flow, parameters)
    wait_until(lambda: r.scaled.run_state(run_id) in {"RUNNING", *FINAL_STATES}, 120,
               f"Prefect 开始运行 {flow}", worker.log, every=0.1)
    embedded = _embedded(r, *args)
    out, err = embedded.communicate(timeout=300)
    state = r.scaled.wait_run(run_id, log=worker.log)
    return state, (embedded.returncode, out.strip() or err.strip()[-300:])


def _overlapped(r: Rig, kind: str) -> bool:
    """Whether the last two recorded runs of `kind` were at work at the same time."""
    runs = r.scaled.query("SELECT started_at, finished_at FROM flow_runs WHERE kind = %s "
                          "ORDER BY id DESC LIMIT 2", kind)
    return len(runs) == 2 and all(f for _, f in runs) and max(s for s, _ in runs) < min(f for _, f in runs)


def two_schedulers(workdir: Path) -> Report:
    report = Report("演练四：内置调度器与 Prefect 同时启用")
    with rig(workdir, "drill4") as r:
        seed_ledger(r.scaled, workdir, open_cases=6000, concluded=500)
        expected = open_case_numbers(r.scaled)
        r.scaled.start_prefect_server()
        r.scaled.deploy()
        worker = r.scaled.start_worker()
        time.sleep(3)  # the worker is polling
        state, embedded = _together(r, worker, "sweep", {"today": DAY}, "sweep", "--today", DAY)
        report.step(f"同一天的扫描同时由 Prefect（{state}）与内置调度器（退出码 {embedded[0]}）运行")
        report.require(state == "COMPLETED" and embedded[0] == 0, f"扫描失败：{state} {embedded}")
        report.require(_overlapped(r, "sweep"), "两次扫描没有同时进行，未能检验并发")
        report.step("两次扫描的运行时间有重叠（flow_runs 的开始与结束时间）")
        check_reminders_once(report, r.scaled, expected)

        year_end = {"today": "2027-01-01", "year": 2026}
        state, embedded = _together(r, worker, "year-end", year_end, "year-end", "--year", "2026",
                                    "--today", "2027-01-01")
        report.step(f"2026 年度结转同时由 Prefect（{state}）与内置调度器（退出码 {embedded[0]}）运行")
        report.require(state == "COMPLETED" and embedded[0] == 0, f"结转失败：{state} {embedded}")
        report.step("两次结转的运行时间" + ("有重叠" if _overlapped(r, "year-end") else "先后相接（结转很快）"))
        ledger = r.scaled.query("SELECT case_id, count(*) FROM year_ledger WHERE year = 2026 GROUP BY case_id")
        report.require(all(n == 1 for _, n in ledger), "结转台账有重复行")
        report.require(len(ledger) == len(expected), f"结转台账 {len(ledger)} 行，应为 {len(expected)} 行")
        closed = Counter(r.scaled.query(
            "SELECT recipient, payload->>'agency' FROM outbox WHERE kind = 'year_closed'"))
        agencies = {code for code, *_ in office_mod.AGENCIES}
        report.require({agency for _, agency in closed} == agencies and set(closed.values()) == {1},
                       f"年度结转通知 {dict(closed)}")
        report.step(f"结转台账 {len(ledger)} 行各一次；年度结转通知 {len(closed)} 条，"
                    f"每个机关的每位主管各一条")
    return report


def restore(workdir: Path) -> Report:
    report = Report("演练五：备份恢复到空库，年度报告一致")
    with rig(workdir, "drill5") as r:
        seed_ledger(r.scaled, workdir, open_cases=400, concluded=300)
        web = r.scaled.start_web(1)
        traffic = office_mod.register_many(r.scaled.web_url, r.office, 120, 10)
        created = traffic.created()
        for index, case in enumerate(created[:40]):
            office_mod.act(r.scaled.web_url, r.office.tokens[case["agency"]], case["case_no"], {
                "type": "answered", "on": "2026-11-20",
                "outcome": ["partial", "rejected.duplicate"][index % 2]})
        r.scaled.ogi("flows", "run", "year-end", "--year", "2026", "--today", "2027-01-01")
        report.step(f"台账 700 件、API 登记 {len(created)} 件并答复 40 件，2026 年度已结转")
        dump = workdir / "ogi.dump"
        subprocess.run(["pg_dump", "-Fc", "-d", r.scaled.database_url, "-f", str(dump)], check=True)
        r.stack.stop(web)
        restored_url = r.stack.create_database("ogi_restored")
        subprocess.run(["pg_restore", "--no-owner", "-d", restored_url, str(dump)], check=True)
        report.step(f"pg_dump 备份（{dump.stat().st_size // 1024} KB）并 pg_restore 到空库")
        restored = Scaled(r.stack, restored_url, {**r.scaled.env, "OGI_DATABASE_URL": restored_url})
        status = json.loads(restored.ogi("db", "status", "--json").stdout)
        report.step(f"恢复库的结构版本：{status}")
        for year, fmt in ((2026, "json"), (2026, "md"), (2027, "json")):
            args = ("report", "annual", "--year", str(year), "--agency", "lixia", "--scope",
                    "region", "--format", fmt)
            before, after = r.scaled.ogi(*args).stdout, restored.ogi(*args).stdout
            report.require(before == after, f"{year} 年报告（{fmt}）恢复后不同")
        figures = json.loads(restored.ogi("report", "annual", "--year", "2026", "--agency", "lixia",
                                          "--scope", "region", "--format", "json").stdout)
        new = figures["section3"]["rows"]["new"]["total"]
        report.require(new == 700 + len(created), f"恢复库的 2026 年新收 {new} 件，应为 {700 + len(created)} 件")
        report.step(f"2026 年（JSON 与 Markdown，新收 {new} 件）和 2027 年报告与原库逐字相同")
        tables = [row[0] for row in r.scaled.query(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")]
        differ = [t for t in tables if r.scaled.query(f'SELECT count(*) FROM "{t}"')
                  != restored.query(f'SELECT count(*) FROM "{t}"')]
        report.require(not differ, f"恢复后行数不同的表：{differ}")
        report.step(f"{len(tables)} 张表的行数与原库相同")
    return report


DRILLS: dict[str, Callable[[Path], Report]] = {
    "worker-killed": worker_killed,
    "web-killed": web_killed,
    "database-down": database_down,
    "two-schedulers": two_schedulers,
    "restore": restore,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.drills", description=__doc__.split("\n")[0])
    parser.add_argument("names", nargs="*", choices=[*DRILLS, []], metavar="NAME")
    args = parser.parse_args(argv)
    reports = []
    for name in args.names or list(DRILLS):
        print(f"-- {name} ({dt.datetime.now():%H:%M:%S})", flush=True)
        with tempfile.TemporaryDirectory(prefix=f"ogi-drill-{name}-") as tmp:
            try:
                report = DRILLS[name](Path(tmp))
            except TopologyError as exc:
                report = Report(name, lost=[f"演练未能完成：{exc}"])
        print(report.render(), flush=True)
        reports.append(report)
    return 0 if all(not r.lost for r in reports) else 1


if __name__ == "__main__":
    sys.exit(main())
