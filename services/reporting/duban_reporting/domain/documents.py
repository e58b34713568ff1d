"""The official document (公文) that a bulletin or a special report is, in sections; it becomes
the shared document model (duban_common.documents), which both formats are rendered from, so
they carry the same words. Pure: no I/O.

Parts as GB/T 9704 names them: 发文机关 (issuer), 发文字号 (number), 标题 (title), 主送机关
(addressee), 正文 (opening and sections 一、二、三…), 落款 (signature) with the 成文日期, 抄送.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from duban_common.documents import Annex, Document, Heading, Issuing, Table, chinese_date, numbered
from duban_common.pii import mask_phones_in_text

KIND_WORD = {
    "quarterly_bulletin": "督查通报",
    "special_report": "督查专报",
    "monthly_summary": "督查月报",
    "annual_assessment": "督查考核",
}
KIND_LABEL = {
    "quarterly_bulletin": "政务督查通报",
    "special_report": "督查专报",
    "monthly_summary": "督查工作月报",
    "annual_assessment": "督查督办考核通报",
}
MARK_SUFFIX = {
    "quarterly_bulletin": "文件",
    "special_report": "督查专报",
    "monthly_summary": "督查月报",
    "annual_assessment": "文件",
}


@dataclass(frozen=True)
class Section:
    heading: str  # 一、总体情况
    blocks: tuple[str | Table, ...] = ()  # paragraphs (a sub-heading is a paragraph: （一）…) and tables


@dataclass(frozen=True)
class OfficialDocument:
    kind: str  # quarterly_bulletin | special_report
    issuer: str  # 发文机关
    number: str  # 督查通报〔2026〕3号
    title: str
    addressee: str | None  # 主送机关, ends with "："
    opening: str
    sections: tuple[Section, ...]
    issued_on: date
    copies_to: tuple[str, ...] = field(default_factory=tuple)
    annexes: tuple[Annex, ...] = ()  # printed after the signature (the bulletin's ranking and measures)

    def document(self, issuing: Issuing) -> Document:
        """The shared model; ``issuing`` carries the office's contact for the 附注."""
        body: list = [self.opening]
        for section in self.sections:
            body += [Heading(section.heading), *section.blocks]
        return Document(
            kind=self.kind,
            issuing=replace(issuing, body=self.issuer),
            number=self.number,
            title=self.title,
            body=tuple(body),
            issued_on=self.issued_on,
            addressee=self.addressee,
            mark_suffix=MARK_SUFFIX[self.kind],
            annexes=self.annexes,
            copies_to=self.copies_to,
        )

    @property
    def masthead(self) -> str:
        """版头: 县人民政府督查室 政务督查通报."""
        return f"{self.issuer}{KIND_LABEL[self.kind]}"

    @property
    def signature(self) -> tuple[str, str]:
        return self.issuer, chinese_date(self.issued_on)

    def texts(self) -> list[str]:
        """Every string of the document in reading order (what a reader of either format sees)."""
        out = [self.masthead, self.number, self.title, *([self.addressee] if self.addressee else []), self.opening]
        for section in self.sections:
            out.append(section.heading)
            for block in section.blocks:
                if isinstance(block, Table):
                    out += [
                        *(block.header or ()),
                        *(c for row in block.rows for c in row),
                        *([block.note] if block.note else []),
                    ]
                else:
                    out.append(block)
        for annex in self.annexes:
            out.append(annex.title)
            for annex_block in annex.blocks:
                if isinstance(annex_block, Table):
                    out += [*(annex_block.header or ()), *(c for row in annex_block.rows for c in row)]
                else:
                    out.append(annex_block)  # type: ignore[arg-type]  # an annex holds paragraphs and tables only
        out += list(self.signature)
        if self.copies_to:
            out.append(copies_line(self.copies_to))
        return out


def sections(*parts: tuple[str, tuple[str | Table, ...]]) -> tuple[Section, ...]:
    """Headings numbered 一、二、三… in the order given; parts without blocks are left out."""
    kept = [p for p in parts if p[1]]
    return tuple(Section(f"{numbered(i + 1)}、{heading}", blocks) for i, (heading, blocks) in enumerate(kept))


def copies_line(copies: tuple[str, ...]) -> str:
    return "抄送：" + "，".join(copies) + "。"


def pct(rate: float | None) -> str:
    return "—" if rate is None else f"{rate:.1f}%"


def masked(doc: OfficialDocument) -> OfficialDocument:
    """Mobile numbers written anywhere in free text (a matter's title) are masked (139****5678).
    Citizens' names reach reporting masked already (matter.registered carries 张*三 only)."""
    mask = mask_phones_in_text

    def block(part: str | Heading | Table) -> str | Heading | Table:
        if isinstance(part, Heading):
            return replace(part, text=mask(part.text))
        if isinstance(part, Table):
            return replace(
                part,
                rows=tuple(tuple(mask(c) for c in row) for row in part.rows),
                note=mask(part.note) if part.note else None,
            )
        return mask(part)

    return replace(
        doc,
        title=mask(doc.title),
        opening=mask(doc.opening),
        sections=tuple(replace(s, blocks=tuple(block(b) for b in s.blocks)) for s in doc.sections),  # type: ignore[misc]  # paragraphs and tables stay so
        annexes=tuple(replace(a, blocks=tuple(block(b) for b in a.blocks)) for a in doc.annexes),
    )
