"""A tenant's own DOCX template, filled from the same model as the built-in layout."""

from __future__ import annotations

import io

import docx as python_docx
import pytest

from document_samples import samples
from duban_common.documents.template import TemplateError, check, fill


def template(*lines: str) -> bytes:
    word = python_docx.Document()
    for line in lines:
        word.add_paragraph(line)
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()


OURS = template(
    "本县督查室自定义版式",
    "{{发文机关标志}}",
    "{{文号}}",
    "{{标题}}",
    "{{主送}}",
    "{{正文}}",
    "{{发文机关}}",
    "{{成文日期}}",
    "{{附注}}",
    "{{附件}}",
    "{{抄送}}",
    "{{发文机关}}　{{印发日期}}",
)


def test_a_template_is_filled_in_place_with_the_body_where_the_placeholder_was():
    doc = samples()["督查通报"]
    check(OURS)
    word = python_docx.Document(io.BytesIO(fill(doc, OURS)))
    texts = [p.text for p in word.paragraphs]
    assert not any("{{" in t for t in texts), texts
    assert texts[:5] == ["本县督查室自定义版式", doc.mark, doc.number, doc.title, doc.addressee]
    assert texts[5] == doc.body[0]  # the body where {{正文}} was
    signed = texts.index(doc.issuing.body)
    assert texts[signed + 1] == doc.date_line and texts[signed + 2] == doc.note
    assert texts[signed - 2 : signed] == ["附件：1. 各单位督办事项办理情况排名表", "2. 催办督办措施明细表"]
    assert "附件1" in texts[signed + 3 :] and texts[-2] == doc.imprint()[0]
    assert texts[-1] == f"{doc.issuing.body}　{doc.imprint()[2]}"
    assert len(word.tables) == 3  # the body's table and the two annexes'


@pytest.mark.parametrize(
    "content, says",
    [
        (b"not a word file", "不是有效的Word文档"),
        (template("{{标题}}", "正文写在这里"), "{{正文}}"),
        (template("{{标题}}", "{{正文}}", "{{签发人}}"), "无法识别的占位符：{{签发人}}"),
    ],
)
def test_a_template_that_would_not_fill_is_refused_with_the_reason(content, says):
    with pytest.raises(TemplateError) as e:
        check(content)
    assert says in str(e.value)
