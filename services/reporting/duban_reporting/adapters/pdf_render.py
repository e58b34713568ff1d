"""An official document as PDF (reportlab), from the same model as the Word file. The text uses
reportlab's built-in Adobe CID font STSong-Light: nothing to install, no office suite, and the
Chinese text stays extractable (copy, search, pypdf)."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer
from reportlab.platypus import Table as PdfTable
from reportlab.platypus import TableStyle

from ..domain.documents import OfficialDocument, Table, copies_line

FONT = "STSong-Light"


def _styles() -> dict[str, ParagraphStyle]:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    base = ParagraphStyle("body", fontName=FONT, fontSize=14, leading=24, wordWrap="CJK", firstLineIndent=28)
    return {
        "masthead": ParagraphStyle("masthead", parent=base, fontSize=26, leading=36, alignment=TA_CENTER, firstLineIndent=0,
                                   textColor=colors.HexColor("#C00000"), spaceAfter=6),
        "number": ParagraphStyle("number", parent=base, alignment=TA_CENTER, firstLineIndent=0, spaceAfter=12),
        "title": ParagraphStyle("title", parent=base, fontSize=20, leading=30, alignment=TA_CENTER, firstLineIndent=0, spaceAfter=12),
        "plain": ParagraphStyle("plain", parent=base, firstLineIndent=0),
        "body": base,
        "heading": ParagraphStyle("heading", parent=base, fontSize=15),
        "right": ParagraphStyle("right", parent=base, alignment=TA_RIGHT, firstLineIndent=0),
        "cell": ParagraphStyle("cell", parent=base, fontSize=9, leading=12, firstLineIndent=0),
        "small": ParagraphStyle("small", parent=base, fontSize=12, leading=20, firstLineIndent=0),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)


def _table(t: Table, st: dict[str, ParagraphStyle], width: float) -> list:
    data = [[_p(c, st["cell"]) for c in row] for row in (t.header, *t.rows)]
    # columns share the width by how much they hold (a unit's name needs more room than a count)
    weights = [min(max(max(len(r[j]) for r in (t.header, *t.rows)), 2), 14) for j in range(len(t.header))]
    table = PdfTable(data, colWidths=[width * w / sum(weights) for w in weights], repeatRows=1)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#EEEEEE"))]))
    return [table, *([_p(t.note, st["small"])] if t.note else []), Spacer(1, 6)]


def render(d: OfficialDocument) -> bytes:
    st = _styles()
    buf = io.BytesIO()
    page = SimpleDocTemplate(buf, pagesize=A4, topMargin=37 * mm, bottomMargin=35 * mm, leftMargin=28 * mm, rightMargin=26 * mm,
                             title=d.title, author=d.issuer, subject=d.number)
    flow: list = [_p(d.masthead, st["masthead"]), _p(d.number, st["number"]), _p(d.title, st["title"])]
    if d.addressee:
        flow.append(_p(d.addressee, st["plain"]))
    flow.append(_p(d.opening, st["body"]))
    for s in d.sections:
        flow.append(_p(s.heading, st["heading"]))
        for b in s.blocks:
            flow += _table(b, st, page.width) if isinstance(b, Table) else [_p(b, st["body"])]
    flow += [Spacer(1, 24), *(_p(line, st["right"]) for line in d.signature)]
    if d.copies_to:
        flow += [Spacer(1, 18), _p(copies_line(d.copies_to), st["small"])]
    page.build(flow)
    return buf.getvalue()
