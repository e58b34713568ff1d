"""One model for every official document Duban issues (交办单, 催办单, 督办单, 督查通报, 督查专报,
移送函), laid out by GB/T 9704-2012 《党政机关公文格式》 and rendered to DOCX and PDF from the
same values (docx.py, pdf.py), so both formats carry the same words. Pure: no I/O.

Parts as the standard names them: 版头 (发文机关标志, 发文字号, the red line), 主体 (标题,
主送机关, 正文 with 一、/（一）/1. headings, tables, 附件说明, 落款 with 成文日期, 附注,
附件 on pages of their own), 版记 (抄送, 印发机关 and 印发日期) at the foot of the last page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

NUMERALS = "一二三四五六七八九十"
# every document type Duban issues (Document.kind), as offices name them
KINDS = {
    "assignment": "交办单",
    "urge": "催办单",
    "order": "督办单",
    "quarterly_bulletin": "督查通报",
    "special_report": "督查专报",
    "transfer": "移送函",
}


@dataclass(frozen=True)
class Heading:
    """一、… (level 1, 黑体), （一）… (level 2, 楷体), 1. … (level 3, 仿宋加粗)."""

    text: str
    level: int = 1


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...] | None  # None: a form of label | value rows
    rows: tuple[tuple[str, ...], ...]
    note: str | None = None  # said under the table (e.g. rows left out)


Block = str | Heading | Table  # a plain string is a paragraph of the body


@dataclass(frozen=True)
class Annex:
    """附件: listed under the body (附件：1. …) and printed after the 落款 on pages of its own."""

    title: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Receipt:
    """签收回执: a stub under a cut line that the receiving unit fills in and returns."""

    title: str  # 签收回执
    rows: tuple[tuple[str, str], ...]  # (label, value or "" for a blank to fill in)


@dataclass(frozen=True)
class Issuing:
    """Who issues: the tenant's full issuing body (发文机关) and its office's contact (附注)."""

    body: str  # 余庆县人民政府办公室
    contact: str | None = None  # the office's contact person
    phone: str | None = None  # the office's telephone


@dataclass(frozen=True)
class Document:
    kind: str  # assignment | urge | order | quarterly_bulletin | special_report | transfer
    issuing: Issuing
    number: str  # 发文字号: 督办〔2026〕17号
    title: str  # 关于……的通报
    body: tuple[Block, ...]
    issued_on: date  # 成文日期
    addressee: str | None = None  # 主送机关, ends with "："
    mark_suffix: str = "文件"  # 发文机关标志 = issuing body + suffix (文件, 督查通报, or "")
    annexes: tuple[Annex, ...] = ()
    receipt: Receipt | None = None
    copies_to: tuple[str, ...] = field(default_factory=tuple)  # 抄送

    @property
    def mark(self) -> str:
        """发文机关标志, printed red at the head of the first page."""
        return self.issuing.body + self.mark_suffix

    @property
    def note(self) -> str | None:
        """附注: the office's contact, under the date."""
        issuing = self.issuing
        parts = [
            f"联系人：{issuing.contact}" if issuing.contact else "",
            f"联系电话：{issuing.phone}" if issuing.phone else "",
        ]
        return f"（{'，'.join(p for p in parts if p)}）" if any(parts) else None

    @property
    def date_line(self) -> str:
        return chinese_date(self.issued_on)

    def annex_lines(self) -> tuple[str, ...]:
        """附件说明 under the body: 附件：1. … / 2. … (a single annex is not numbered)."""
        if len(self.annexes) == 1:
            return (f"附件：{self.annexes[0].title}",)
        return tuple(f"{'附件：' if i == 0 else '　　　'}{i + 1}. {a.title}" for i, a in enumerate(self.annexes))

    def annex_label(self, index: int) -> str:
        return "附件" if len(self.annexes) == 1 else f"附件{index + 1}"

    def imprint(self) -> tuple[str | None, str, str]:
        """版记: (抄送 line or None, 印发机关, 印发日期)."""
        copies = f"抄送：{'，'.join(self.copies_to)}。" if self.copies_to else None
        return copies, self.issuing.body, f"{self.date_line}印发"

    def texts(self) -> list[str]:
        """Every string in reading order (what a reader of either format sees), for tests and search."""
        out = [self.mark, self.number, self.title, *([self.addressee] if self.addressee else [])]
        out += _block_texts(self.body)
        out += [*self.annex_lines(), self.issuing.body, self.date_line, *([self.note] if self.note else [])]
        for index, annex in enumerate(self.annexes):
            out += [self.annex_label(index), annex.title, *_block_texts(annex.blocks)]
        if self.receipt:
            out += [self.receipt.title, *(x for row in self.receipt.rows for x in row if x)]
        copies, printer, printed = self.imprint()
        return out + [*([copies] if copies else []), printer, printed]


def _block_texts(blocks: tuple[Block, ...]) -> list[str]:
    out: list[str] = []
    for block in blocks:
        if isinstance(block, Table):
            out += [
                *(block.header or ()),
                *(c for row in block.rows for c in row),
                *([block.note] if block.note else []),
            ]
        else:
            out.append(block.text if isinstance(block, Heading) else block)
    return out


def chinese_date(day: date) -> str:
    """成文日期 in Arabic numerals, as GB/T 9704 writes it: 2026年11月2日."""
    return f"{day.year}年{day.month}月{day.day}日"


def numbered(number: int) -> str:
    """1 → 一, 11 → 十一, 20 → 二十 (headings 一、二、三…)."""
    if number <= 10:
        return NUMERALS[number - 1]
    if number < 20:
        return "十" + NUMERALS[number - 11]
    tens, ones = divmod(number, 10)
    return NUMERALS[tens - 1] + "十" + (NUMERALS[ones - 1] if ones else "") if number < 100 else str(number)
