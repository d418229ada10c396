"""What the templates say: the inbox line of every kind, the e-mail digest, the robot cards."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from email.message import EmailMessage

import pytest

from domain.reminders import Kind, Notice
from notifications.render import digest, inbox_text, webhook_body

D = dt.date
ID = "370102199001011234"
MASKED = "370102********1234"


def notice(kind: Kind, threshold: int, **kw) -> Notice:
    base = dict(
        recipient="wang",
        recipient_name="王芳",
        agency="lixia",
        agency_name="历下区人民政府",
        watched=kw.get("due", D(2026, 10, 9)),
        case_no="历下政公开〔2026〕12号",
        facts={"applicant_name": "张三"},
    )
    base.update(kw)
    return Notice(kind, threshold, **base)


REF = "申请“历下政公开〔2026〕12号”（申请人：张三）"

INBOX = [
    (
        notice(Kind.ANSWER, 3, due=D(2026, 10, 9)),
        f"{REF}距答复期限还有3个工作日（2026年10月9日届满），请及时答复。",
    ),
    (
        notice(Kind.ANSWER, 0, due=D(2026, 10, 9)),
        f"{REF}今天（2026年10月9日）答复期限届满，请在今日内答复。",
    ),
    (
        notice(Kind.OVERDUE, -1, due=D(2026, 10, 9)),
        f"{REF}已逾期1个工作日未答复（答复期限2026年10月9日），请立即处理。",
    ),
    (
        notice(Kind.OVERDUE, -5, due=D(2026, 10, 9)),
        f"{REF}已逾期5个工作日未答复（答复期限2026年10月9日），请立即处理。\n"
        "本提醒已同时报送政府信息公开工作机构负责人。",
    ),
    (
        notice(Kind.OVERDUE, -10, due=D(2026, 10, 9)),
        f"{REF}已逾期10个工作日未答复（答复期限2026年10月9日），请立即处理。\n"
        "本提醒已同时报送政府信息公开工作机构负责人和上级机关主管。",
    ),
    (
        notice(Kind.SUPPLEMENT_WINDOW, 2, due=D(2026, 10, 8)),
        f"{REF}告知补正的期限还有2个工作日（最迟2026年10月8日）：如申请内容不明确，"
        "须在此前一次性告知补正（《条例》第三十条）。",
    ),
    (
        notice(Kind.SUPPLEMENT_WINDOW, 0, due=D(2026, 10, 8)),
        f"今天（2026年10月8日）是{REF}告知补正的最后一天：如申请内容不明确，"
        "须在今日内一次性告知补正（《条例》第三十条）。",
    ),
    (
        notice(Kind.SUPPLEMENT_LAPSED, -1, due=D(2026, 10, 12)),
        f"{REF}的补正期限已于2026年10月12日届满，申请人未补正。\n"
        "如无正当理由，可按“视为放弃”办结（申请人无正当理由逾期不补正，《条例》第三十条）。",
    ),
    (
        notice(
            Kind.SUPPLEMENT_LAPSED,
            -1,
            due=D(2026, 10, 12),
            facts={"applicant_name": "张三", "auto_closed": True},
        ),
        f"{REF}的补正期限已于2026年10月12日届满，申请人未补正。\n"
        "已按本机关设置以“视为放弃”自动办结（申请人无正当理由逾期不补正，《条例》第三十条）。",
    ),
    (
        notice(Kind.CONSULTATION, 2, due=D(2026, 11, 2)),
        f"{REF}征求第三方意见的期限还有2个工作日（2026年11月2日届满）。",
    ),
    (
        notice(
            Kind.CONSULTATION,
            -1,
            due=D(2026, 11, 2),
            facts={"applicant_name": "张三", "consultation_kind": "third_party"},
        ),
        f"{REF}征求第三方意见的期限已于2026年11月2日届满。\n"
        "第三方逾期未提出意见不视为同意，请由本机关依法决定是否公开（《条例》第三十二条）。",
    ),
    (
        notice(
            Kind.CONSULTATION,
            -1,
            due=D(2026, 11, 2),
            facts={"applicant_name": "张三", "consultation_kind": "agency"},
        ),
        f"{REF}征求相关机关意见的期限已于2026年11月2日届满。\n"
        "被征求机关逾期未提出意见的，视为同意公开（《条例》第三十四条），请恢复办理。",
    ),
    (
        notice(Kind.PAYMENT_LAPSED, -1, due=D(2026, 11, 9)),
        f"{REF}的缴费期限已于2026年11月9日届满，申请人未缴纳信息处理费。\n"
        "可按“申请人逾期未按收费通知要求缴纳费用”办结（国办函〔2020〕109号）。",
    ),
    (
        notice(Kind.UNASSIGNED, -1, watched=D(2026, 9, 30)),
        f"{REF}已登记满1个工作日（2026年9月30日登记），仍未分派经办人，请尽快分派。",
    ),
    (
        notice(
            Kind.EXTENSION_REQUEST,
            0,
            watched=D(2026, 10, 9),
            due=D(2026, 10, 22),
            facts={"applicant_name": "张三", "workdays": 10, "requested_by": "王芳"},
        ),
        f"王芳申请将{REF}的答复期限延长10个工作日（现答复期限2026年10月22日），请审批。",
    ),
    (
        notice(Kind.EXTENSION_REQUEST, 1, due=D(2026, 10, 22)),
        f"{REF}的延期申请尚未审批，现答复期限2026年10月22日还有1个工作日届满；"
        "延期须在期限届满前决定（《条例》第三十三条）。",
    ),
    (
        notice(
            Kind.DUE_MOVED,
            0,
            watched=D(2026, 11, 20),
            due=D(2026, 12, 30),
            facts={"old_due": D(2026, 12, 29), "new_due": D(2026, 12, 30)},
        ),
        "因节假日安排调整，申请“历下政公开〔2026〕12号”的答复期限由2026年12月29日改为2026年12月30日。",
    ),
    (
        notice(
            Kind.DUE_MOVED,
            0,
            watched=D(2026, 11, 20),
            due=D(2026, 12, 22),
            facts={
                "applicant_name": "张三",
                "moves": [
                    {"deadline": "consultation", "label": "征求意见期限",
                     "old_due": D(2026, 11, 25), "new_due": D(2026, 11, 26)},
                    {"deadline": "answer", "label": "答复期限",
                     "old_due": "2026-12-21", "new_due": "2026-12-22"},  # as an outbox row keeps them
                ],
                "old_due": D(2026, 12, 21),
                "new_due": D(2026, 12, 22),
            },
        ),
        f"因节假日安排调整，{REF}的征求意见期限由2026年11月25日改为2026年11月26日；"
        "答复期限由2026年12月21日改为2026年12月22日。",
    ),
    (
        notice(
            Kind.DUE_MOVED,
            0,
            watched=D(2026, 11, 20),
            due=D(2026, 11, 26),
            facts={
                "applicant_name": "张三",
                "moves": [
                    {"deadline": "supplement", "label": "补正期限",
                     "old_due": D(2026, 11, 25), "new_due": D(2026, 11, 26)},
                ],
            },
        ),
        f"因节假日安排调整，{REF}的补正期限由2026年11月25日改为2026年11月26日。",
    ),
    (
        notice(
            Kind.CALENDAR_MISSING,
            0,
            case_no=None,
            watched=D(2026, 11, 2),
            facts={"year": 2027, "coverage": D(2026, 12, 31)},
        ),
        "尚未加载2027年节假日安排（当前只到2026年12月31日），此后的期限均为按法定假日推算的暂定期限。\n"
        "请在国务院办公厅通知发布后尽快导入。",
    ),
    (
        notice(Kind.REPORT_DUE, 10, case_no=None, due=D(2026, 3, 31), facts={"year": 2025}),
        "历下区人民政府2025年政府信息公开工作年度报告应于2026年3月31日前发布，"
        "还有10个工作日（《条例》第四十九条）。",
    ),
    (
        notice(
            Kind.YEAR_CLOSED,
            0,
            case_no=None,
            watched=D(2026, 12, 31),
            facts={
                "year": 2026,
                "cases": [
                    {"case_no": "A-1", "applicant_name": "张三", "id_number": ID},
                    {"case_no": "A-2"},
                ],
            },
        ),
        "历下区人民政府2026年度结转已完成：2件申请结转下年度继续办理（A-1 张三、A-2）。",
    ),
    (
        notice(
            Kind.YEAR_CLOSED,
            0,
            case_no=None,
            watched=D(2026, 12, 31),
            facts={"year": 2026, "cases": [], "balanced": False},
        ),
        "历下区人民政府2026年度结转已完成：0件申请结转下年度继续办理。\n"
        "注意：年度勾稽关系不平衡，请核对。",
    ),
]


@pytest.mark.parametrize(
    ("item", "expected"), INBOX, ids=[f"{n.kind}{n.threshold}" for n, _ in INBOX]
)
def test_inbox_text(item: Notice, expected: str) -> None:
    assert inbox_text(item) == expected


def test_every_kind_has_an_inbox_template() -> None:
    assert {n.kind for n, _ in INBOX} == set(Kind)


def test_no_channel_shows_an_id_number() -> None:
    noticed = notice(
        Kind.OVERDUE,
        -1,
        due=D(2026, 10, 9),
        facts={"applicant_name": "张三", "applicant_id_number": ID},
    )
    closed = INBOX[-2][0]
    message = digest("王芳", "wang@example.gov.cn", [noticed, closed], sender="ogi@example.gov.cn")
    rendered = [
        inbox_text(closed),
        message.as_string(),
        message.get_body(("plain",)).get_content(),
        message.get_body(("html",)).get_content(),
        str(webhook_body("json", [noticed])),
        repr(noticed),
        repr(closed),
    ]
    for text in rendered:
        assert ID not in text
    assert MASKED in repr(closed.facts)


def parse(message: EmailMessage) -> EmailMessage:
    """Through the bytes, as a receiving mail client would see it."""
    return email.message_from_bytes(message.as_bytes(), policy=email.policy.default)


def test_digest_lists_most_urgent_first_in_both_parts() -> None:
    items = [
        notice(Kind.ANSWER, 5, due=D(2026, 10, 20), case_no="C-later"),
        notice(Kind.OVERDUE, -1, due=D(2026, 10, 9), case_no="C-over-1"),
        notice(Kind.ANSWER, 1, due=D(2026, 10, 12), case_no="C-soon"),
        notice(Kind.OVERDUE, -10, due=D(2026, 9, 20), case_no="C-over-10"),
    ]
    message = parse(
        digest(
            "王芳",
            "wang@example.gov.cn",
            items,
            sender="政府信息公开系统 <ogi@example.gov.cn>",
            sent_at=dt.datetime(2026, 11, 20, 23, 30, tzinfo=dt.UTC),
        )
    )
    assert message["Subject"] == "政府信息公开办理提醒：4项待办，其中逾期2项"
    assert message["To"].addresses[0].display_name == "王芳"
    assert message["To"].addresses[0].addr_spec == "wang@example.gov.cn"
    assert message["From"].addresses[0].display_name == "政府信息公开系统"
    assert message.get_content_type() == "multipart/alternative"
    order = ["C-over-10", "C-over-1", "C-soon", "C-later"]
    for part in ("plain", "html"):
        body = message.get_body((part,))
        assert body.get_content_charset() == "utf-8"
        text = body.get_content()
        assert "王芳，您好" in text and "逾期未答复" in text
        positions = [text.index(f"“{case}”") for case in order]
        assert positions == sorted(positions), part
    assert "1. 【逾期未答复】" in message.get_body(("plain",)).get_content()


def test_digest_html_escapes_what_people_typed() -> None:
    hostile = notice(Kind.ANSWER, 3, due=D(2026, 10, 9), facts={"applicant_name": "<b>张三</b>"})
    html = digest("王芳", "w@example.gov.cn", [hostile], sender="o@example.gov.cn").get_body(
        ("html",)
    )
    assert "&lt;b&gt;张三&lt;/b&gt;" in html.get_content()
    assert "<b>张三" not in html.get_content()


def test_digest_is_for_one_person() -> None:
    with pytest.raises(ValueError):
        digest(
            "王芳",
            "w@example.gov.cn",
            [notice(Kind.ANSWER, 3), notice(Kind.ANSWER, 3, recipient="liu")],
            sender="o@example.gov.cn",
        )
    with pytest.raises(ValueError):
        digest("王芳", "w@example.gov.cn", [], sender="o@example.gov.cn")


WEBHOOK_ITEMS = [
    notice(Kind.OVERDUE, -5, due=D(2026, 10, 9), case_no="A-1", recipient="wang"),
    notice(Kind.OVERDUE, -5, due=D(2026, 10, 9), case_no="A-1", recipient="liu"),  # same message
    notice(Kind.OVERDUE, -10, due=D(2026, 9, 20), case_no="A-2"),
    notice(
        Kind.EXTENSION_REQUEST,
        0,
        case_no="A-3",
        watched=D(2026, 10, 9),
        due=D(2026, 10, 22),
        facts={"workdays": 10},
    ),
]


def test_wecom_card() -> None:
    body = webhook_body("wecom", WEBHOOK_ITEMS)
    assert body["msgtype"] == "markdown" and set(body) == {"msgtype", "markdown"}
    content = body["markdown"]["content"]
    assert content.startswith("### 政府信息公开提醒（历下区人民政府）\n\n")
    assert content.count("“A-1”") == 1  # one entry per message, not per recipient
    assert content.index("“A-2”") < content.index("“A-1”") < content.index("“A-3”")
    assert '<font color="warning">【逾期未答复】</font>' in content
    assert "> **【延期申请待审批】**经办人申请将申请“A-3”的答复期限延长10个工作日" in content


def test_dingtalk_card() -> None:
    body = webhook_body("dingtalk", WEBHOOK_ITEMS)
    assert body["msgtype"] == "markdown"
    assert body["markdown"]["title"] == "政府信息公开提醒（3项）"
    text = body["markdown"]["text"]
    assert "<font" not in text
    assert "> **【逾期未答复】**申请“A-2”（申请人：张三）已逾期10个工作日未答复" in text


def test_plain_json_body() -> None:
    body = webhook_body("json", WEBHOOK_ITEMS)
    assert body["source"] == "ogi" and body["count"] == 3
    assert [(i["kind"], i["threshold"], i["case_no"]) for i in body["items"]] == [
        ("overdue", -10, "A-2"),
        ("overdue", -5, "A-1"),
        ("extension_request", 0, "A-3"),
    ]
    first = body["items"][0]
    assert first["due"] == "2026-09-20" and first["agency"] == "lixia"
    assert first["text"].startswith("申请“A-2”（申请人：张三）已逾期10个工作日")


def test_webhooks_carry_only_three_kinds() -> None:
    for kind, threshold in ((Kind.ANSWER, 3), (Kind.DUE_MOVED, 0), (Kind.REPORT_DUE, 1)):
        with pytest.raises(ValueError):
            webhook_body("json", [notice(kind, threshold, due=D(2026, 10, 9))])
    with pytest.raises(ValueError):
        webhook_body("slack", WEBHOOK_ITEMS)  # type: ignore[arg-type]


def test_a_long_wecom_card_is_cut_to_the_robots_limit() -> None:
    many = [
        notice(Kind.OVERDUE, -1, due=D(2026, 10, 9), case_no=f"历下政公开〔2026〕{i}号")
        for i in range(1, 61)
    ]
    content = webhook_body("wecom", many)["markdown"]["content"]
    assert len(content.encode("utf-8")) <= 4096
    shown = content.count("【逾期未答复】")
    assert 10 < shown < 60
    assert content.rstrip().endswith(f"另有{60 - shown}项，请登录系统查看。")
    # 钉钉 allows 20000 bytes: all 60 fit.
    assert webhook_body("dingtalk", many)["markdown"]["text"].count("【逾期未答复】") == 60
