"""Letters on a real database (SQLite and PostgreSQL): every step letter and a reply for every
outcome, opened with python-docx and read; re-prints; templates of an agency; refusals that
write nothing; the `ogi case letter` command.

Expected dates are counted by hand on the official 2026 calendar (State Council notice of
2025-11-04): 中秋 9-25 (Fri)–27 off, 国庆 10-01..07 off, Sun 9-20 and Sat 10-10 are make-up
working days; November and early December 2026 have no holidays (Mon–Fri work). Counting
starts the day after. Each hand count is also checked against `chinese_calendar` (the bundled
data, not the engine's calendar code) by `workdays_after` below.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import chinese_calendar
import docx
import ops
import pytest
from ops import NewCase, act, available_letters, issue_letter, register_case
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from domain.case import CaseEventType as E
from domain.errors import DomainError
from formats.letters import SEED_DIR
from store.models import Letter

D = dt.date
TODAY = D(2026, 11, 20)
GOOD_ID = "11010519491231002X"
MASKED = "110105********002X"
REGULATION = "《中华人民共和国政府信息公开条例》"
EITHER = (
    "可以自收到本答复之日起六十日内依法申请行政复议，"
    "也可以自收到本答复之日起六个月内依法向人民法院提起行政诉讼"
)
FIRST = "应当先申请行政复议，对行政复议决定不服的，可以再依法向人民法院提起行政诉讼"


def workdays_after(day: dt.date, n: int) -> dt.date:
    """The n-th working day after `day`, by the package's own 2026 data (independent check)."""
    while n:
        day += dt.timedelta(days=1)
        n -= chinese_calendar.is_workday(day)
    return day


def text_of(content: bytes) -> str:
    """All the text of a .docx: paragraphs, then table cells, one per line."""
    document = docx.Document(io.BytesIO(content))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(lines)


def new_case(received_on: dt.date, name: str = "张伟", **extra: Any) -> NewCase:
    return NewCase(
        "lixia", name, "natural_person", "online", received_on, "某项目征收补偿方案",
        id_kind="resident_id", id_number=GOOD_ID, assignee="wang", **extra,
    )  # fmt: skip


def letter_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            name: connection.execute(text(f"SELECT count(*) FROM {name}")).scalar_one()
            for name in ("letters", "case_events")
        }


def issue(engine: Engine, case_no: str, kind: str, user: str = "wang") -> str:
    letter = issue_letter(engine, case_no, kind, user, today=TODAY)
    assert not letter.reprint
    return text_of(letter.content)


# -- the step letters --------------------------------------------------------------------------


def test_step_letters_carry_the_clock_dates(engine: Engine) -> None:
    # D0 Mon 11-02: 20 working days 11-03..06 (4), 09..13 (9), 16..20 (14), 23..27 (19),
    # 11-30 (20) → due 11-30.
    no = register_case(engine, new_case(D(2026, 11, 2)), "wang", today=TODAY).case_no
    assert workdays_after(D(2026, 11, 2), 20) == D(2026, 11, 30)
    receipt = issue(engine, no, "receipt")
    assert "政府信息公开申请登记回执" in receipt and f"{no}-收1" in receipt
    assert "二〇二六年十一月二日收到" in receipt and "于二〇二六年十一月三十日前予以答复" in receipt
    assert f"居民身份证：{GOOD_ID}" in receipt and MASKED not in receipt

    # third-party consultation Wed 11-04: window 11-05, 06, 09..13 (7), 16..20 (12), 23, 24,
    # 25 (15) → 11-25
    act(engine, no, E.CONSULTATION_STARTED, "wang", on=D(2026, 11, 4), today=TODAY,
        kind="third_party", party="某某置业有限公司", reason="涉及商业秘密")  # fmt: skip
    assert workdays_after(D(2026, 11, 4), 15) == D(2026, 11, 25)
    letter = issue(engine, no, "consultation")
    assert "政府信息公开征求第三方意见函" in letter and f"{no}-征1" in letter
    assert "某某置业有限公司：" in letter and "二〇二六年十一月二十五日前" in letter
    assert f"{REGULATION}第三十二条" in letter and "由本机关依照" in letter
    assert GOOD_ID not in letter  # the consulted party is not told the applicant's ID

    # ended Tue 11-10: paused 11-05, 06, 09, 10 = 4 working days → due 11-30 + 4 = 12-04.
    # Extension of 10 granted 11-13: 12-07..11 (5), 14..18 (10) → 12-18.
    act(engine, no, E.CONSULTATION_ENDED, "wang", on=D(2026, 11, 10), today=TODAY)
    act(engine, no, E.EXTENSION_REQUESTED, "wang", on=D(2026, 11, 12), today=TODAY,
        workdays=10, reason="需对涉及第三方的内容逐项区分处理")  # fmt: skip
    act(engine, no, E.EXTENSION_GRANTED, "chen", on=D(2026, 11, 13), today=TODAY)
    assert workdays_after(D(2026, 11, 30), 4) == D(2026, 12, 4)
    assert workdays_after(D(2026, 12, 4), 10) == D(2026, 12, 18)
    letter = issue(engine, no, "extension")
    assert "延长10个工作日，由二〇二六年十二月四日延长至二〇二六年十二月十八日" in letter
    assert "需对涉及第三方的内容逐项区分处理" in letter and "第三十三条第二款" in letter
    assert "二〇二六年十一月十三日" in letter  # dated the day the extension was granted

    # the answer: partial, its withheld part protected for the third party
    act(engine, no, E.ANSWERED, "wang", on=D(2026, 11, 20), today=TODAY,
        outcome="partial", withheld_ground="withheld.third_party")  # fmt: skip
    reply = issue(engine, no, "reply")
    assert "政府信息公开申请答复书" in reply and f"{no}-答1" in reply
    assert "第三十七条" in reply and "第十五条" in reply and "第三方合法权益" in reply
    assert "不予公开的部分不服" in reply and FIRST in reply
    assert "二〇二六年十一月二十日" in reply and "济南" not in reply  # the office is 历下区人民政府
    assert "历下区人民政府" in reply and f"居民身份证：{GOOD_ID}" in reply
    kinds = [o.kind for o in available_letters(engine, no)]
    assert kinds == ["receipt", "extension", "consultation", "reply"]
    assert all(o.issued for o in available_letters(engine, no))


def test_supplement_and_its_termination(engine: Engine) -> None:
    # D0 Mon 9-14; 补正 Wed 9-16 with 15 working days: 9-17, 18, 20 (Sun), 21..24 (7),
    # 28..30 (10), 10-08, 09, 10 (Sat), 12, 13 (15) → 10-13.
    no = register_case(engine, new_case(D(2026, 9, 14)), "wang", today=TODAY).case_no
    act(engine, no, E.SUPPLEMENT_REQUESTED, "wang", on=D(2026, 9, 16), today=TODAY,
        reason="请写明项目名称和地块位置")  # fmt: skip
    assert workdays_after(D(2026, 9, 16), 15) == D(2026, 10, 13)
    letter = issue(engine, no, "supplement")
    assert "政府信息公开申请补正告知书" in letter and f"{no}-补1" in letter
    assert "请写明项目名称和地块位置" in letter
    assert "请您于二〇二六年十月十三日前（15个工作日内）" in letter
    assert "第三十条" in letter and "二〇二六年九月十六日" in letter
    assert "行政复议" not in letter  # a 补正 notice is not a decision: no remedy sentence

    act(engine, no, E.DEEMED_ABANDONED, "wang", on=D(2026, 10, 14), today=TODAY)
    letter = issue(engine, no, "termination")
    assert "终止办理告知书" in letter and f"{no}-终1" in letter
    assert "补正期限已于二〇二六年十月十三日届满" in letter
    assert "视为您放弃申请" in letter and f"{REGULATION}第三十条" in letter
    assert "可以自收到本告知书之日起六十日内" in letter and "二〇二六年十月十四日" in letter


def test_fee_notice_and_unpaid_termination(engine: Engine) -> None:
    # D0 Mon 9-14; fee notice Tue 9-15, 150 pages by volume: 30 free, 70 × 10, 50 × 20 = 1700.
    # Payment within 20 working days: 9-16..18 (3), 20 (Sun, 4), 21..24 (8), 28..30 (11),
    # 10-08, 09 (13), 10 (Sat, 14), 12..16 (19), 19 (20) → 10-19.
    no = register_case(engine, new_case(D(2026, 9, 14)), "wang", today=TODAY).case_no
    act(engine, no, E.FEE_NOTICE_SENT, "wang", on=D(2026, 9, 15), today=TODAY,
        method="volume", quantity=150)  # fmt: skip
    assert workdays_after(D(2026, 9, 15), 20) == D(2026, 10, 19)
    letter = issue(engine, no, "fee")
    assert "信息处理费收费通知书" in letter and f"{no}-费1" in letter
    assert "按量计收，计费数量150页，应缴金额人民币1700元" in letter
    assert "第1—30页 | 30 | 0 | 0" in letter
    assert "第31—100页 | 70 | 10 | 700" in letter
    assert "第101—200页 | 50 | 20 | 1000" in letter
    assert "请您于二〇二六年十月十九日前" in letter and "第四十二条" in letter
    assert "国办函〔2020〕109号" in letter

    act(engine, no, E.DEEMED_ABANDONED, "wang", on=D(2026, 10, 20), today=TODAY)
    letter = issue(engine, no, "termination")
    assert "缴费期限已于二〇二六年十月十九日届满" in letter and "逾期未按要求缴纳费用" in letter
    assert "第四十二条" in letter


def test_agency_consultation_letter_says_silence_is_consent(engine: Engine) -> None:
    no = register_case(engine, new_case(D(2026, 11, 2)), "wang", today=TODAY).case_no
    act(engine, no, E.CONSULTATION_STARTED, "wang", on=D(2026, 11, 4), today=TODAY,
        kind="agency", party="历下区财政局")  # fmt: skip
    letter = issue(engine, no, "consultation")
    assert "政府信息公开征求意见函" in letter and "历下区财政局：" in letter
    assert f"{REGULATION}第三十四条" in letter and "逾期未提出意见的，视为同意公开" in letter


# -- the golden set: a reply for every outcome --------------------------------------------------

# outcome → phrases its reply must hold (article, wording); the remedy is checked separately.
GOLDEN: dict[str, tuple[str, ...]] = {
    "disclosed": ("第三十六条第（二）项", "决定予以公开"),
    "partial": ("第三十七条", "第十六条第二款", "过程性信息", "作区分处理"),
    "withheld.state_secret": ("第十四条", "国家秘密"),
    "withheld.prohibited_by_law": ("第十四条", "法律、行政法规禁止公开"),
    "withheld.security_stability": ("第十四条", "国家安全、公共安全、经济安全、社会稳定"),
    "withheld.third_party": ("第十五条", "第三方合法权益"),
    "withheld.internal_affairs": ("第十六条第一款", "内部事务信息"),
    "withheld.process_info": ("第十六条第二款", "过程性信息"),
    "withheld.enforcement_file": ("第十六条第二款", "行政执法案卷"),
    "withheld.admin_query": ("第三十六条第（三）项", "行政查询事项"),
    "unavailable.not_held": ("第三十六条第（四）项", "该政府信息不存在"),
    "unavailable.needs_creation": ("第三十八条", "加工、分析"),
    "unavailable.still_unclear": ("第三十条", "补正后的申请内容仍不明确"),
    "rejected.petition": ("第三十九条第一款", "信访、投诉、举报"),
    "rejected.duplicate": ("第三十六条第（六）项", "不予重复处理"),
    "rejected.publication": ("第三十九条第二款", "公开出版物"),
    "rejected.excessive": ("第三十五条", "明显超过合理范围"),
    "rejected.confirm_or_reissue": ("第三十八条", "确认或者重新出具"),
    "other.no_supplement": ("第三十条", "视为您放弃申请"),
    "other.fee_unpaid": ("第四十二条", "国办函〔2020〕109号"),
    "other.other": ("第三十六条第（七）项", "不动产登记资料"),
}
NOT_THIS_AGENCY = ("第三十六条第（五）项", "济南市自然资源和规划局", "0531-66661234")


def test_golden_replies_for_every_outcome(engine: Engine) -> None:
    from domain.outcomes import Outcome

    assert set(GOLDEN) == {o.value for o in Outcome}
    cases: list[tuple[str, str, dict[str, str]]] = [
        (code, code, {"withheld_ground": "withheld.process_info"} if code == "partial" else {})
        for code in GOLDEN
    ]
    cases.append(
        (
            "not_this_agency",
            "unavailable.not_held",
            {"responsible_agency": NOT_THIS_AGENCY[1], "responsible_contact": NOT_THIS_AGENCY[2]},
        )
    )
    for index, (name, outcome, extra) in enumerate(cases):
        no = register_case(
            engine, new_case(D(2026, 11, 2), name=f"申请人{index}"), "wang", today=TODAY
        ).case_no
        act(engine, no, E.ANSWERED, "wang", on=D(2026, 11, 19), today=TODAY,
            outcome=outcome, **extra)  # fmt: skip
        letter = issue(engine, no, "reply")
        phrases = NOT_THIS_AGENCY if name == "not_this_agency" else GOLDEN[name]
        for phrase in phrases:
            assert phrase in letter, (name, phrase)
        assert f"{no}-答1" in letter and f"申请人{index}：" in letter, name
        assert "二〇二六年十一月二日收到" in letter and "二〇二六年十一月十九日" in letter, name
        assert f"法律依据：{REGULATION}" in letter, name
        if outcome.startswith("withheld."):
            assert FIRST in letter and "也可以" not in letter, name
        elif outcome == "partial":
            assert FIRST in letter and EITHER in letter, name
        else:
            assert EITHER in letter and FIRST not in letter, name
        assert f"居民身份证：{GOOD_ID}" in letter and MASKED not in letter, name


# -- re-prints and templates -------------------------------------------------------------------


def test_reprint_is_the_kept_file_and_adds_no_event(
    engine: Engine, tmp_path: Path, seqs: Callable[[str], list[int]]
) -> None:
    no = register_case(engine, new_case(D(2026, 11, 2)), "wang", today=TODAY).case_no
    act(engine, no, E.ANSWERED, "wang", on=D(2026, 11, 19), today=TODAY, outcome="disclosed")
    first = issue_letter(engine, no, "reply", "wang", today=TODAY)
    assert seqs(no) == [1, 2, 3]
    with Session(engine) as session:
        event = session.execute(
            text("SELECT type, payload FROM case_events e JOIN cases c ON c.id = e.case_id "
                 "WHERE c.case_no = :no AND e.seq = 3"),
            {"no": no},
        ).one()  # fmt: skip
        row = session.execute(
            select(Letter).where(Letter.letter_no == first.letter_no)
        ).scalar_one()
        assert (row.issued_by, row.issued_on, row.template_name) == (
            "wang",
            TODAY,
            "seed:reply.docx",
        )
    payload = event.payload if isinstance(event.payload, dict) else json.loads(event.payload)
    assert event.type == "letter_issued"
    assert payload == {
        "kind": "reply",
        "letter_no": f"{no}-答1",
        "template": "seed:reply.docx",
        "template_sha256": first.template_sha256,
    }
    again = issue_letter(engine, no, "reply", "liu", today=D(2026, 11, 21))
    assert again.reprint and again.content == first.content and seqs(no) == [1, 2, 3]
    with pytest.raises(DomainError, match="系统管理员"):
        issue_letter(engine, no, "reply", "admin", today=TODAY)


def _edited_template(source: Path, target: Path, old: str, new: str) -> None:
    """A copy of a shipped template with one piece of its document XML replaced."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "word/document.xml":
                xml = data.decode("utf-8")
                assert old in xml
                data = xml.replace(old, new).encode("utf-8")
            zout.writestr(item, data)


def _agency_with_folder(engine: Engine, folder: Path, code: str = "lixia_zj") -> None:
    ops.add_agency(engine, code, "历下区住房和城乡建设局", parent="lixia",
                         prefix="历下住建公开", letters_dir=str(folder))  # fmt: skip
    ops.add_user(engine, "zhao", "赵磊", "caseworker", code)


def test_agency_template_is_used_and_kept_files_survive_its_edits(
    engine: Engine, tmp_path: Path
) -> None:
    folder = tmp_path / "letters"
    folder.mkdir()
    _edited_template(
        SEED_DIR / "reply.docx", folder / "reply.docx", "特此告知。", "特此告知！本局专用。"
    )
    _agency_with_folder(engine, folder)
    form = NewCase("lixia_zj", "李娜", "natural_person", "in_person", D(2026, 11, 2), "竣工验收备案材料",
                   assignee="zhao")  # fmt: skip
    no = register_case(engine, form, "zhao", today=TODAY).case_no
    act(engine, no, E.ANSWERED, "zhao", on=D(2026, 11, 19), today=TODAY, outcome="disclosed")
    first = issue_letter(engine, no, "reply", "zhao", today=TODAY)
    assert "本局专用" in text_of(first.content) and "历下区住房和城乡建设局" in text_of(
        first.content
    )
    receipt = issue_letter(engine, no, "receipt", "zhao", today=TODAY)  # not in the folder: seed
    assert "本局专用" not in text_of(receipt.content)
    # the office edits its template afterwards: the kept letter re-prints unchanged
    _edited_template(SEED_DIR / "reply.docx", folder / "reply.docx", "特此告知。", "已改版。")
    again = issue_letter(engine, no, "reply", "zhao", today=TODAY)
    assert again.reprint and again.content == first.content


def test_unknown_template_field_is_refused_when_the_folder_is_set(
    engine: Engine, tmp_path: Path
) -> None:
    folder = tmp_path / "letters"
    folder.mkdir()
    _edited_template(
        SEED_DIR / "reply.docx", folder / "reply.docx", "{{ legal_basis }}", "{{ legal_basiss }}"
    )
    before = letter_counts(engine)
    with pytest.raises(DomainError) as info:
        _agency_with_folder(engine, folder)
    assert "legal_basiss" in info.value.message and "reply.docx" in info.value.message
    assert info.value.field == "legal_basiss"
    assert letter_counts(engine) == before
    with engine.connect() as connection:
        assert (
            connection.execute(
                text("SELECT count(*) FROM agencies WHERE code = 'lixia_zj'")
            ).scalar_one()
            == 0
        )


def test_template_broken_after_setup_gives_a_clear_error_and_writes_nothing(
    engine: Engine, tmp_path: Path
) -> None:
    folder = tmp_path / "letters"
    folder.mkdir()
    _agency_with_folder(engine, folder)  # empty folder: fine, the shipped templates serve
    form = NewCase("lixia_zj", "李娜", "natural_person", "in_person", D(2026, 11, 2), "备案材料",
                   assignee="zhao")  # fmt: skip
    no = register_case(engine, form, "zhao", today=TODAY).case_no
    act(engine, no, E.ANSWERED, "zhao", on=D(2026, 11, 19), today=TODAY, outcome="disclosed")
    _edited_template(
        SEED_DIR / "reply.docx", folder / "reply.docx", "{{ remedy }}", "{{ remedy_text }}"
    )
    before = letter_counts(engine)
    with pytest.raises(DomainError, match="remedy_text") as info:
        issue_letter(engine, no, "reply", "zhao", today=TODAY)
    assert str(folder / "reply.docx") in info.value.message
    assert letter_counts(engine) == before
    _edited_template(
        SEED_DIR / "reply.docx", folder / "reply.docx", "{{ remedy }}", "{% if remedy %}"
    )
    with pytest.raises(DomainError, match="语法有误"):
        issue_letter(engine, no, "reply", "zhao", today=TODAY)
    assert letter_counts(engine) == before


def test_kind_not_valid_for_the_case_lists_the_valid_ones(engine: Engine) -> None:
    no = register_case(engine, new_case(D(2026, 11, 2)), "wang", today=TODAY).case_no
    before = letter_counts(engine)
    with pytest.raises(DomainError) as info:
        issue_letter(engine, no, "reply", "wang", today=TODAY)
    assert "当前可出具：receipt" in info.value.message and "答复" in info.value.message
    with pytest.raises(DomainError, match="不存在"):
        issue_letter(engine, no, "notice", "wang", today=TODAY)
    assert letter_counts(engine) == before


# -- the command -------------------------------------------------------------------------------


def test_letter_command(engine: Engine, ogi_run: Any, tmp_path: Path,
                        monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)

    def ogi(*args: str) -> tuple[int, str, str]:
        run = ogi_run(*args)
        return run.code, run.out, run.err

    no = register_case(engine, new_case(D(2026, 11, 2)), "wang", today=TODAY).case_no
    code, out, _ = ogi("case", "answer", no, "--outcome", "disclosed", "--withheld-ground",
                       "withheld.third_party", "-u", "wang", "--on", "2026-11-19")  # fmt: skip
    assert code == 1
    code, out, err = ogi("case", "answer", no, "--outcome", "unavailable.not_held",
                         "--responsible-agency", "济南市自然资源和规划局", "-u", "wang",
                         "--on", "2026-11-19")  # fmt: skip
    assert code == 0, err
    code, out, _ = ogi("case", "letter", no)
    assert code == 0 and "receipt" in out and "reply" in out and f"{no}-答1" in out
    before = letter_counts(engine)
    code, _, err = ogi("case", "letter", no, "--kind", "fee", "-u", "wang")
    assert code == 1 and "当前可出具" in err and "reply" in err
    code, _, err = ogi("case", "letter", no, "--kind", "bogus", "-u", "wang")
    assert code == 1 and "bogus" in err
    assert letter_counts(engine) == before
    code, out, err = ogi("case", "letter", no, "--kind", "reply", "-u", "wang", "--out", "r.docx")
    assert code == 0, err
    letter = text_of((tmp_path / "r.docx").read_bytes())
    assert "负责公开该政府信息的行政机关为济南市自然资源和规划局" in letter
    assert "第三十六条第（五）项" in letter
    code, out, _ = ogi("case", "letter", no, "--kind", "reply", "-u", "wang", "--json")
    assert code == 0 and '"reprint": true' in out
    kept = tmp_path / f"{no}-答1.docx"
    assert kept.read_bytes() == (tmp_path / "r.docx").read_bytes()
