"""The official document (公文) that a bulletin or a special report is: one model, rendered to
DOCX and to PDF by the adapters, so both formats carry the same words. Pure: no I/O.

Parts as GB/T 9704 names them: 发文机关 (issuer), 发文字号 (number), 标题 (title), 主送机关
(addressee), 正文 (opening and sections 一、二、三…), 落款 (signature) with the 成文日期, 抄送.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from duban_common.pii import mask_phones_in_text

KIND_WORD = {"quarterly_bulletin": "督查通报", "special_report": "督查专报"}
KIND_LABEL = {"quarterly_bulletin": "政务督查通报", "special_report": "督查专报"}
NUMERALS = "一二三四五六七八九十"


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    note: str | None = None  # said under the table (e.g. rows left out)


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
        for s in self.sections:
            out.append(s.heading)
            for b in s.blocks:
                if isinstance(b, Table):
                    out += [*b.header, *(c for row in b.rows for c in row), *([b.note] if b.note else [])]
                else:
                    out.append(b)
        out += list(self.signature)
        if self.copies_to:
            out.append(copies_line(self.copies_to))
        return out


def chinese_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def numbered(i: int) -> str:
    """1 → 一, 11 → 十一 (section headings)."""
    if i <= 10:
        return NUMERALS[i - 1]
    return "十" + NUMERALS[i - 11] if i < 20 else str(i)


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
    m = mask_phones_in_text

    def block(b: str | Table) -> str | Table:
        if isinstance(b, Table):
            return replace(b, rows=tuple(tuple(m(c) for c in row) for row in b.rows), note=m(b.note) if b.note else None)
        return m(b)

    return replace(doc, title=m(doc.title), opening=m(doc.opening),
                   sections=tuple(replace(s, blocks=tuple(block(b) for b in s.blocks)) for s in doc.sections))
