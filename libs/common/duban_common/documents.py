"""Official notices (交办单, 催办单, 督办单) as Word documents in the form offices file:
a centred title, the number on the right, a two-column table, the issuer and date."""

from __future__ import annotations

import io
from datetime import date

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt


def _font(run, size: int, bold: bool = False) -> None:
    run.font.size, run.font.bold, run.font.name = Pt(size), bold, "仿宋"
    run.element.rPr.rFonts.set(qn("w:eastAsia"), "仿宋")


def chinese_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def official_notice(*, title: str, number: str, rows: list[tuple[str, str]], issuer: str, issued_on: date,
                    copies_to: list[str] | None = None) -> bytes:
    doc = Document()
    head = doc.add_paragraph()
    head.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(head.add_run(title), 22, bold=True)
    num = doc.add_paragraph()
    num.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _font(num.add_run(number), 14)
    table = doc.add_table(rows=len(rows), cols=2)
    table.style = "Table Grid"
    for i, (label, value) in enumerate(rows):
        _font(table.cell(i, 0).paragraphs[0].add_run(label), 14, bold=True)
        _font(table.cell(i, 1).paragraphs[0].add_run(value), 14)
    doc.add_paragraph()
    sign = doc.add_paragraph()
    sign.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _font(sign.add_run(f"{issuer}\n{chinese_date(issued_on)}"), 14)
    if copies_to:
        _font(doc.add_paragraph().add_run("抄送：" + "、".join(copies_to)), 12)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
