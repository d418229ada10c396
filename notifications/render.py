"""Notices → the words people read: inbox lines, e-mail digests, group-robot cards.

All wording lives in Jinja2 templates under `notifications/templates/` (Chinese, one inbox
template per kind), so offices can read and adjust what is said without touching code. The
same inbox line is the item text of the digest and of the webhook card, so a caseworker sees
one wording everywhere. Notices arrive with ID numbers already masked (`domain.reminders`).
"""

from __future__ import annotations

import datetime as dt
import email.policy
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from typing import Any, Literal

import jinja2

from domain.clock import Deadline
from domain.reminders import (
    KIND_LABELS,
    WEBHOOK_KINDS,
    Kind,
    Notice,
    audiences,
    most_urgent_first,
)

Flavor = Literal["wecom", "dingtalk", "json"]

#: Group robots refuse longer markdown (企业微信: 4096 bytes of content; 钉钉: 20000 bytes).
MARKDOWN_LIMITS: dict[str, int] = {"wecom": 4096, "dingtalk": 20000}


def zh_date(day: dt.date | str | None) -> str:
    """2026年10月9日: how dates are written in Chinese official text."""
    if day is None:
        return ""
    if isinstance(day, str):
        day = dt.date.fromisoformat(day)
    return f"{day.year}年{day.month}月{day.day}日"


def _autoescape(name: str | None) -> bool:
    return name is not None and name.endswith(".html.j2")


_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("notifications", "templates"),
    autoescape=_autoescape,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_ENV.filters["zh_date"] = zh_date
_ENV.filters["deadline_label"] = lambda code: Deadline(code).label


def _tidy(text: str) -> str:
    """Template output without blank lines or stray indentation (one line or two)."""
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def inbox_text(notice: Notice) -> str:
    """The in-app inbox text of one notice.

    `told` (who else receives the same message, by the escalation rule) lets an overdue
    notice say that office heads or the parent agency were told too.
    """
    template = _ENV.get_template(f"inbox/{notice.kind.value}.txt.j2")
    told = {a.value for a in audiences(notice.kind, notice.threshold, assigned=True)}
    return _tidy(template.render(notice=notice, told=told))


@dataclass(frozen=True)
class _Item:
    """One listed item of a digest or card, with what the templates show of it."""

    notice: Notice
    label: str
    text: str
    agency_name: str

    @property
    def overdue(self) -> bool:
        return self.notice.kind is Kind.OVERDUE

    def to_json(self) -> dict[str, Any]:
        n = self.notice
        return {
            "kind": n.kind.value,
            "label": self.label,
            "threshold": n.threshold,
            "case_no": n.case_no,
            "agency": n.agency,
            "agency_name": n.agency_name,
            "due": n.due.isoformat() if n.due else None,
            "watched": n.watched.isoformat(),
            "text": self.text,
        }


def _items(notices: Iterable[Notice]) -> list[_Item]:
    return [
        _Item(n, KIND_LABELS[n.kind], inbox_text(n), n.agency_name)
        for n in most_urgent_first(notices)
    ]


def digest(
    recipient_name: str,
    address: str,
    notices: Sequence[Notice],
    *,
    sender: str,
    sent_at: dt.datetime | None = None,
) -> EmailMessage:
    """One e-mail listing all of one person's items of a sweep, most urgent first.

    UTF-8, multipart/alternative with a plain-text and an HTML part saying the same. The
    notices must all be addressed to the same recipient: a digest is per person.
    """
    if not notices:
        raise ValueError("a digest needs at least one notice")
    recipients = {n.recipient for n in notices}
    if len(recipients) != 1:
        raise ValueError(f"a digest is for one recipient, got {sorted(recipients)}")
    items = _items(notices)
    overdue = sum(1 for item in items if item.overdue)
    context = {"recipient_name": recipient_name, "items": items, "overdue": overdue}
    subject = _tidy(_ENV.get_template("email/subject.txt.j2").render(context))
    text = _ENV.get_template("email/digest.txt.j2").render(context).strip() + "\n"
    html = _ENV.get_template("email/digest.html.j2").render(subject=subject, **context)

    message = EmailMessage(policy=email.policy.SMTP)
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = Address(display_name=recipient_name, addr_spec=address)
    message["Date"] = format_datetime(sent_at or dt.datetime.now(dt.UTC))
    sender_domain = parseaddr(sender)[1].rpartition("@")[2] or None
    message["Message-ID"] = make_msgid("ogi", domain=sender_domain)
    message.set_content(text, subtype="plain", charset="utf-8")
    message.add_alternative(html, subtype="html", charset="utf-8")
    return message


def _unique(notices: Iterable[Notice]) -> list[Notice]:
    """One entry per message: a webhook is per agency, not per recipient, so the same overdue
    message addressed to three people appears once on the card."""
    seen: dict[str, Notice] = {}
    for notice in notices:
        seen.setdefault(notice.key, notice)
    return list(seen.values())


def webhook_body(flavor: Flavor, notices: Sequence[Notice]) -> dict[str, Any]:
    """The JSON body posted to an agency's webhook.

    `wecom` and `dingtalk` are markdown messages of their group robots; `json` is a plain
    list of items for other systems. Only overdue, extension_request and calendar_missing go
    to webhooks (RULES §6); handing another kind here is a caller's error. A card too long for
    the robot lists the most urgent items and says how many more there are.
    """
    if flavor not in ("wecom", "dingtalk", "json"):
        raise ValueError(f"unknown webhook flavor {flavor!r}")
    wrong = sorted({n.kind.value for n in notices if n.kind not in WEBHOOK_KINDS})
    if wrong:
        raise ValueError(f"webhooks do not carry {', '.join(wrong)}")
    if not notices:
        raise ValueError("a webhook message needs at least one notice")
    items = _items(_unique(notices))
    if flavor == "json":
        return {"source": "ogi", "count": len(items), "items": [i.to_json() for i in items]}
    agencies = {item.agency_name for item in items}
    agency_name = agencies.pop() if len(agencies) == 1 else ""
    title = f"政府信息公开提醒（{len(items)}项）"
    shown = len(items)
    while True:
        text = _tidy_markdown(
            _ENV.get_template("webhook/markdown.md.j2").render(
                flavor=flavor,
                agency_name=agency_name,
                items=items[:shown],
                omitted=len(items) - shown,
            )
        )
        if len(text.encode("utf-8")) <= MARKDOWN_LIMITS[flavor] or shown == 1:
            break
        shown -= 1
    if flavor == "wecom":
        return {"msgtype": "markdown", "markdown": {"content": text}}
    return {"msgtype": "markdown", "markdown": {"title": title, "text": text}}


def _tidy_markdown(text: str) -> str:
    """One block per line with one blank line between: the heading and each quoted item stand
    apart on every robot, and extra blank lines (rendered as gaps) are gone."""
    return "\n\n".join(line.strip() for line in text.splitlines() if line.strip()) + "\n"
