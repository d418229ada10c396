"""Maintenance tool: rebuild the shipped letter templates (seeds/letters/*.docx).

The .docx files are what ships and what offices copy and edit in Word; this script only
makes the first version reproducible. Layout follows GB/T 9704 for the body of a letter
printed on the office's own letterhead (no 红头): A4, margins 37/35/28/26 mm, title in
方正小标宋简体 二号, text in 仿宋_GB2312 三号 at a fixed 28 pt line, first-line indent of two
characters, the office's name and the date at the foot on the right.

Each Jinja tag sits in one run (python-docx writes one run per call), which docxtpl needs.
Run: .venv/bin/python seeds/letters/build_templates.py
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

HERE = Path(__file__).resolve().parent
BODY_FONT = "仿宋_GB2312"
TITLE_FONT = "方正小标宋简体"
BODY_SIZE = Pt(16)  # 三号
TITLE_SIZE = Pt(22)  # 二号
LINE = Pt(28)

OPENING = (
    "本机关于{{ received_on }}收到您提出的政府信息公开申请（申请编号：{{ case_no }}），"
    "申请公开的内容为：“{{ content }}”。"
)


def _fonts(run, name: str, size) -> None:  # type: ignore[no-untyped-def]
    run.font.name = name
    run.font.size = size
    r_pr = run._element.get_or_add_rPr()
    fonts = r_pr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = r_pr.makeelement(qn("w:rFonts"), {})
        r_pr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)


class Letter:
    """A small writer of one template."""

    def __init__(self) -> None:
        self.doc = Document()
        section = self.doc.sections[0]
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin, section.bottom_margin = Mm(37), Mm(35)
        section.left_margin, section.right_margin = Mm(28), Mm(26)
        normal = self.doc.styles["Normal"]
        normal.font.name = BODY_FONT
        normal.font.size = BODY_SIZE
        normal.element.get_or_add_rPr()
        _fonts_style = normal.element.rPr.find(qn("w:rFonts"))
        if _fonts_style is None:
            _fonts_style = normal.element.rPr.makeelement(qn("w:rFonts"), {})
            normal.element.rPr.insert(0, _fonts_style)
        for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
            _fonts_style.set(qn(attr), BODY_FONT)
        fmt = normal.paragraph_format
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = LINE
        fmt.space_before = fmt.space_after = Pt(0)

    def title(self) -> None:
        p = self.doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.paragraph_format.line_spacing = Pt(36)
        _fonts(p.add_run("{{ title }}"), TITLE_FONT, TITLE_SIZE)
        number = self.doc.add_paragraph()
        number.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _fonts(number.add_run("{{ letter_no }}"), BODY_FONT, BODY_SIZE)
        self.blank()

    def blank(self) -> None:
        self.doc.add_paragraph()

    def line(self, text: str, indent: bool = True) -> None:
        p = self.doc.add_paragraph()
        if indent:
            p.paragraph_format.first_line_indent = Pt(32)
        _fonts(p.add_run(text), BODY_FONT, BODY_SIZE)

    def control(self, tag: str) -> None:
        """A paragraph holding only a docxtpl `{%p … %}` tag (removed when rendered)."""
        p = self.doc.add_paragraph()
        p.add_run(tag)

    def addressee(self) -> None:
        self.line("{{ addressee }}：", indent=False)

    def applicant_line(self) -> None:
        self.line(
            "申请人：{{ applicant_name }}{% if applicant_id_number %}"
            "（{{ applicant_id_kind }}：{{ applicant_id_number }}）{% endif %}",
            indent=False,
        )

    def fee_table(self) -> None:
        table = self.doc.add_table(rows=4, cols=4)
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        heads = ("计费区间", "数量", "单价（元）", "小计（元）")
        for cell, text in zip(table.rows[0].cells, heads, strict=True):
            _fonts(cell.paragraphs[0].add_run(text), BODY_FONT, Pt(14))
        table.rows[1].cells[0].paragraphs[0].add_run("{%tr for line in fee_lines %}")
        values = (
            "{{ line.description }}",
            "{{ line.count }}",
            "{{ line.unit_price }}",
            "{{ line.subtotal }}",
        )
        for cell, text in zip(table.rows[2].cells, values, strict=True):
            _fonts(cell.paragraphs[0].add_run(text), BODY_FONT, Pt(14))
        table.rows[3].cells[0].paragraphs[0].add_run("{%tr endfor %}")

    def signature(self) -> None:
        self.blank()
        for text in ("{{ office_name }}", "{{ letter_date }}"):
            p = self.doc.add_paragraph()
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            p.paragraph_format.right_indent = Pt(32)
            _fonts(p.add_run(text), BODY_FONT, BODY_SIZE)

    def save(self, name: str) -> None:
        self.doc.core_properties.title = name
        self.doc.core_properties.author = ""
        self.doc.save(HERE / f"{name}.docx")


def receipt() -> None:
    w = Letter()
    w.title()
    w.addressee()
    w.line(OPENING)
    w.line(
        "根据《中华人民共和国政府信息公开条例》第三十三条的规定，本机关将自收到申请之日起"
        "20个工作日内，即于{{ due }}前予以答复。需要延长答复期限、征求第三方或者其他机关意见，"
        "或者需要您补正申请的，本机关将另行书面告知。"
    )
    w.line("特此告知。")
    w.blank()
    w.applicant_line()
    w.signature()
    w.save("receipt")


def supplement() -> None:
    w = Letter()
    w.title()
    w.addressee()
    w.line(OPENING)
    w.line(
        "经审查，您的申请内容不明确。根据《中华人民共和国政府信息公开条例》第二十九条第二款、"
        "第三十条的规定，现一次性告知您作出补正。需要补正的事项：{{ supplement_items }}"
    )
    w.line(
        "请您于{{ supplement_deadline }}前（{{ supplement_days }}个工作日内）向本机关提交补正后的申请。"
        "答复期限自本机关收到补正的申请之日起计算。您无正当理由逾期不补正的，视为放弃申请，"
        "本机关不再处理该政府信息公开申请。"
    )
    w.line("特此告知。")
    w.signature()
    w.save("supplement")


def extension() -> None:
    w = Letter()
    w.title()
    w.addressee()
    w.line(OPENING)
    w.line(
        "因{% if extension_reason %}{{ extension_reason }}{% else %}工作需要{% endif %}，"
        "本机关不能在规定期限内答复。经政府信息公开工作机构负责人同意，根据"
        "《中华人民共和国政府信息公开条例》第三十三条第二款的规定，答复期限延长"
        "{{ extension_days }}个工作日，由{{ original_due }}延长至{{ due }}。"
    )
    w.line("特此告知。")
    w.signature()
    w.save("extension")


def consultation() -> None:
    w = Letter()
    w.title()
    w.addressee()
    w.line(
        "本机关于{{ received_on }}收到政府信息公开申请（申请编号：{{ case_no }}），"
        "申请公开的内容为：“{{ content }}”。"
    )
    w.line(
        "经审查，该政府信息{% if consultation_reason %}（{{ consultation_reason }}）{% endif %}"
        "的公开需要征求{{ consultation_kind }}意见。根据{{ consultation_article }}的规定，"
        "现书面征求您（单位）的意见。"
    )
    w.line(
        "请于{{ consultation_deadline }}前（15个工作日内）书面提出是否同意公开的意见；"
        "不同意公开的，请说明理由。{{ silence_rule }}"
    )
    w.line("特此函告。")
    w.signature()
    w.save("consultation")


def fee() -> None:
    w = Letter()
    w.title()
    w.addressee()
    w.line(OPENING)
    w.line(
        "您申请公开政府信息的数量、频次明显超过合理范围。根据{{ legal_basis }}和{{ fee_basis }}"
        "的规定，本机关决定收取信息处理费：{{ fee_method }}，计费数量{{ fee_quantity }}{{ fee_unit }}，"
        "应缴金额人民币{{ fee_amount }}元。计算明细如下："
    )
    w.fee_table()
    w.line(
        "请您于{{ payment_deadline }}前（自收到本通知之日起{{ payment_days }}个工作日内）缴纳。"
        "答复期限自您完成缴费次日起重新计算。逾期未缴纳的，视为放弃申请，"
        "本机关不再处理该政府信息公开申请。"
    )
    w.line("{{ remedy }}")
    w.line("特此通知。")
    w.signature()
    w.save("fee")


def reply() -> None:
    w = Letter()
    w.title()
    w.addressee()
    w.line(OPENING + "现答复如下：")
    w.control("{%p for para in reply_paragraphs %}")
    w.line("{{ para }}")
    w.control("{%p endfor %}")
    w.line("法律依据：{{ legal_basis }}。")
    w.line("{{ remedy }}")
    w.line("特此告知。")
    w.blank()
    w.applicant_line()
    w.signature()
    w.save("reply")


def termination() -> None:
    w = Letter()
    w.title()
    w.addressee()
    w.line(OPENING)
    w.line(
        "{% if outcome == 'other.fee_unpaid' %}缴费期限{% else %}补正期限{% endif %}"
        "已于{{ lapsed_deadline }}届满。{{ termination_reason }}"
    )
    w.line("法律依据：{{ legal_basis }}。")
    w.line("{{ remedy }}")
    w.line("特此告知。")
    w.signature()
    w.save("termination")


if __name__ == "__main__":
    for build in (receipt, supplement, extension, consultation, fee, reply, termination):
        build()
    print(f"templates written to {HERE}")
