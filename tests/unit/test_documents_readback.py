"""Every document type rendered to PDF and DOCX and read back as a reader would: A4 and the
GB/T 9704 margins, fonts named (DOCX) and embedded (PDF), the 发文机关标志 in red with the red
line under the 文号, page numbers on every page, no line starting with closing punctuation, the
版记 at the foot of the last page, Chinese file names."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from urllib.parse import unquote

import docx as python_docx
import pytest
from docx.oxml.ns import qn
from docx.shared import Mm
from pypdf import PdfReader

from document_samples import ISSUING, samples
from duban_common.documents import Heading, Table, docx, pdf
from duban_common.documents import geometry as g
from duban_common.documents.breaking import CLOSING, OPENING
from duban_common.documents.files import content_disposition, file_name

DOCS = samples()
RED = rb"0?\.75294\d* 0 0"  # #C00000
RED_FILL = re.compile(RED + rb" rg")
RED_LINE = re.compile(RED + rb" RG\n[\d.]+ w\nn 0 [\d.]+ m (4[34]\d\.\d+) [\d.]+ l S")  # a red stroke across the 版心


@pytest.fixture(scope="module")
def rendered() -> dict[str, tuple[bytes, bytes]]:
    return {kind: (pdf.render(d), docx.render(d)) for kind, d in DOCS.items()}


def lines(page) -> list[str]:
    """The page's text as a reader copies it, one entry per line the layout set (or table row)."""
    return [x.strip() for x in page.extract_text().split("\n") if x.strip()]


def positions(page) -> list[tuple[str, float, float]]:
    """(text, x, y) of what is drawn; the text may be cut where a line changes font subset."""
    out: list[tuple[str, float, float]] = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            out.append((text, tm[4] * cm[0] + tm[5] * cm[2] + cm[4], tm[4] * cm[1] + tm[5] * cm[3] + cm[5]))

    page.extract_text(visitor_text=visit)
    return out


PAGE_NO = re.compile(r"— \d+ —")


@pytest.mark.parametrize("kind", list(DOCS))
def test_pdf_page_text_fonts_and_parts(rendered, kind):
    doc = DOCS[kind]
    reader = PdfReader(io.BytesIO(rendered[kind][0]))
    pages = reader.pages
    for n, page in enumerate(pages, start=1):
        box = page.mediabox
        assert abs(float(box.width) - g.PAGE_W) < 1 and abs(float(box.height) - g.PAGE_H) < 1, "A4"
        for text, x, y in positions(
            page
        ):  # all but the page number inside the 版心 (28 mm left, 26 mm right, 37 mm top, 35 mm bottom)
            if not PAGE_NO.fullmatch(text):
                assert g.LEFT - 0.5 <= x <= g.LEFT + g.TEXT_W and g.BOTTOM - 1 <= y <= g.PAGE_H - g.TOP, (
                    kind,
                    n,
                    text,
                    x,
                    y,
                )
        for text in (t for t in lines(page) if not PAGE_NO.fullmatch(t)):
            assert text[0] not in CLOSING, f"{kind} p.{n}: a line starts with closing punctuation: {text!r}"
            assert text[-1] not in OPENING, f"{kind} p.{n}: a line ends with opening punctuation: {text!r}"
        numbers = [c for c in positions(page) if c[0] == f"— {n} —"]
        assert len(numbers) == 1, f"{kind}: page {n} has no page number"
        _, x, y = numbers[0]
        assert y < g.BOTTOM - g.PAGE_NO_GAP, "the page number is under the 版心"
        assert (x > g.PAGE_W / 2) == (n % 2 == 1), "odd pages number right, even pages left"
        fonts = page["/Resources"]["/Font"]
        for ref in fonts.values():
            font = ref.get_object()
            assert re.fullmatch(r"/[A-Z]{6}\+Noto(Serif|Sans)SC-\d+", font["/BaseFont"]), font["/BaseFont"]
            assert "/FontFile2" in font["/FontDescriptor"], f"{font['/BaseFont']} is not embedded"
    first = [t for t in lines(pages[0]) if not PAGE_NO.fullmatch(t)]
    assert first[0] == doc.mark and doc.issuing.body in doc.mark, "the 发文机关标志 comes first"
    assert first[1] == doc.number and doc.title.startswith(first[2]), "then the 文号, and under its red line the title"
    content = pages[0].get_contents().get_data()
    line = RED_LINE.search(content)
    assert RED_FILL.search(content) and line and abs(float(line.group(1)) - g.TEXT_W) < 1, (
        "the 标志 is red and so is the line under the 文号"
    )
    copies, printer, printed = doc.imprint()
    drawn = [(t, y) for t, _, y in positions(pages[-1]) if not PAGE_NO.fullmatch(t)]
    lowest = min(y for _, y in drawn)
    foot = "".join(t for t, y in drawn if abs(y - lowest) < 1)
    assert lowest < g.BOTTOM + g.SIZE_4 * 1.9 and foot == printer + printed, (
        "the 版记's last line ends the 版心 of the last page"
    )
    if copies:
        assert any(t.startswith("抄送：") for t in lines(pages[-1]))
    if len(pages) > 1:
        assert len(pages) % 2 == 0, "the 版记 page is an even page (the back of a sheet)"
    every = "".join(t for p in pages for t in lines(p))
    assert doc.date_line in every and doc.issuing.body in every


@pytest.mark.parametrize("kind", list(DOCS))
def test_docx_page_fonts_and_parts(rendered, kind):
    doc = DOCS[kind]
    word = python_docx.Document(io.BytesIO(rendered[kind][1]))
    sec = word.sections[0]
    near = Mm(0.1)  # Word stores twips: 210 mm is 11906 twips, 0.01 mm off
    assert abs(sec.page_width - Mm(210)) < near and abs(sec.page_height - Mm(297)) < near, "A4"
    for got, mm in ((sec.top_margin, 37), (sec.bottom_margin, 35), (sec.left_margin, 28), (sec.right_margin, 26)):
        assert abs(got - Mm(mm)) < near
    body = word.element.body
    east_asian = {f.get(qn("w:eastAsia")) for f in body.iter(qn("w:rFonts"))}
    assert {"方正小标宋简体", "仿宋_GB2312"} <= east_asian, east_asian
    if doc.annexes or any(isinstance(b, Heading) or (isinstance(b, Table) and b.header) for b in doc.body):
        assert "黑体" in east_asian
    mark = word.paragraphs[0]
    assert mark.text == doc.mark and all(str(r.font.color.rgb) == "C00000" for r in mark.runs)
    number = next(p for p in word.paragraphs if p.text == doc.number)
    line = number._p.find(qn("w:pPr")).find(qn("w:pBdr")).find(qn("w:bottom"))
    assert line.get(qn("w:color")) == "C00000", "the red line under the 文号"
    assert word.settings.odd_and_even_pages_header_footer
    for footer in (sec.footer, sec.even_page_footer):
        assert (
            "PAGE" in "".join(t.text for t in footer._element.iter(qn("w:instrText")))
            and "—" in footer.paragraphs[0].text
        )
    assert sec.footer.paragraphs[0].alignment == 2 and sec.even_page_footer.paragraphs[0].alignment == 0, (
        "odd right, even left"
    )
    copies, printer, printed = doc.imprint()
    last = [p.text for p in word.paragraphs if p.text.strip()][-2:]
    assert last == [copies, f"{printer}\t{printed}"] if copies else last[-1] == f"{printer}\t{printed}", (
        "the 版记 ends the document"
    )
    assert printer == ISSUING.body
    text = "\n".join(p.text for p in word.paragraphs) + "".join(
        c.text for t in word.tables for row in t.rows for c in row.cells
    )
    assert doc.date_line in text and not re.search(r"\d{4}-\d{2}-\d{2}", text), (
        "dates are written one way: 2026年11月2日"
    )


@pytest.mark.parametrize("kind", list(DOCS))
def test_download_names_are_chinese(kind):
    doc = DOCS[kind]
    for fmt in ("docx", "pdf"):
        header = content_disposition(doc.number, doc.title, fmt, fallback="notice-1")
        star = re.search(r"filename\*=UTF-8''(\S+)", header).group(1)
        assert unquote(star) == f"{doc.number}-{doc.title}.{fmt}" == file_name(doc.number, doc.title, fmt)
        assert 'filename="notice-1.' + fmt + '"' in header and header.isascii()


def test_bulletin_body_is_two_to_four_pages_with_the_details_in_annexes(rendered):
    doc = DOCS["督查通报"]
    reader = PdfReader(io.BytesIO(rendered["督查通报"][0]))
    annex_pages = [i for i, p in enumerate(reader.pages) if any(t in ("附件1", "附件") for t in lines(p)[:2])]
    assert [a.title for a in doc.annexes] == ["各单位督办事项办理情况排名表", "催办督办措施明细表"]
    assert 2 <= annex_pages[0] <= 4, f"the text of the bulletin runs {annex_pages[0]} pages"


def test_table_numbers_are_never_broken(rendered):
    reader = PdfReader(io.BytesIO(rendered["督查通报"][0]))
    text = [t for p in reader.pages for t in lines(p)]
    ranking = DOCS["督查通报"].annexes[0].blocks[0]
    for row in ranking.rows:
        for value in row[2:11]:
            assert any(value in t for t in text), f"{value!r} was broken across lines"


FOOT = {"vAnchor": "margin", "yAlign": "bottom", "hAnchor": "margin", "xAlign": "center"}
# a 交办单 whose text runs to an odd page: the 版记 needs a page of its own
LONG = replace(
    DOCS["交办单"],
    body=DOCS["交办单"].body
    + ("现将有关事项通知如下，请认真办理并按时反馈结果，确保群众诉求件件有回音、事事有着落。",) * 8,
)


def framed(word) -> list:
    return [p for p in word.paragraphs if p._p.pPr is not None and p._p.pPr.find(qn("w:framePr")) is not None]


@pytest.mark.parametrize("kind", list(DOCS))
def test_docx_imprint_is_framed_at_the_foot_of_the_page(rendered, kind):
    copies, printer, printed = DOCS[kind].imprint()
    word = python_docx.Document(io.BytesIO(rendered[kind][1]))
    imprint = framed(word)
    rule = "<rule>"
    texts = [p.text or (rule if p._p.xpath("string(w:pPr/w:shd/@w:fill)") == "000000" else "") for p in imprint]
    assert texts == [rule, *([copies, rule] if copies else []), f"{printer}\t{printed}", rule], (
        "the 版记 between its rules, and nothing else, is framed"
    )
    heights = [p.paragraph_format.line_spacing.pt for p in imprint if not p.text]
    assert heights == [1.0, *([0.7] if copies else []), 1.0], "rules of 0.35 mm, the one under 抄送 of 0.25 mm"
    for p in imprint:
        frame = p._p.pPr.find(qn("w:framePr"))
        assert {k: frame.get(qn(f"w:{k}")) for k in FOOT} == FOOT, "anchored to the bottom margin, centred"
        assert abs(int(frame.get(qn("w:w"))) - g.TEXT_W * 20) < 2, "as wide as the 版心"


def text_pages(reader, doc) -> int:
    """Pages of the PDF holding more than the 版记 and the page number."""
    copies, printer, printed = doc.imprint()
    imprint = sorted((copies or "") + printer + printed)
    own = [sorted("".join(t for t in lines(p) if not PAGE_NO.fullmatch(t)).replace(" ", "")) for p in reader.pages]
    return sum(1 for chars in own if chars != imprint)


def breaks_before_imprint(word) -> int:
    body = list(word.element.body)
    i = body.index(framed(word)[0]._p)
    n = 0
    while (
        (el := body[i - 1 - n]).tag == qn("w:p")
        and el.pPr is not None
        and el.pPr.pageBreakBefore is not None
        and not el.xpath("string(.)")
    ):
        n += 1
    return n


@pytest.mark.parametrize("kind", [*DOCS, "long"])
def test_docx_imprint_page_is_the_pdf_even_last_page(rendered, kind):
    doc = LONG if kind == "long" else DOCS[kind]
    pdf_bytes, docx_bytes = (pdf.render(doc), docx.render(doc)) if kind == "long" else rendered[kind]
    reader = PdfReader(io.BytesIO(pdf_bytes))
    text, total = text_pages(reader, doc), len(reader.pages)
    if kind == "long":
        assert total == text + 1, (
            "the long 交办单's text ends on an odd page, so its PDF gives the 版记 a page of its own"
        )
    assert text + breaks_before_imprint(python_docx.Document(io.BytesIO(docx_bytes))) == total, (
        "the DOCX's 版记 page is the PDF's last page"
    )


@pytest.mark.parametrize("kind", list(DOCS))
def test_docx_signature_date_and_note_keep_with_the_text_above(rendered, kind):
    doc = DOCS[kind]
    word = python_docx.Document(io.BytesIO(rendered[kind][1]))
    body = list(word.element.body)
    sig = max(
        i for i, el in enumerate(body) if el.tag == qn("w:p") and el.xpath("string(.)") == doc.issuing.body
    )  # not the 标志
    above = body[sig - 2]  # the text above the blank line over the 落款: a paragraph, or a table's last row
    held = [above] if above.tag == qn("w:p") else list(above.findall(qn("w:tr"))[-1].iter(qn("w:p")))
    held += body[
        sig - 1 : sig + (2 if doc.note else 1)
    ]  # the blank line, the 落款, and the date when a 附注 follows it
    assert all(p.pPr is not None and p.pPr.keepNext is not None for p in held), (
        f"{kind}: the 落款 block can be left alone on a page"
    )
    if doc.note:
        note = body[sig + 2]
        assert note.xpath("string(.)") == doc.note and note.pPr.keepLines is not None, "the 附注 is kept whole"
