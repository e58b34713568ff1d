"""A document as a Word file (python-docx), laid out by GB/T 9704-2012 from the same model as
the PDF. Fonts are named as county offices have them (fonts.py): Word sets the text in them
there; the PDF is the copy that looks the same everywhere."""

from __future__ import annotations

import io

from docx import Document as Word
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Mm, Pt, RGBColor

from . import fonts, pdf
from . import geometry as g
from .breaking import title_lines
from .columns import Estimate, fit
from .model import Document, Heading, Table

RED = RGBColor(0xC0, 0x00, 0x00)
# WordprocessingML wants the children of pPr, rPr and tblPr in schema order: the tags that follow each one inserted here
P_AFTER_AUTOSPACE = (
    "w:bidi",
    "w:adjustRightInd",
    "w:snapToGrid",
    "w:spacing",
    "w:ind",
    "w:contextualSpacing",
    "w:mirrorIndents",
    "w:suppressOverlap",
    "w:jc",
    "w:textDirection",
    "w:textAlignment",
    "w:textboxTightWrap",
    "w:outlineLvl",
    "w:divId",
    "w:cnfStyle",
    "w:rPr",
    "w:sectPr",
    "w:pPrChange",
)
P_AFTER_BORDER = (
    "w:shd",
    "w:tabs",
    "w:suppressAutoHyphens",
    "w:kinsoku",
    "w:wordWrap",
    "w:overflowPunct",
    "w:topLinePunct",
    "w:autoSpaceDE",
    "w:autoSpaceDN",
    *P_AFTER_AUTOSPACE,
)
R_AFTER_SPACING = (
    "w:w",
    "w:kern",
    "w:position",
    "w:sz",
    "w:szCs",
    "w:highlight",
    "w:u",
    "w:effect",
    "w:bdr",
    "w:shd",
    "w:fitText",
    "w:vertAlign",
    "w:rtl",
    "w:cs",
    "w:em",
    "w:lang",
    "w:eastAsianLayout",
    "w:specVanish",
    "w:oMath",
)

CENTER, RIGHT, LEFT, JUSTIFY = (
    WD_ALIGN_PARAGRAPH.CENTER,
    WD_ALIGN_PARAGRAPH.RIGHT,
    WD_ALIGN_PARAGRAPH.LEFT,
    WD_ALIGN_PARAGRAPH.JUSTIFY,
)


def _el(tag: str, **attrs) -> BaseOxmlElement:
    element = OxmlElement(tag)
    for name, value in attrs.items():
        element.set(qn(f"w:{name}"), str(value))
    return element


def _run(paragraph, text: str, role: fonts.Role, size: float, *, color: RGBColor | None = None, bold: bool = False):
    run = paragraph.add_run(text)
    run.font.size, run.font.bold = Pt(size), bold
    run.font.name = fonts.LATIN
    run.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), role.docx)
    if color is not None:
        run.font.color.rgb = color
    if role is fonts.BODY and size == g.SIZE_3:  # 3号 squeezed to 28 characters a line (twentieths of a point)
        run.element.get_or_add_rPr().insert_element_before(
            _el("w:spacing", val=round(g.TRACKING * 20)), *R_AFTER_SPACING
        )
    return run


def _para(
    parent,
    text: str = "",
    role: fonts.Role = fonts.BODY,
    size: float = g.SIZE_3,
    *,
    align=JUSTIFY,
    indent: float = 0,
    left: float = 0,
    right: float = 0,
    line: float = g.PITCH,
    before: float = 0,
    color=None,
    bold=False,
):
    paragraph = parent.add_paragraph()
    _no_autospace(paragraph)
    layout = paragraph.paragraph_format
    paragraph.alignment = align
    layout.line_spacing_rule, layout.line_spacing = WD_LINE_SPACING.EXACTLY, Pt(line)
    layout.space_before, layout.space_after = Pt(before), Pt(0)
    layout.first_line_indent, layout.left_indent, layout.right_indent = (
        Pt(indent * g.CELL),
        Pt(left * g.CELL),
        Pt(right * g.CELL),
    )
    if text:
        _run(paragraph, text, role, size, color=color, bold=bold)
    return paragraph


def _no_autospace(paragraph) -> None:
    """No space added between Chinese and digits or Latin letters: 2026年11月2日 as written."""
    ppr = paragraph._p.get_or_add_pPr()
    for tag in ("w:autoSpaceDE", "w:autoSpaceDN"):
        ppr.insert_element_before(_el(tag, val=0), *P_AFTER_AUTOSPACE)


def _border(paragraph, side: str, size_eighths: int, color: str, space: int = 0) -> None:
    ppr = paragraph._p.get_or_add_pPr()
    bdr = ppr.find(qn("w:pBdr"))
    if bdr is None:
        bdr = _el("w:pBdr")
        ppr.insert_element_before(bdr, *P_AFTER_BORDER)
    bdr.append(_el(f"w:{side}", val="single", sz=size_eighths, space=space, color=color))


def _page_setup(doc) -> None:
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    sec.top_margin, sec.bottom_margin, sec.left_margin, sec.right_margin = Mm(37), Mm(35), Mm(28), Mm(26)
    sec.footer_distance, sec.header_distance = Mm(21), Mm(15)
    # 22 lines: the line pitch of the grid; the 28 characters come from the body's character
    # spacing (_run), not a character grid, which would also space out digits and the 标志
    grid = sec._sectPr.find(qn("w:docGrid"))
    if grid is None:
        grid = _el("w:docGrid")
        sec._sectPr.append(grid)
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(round(g.PITCH * 20)))
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = fonts.LATIN, Pt(g.SIZE_3)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), fonts.BODY.docx)
    doc.settings.odd_and_even_pages_header_footer = True
    for footer, odd in ((sec.footer, True), (sec.even_page_footer, False)):
        paragraph = footer.paragraphs[0]
        paragraph.alignment = RIGHT if odd else LEFT
        paragraph.paragraph_format.right_indent = Pt(g.SIZE_4) if odd else None
        paragraph.paragraph_format.left_indent = None if odd else Pt(g.SIZE_4)
        _run(paragraph, "— ", fonts.SONG, g.SIZE_4)
        _field(paragraph, "PAGE")
        _run(paragraph, " —", fonts.SONG, g.SIZE_4)


def _field(paragraph, code: str) -> None:
    run = _run(paragraph, "", fonts.SONG, g.SIZE_4)
    for element in (
        _el("w:fldChar", fldCharType="begin"),
        _el("w:instrText"),
        _el("w:fldChar", fldCharType="separate"),
        None,
        _el("w:fldChar", fldCharType="end"),
    ):
        if element is None:
            text_element = OxmlElement("w:t")
            text_element.text = "1"
            run._r.append(text_element)
            continue
        if element.tag == qn("w:instrText"):
            element.set(qn("xml:space"), "preserve")
            element.text = f" {code} "
        run._r.append(element)


def _table(doc, table: Table) -> None:
    form = table.header is None
    size = g.SIZE_4 if form else g.SIZE_SMALL_4
    size, widths = fit(
        table.header, table.rows, Estimate, (size, 10.5, 9.0), g.TEXT_W, 11.0
    )  # Word's cell margins: 5.4 pt a side
    rows = ([table.header] if table.header else []) + list(table.rows)
    word_table = doc.add_table(rows=len(rows), cols=len(rows[0]))
    word_table.style = "Table Grid"
    word_table.alignment = WD_TABLE_ALIGNMENT.CENTER
    word_table.autofit = False
    # LibreOffice reads the grid and the table's width, Word the cells: all are set (autofit off: a fixed layout)
    for col, width in zip(word_table._tbl.tblGrid.findall(qn("w:gridCol")), widths):
        col.set(qn("w:w"), str(round(width * 20)))
    tbl_w = word_table._tbl.tblPr.find(qn("w:tblW"))
    tbl_w.set(qn("w:type"), "dxa")
    tbl_w.set(qn("w:w"), str(round(sum(widths) * 20)))
    for row_index, (row, word_row) in enumerate(
        zip(rows, word_table.rows)
    ):  # word_table.cell() walks the table each time
        for column, (value, cell) in enumerate(zip(row, word_row.cells)):
            cell.width = Pt(widths[column])
            paragraph = cell.paragraphs[0]
            _no_autospace(paragraph)
            head = table.header is not None and row_index == 0
            paragraph.alignment = LEFT if len(value) > 8 or (form and column) else CENTER
            paragraph.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
            _run(paragraph, value, fonts.HEI if head else fonts.BODY, size)
    if table.note:
        _para(doc, table.note, size=g.SIZE_SMALL_4, line=g.SIZE_SMALL_4 * 1.5)


def _blocks(doc, blocks) -> None:
    for block in blocks:
        if isinstance(block, Table):
            _table(doc, block)
        elif isinstance(block, Heading):
            role = {1: fonts.HEI, 2: fonts.KAI}.get(block.level, fonts.BODY)
            _para(doc, block.text, role, indent=2, bold=block.level >= 3)
        else:
            _para(doc, block, indent=2)


def _signature(doc, document: Document) -> None:
    est = Estimate(g.CELL)
    sig_w, date_w = est.measure(document.issuing.body), est.measure(document.date_line)
    sig_right = 2 * g.CELL
    date_right = sig_right + sig_w - 2 * g.CELL - date_w  # the date starts two characters right of the issuer
    _keep_last_with_next(doc)
    _para(doc).paragraph_format.keep_with_next = True
    _para(doc, document.issuing.body, align=RIGHT, right=sig_right / g.CELL).paragraph_format.keep_with_next = True
    date = _para(doc, document.date_line, align=RIGHT, right=max(date_right, 2 * g.CELL) / g.CELL)
    if document.note:
        date.paragraph_format.keep_with_next = True
        _para(doc, document.note, align=LEFT, left=2).paragraph_format.keep_together = True


def _keep_last_with_next(doc) -> None:
    """落款, date and 附注 go to the next page with the text above them, never alone: the last
    paragraph (or the last row of a table) keeps with what follows."""
    body = doc.element.body
    last = body[-2] if len(body) > 1 else None  # the body's last child is its sectPr
    rows = last.findall(qn("w:tr")) if last is not None and last.tag == qn("w:tbl") else []
    held = [last] if last is not None and last.tag == qn("w:p") else list(rows[-1].iter(qn("w:p"))) if rows else []
    for paragraph in held:
        paragraph.get_or_add_pPr().keepNext_val = True


def _imprint(doc, document: Document, page_breaks: int) -> None:
    """版记 at the foot of the last page: a thick rule, 抄送, a thin rule, 印发机关 and 印发日期 on
    one line (a right tab), a thick rule, in one frame anchored to the bottom margin with the
    text wrapping around it ("notBeside" has LibreOffice move the frame to the next page even
    where it fits). The rules are paragraphs of their own, filled black: LibreOffice keeps
    paragraphs in one frame only when their borders match (it drops the frame otherwise, and
    with a w:between rule). The page breaks before it are the PDF's (pdf.layout), which make
    the 版记 page an even one."""
    copies, printer, printed = document.imprint()
    for _ in range(page_breaks):
        _para(doc).paragraph_format.page_break_before = True
    thick, thin = 1.0, 0.7  # points: 0.35 mm and 0.25 mm
    framed = [_rule(doc, thick)]
    if copies:
        framed += [
            _para(doc, copies, size=g.SIZE_4, align=LEFT, left=1, right=1, line=g.SIZE_4 * 1.9),
            _rule(doc, thin),
        ]
    paragraph = _para(doc, printer, size=g.SIZE_4, align=LEFT, left=1, right=1, line=g.SIZE_4 * 1.9)
    paragraph.paragraph_format.tab_stops.add_tab_stop(Pt(g.TEXT_W - 2 * g.SIZE_4), WD_TAB_ALIGNMENT.RIGHT)
    paragraph.runs[-1].add_tab()
    _run(paragraph, printed, fonts.BODY, g.SIZE_4)
    framed += [paragraph, _rule(doc, thick)]
    for paragraph in framed:
        paragraph.paragraph_format.keep_with_next = True
        paragraph._p.get_or_add_pPr().insert_element_before(
            _el(
                "w:framePr",
                w=round(g.TEXT_W * 20),
                wrap="around",
                hAnchor="margin",
                vAnchor="margin",
                xAlign="center",
                yAlign="bottom",
            ),
            "w:widowControl",
            "w:numPr",
            "w:suppressLineNumbers",
            "w:pBdr",
            *P_AFTER_BORDER,
        )
    _para(doc, line=1)  # what the frame is anchored to: LibreOffice leaves a frame that ends the document in the text


def _rule(doc, points: float):
    """A black line across the 版心: an empty paragraph that high, filled black."""
    paragraph = _para(doc, line=points)
    paragraph._p.get_or_add_pPr().insert_element_before(
        _el("w:shd", val="clear", color="auto", fill="000000"), *P_AFTER_BORDER[1:]
    )
    return paragraph


def _receipt(doc, document: Document) -> None:
    receipt = document.receipt
    assert receipt is not None  # called for a document with a receipt only
    _para(doc, "- " * 18 + "（沿此线剪下）" + " -" * 18, size=g.SIZE_SMALL_4, align=CENTER)
    _para(doc, receipt.title, fonts.TITLE, g.SIZE_3 + 2, align=CENTER)
    _para(doc, f"交办单号：{document.number}")
    _table(doc, Table(None, receipt.rows))


def body_blocks(doc, document: Document) -> None:
    """正文 and the 附件说明 under it (also what a tenant's template gets at {{正文}})."""
    _blocks(doc, document.body)
    if document.annexes:
        _keep_last_with_next(doc)
        _para(doc).paragraph_format.keep_with_next = True
        for index, line in enumerate(document.annex_lines()):  # the 附件说明 is kept on one page
            _para(doc, line.strip("　"), align=LEFT, left=2 if index == 0 else 5).paragraph_format.keep_with_next = True


def annex_blocks(doc, document: Document) -> None:
    """The annexes, each from a new page."""
    for index, annex in enumerate(document.annexes):
        paragraph = _para(doc, document.annex_label(index), fonts.HEI, align=LEFT)
        paragraph.paragraph_format.page_break_before = True
        _para(doc)
        _para(doc, annex.title, fonts.TITLE, g.SIZE_2, align=CENTER, line=g.SIZE_2 * 1.55)
        _para(doc)
        _blocks(doc, annex.blocks)


def render(document: Document) -> bytes:
    doc = Word()
    _page_setup(doc)
    doc.core_properties.title, doc.core_properties.author, doc.core_properties.subject = (
        document.title,
        document.issuing.body,
        document.number,
    )
    mark_size = min(g.MARK_MAX, g.TEXT_W * 0.94 / max(len(document.mark), 1))
    first = doc.paragraphs[0] if doc.paragraphs else _para(doc)
    first.alignment = CENTER
    first.paragraph_format.space_before = Pt(g.MARK_TOP)
    first.paragraph_format.line_spacing_rule, first.paragraph_format.line_spacing = (
        WD_LINE_SPACING.EXACTLY,
        Pt(mark_size * 1.2),
    )
    _run(first, document.mark, fonts.TITLE, mark_size, color=RED)
    _para(doc)
    number = _para(doc, document.number, align=CENTER)
    _border(number, "bottom", 8, "C00000", space=round(g.RED_LINE_GAP))  # the red separator line, 4 mm under the number
    _para(doc)
    title = _para(doc, align=CENTER, line=g.SIZE_2 * 1.55)
    for index, line in enumerate(title_lines(document.title, g.TEXT_W, Estimate(g.SIZE_2).measure)):
        if index:
            title.runs[-1].add_break(WD_BREAK.LINE)
        _run(title, line, fonts.TITLE, g.SIZE_2)
    _para(doc)
    if document.addressee:
        _para(doc, document.addressee, align=LEFT)
    body_blocks(doc, document)
    _signature(doc, document)
    if document.receipt:
        _receipt(doc, document)
    annex_blocks(doc, document)
    _imprint(doc, document, pdf.layout(document)[1])
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
