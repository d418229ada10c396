"""`ogi case …` and `ogi export`: registering, acting on and reading cases."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from cli.common import JsonOption, UserOption, actor, actor_or_system, today, uow
from cli.output import EXIT_USAGE, console, err_console, fail, parse_date, print_json, print_steps
from domain.case import EVENT_TYPE_LABELS, STATE_LABELS, CaseEventType, CaseState
from domain.event_text import event_details
from domain.outcomes import ApplicantType, Channel, Outcome

app = typer.Typer(no_args_is_help=True)


def _svc():  # type: ignore[no-untyped-def]
    """The case services, imported when a command runs (start-up stays fast)."""
    from services import cases

    return cases

OnOption = typer.Option(None, "--on", help="发生日期 YYYY-MM-DD（默认今天）")
ReasonOption = typer.Option("", "--reason", help="理由或说明")
VersionOption = typer.Option(
    None, "--expect-version", help="你看到的案件版本号；若已被他人修改则拒绝（防止并发覆盖）"
)


def _state_label(state: str) -> str:
    try:
        return STATE_LABELS[CaseState(state)]
    except ValueError:
        return state


@app.command("register", help="登记政府信息公开申请（证件号码自动校验）")
def register(
    agency: str = typer.Option(..., "--agency", help="受理机关代码"),
    applicant: str = typer.Option(..., "--applicant", help="申请人姓名或名称"),
    applicant_type: str = typer.Option(
        ..., "--applicant-type", help="申请人类型：代码或中文，如 natural_person / 自然人"
    ),
    channel: str = typer.Option(
        ..., "--channel", help="申请方式：in_person / mail / online / fax / other 或中文"
    ),
    received_on: str = typer.Option(..., "--received-on", help="收到申请之日 YYYY-MM-DD"),
    content: str = typer.Option(..., "--content", help="申请公开的内容"),
    id_kind: str = typer.Option(
        "",
        "--id-kind",
        help="证件类型：resident_id（居民身份证）/ credit_code（统一社会信用代码）/ other（其他证件）；"
        "不填则按号码判断并校验",
    ),
    id_number: str = typer.Option("", "--id-number", help="证件号码"),
    contact: str = typer.Option("", "--contact", help="联系方式"),
    requested_form: str = typer.Option("", "--form", help="要求的提供方式，如 纸质、电子邮件"),
    assignee: str = typer.Option(None, "--assignee", help="经办人用户名"),
    user: str = UserOption,
    as_json: bool = JsonOption,
) -> None:
    """Register a new application (RULES §2.1); identity numbers are checked."""
    day = parse_date(received_on, "--received-on")
    assert day is not None
    new = _svc().NewCase(
        agency=agency,
        applicant_name=applicant,
        applicant_type=applicant_type,
        channel=channel,
        received_on=day,
        content=content,
        id_kind=id_kind,
        id_number=id_number,
        contact=contact,
        requested_form=requested_form,
        assignee=assignee,
    )
    ref = _svc().register_case(uow(), new, actor=actor(user), today=today())
    _print_ref(ref, "已登记", as_json)


def _print_ref(ref: _svc().CaseRef, verb: str, as_json: bool) -> None:
    if as_json:
        print_json(ref.to_json())
        return
    due = ref.due.isoformat() if ref.due else "计时停止"
    mark = "（暂定）" if ref.provisional else ""
    waiting = f"，等待期限 {ref.waiting_due.isoformat()}" if ref.waiting_due else ""
    console.print(
        f"{verb} {ref.case_no}：{_state_label(ref.state)}，答复期限 {due}{mark}{waiting}，版本 {ref.version}"
    )


def _action(
    name: str, event: CaseEventType, verb: str, doc: str, extra: dict[str, Any] | None = None
) -> None:
    """Define `ogi case NAME CASE_NO` for one state-machine action."""

    def command(
        case_no: str = typer.Argument(..., help="案件编号"),
        on: str = OnOption,
        reason: str = ReasonOption,
        expect_version: int = VersionOption,
        user: str = UserOption,
        as_json: bool = JsonOption,
        **options: Any,
    ) -> None:
        payload = {k: v for k, v in options.items() if v is not None}
        for name, option in (
            ("due", "--due"),
            ("letter_received_on", "--letter-received-on"),
            ("received_on", "--received-on"),
        ):
            if name in payload:
                payload[name] = parse_date(payload[name], option)
        ref = _svc().act(
            uow(),
            case_no,
            event,
            actor=actor(user),
            today=today(),
            on=parse_date(on, "--on"),
            reason=reason,
            expected_version=expect_version,
            **payload,
        )
        _print_ref(ref, verb, as_json)

    command.__doc__ = doc
    _with_options(command, extra or {})
    app.command(name, help=doc)(command)


def _with_options(function: Any, extra: dict[str, Any]) -> None:
    """Give a generated command its action-specific options (Typer reads the signature)."""
    import inspect

    signature = inspect.signature(function)
    params = [
        p for p in signature.parameters.values() if p.kind is not inspect.Parameter.VAR_KEYWORD
    ]
    for option_name, (annotation, default) in extra.items():
        params.append(
            inspect.Parameter(
                option_name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation
            )
        )
    function.__signature__ = signature.replace(parameters=params)


_action(
    "assign",
    CaseEventType.ASSIGNED,
    "已分派",
    "分派经办人",
    {"assignee": (str, typer.Option(..., "--to", help="经办人用户名"))},
)
_action(
    "request-supplement",
    CaseEventType.SUPPLEMENT_REQUESTED,
    "已告知补正",
    "一次性告知补正（收到申请后7个工作日内）",
    {
        "applicant_days": (
            int,
            typer.Option(None, "--days", help="补正期限（工作日），默认按机关设置"),
        )
    },
)
_action(
    "receive-supplement",
    CaseEventType.SUPPLEMENT_RECEIVED,
    "已收到补正",
    "收到补正，答复期限重新计算",
)
_action(
    "start-consultation",
    CaseEventType.CONSULTATION_STARTED,
    "已开始征求意见",
    "征求第三方或其他机关意见（期限暂停）",
    {
        "kind": (
            str,
            typer.Option(
                "third_party", "--kind", help="third_party（第三方）或 agency（其他机关）"
            ),
        ),
        "party": (str, typer.Option(None, "--party", help="被征求意见方名称")),
        "letter_received_on": (
            str,
            typer.Option(
                None,
                "--letter-received-on",
                help="被征求方收到征求意见函之日 YYYY-MM-DD（默认发函当日；15个工作日自此起算）",
            ),
        ),
    },
)
_action(
    "end-consultation",
    CaseEventType.CONSULTATION_ENDED,
    "征求意见已结束",
    "征求意见结束（收到意见或期满），恢复计时",
    {
        "kind": (str, typer.Option(None, "--kind", help="third_party 或 agency")),
        "party": (str, typer.Option(None, "--party", help="被征求意见方名称")),
    },
)
_action(
    "request-extension",
    CaseEventType.EXTENSION_REQUESTED,
    "已申请延期",
    "申请延期（须说明理由，待负责人批准）",
    {"workdays": (int, typer.Option(..., "--workdays", help="延长的工作日数（不超过20）"))},
)
_action(
    "approve-extension",
    CaseEventType.EXTENSION_GRANTED,
    "已批准延期",
    "批准延期（须政府信息公开工作机构负责人）",
)
_action("refuse-extension", CaseEventType.EXTENSION_REFUSED, "已不批准延期", "不批准延期申请")
_action(
    "send-fee-notice",
    CaseEventType.FEE_NOTICE_SENT,
    "已发出收费通知",
    "发出信息处理费收费通知（期限停止）",
    {
        "method": (str, typer.Option(..., "--method", help="piece（按件）或 volume（按量）")),
        "quantity": (int, typer.Option(..., "--quantity", help="件数或页数")),
    },
)
_action("record-fee-paid", CaseEventType.FEE_PAID, "已缴费", "申请人已缴费，答复期限重新计算")
_action(
    "set-delay",
    CaseEventType.DELAY_SET,
    "已确定延迟答复期限",
    "确定延迟答复的合理期限（《条例》第三十五条，须说明理由）",
    {"due": (str, typer.Option(..., "--due", help="延迟答复的期限 YYYY-MM-DD"))},
)
_action(
    "answer",
    CaseEventType.ANSWERED,
    "已答复",
    "答复办结",
    {
        "outcome": (
            str,
            typer.Option(
                ..., "--outcome", help="办理结果代码，如 disclosed / partial / unavailable.not_held"
            ),
        ),
        "responsible_agency": (
            str,
            typer.Option(
                None,
                "--responsible-agency",
                help="非本机关负责公开时，负责公开的机关名称（unavailable.not_held）",
            ),
        ),
        "responsible_contact": (
            str,
            typer.Option(None, "--responsible-contact", help="负责公开的机关的联系方式"),
        ),
        "withheld_ground": (
            str,
            typer.Option(
                None,
                "--withheld-ground",
                help="部分公开（partial）时不予公开部分的理由，withheld.* 代码之一",
            ),
        ),
    },
)
_action("abandon", CaseEventType.DEEMED_ABANDONED, "已视为放弃", "逾期不补正或不缴费，视为放弃申请")
_action("withdraw", CaseEventType.WITHDRAWN, "已撤回", "申请人撤回申请")
_action(
    "correct",
    CaseEventType.CORRECTED,
    "已更正",
    "更正登记有误的事项（收到申请日期、申请方式、申请人及其类型、证件、联系方式、申请内容、"
    "办理结果），须说明理由；期限按更正后的事实重新计算",
    {
        "received_on": (
            str, typer.Option(None, "--received-on", help="正确的收到申请日期 YYYY-MM-DD")
        ),
        "channel": (str, typer.Option(None, "--channel", help="正确的申请方式（代码或中文）")),
        "applicant_name": (str, typer.Option(None, "--applicant-name", help="正确的申请人")),
        "applicant_type": (str, typer.Option(None, "--applicant-type", help="正确的申请人类型")),
        "id_kind": (str, typer.Option(None, "--id-kind", help="正确的证件类型")),
        "id_number": (str, typer.Option(None, "--id-number", help="正确的证件号码")),
        "contact": (str, typer.Option(None, "--contact", help="正确的联系方式")),
        "content": (str, typer.Option(None, "--content", help="正确的申请内容")),
        "outcome": (str, typer.Option(None, "--outcome", help="正确的办理结果")),
    },
)
_action(
    "void",
    CaseEventType.VOIDED,
    "已作废",
    "作废误登记的案件（主管或负责人；须说明理由）：案件不再计入任何统计，办理记录保留",
)


@app.command("letter", help="出具或重新打印案件文书（Word 文件）；不指定 --kind 时列出可出具的文书")
def letter_cmd(
    case_no: str = typer.Argument(..., help="案件编号"),
    kind: str = typer.Option(
        None,
        "--kind",
        help="文书种类：receipt / supplement / extension / consultation / fee / reply / termination；"
        "省略时列出本案件可出具的文书",
    ),
    out: Path = typer.Option(
        None, "--out", "-o", help="保存到的文件（默认以文号命名，存于当前目录）"
    ),
    user: str = UserOption,
    as_json: bool = JsonOption,
) -> None:
    """Issue (or re-print) a letter of a case as a Word file; without --kind, list the kinds."""
    from services import letters as letter_service

    if kind is None:
        options = letter_service.available_letters(uow(), case_no, actor=actor_or_system(user))
        if as_json:
            print_json([o.__dict__ for o in options])
            return
        if not options:
            console.print(f"案件 {case_no} 目前没有可出具的文书")
            return
        table = Table("种类（--kind）", "文书", "文号", "已出具", title=f"{case_no} 可出具的文书")
        for o in options:
            table.add_row(o.kind, o.label, o.letter_no, "是" if o.issued else "")
        console.print(table)
        return
    issued = letter_service.issue_letter(uow(), case_no, kind, actor=actor(user), today=today())
    target = out or Path(issued.filename)
    target.write_bytes(issued.content)
    if as_json:
        print_json(
            {
                "kind": issued.kind,
                "letter_no": issued.letter_no,
                "file": str(target),
                "template_sha256": issued.template_sha256,
                "reprint": issued.reprint,
            }
        )
        return
    verb = "已重印（与首次出具的文件相同）" if issued.reprint else "已出具"
    console.print(f"{verb} {issued.letter_no}，保存为 {target}")


@app.command("list", help="待办队列：按答复期限排序（默认只列在办案件），可按机关、经办人、状态、期限、关键词、收到日期筛选，分页查看")
def list_cmd(
    agency: str = typer.Option(None, "--agency", help="机关代码"),
    region: bool = typer.Option(False, "--region", help="包括下级机关"),
    assignee: str = typer.Option(None, "--assignee", help="经办人用户名"),
    state: str = typer.Option(
        None,
        "--state",
        help="状态：open（在办，默认）/ closed（已结）/ in_progress（办理中）/ awaiting_supplement（待补正）"
        " / in_consultation（征求意见中）/ awaiting_fee（待缴费）/ concluded（已办结）…，代码或中文均可",
    ),
    all_cases: bool = typer.Option(False, "--all", help="包括已办结的案件"),
    due_within: int = typer.Option(None, "--due-within", help="N 个工作日内到期"),
    overdue: bool = typer.Option(False, "--overdue", help="只看已超期"),
    search: str = typer.Option(None, "--search", "-s", help="按编号、申请人、证件号码或申请内容查找"),
    received_from: str = typer.Option(None, "--from", help="收到日期不早于 YYYY-MM-DD"),
    received_to: str = typer.Option(None, "--to", help="收到日期不晚于 YYYY-MM-DD"),
    limit: int = typer.Option(50, "--limit", help="每页件数（默认50）"),
    page: int = typer.Option(1, "--page", help="第几页（从1开始）"),
    user: str = UserOption,
    as_json: bool = JsonOption,
) -> None:
    """The queue: cases sorted by due date."""
    if page < 1:
        fail("--page 应为正整数", EXIT_USAGE)
    flt = _svc().CaseFilter(
        agency,
        region,
        assignee,
        state or (None if all_cases else "open"),
        due_within,
        overdue,
        search=search,
        received_from=parse_date(received_from, "--from"),
        received_to=parse_date(received_to, "--to"),
        limit=limit,
        offset=(page - 1) * limit,
    )
    rows = _svc().list_cases(uow(), flt, actor=actor_or_system(user), today=today())
    if as_json:
        print_json(rows)
        return
    print_queue(rows)
    if len(rows) == limit:
        console.print(f"（只显示第 {page} 页的 {limit} 件；用 --page {page + 1} 查看下一页）")


def print_queue(rows: list[dict[str, Any]], title: str | None = None) -> None:
    table = Table(
        "案件编号", "申请人", "收到日期", "状态", "答复期限", "等待期限", "经办人", "答复日期",
        title=title,
    )  # fmt: skip
    for r in rows:
        due = r["due"] or "—"
        if r.get("provisional") and r["due"]:
            due += "（暂定）"
        if r.get("overdue"):
            due = f"[bold red]{due} 已超期[/bold red]"
        answered = r.get("concluded_on") or ""
        if answered and r.get("on_time") is False:
            answered += " [red]逾期[/red]"
        table.add_row(
            r["case_no"],
            r["applicant_name"],
            r["received_on"],
            _state_label(r["state"]),
            due,
            r["waiting_due"] or "",
            r["assignee"] or "",
            answered,
        )
    console.print(table)
    console.print(f"共 {len(rows)} 件")


@app.command("show", help="查看案件：申请信息、事件记录、答复期限及其计算过程")
def show_cmd(
    case_no: str = typer.Argument(..., help="案件编号"),
    user: str = UserOption,
    as_json: bool = JsonOption,
) -> None:
    """A case: its facts, events, due date with its explanation, provisional warning, and the
    deadlines calendar changes moved."""
    from services.calendar_service import case_due_changes

    who = actor_or_system(user)
    detail = _svc().show_case(uow(), case_no, actor=who, today=today())
    moved = case_due_changes(uow(), case_no, actor=who)
    if as_json:
        print_json(
            {
                "case": detail.row,
                "events": detail.events,
                "clock": detail.clock,
                "due_changes": moved,
            }
        )
        return
    r = detail.row
    console.print(f"[bold]{r['case_no']}[/bold]  {_state_label(r['state'])}  版本 {r['version']}")
    console.print(
        f"申请人：{r['applicant_name']}（{ApplicantType(r['applicant_type']).label}）  "
        f"方式：{Channel(r['channel']).label}  收到：{r['received_on']}"
    )
    console.print(f"内容：{r['content']}")
    console.print(f"经办人：{r['assignee'] or '未分派'}")
    if r["outcome"]:
        label = Outcome(r["outcome"]).row_label
        console.print(f"办理结果：{label}（{r['concluded_on']}）")
    console.print(f"答复期限：{r['due'] or '—'}  等待期限：{r['waiting_due'] or '—'}")
    if detail.provisional_warning:
        err_console.print(f"[bold yellow]注意：{detail.provisional_warning}[/bold yellow]")
    if detail.explanation:
        console.print("期限计算过程：")
        print_steps(detail.explanation)
    if moved:
        changes = Table("期限", "原期限", "新期限", "原因", title="因节假日安排调整而变更的期限")
        for c in moved:
            changes.add_row(
                c["label"], str(c["old_due"] or "—"), str(c["new_due"] or "—"), c["cause"]
            )
        console.print(changes)
    table = Table("#", "事件", "日期", "操作人", "理由", "内容", title="事件记录")
    for e in detail.events:
        table.add_row(
            str(e["seq"]),
            EVENT_TYPE_LABELS.get(CaseEventType(e["type"]), e["type"]),
            e["on"],
            e["actor"],
            e["reason"],
            event_details(e["payload"], e["type"]),
        )
    console.print(table)


#: what the ledger's eight columns do not hold, after them in an export (key, header)
EXPORT_EXTRA = (
    ("agency", "机关"),
    ("state_label", "状态"),
    ("due", "答复期限"),
    ("waiting_due", "等待期限"),
    ("assignee", "经办人"),
)


def export(
    fmt: str = typer.Option("csv", "--format", help="csv 或 json"),
    output: Path = typer.Option(None, "--output", "-o", help="输出文件；默认标准输出"),
    agency: str = typer.Option(None, "--agency", help="机关代码"),
    region: bool = typer.Option(False, "--region", help="包括下级机关"),
    state: str = typer.Option(None, "--state", help="状态筛选（默认全部）"),
    user: str = UserOption,
) -> None:
    """Export cases; the CSV is the ledger's layout (Chinese headers and labels), so
    `ogi import ledger` reads it back."""
    from formats.ledger import ledger_csv

    if fmt not in ("csv", "json"):
        fail("--format 应为 csv 或 json", EXIT_USAGE)
    rows = _svc().list_cases(
        uow(),
        _svc().CaseFilter(agency=agency, region=region, state=state),
        actor=actor_or_system(user),
        today=today(),
    )
    if state is None:  # a voided registration is no application: the ledger leaves it out
        rows = [row for row in rows if row["state"] != CaseState.VOIDED.value]
    if fmt == "json":
        if output:
            import json

            output.write_text(json.dumps(rows, ensure_ascii=False, indent=2), encoding="utf-8")
        else:
            print_json(rows)
    else:
        for row in rows:
            row["state_label"] = _state_label(row["state"])
        text = ledger_csv(rows, EXPORT_EXTRA)
        if output:
            output.write_text(text, encoding="utf-8-sig", newline="")
        else:
            sys.stdout.write(text)
    if output:
        console.print(f"已导出 {len(rows)} 件到 {output}")


def inbox_cmd(user: str = UserOption, as_json: bool = JsonOption) -> None:
    """A user's messages, e.g. the cases that crossed the year at the year-end close."""
    messages = _svc().inbox(uow(), actor=actor(user))
    if as_json:
        print_json(messages)
        return
    if not messages:
        console.print("没有消息")
    for message in messages:
        payload = message["payload"]
        console.print(f"[bold]{payload.get('text', message['kind'])}[/bold]")
        for case_no in payload.get("cases", []):
            console.print(f"  {case_no}")
