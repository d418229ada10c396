"""The annual report's section 三 and 四 as data, its checks, and its percentages (RULES §3–4).

Counting is done by the store (SQL aggregates); this module turns the counts into the table
of the national format, checks it the way RULES §4.3 says, and writes the summary paragraph
whose percentages add up to exactly 100.0 % (largest remainder). The same checks serve a
generated report and a published table read from a government portal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal, InvalidOperation
from typing import Any

from domain.errors import DomainError
from domain.outcomes import APPLICANT_TYPES, OUTCOMES, REPORT_COLUMNS, Outcome
from domain.yearend import year_bounds, years_counted  # noqa: F401 - re-exported

APPLICANT_COLUMNS: tuple[str, ...] = tuple(a.value for a in APPLICANT_TYPES)
OUTCOME_ROWS: tuple[str, ...] = tuple(o.value for o in OUTCOMES)
ROWS: tuple[str, ...] = ("new", "carried_in", *OUTCOME_ROWS, "total", "carried_out")

ROW_LABELS = {
    "new": "一、本年新收政府信息公开申请数量",
    "carried_in": "二、上年结转政府信息公开申请数量",
    "total": "（七）总计",
    "carried_out": "四、结转下年度继续办理",
}

REMEDY_KINDS = ("reconsideration", "litigation_direct", "litigation_after_reconsideration")
REMEDY_RESULTS = ("upheld", "corrected", "other", "pending")
REMEDY_KIND_LABELS = {
    "reconsideration": "行政复议",
    "litigation_direct": "行政诉讼·未经复议直接起诉",
    "litigation_after_reconsideration": "行政诉讼·复议后起诉",
}
REMEDY_RESULT_LABELS = {
    "upheld": "结果维持",
    "corrected": "结果纠正",
    "other": "其他结果",
    "pending": "尚未审结",
}

Table = dict[str, dict[str, int]]


def template_for(year: int) -> str:
    """The national format in force: 2019 format for the 2019–2020 reports, 2021 after."""
    return "2019" if year <= 2020 else "2021"


def empty_table() -> Table:
    return {row: dict.fromkeys(REPORT_COLUMNS, 0) for row in ROWS}


@dataclass
class Section3Counts:
    """Raw counts per applicant type, as the store's aggregates return them."""

    new: Mapping[str, int] = field(default_factory=dict)
    carried_in: Mapping[str, int] = field(default_factory=dict)
    carried_out: Mapping[str, int] = field(default_factory=dict)
    concluded: Mapping[tuple[str, str], int] = field(
        default_factory=dict
    )  # (outcome, applicant type)


def build_section3(counts: Section3Counts) -> Table:
    """The full table: leaf rows from the counts, totals computed, never typed."""
    table = empty_table()
    for row, source in (
        ("new", counts.new),
        ("carried_in", counts.carried_in),
        ("carried_out", counts.carried_out),
    ):
        for column, n in source.items():
            table[row][column] += n
    for (outcome, column), n in counts.concluded.items():
        table[Outcome(outcome).value][column] += n
    for row in ROWS:
        if row != "total":
            table[row]["total"] = sum(table[row][c] for c in APPLICANT_COLUMNS)
    for column in REPORT_COLUMNS:
        table["total"][column] = sum(table[o][column] for o in OUTCOME_ROWS)
    return table


# -- checks (RULES §4.3) --------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    cells: tuple[tuple[str, str], ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "detail": self.detail}


COLUMN_LABELS = {
    "natural_person": "自然人",
    "business": "商业企业",
    "research": "科研机构",
    "nonprofit": "社会公益组织",
    "legal_services": "法律服务机构",
    "other_org": "其他",
    "total": "总计",
}


def row_label(row: str) -> str:
    if row in ROW_LABELS:
        return ROW_LABELS[row]
    return Outcome(row).row_label


def check_table(table: Table) -> list[Check]:
    """The three arithmetic checks of one table; each failure names its cells and numbers."""
    checks = []
    for column in REPORT_COLUMNS:
        t = table
        left = t["new"][column] + t["carried_in"][column]
        right = t["total"][column] + t["carried_out"][column]
        label = COLUMN_LABELS[column]
        checks.append(
            Check(
                f"balance.{column}",
                left == right,
                f"{label}列：一、本年新收 {t['new'][column]} + 二、上年结转 {t['carried_in'][column]} = {left}；"
                f"（七）总计 {t['total'][column]} + 四、结转下年度 {t['carried_out'][column]} = {right}",
                (
                    ("new", column),
                    ("carried_in", column),
                    ("total", column),
                    ("carried_out", column),
                ),
            )
        )
    bad_rows = [
        row for row in ROWS if table[row]["total"] != sum(table[row][c] for c in APPLICANT_COLUMNS)
    ]
    checks.append(
        Check(
            "total_column",
            not bad_rows,
            "总计列等于六类申请人之和"
            if not bad_rows
            else "；".join(
                f"{row_label(r)}：总计 {table[r]['total']}，六类之和 {sum(table[r][c] for c in APPLICANT_COLUMNS)}"
                for r in bad_rows
            ),
            tuple((r, "total") for r in bad_rows),
        )
    )
    bad_columns = [
        c for c in REPORT_COLUMNS if table["total"][c] != sum(table[o][c] for o in OUTCOME_ROWS)
    ]
    checks.append(
        Check(
            "total_row",
            not bad_columns,
            "（七）总计等于各项办理结果之和"
            if not bad_columns
            else "；".join(
                f"{COLUMN_LABELS[c]}列：（七）总计 {table['total'][c]}，各项之和 {sum(table[o][c] for o in OUTCOME_ROWS)}"
                for c in bad_columns
            ),
            tuple(("total", c) for c in bad_columns),
        )
    )
    return checks


def check_carry(
    year: int,
    carried_in: Mapping[str, int],
    previous_out: Mapping[str, int] | None,
    *,
    differing_cases: Iterable[str] = (),
    previous_state: str = "locked",
) -> Check:
    """上年结转 of Y equals 结转下年度 of Y−1 (as recorded when Y−1 was closed or locked)."""
    if previous_out is None:
        return Check("carry_chain", True, f"未核对：{year - 1}年度尚未结转（无年末结转记录）")
    bad = [c for c in REPORT_COLUMNS if carried_in.get(c, 0) != previous_out.get(c, 0)]
    if not bad:
        return Check(
            "carry_chain",
            True,
            f"二、上年结转与{year - 1}年度（{previous_state}）四、结转下年度一致：{previous_out.get('total', 0)}件",
        )
    parts = [
        f"{COLUMN_LABELS[c]}列：{year}年上年结转 {carried_in.get(c, 0)}，{year - 1}年结转下年度 {previous_out.get(c, 0)}"
        for c in bad
    ]
    cases = list(differing_cases)
    if cases:
        shown = "、".join(cases[:20]) + (f" 等{len(cases)}件" if len(cases) > 20 else "")
        parts.append(f"不一致的案件：{shown}")
    return Check("carry_chain", False, "；".join(parts), tuple(("carried_in", c) for c in bad))


# -- percentages and the summary paragraph --------------------------------------------------

GROUPS: tuple[tuple[str, str], ...] = (
    ("disclosed", "予以公开"),
    ("partial", "部分公开"),
    ("withheld", "不予公开"),
    ("unavailable", "无法提供"),
    ("rejected", "不予处理"),
    ("other", "其他处理"),
)


def group_counts(table: Table, column: str = "total") -> dict[str, int]:
    """The six groups （一）–（六） of section 三, summed over their leaf rows."""
    counts = dict.fromkeys((g for g, _ in GROUPS), 0)
    for outcome in OUTCOME_ROWS:
        counts[outcome.split(".")[0]] += table[outcome][column]
    return counts


def largest_remainder_percentages(
    counts: Mapping[str, int], decimals: int = 1
) -> dict[str, Decimal]:
    """Percentages of the total, rounded so they add up to exactly 100 (largest remainder).

    With a zero total every share is 0. Ties in the remainder go to the larger count, then to
    the earlier key, so the result is deterministic.
    """
    total = sum(counts.values())
    if total == 0:
        return {k: Decimal(0).quantize(Decimal(1).scaleb(-decimals)) for k in counts}
    unit = Decimal(1).scaleb(-decimals)
    scale = 10**decimals
    exact = {k: Decimal(v) * 100 * scale / total for k, v in counts.items()}
    floors = {k: int(v.to_integral_value(rounding=ROUND_FLOOR)) for k, v in exact.items()}
    missing = 100 * scale - sum(floors.values())
    order = sorted(
        counts, key=lambda k: (-(exact[k] - floors[k]), -counts[k], list(counts).index(k))
    )
    for key in order[:missing]:
        floors[key] += 1
    return {k: (Decimal(v) * unit).quantize(unit) for k, v in floors.items()}


def summary_paragraph(year: int, table: Table, subject: str = "本机关") -> str:
    """The generated text of section 三, percentages with （七）总计 as denominator."""
    t = {row: table[row]["total"] for row in ROWS}
    groups = group_counts(table)
    shares = largest_remainder_percentages(groups)
    text = (
        f"{year}年，{subject}新收政府信息公开申请{t['new']}件，上年结转{t['carried_in']}件，"
        f"办结{t['total']}件"
    )
    if t["total"]:
        text += "，其中" + "，".join(
            f"{label}{groups[key]}件、占{shares[key]}%" for key, label in GROUPS if groups[key]
        )
    return text + f"；结转下年度继续办理{t['carried_out']}件。"


# -- section 四 ------------------------------------------------------------------------------


def empty_section4() -> dict[str, dict[str, int]]:
    return {kind: dict.fromkeys((*REMEDY_RESULTS, "total"), 0) for kind in REMEDY_KINDS}


def build_section4(counts: Mapping[tuple[str, str], int]) -> dict[str, dict[str, int]]:
    """15 numbers from (kind, result) counts; totals computed."""
    section = empty_section4()
    for (kind, result), n in counts.items():
        if kind not in section or result not in REMEDY_RESULTS:
            raise DomainError(
                f"未知的复议诉讼类别或结果：{kind}/{result}", field="remedy", rule="RULES §2.5"
            )
        section[kind][result] += n
    for kind in REMEDY_KINDS:
        section[kind]["total"] = sum(section[kind][r] for r in REMEDY_RESULTS)
    return section


def check_remedy(
    kind: str, result: str, filed_on: dt.date, result_on: dt.date | None, today: dt.date
) -> None:
    """RULES §2.5: a known kind and result; a result date exactly when the case is decided."""
    if kind not in REMEDY_KINDS:
        raise DomainError(
            f"类别（kind）应为：{'、'.join(REMEDY_KINDS)}", field="kind", rule="RULES §2.5"
        )
    if result not in REMEDY_RESULTS:
        raise DomainError(
            f"结果（result）应为：{'、'.join(REMEDY_RESULTS)}", field="result", rule="RULES §2.5"
        )
    if filed_on > today:
        raise DomainError(
            "复议或诉讼日期（filed_on）晚于今天", field="filed_on", rule="日期不能在未来"
        )
    if result == "pending" and result_on is not None:
        raise DomainError(
            "尚未审结的记录不应填写结果日期（result_on）", field="result_on", rule="RULES §2.5"
        )
    if result != "pending":
        if result_on is None:
            raise DomainError(
                "已审结的记录须填写结果日期（result_on）", field="result_on", rule="RULES §2.5"
            )
        if result_on < filed_on or result_on > today:
            raise DomainError(
                "结果日期（result_on）应在立案日期之后、今天之前",
                field="result_on",
                rule="日期顺序",
            )


SECTION2_FIELDS: dict[str, tuple[str, str]] = {
    # key: (label, kind) — kind "count" is a non-negative integer, "wan" an amount in 万元
    "rules_issued": ("规章·本年制发件数", "count"),
    "rules_repealed": ("规章·本年废止件数", "count"),
    "rules_in_force": ("规章·现行有效件数", "count"),
    "normative_issued": ("行政规范性文件·本年制发件数", "count"),
    "normative_repealed": ("行政规范性文件·本年废止件数", "count"),
    "normative_in_force": ("行政规范性文件·现行有效件数", "count"),
    "licensing_decisions": ("行政许可·本年处理决定数量", "count"),
    "penalty_decisions": ("行政处罚·本年处理决定数量", "count"),
    "coercion_decisions": ("行政强制·本年处理决定数量", "count"),
    "fees_amount_wan": ("行政事业性收费·本年收费金额（万元）", "wan"),
}


def validate_section2(values: dict[str, Any]) -> dict[str, Any]:
    """Non-negative integers; amounts in 万元 with at most two decimals (kept as text)."""
    clean: dict[str, Any] = {}
    for key, value in values.items():
        if key not in SECTION2_FIELDS:
            allowed = "、".join(SECTION2_FIELDS)
            raise DomainError(
                f"未知的第二部分项目“{key}”，应为：{allowed}", field=key, rule="第二部分项目"
            )
        label, kind = SECTION2_FIELDS[key]
        text = str(value).strip()
        if kind == "count":
            if not text.isdigit():
                raise DomainError(
                    f"{label}（{key}）应为非负整数，实为“{value}”", field=key, rule="非负整数"
                )
            clean[key] = int(text)
        else:
            try:
                amount = Decimal(text)
            except InvalidOperation:
                raise DomainError(
                    f"{label}（{key}）应为金额（万元），实为“{value}”", field=key, rule="金额"
                ) from None
            if amount < 0 or amount.as_tuple().exponent < -2:  # type: ignore[operator]
                raise DomainError(
                    f"{label}（{key}）应为非负金额，最多两位小数（万元），实为“{value}”",
                    field=key,
                    rule="金额（万元，两位小数）",
                )
            clean[key] = f"{amount:.2f}"
    return clean
