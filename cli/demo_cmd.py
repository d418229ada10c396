"""`ogi demo`: a realistic office on the embedded SQLite default, start to queue.

Creates a fresh database file, a district government with two departments and a 街道, their
staff, and a set of applications received over the last weeks; walks some of them through
补正, consultation, extension and answer; then prints the queue sorted by due date and the
explanation of a few deadlines. Every step goes through the same services as the real
commands, so the demo is also a smoke test of the whole path.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from cli.cases_cmd import print_queue
from cli.common import configure, runtime
from cli.output import console, err_console, print_steps
from domain.case import CaseEventType as E

if TYPE_CHECKING:
    from services.bootstrap import Runtime

AGENCIES = [
    ("lixia_dept_housing", "历下区住房和城乡建设局", "历下住建公开"),
    ("lixia_dept_nature", "历下区自然资源局", "历下自然资源公开"),
    ("lixia_jiefang", "历下区解放路街道办事处", "解放路街道公开"),
]
STAFF = [
    ("wang", "王敏", "caseworker", "lixia"),
    ("zhao", "赵磊", "caseworker", "lixia_dept_housing"),
    ("sun", "孙丽", "caseworker", "lixia_jiefang"),
    ("qian", "钱进", "caseworker", "lixia_dept_nature"),
    ("chen", "陈主任", "office_head", "lixia"),
    ("liu", "刘科长", "supervisor", "lixia"),
]
# (agency, applicant, type, channel, id kind, id number, content, working days ago, assignee)
APPLICATIONS = [
    (
        "lixia",
        "张伟",
        "natural_person",
        "online",
        "resident_id",
        "11010519491231002X",
        "某小区旧城改造项目的征收补偿方案",
        24,
        "wang",
    ),
    (
        "lixia",
        "济南某某置业有限公司",
        "business",
        "mail",
        "credit_code",
        "91350100M000100Y43",
        "2025年度区级财政专项资金分配结果",
        18,
        "wang",
    ),
    (
        "lixia_dept_housing",
        "李娜",
        "natural_person",
        "in_person",
        "",
        "",
        "某住宅楼竣工验收备案材料",
        15,
        "zhao",
    ),
    (
        "lixia_dept_housing",
        "山东某律师事务所",
        "legal_services",
        "fax",
        "",
        "",
        "某建设项目施工许可证及附件",
        12,
        "zhao",
    ),
    (
        "lixia_dept_nature",
        "王强",
        "natural_person",
        "online",
        "",
        "",
        "某地块国有土地使用权出让合同",
        10,
        "qian",
    ),
    (
        "lixia_jiefang",
        "刘洋",
        "natural_person",
        "in_person",
        "",
        "",
        "街道2025年低保审批名单公示情况",
        8,
        "sun",
    ),
    (
        "lixia_jiefang",
        "某大学公共管理研究所",
        "research",
        "mail",
        "",
        "",
        "辖区社区养老服务设施统计数据",
        6,
        "sun",
    ),
    (
        "lixia",
        "陈静",
        "natural_person",
        "online",
        "",
        "",
        "区政府常务会议纪要中关于某路拓宽的内容",
        4,
        "wang",
    ),
    (
        "lixia",
        "某环保公益协会",
        "nonprofit",
        "online",
        "",
        "",
        "辖区重点排污单位监督性监测报告",
        2,
        "wang",
    ),
    (
        "lixia_dept_housing",
        "周杰",
        "natural_person",
        "online",
        "",
        "",
        "某小区物业专项维修资金使用明细",
        1,
        "zhao",
    ),
    (
        "lixia",
        "孙某",
        "natural_person",
        "mail",
        "",
        "",
        "某街道有关房屋的材料",
        30,
        "wang",
    ),
]


def _assignee_of(case_no: str, numbers: list[str]) -> str:
    return APPLICATIONS[numbers.index(case_no)][-1]


def demo(
    db_file: Path = typer.Option(
        Path("ogi-demo.db"), "--db-file", help="演示数据库文件（每次重建）"
    ),
) -> None:
    """Build the demo office and print the queue."""
    from services import cases as svc
    from services.calendar_service import calendar_status, load_calendar

    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_file}{suffix}").unlink(missing_ok=True)
    configure(f"sqlite:///{db_file}")
    rt = runtime()
    rt.create_database = True
    console.print(f"[bold]ogi 演示[/bold]：数据库 {db_file}，今天 {rt.today().isoformat()}（北京时间）")
    numbers = populate(rt)
    today = rt.today()
    admin = rt.actor("admin")
    status = calendar_status(rt.uow(), today=today)
    if status.warning:
        err_console.print(f"[yellow]{status.warning}[/yellow]")
    console.print()
    print_queue(
        svc.list_cases(
            rt.uow(),
            svc.CaseFilter(agency="lixia", region=True, state="open"),
            actor=admin,
            today=today,
        ),
        title="待办队列（按答复期限排序，含下级机关）",
    )
    for case_no in (numbers[0], numbers[1], numbers[4]):
        detail = svc.show_case(rt.uow(), case_no, actor=admin, today=today)
        console.print(f"\n[bold]{case_no}[/bold] 的答复期限：{detail.row['due'] or '计时停止'}")
        print_steps(detail.explanation)
    _sweeps(rt, load_calendar(rt.uow()), today)
    console.print(
        f"\n演示完成。可继续查看：ogi --db sqlite:///{db_file} case list --region --agency lixia"
    )


def populate(rt: Runtime) -> list[str]:
    """Load the demo office into the runtime's (empty) database; the case numbers made."""
    from services import cases as svc
    from services import directory, letters
    from services.calendar_service import load_calendar
    from services.setup import initialise

    today = rt.today()
    for line in initialise(rt.uow(), "lixia", "济南市历下区人民政府", prefix="历下政公开"):
        console.print(f"  {line}")
    admin = rt.actor("admin")
    for code, name, prefix in AGENCIES:
        directory.add_agency(
            rt.uow(), code, name, actor=admin, today=today, parent="lixia", prefix=prefix
        )
    for username, name, role, agency in STAFF:
        directory.add_user(rt.uow(), username, name, role, agency, actor=admin, today=today)
    calendar = load_calendar(rt.uow())

    def ago(n: int) -> dt.date:
        return calendar.add_workdays(today, -n).day

    numbers = []
    for (
        agency,
        applicant,
        kind,
        channel,
        id_kind,
        id_number,
        content,
        days_ago,
        assignee,
    ) in APPLICATIONS:
        ref = svc.register_case(
            rt.uow(),
            svc.NewCase(
                agency,
                applicant,
                kind,
                channel,
                ago(days_ago),
                content,
                id_kind=id_kind or "other",
                id_number=id_number,
                assignee=assignee,
            ),
            actor=rt.actor(assignee),
            today=today,
        )
        numbers.append(ref.case_no)
    console.print(f"  已登记 {len(numbers)} 件申请，分属 {1 + len(AGENCIES)} 个机关")

    steps = [
        # 补正 asked within 7 working days, received later: the clock restarts
        (
            0,
            E.SUPPLEMENT_REQUESTED,
            "wang",
            22,
            {"applicant_days": 10},
            "申请内容不明确，请明确项目名称",
        ),
        (0, E.SUPPLEMENT_RECEIVED, "wang", 16, {}, ""),
        # a third-party consultation pauses the clock, then an approved extension
        (
            1,
            E.CONSULTATION_STARTED,
            "wang",
            15,
            {"kind": "third_party", "party": "某某置业有限公司"},
            "涉及商业秘密",
        ),
        (
            1,
            E.CONSULTATION_ENDED,
            "wang",
            5,
            {"kind": "third_party"},
            "第三方回复不同意公开部分内容",
        ),
        (1, E.EXTENSION_REQUESTED, "wang", 4, {"workdays": 15}, "需对涉及第三方的内容逐项区分处理"),
        (1, E.EXTENSION_GRANTED, "chen", 3, {}, "同意延期"),
        # answered on time
        (2, E.ANSWERED, "zhao", 3, {"outcome": "disclosed"}, ""),
        # consultation with another agency still open
        (
            4,
            E.CONSULTATION_STARTED,
            "qian",
            7,
            {"kind": "agency", "party": "历下区财政局"},
            "信息由两机关共同制作",
        ),
        # 补正 still awaited
        (5, E.SUPPLEMENT_REQUESTED, "sun", 6, {}, "请提供具体年度和社区名称"),
        # not held: answered
        (6, E.ANSWERED, "sun", 2, {"outcome": "unavailable.not_held"}, ""),
        # an excessive request: a fee notice by volume stops the clock
        (3, E.FEE_NOTICE_SENT, "zhao", 8, {"method": "volume", "quantity": 150}, ""),
        # 补正 asked, the 5-day period lapsed: deemed abandoned (a termination notice goes out)
        (10, E.SUPPLEMENT_REQUESTED, "wang", 28, {"applicant_days": 5}, "请写明房屋坐落和年份"),
        (10, E.DEEMED_ABANDONED, "wang", 20, {}, "逾期未补正"),
    ]
    for index, action, user, days_ago, payload, reason in steps:
        svc.act(
            rt.uow(),
            numbers[index],
            action,
            actor=rt.actor(user),
            today=today,
            on=ago(days_ago),
            reason=reason,
            **payload,
        )
    console.print(f"  已办理 {len(steps)} 个步骤（补正、征求意见、延期审批、收费、答复、视为放弃）")
    issued = 0
    for case_no in numbers:
        for option in letters.available_letters(rt.uow(), case_no, actor=admin):
            author = "chen" if option.kind == "extension" else _assignee_of(case_no, numbers)
            letters.issue_letter(
                rt.uow(), case_no, option.kind, actor=rt.actor(author), today=today
            )
            issued += 1
    console.print(
        f"  已出具 {issued} 份文书（回执、补正、延期、征求意见、收费、答复、终止办理），"
        "可用 ogi case letter 编号 --kind 种类 打印"
    )

    return numbers


def _sweeps(rt: object, calendar: object, today: dt.date) -> None:
    """Run the daily sweep as of today and two later working days, then show what the
    caseworker, the supervisor and the office head find in their inboxes: reminders before
    the due date, the overdue alert, and its escalation to the office head (5 days over)."""
    from rich.markup import escape

    from flows.sweep import run_sweep
    from services.inbox import inbox

    console.print("\n[bold]每日提醒扫描[/bold]（按以下日期运行，同一天再运行不会重复发送）")
    for n in (0, 3, 9):
        day = calendar.add_workdays(today, n).day if n else today  # type: ignore[attr-defined]
        result = run_sweep(rt.uow(), day).to_json()  # type: ignore[attr-defined]
        kinds = "，".join(f"{k} {v}" for k, v in result["by_kind"].items()) or "无"
        console.print(f"  {day.isoformat()}：发送 {result['sent']} 条（{kinds}），跳过 {result['skipped']} 条")
    for username, label in (("wang", "经办人 王敏"), ("liu", "主管 刘科长"), ("chen", "负责人 陈主任")):
        items = inbox(rt.uow(), actor=rt.actor(username))  # type: ignore[attr-defined]
        console.print(f"\n[bold]{label} 的消息[/bold]（ogi inbox -u {username}）：{len(items)} 条")
        for item in items[:6]:
            head = escape(f"[{item['kind']} {item['threshold']}]")
            console.print(f"  {head} {escape(item['text'].splitlines()[0])}")
