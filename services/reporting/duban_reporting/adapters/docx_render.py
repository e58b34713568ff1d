"""An official document as a Word file (python-docx), laid out as offices file them: the red
masthead, the number, the title, the addressee, the body with 一、二、三 headings and tables,
the issuer and date, the copies line. Fonts are named, not embedded (Word substitutes)."""

from __future__ import annotations

import io

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from ..domain.documents import OfficialDocument, Table, copies_line

RED = RGBColor(0xC0, 0x00, 0x00)
BODY, HEADING, TITLE = "仿宋", "黑体", "宋体"


def _run(paragraph, text: str, *, size: float, font: str = BODY, bold: bool = False, color: RGBColor | None = None) -> None:
    run = paragraph.add_run(text)
    run.font.size, run.font.bold, run.font.name = Pt(size), bold, font
    run.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)
    if color is not None:
        run.font.color.rgb = color


def _para(doc, text: str, *, size: float = 16, font: str = BODY, align=None, indent: bool = False, bold: bool = False,
          color: RGBColor | None = None):
    p = doc.add_paragraph()
    if align is not None:
        p.alignment = align
    if indent:
        p.paragraph_format.first_line_indent = Pt(size * 2)
    _run(p, text, size=size, font=font, bold=bold, color=color)
    return p


def _table(doc, t: Table) -> None:
    table = doc.add_table(rows=1 + len(t.rows), cols=len(t.header))
    table.style = "Table Grid"
    for j, h in enumerate(t.header):
        _run(table.cell(0, j).paragraphs[0], h, size=10.5, font=HEADING)
    for i, row in enumerate(t.rows, start=1):
        for j, value in enumerate(row):
            _run(table.cell(i, j).paragraphs[0], value, size=10.5)
    if t.note:
        _para(doc, t.note, size=12)


def render(d: OfficialDocument) -> bytes:
    doc = Document()
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    sec.top_margin, sec.bottom_margin, sec.left_margin, sec.right_margin = Mm(37), Mm(35), Mm(28), Mm(26)
    doc.core_properties.title, doc.core_properties.author = d.title, d.issuer
    _para(doc, d.masthead, size=26, font=TITLE, align=WD_ALIGN_PARAGRAPH.CENTER, bold=True, color=RED)
    _para(doc, d.number, align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(doc, d.title, size=22, font=TITLE, align=WD_ALIGN_PARAGRAPH.CENTER, bold=True)
    if d.addressee:
        _para(doc, d.addressee)
    _para(doc, d.opening, indent=True)
    for s in d.sections:
        _para(doc, s.heading, font=HEADING, indent=True)
        for b in s.blocks:
            if isinstance(b, Table):
                _table(doc, b)
            else:
                _para(doc, b, indent=True)
    doc.add_paragraph()
    for line in d.signature:
        _para(doc, line, align=WD_ALIGN_PARAGRAPH.RIGHT)
    if d.copies_to:
        _para(doc, copies_line(d.copies_to), size=14)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
