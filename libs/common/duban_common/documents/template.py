"""A tenant's own DOCX template for a document type, filled from the same model as the built-in
layout. The template is an ordinary Word file with placeholders, each in a paragraph:

  {{发文机关标志}} {{发文机关}} {{文号}} {{标题}} {{主送}} {{成文日期}} {{附注}} {{抄送}} {{印发日期}}
  {{正文}}  (a paragraph of its own: replaced by the body, its tables and the 附件说明)
  {{附件}}  (optional, a paragraph of its own: the annexes; without it they follow the last paragraph)

A placeholder's paragraph keeps its first run's formatting; a placeholder with no value (no
主送, no 抄送) leaves its paragraph empty."""

from __future__ import annotations

import io
import re

from docx import Document as Word

from .docx import annex_blocks, body_blocks
from .docx import render as built_in
from .model import Document

BODY, ANNEXES = "{{正文}}", "{{附件}}"
PLACEHOLDER = re.compile(r"\{\{[^{}]{1,10}\}\}")
MAX_BYTES = 2 * 1024 * 1024


class TemplateError(ValueError):
    """What is wrong with an uploaded template (said in Chinese to the person who uploaded it)."""


def values(document: Document) -> dict[str, str]:
    copies, printer, printed = document.imprint()
    return {
        "{{发文机关标志}}": document.mark,
        "{{发文机关}}": document.issuing.body,
        "{{文号}}": document.number,
        "{{标题}}": document.title,
        "{{主送}}": document.addressee or "",
        "{{成文日期}}": document.date_line,
        "{{附注}}": document.note or "",
        "{{抄送}}": copies or "",
        "{{印发日期}}": printed,
    }


def check(content: bytes) -> None:
    """Refuses what would not fill: not a DOCX, too big, no {{正文}}, an unknown placeholder."""
    if len(content) > MAX_BYTES:
        raise TemplateError(f"模板文件超过{MAX_BYTES // 1024 // 1024}MB")
    try:
        word = Word(io.BytesIO(content))
    except Exception:  # python-docx raises several kinds for a file that is not a Word document
        raise TemplateError("模板不是有效的Word文档（.docx）") from None
    texts = [p.text for p in _paragraphs(word)]
    if not any(t.strip() == BODY for t in texts):
        raise TemplateError(f"模板须有一个单独成段的 {BODY} 占位符，用于放置正文")
    unknown = sorted({m for t in texts for m in PLACEHOLDER.findall(t)} - _KNOWN)
    if unknown:
        raise TemplateError(f"模板中有无法识别的占位符：{'、'.join(unknown)}；可用的有：{'、'.join(sorted(_KNOWN))}")


_KNOWN = {
    "{{发文机关标志}}",
    "{{发文机关}}",
    "{{文号}}",
    "{{标题}}",
    "{{主送}}",
    "{{成文日期}}",
    "{{附注}}",
    "{{抄送}}",
    "{{印发日期}}",
    BODY,
    ANNEXES,
}


def _paragraphs(word):
    yield from word.paragraphs
    for table in word.tables:
        for row in table.rows:
            for cell in row.cells:
                yield from cell.paragraphs
    for section in word.sections:
        for part in (section.header, section.footer, section.even_page_header, section.even_page_footer):
            yield from part.paragraphs


def _move_before(anchor, elements) -> None:
    for element in elements:
        anchor._p.addprevious(element)


def fill(document: Document, content: bytes) -> bytes:
    word = Word(io.BytesIO(content))
    vals = values(document)
    anchors = {}
    for paragraph in list(_paragraphs(word)):
        text = paragraph.text
        if text.strip() in (BODY, ANNEXES):
            anchors[text.strip()] = paragraph
            continue
        if not PLACEHOLDER.search(text):
            continue
        filled = PLACEHOLDER.sub(lambda m: vals.get(m.group(0), ""), text)
        runs = paragraph.runs
        runs[0].text = filled
        for run in runs[1:]:
            run._r.getparent().remove(run._r)
    body = word.element.body
    for key, make in ((BODY, body_blocks), (ANNEXES, annex_blocks)):
        before = set(body)  # holds the elements, so lxml keeps their proxies (and their identity)
        make(word, document)  # appended at the end of the body (before its section properties) ...
        added = [el for el in body if el not in before]
        anchor = anchors.get(key)
        if anchor is not None:  # ... and moved to the placeholder
            _move_before(anchor, added)
            anchor._p.getparent().remove(anchor._p)
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()


def render_docx(document: Document, template: bytes | None) -> bytes:
    """The DOCX in the tenant's template when it has one for the type, else in the built-in layout."""
    return fill(document, template) if template else built_in(document)
