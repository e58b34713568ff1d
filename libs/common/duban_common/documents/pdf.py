"""A document as PDF (reportlab), laid out by GB/T 9704-2012 from the same model as the DOCX.
The fonts are embedded, subsetted to the characters used (fonts.py), so the file reads the same
on any machine and can be archived."""

from __future__ import annotations

import io
import itertools
import threading
from dataclasses import replace

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import BaseDocTemplate, Frame, PageBreak, PageTemplate, Spacer

from . import fonts
from . import geometry as g
from .breaking import title_lines
from .model import Annex, Document, Heading, Table
from .pdf_layout import Imprint, Para, Rule, Style, draw_text, table

_LOCK = threading.Lock()  # reportlab's font registry is global
_SEQ = itertools.count()
PAGE_NO_CHARS = "— 0123456789"


class _Styles:
    def __init__(self, serif: str, sans: str) -> None:
        body = Style(serif)
        self.serif, self.sans = serif, sans
        self.body = replace(body, indent=2)
        self.plain = replace(body, align="left")
        self.h1 = replace(body, font=sans, indent=2)
        self.h2 = replace(body, indent=2)
        self.h3 = replace(body, indent=2, bold=True)
        self.title = Style(serif, size=g.SIZE_2, leading=g.SIZE_2 * 1.55, align="center", tracking=0, bold=True)
        self.number = replace(body, align="center", tracking=0)
        self.right = replace(body, align="left", tracking=0)
        self.annex_label = replace(body, font=sans, align="left")
        self.cell = Style(serif, size=g.SIZE_SMALL_4, align="left", tracking=0)
        self.form = Style(serif, size=g.SIZE_4, align="left", tracking=0)
        self.head = Style(sans, size=g.SIZE_SMALL_4, align="center", tracking=0)
        self.imprint = Style(serif, size=g.SIZE_4, leading=g.SIZE_4 * 1.9, align="left", tracking=0)
        self.page_no = Style(serif, size=g.SIZE_4, tracking=0)

    def mark(self, text: str) -> Style:
        size = min(g.MARK_MAX, g.TEXT_W * 0.94 / max(len(text), 1))
        return Style(self.serif, size=size, leading=size * 1.2, align="center", tracking=0, bold=True, color=g.RED)


def _blocks(blocks, styles: _Styles) -> list:
    out: list = []
    for block in blocks:
        if isinstance(block, Table):
            form = block.header is None
            out.append(table(block.header, block.rows, styles.form if form else styles.cell, styles.head, g.TEXT_W))
            if block.note:
                out.append(Para(block.note, styles.cell))
            out.append(Spacer(1, 6))
        elif isinstance(block, Heading):
            out.append(Para(block.text, {1: styles.h1, 2: styles.h2}.get(block.level, styles.h3)))
        else:
            out.append(Para(block, styles.body))
    return out


def _signature(document: Document, styles: _Styles) -> list:
    """落款 without a seal: the issuer 右空二字, the date under it starting two characters further right."""
    em_width = styles.body.em
    sig_w, date_w = styles.right.measure(document.issuing.body), styles.right.measure(document.date_line)
    sig_x = g.TEXT_W - 2 * em_width - sig_w
    date_x = sig_x + 2 * em_width
    if date_x + date_w > g.TEXT_W - 2 * em_width:
        date_x = g.TEXT_W - 2 * em_width - date_w
        sig_x = min(sig_x, date_x - 2 * em_width)
    return [
        Spacer(1, g.PITCH),
        Para(document.issuing.body, replace(styles.right, left=sig_x / em_width)),
        Para(document.date_line, replace(styles.right, left=date_x / em_width)),
    ]


def _annex(document: Document, index: int, annex: Annex, styles: _Styles) -> list:
    return [
        PageBreak(),
        Para(document.annex_label(index), styles.annex_label),
        Spacer(1, g.PITCH * 0.5),
        Para(annex.title, styles.title),
        Spacer(1, g.PITCH * 0.5),
        *_blocks(annex.blocks, styles),
    ]


def _receipt(document: Document, styles: _Styles) -> list:
    receipt = document.receipt
    assert receipt is not None  # called for a document with a receipt only
    return [
        Spacer(1, g.PITCH * 0.5),
        Rule(0.8, space_before=0, dash=(4, 3)),
        Para("（沿此线剪下）", replace(styles.cell, align="center", size=9, leading=12)),
        Para(receipt.title, replace(styles.title, size=g.SIZE_3 + 2, leading=g.PITCH)),
        Para(f"交办单号：{document.number}", replace(styles.form, leading=g.PITCH)),
        table(None, receipt.rows, styles.form, styles.head, g.TEXT_W),
    ]


def story(document: Document, styles: _Styles, page_breaks_before_imprint: int = 0) -> tuple[list, Imprint]:
    mark = styles.mark(document.mark)
    flow: list = [
        Spacer(1, g.MARK_TOP),
        Para(document.mark, mark),
        Spacer(1, g.PITCH * 2 - mark.leading * 0.2),
        Para(document.number, styles.number),
        Rule(1.0, g.RED, space_before=g.RED_LINE_GAP - g.PITCH * 0.3),
        Spacer(1, g.PITCH * 2 - g.RED_LINE_GAP),
    ]
    flow.append(TitleBlock(document.title, styles.title))
    flow.append(Spacer(1, g.PITCH))
    if document.addressee:
        flow.append(Para(document.addressee, styles.plain))
    flow += _blocks(document.body, styles)
    if document.annexes:
        flow.append(Spacer(1, g.PITCH))
        first, *more = document.annex_lines()
        flow.append(Para(first, replace(styles.plain, left=2)))
        flow += [Para(x.strip("　"), replace(styles.plain, left=5)) for x in more]
    flow += _signature(document, styles)
    if document.note:
        flow.append(Para(document.note, replace(styles.plain, left=2)))
    if document.receipt:
        flow += _receipt(document, styles)
    for index, annex in enumerate(document.annexes):
        flow += _annex(document, index, annex, styles)
    copies, printer, printed = document.imprint()
    imprint = Imprint(copies, printer, printed, styles.imprint)
    flow += [PageBreak() for _ in range(page_breaks_before_imprint)]
    flow += [Spacer(1, g.PITCH * 0.5), imprint]
    return flow, imprint


class TitleBlock(Para):
    """The title in lines broken between words (breaking.title_lines), centred."""

    def wrap(self, availWidth, availHeight):
        if self._lines is None:
            self._lines = title_lines(self.text, availWidth, self.text_style.measure)
        return super().wrap(availWidth, availHeight)

    def split(self, availWidth, availHeight):
        return []  # a title stays on one page


def _page_number(canv, doc) -> None:
    """「— 1 —」 in 4号, 7 mm under the 版心: odd pages right (一字 in), even pages left."""
    style = doc.duban_styles.page_no
    number = canv.getPageNumber()
    text = f"— {number} —"
    width = style.measure(text)
    left = g.LEFT + g.TEXT_W - style.size - width if number % 2 else g.LEFT + style.size
    draw_text(canv, left, g.BOTTOM - g.PAGE_NO_GAP - style.size * 0.88, text, style)


def _build(document: Document, styles: _Styles, breaks: int) -> tuple[bytes, Imprint, int]:
    buf = io.BytesIO()
    doc = BaseDocTemplate(
        buf,
        pagesize=(g.PAGE_W, g.PAGE_H),
        leftMargin=g.LEFT,
        rightMargin=g.RIGHT,
        topMargin=g.TOP,
        bottomMargin=g.BOTTOM,
        title=document.title,
        author=document.issuing.body,
        subject=document.number,
        creator="Duban",
        initialFontName=styles.serif,
        initialFontSize=g.SIZE_3,
    )
    frame = Frame(g.LEFT, g.BOTTOM, g.TEXT_W, g.TEXT_H, leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    doc.addPageTemplates([PageTemplate("page", [frame], onPage=_page_number)])
    doc.duban_styles = styles
    flow, imprint = story(document, styles, breaks)
    doc.build(flow)
    return buf.getvalue(), imprint, doc.page


def render(document: Document) -> bytes:
    return layout(document)[0]


def layout(document: Document) -> tuple[bytes, int]:
    """The PDF and the page breaks put before its 版记 so that the 版记 ends on an even page (the
    back of a sheet) when the document has more than one page; the DOCX adds as many."""
    chars = set("".join(document.texts())) | set(PAGE_NO_CHARS) | set("（沿此线剪下）交办单号：")
    with _LOCK:
        sequence = next(_SEQ)
        # a name of its own for each document's subset: reportlab keeps faces by name, and a
        # second document must not be set with the glyph numbers of the first one's subset
        names = {kind: f"{fonts.FREE_FONTS[kind].replace(' ', '')}-{sequence}" for kind in ("serif", "sans")}
        for kind, name in names.items():
            data = fonts.face(kind).subset(chars, name)
            pdfmetrics.registerFont(TTFont(name, io.BytesIO(data)))
        try:
            styles = _Styles(names["serif"], names["sans"])
            for breaks in range(3):
                pdf, imprint, pages = _build(document, styles, breaks)
                if pages == 1 or (imprint.landed is not None and imprint.landed % 2 == 0):
                    break
            return pdf, breaks
        finally:
            for name in names.values():  # the registry would otherwise keep every document's subset
                pdfmetrics._fonts.pop(name, None)
                pdfmetrics._typefaces.pop(name, None)
