"""An agency's notification settings (RULES §6): its group-robot webhook, which annual-report
date applies to it, and whether lapsed 补正/fee windows close cases automatically.

Checked here once, so a wrong flavour or a URL that is not http(s) is refused when it is set,
not on the day an overdue alert should have gone out.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.errors import DomainError
from domain.reminders import AgencyKind

FLAVORS = ("", "wecom", "dingtalk", "json")
FLAVOR_LABELS = {"wecom": "企业微信群机器人", "dingtalk": "钉钉群机器人（加签）", "json": "JSON"}
REPORT_KIND_LABELS = {"department": "部门（1月31日前公布）", "government": "政府（3月31日前公布）"}


@dataclass(frozen=True)
class NotificationSettings:
    webhook_flavor: str = ""
    webhook_url: str = ""
    webhook_secret: str = ""
    report_kind: str = AgencyKind.DEPARTMENT.value
    auto_close_abandoned: bool = False
    auto_close_unpaid: bool = False


def check_settings(settings: NotificationSettings) -> NotificationSettings:
    """The settings, trimmed, or a DomainError naming the field and the rule."""
    flavor = settings.webhook_flavor.strip()
    url = settings.webhook_url.strip()
    if flavor not in FLAVORS:
        raise DomainError(
            f"webhook 类型（webhook_flavor）“{flavor}”无效，应为 wecom、dingtalk 或 json",
            field="webhook_flavor",
            rule="webhook 类型",
        )
    if url and not url.startswith(("http://", "https://")):
        raise DomainError(
            f"webhook 地址（webhook_url）“{url}”应以 http:// 或 https:// 开头",
            field="webhook_url",
            rule="webhook 地址",
        )
    if bool(flavor) != bool(url):
        raise DomainError(
            "webhook 类型与地址须同时设置或同时清空", field="webhook_url", rule="webhook 地址"
        )
    if flavor == "dingtalk" and not settings.webhook_secret.strip():
        raise DomainError(
            "钉钉群机器人须填写加签密钥（webhook_secret）",
            field="webhook_secret",
            rule="钉钉加签",
        )
    if settings.report_kind not in {k.value for k in AgencyKind}:
        raise DomainError(
            f"报告类别（report_kind）“{settings.report_kind}”无效，应为 department（部门，1月31日前）"
            "或 government（政府，3月31日前）",
            field="report_kind",
            rule="RULES §4.4",
        )
    return NotificationSettings(
        flavor,
        url,
        settings.webhook_secret.strip(),
        settings.report_kind,
        settings.auto_close_abandoned,
        settings.auto_close_unpaid,
    )
