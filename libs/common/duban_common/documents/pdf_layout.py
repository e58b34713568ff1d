"""The flowables the PDF is laid out with (reportlab platypus): lines broken by breaking.py and
drawn on the 28-character grid, tables whose columns fit their content, the cut line of a
receipt stub, and the 版记 that sits at the foot of whatever page it lands on."""

from __future__ import annotations

from dataclasses import dataclass, replace

from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, TableStyle
from reportlab.platypus import Table as PdfTable

from . import geometry as g
from .breaking import break_lines
from .columns import fit


@dataclass(frozen=True)
class Style:
    font: str  # the registered reportlab font
    size: float = g.SIZE_3
    leading: float = g.PITCH
    align: str = "justify"  # justify | left | center | right
    indent: float = 0.0  # first line, in characters
    left: float = 0.0  # every line, in characters
    right: float = 0.0  # right indent, in characters
    tracking: float = g.TRACKING  # added to every character's advance
    bold: bool = False
    color: tuple[float, float, float] = (0, 0, 0)

    def measure(self, text: str) -> float:
        return stringWidth(text, self.font, self.size) + self.tracking * len(text)

    @property
    def em(self) -> float:
        return self.size + self.tracking


def draw_text(canv, x: float, y: float, text: str, st: Style, char_space: float | None = None) -> None:
    t = canv.beginText(x, y)
    t.setFont(st.font, st.size)
    t.setCharSpace(st.tracking if char_space is None else char_space)
    t.setFillColorRGB(*st.color)
    if st.bold:  # the free serif has one weight: 小标宋 is drawn filled and stroked
        canv.setStrokeColorRGB(*st.color)
        canv.setLineWidth(st.size * 0.035)
        t.setTextRenderMode(2)
    t.textOut(text)
    canv.drawText(t)


class Para(Flowable):
    """A paragraph on the grid; splits across pages between lines."""

    def __init__(self, text: str, st: Style, lines: list[str] | None = None, first: bool = True) -> None:
        super().__init__()
        self.text, self.st, self._lines, self.first = text, st, lines, first

    def _break(self, width: float) -> list[str]:
        st = self.st
        usable = width - (st.left + st.right) * st.em
        first_w = usable - (st.indent * st.em if self.first else 0)
        head = break_lines(self.text, first_w, st.measure)
        if len(head) <= 1:
            return head
        rest = break_lines(self.text[len(head[0]) :], usable, st.measure)
        return [head[0], *rest]

    def wrap(self, availWidth, availHeight):
        self.width = availWidth
        if self._lines is None:
            self._lines = self._break(availWidth)
        self.height = len(self._lines) * self.st.leading
        return self.width, self.height

    def split(self, availWidth, availHeight):
        self.wrap(availWidth, availHeight)
        n = int(availHeight // self.st.leading)
        if n <= 0 or n >= len(self._lines):
            return []
        rest_text = "".join(self._lines[n:])
        return [
            Para("".join(self._lines[:n]), self.st, self._lines[:n], self.first),
            Para(rest_text, self.st, self._lines[n:], first=False),
        ]

    def draw(self):
        st, canv = self.st, self.canv
        for i, line in enumerate(self._lines):
            y = self.height - (i + 1) * st.leading + (st.leading - st.size) / 2 + st.size * 0.12
            left = st.left * st.em + (st.indent * st.em if (i == 0 and self.first) else 0)
            usable = self.width - left - st.right * st.em
            w = st.measure(line)
            space = None
            if st.align == "center":
                x = left + (usable - w) / 2
            elif st.align == "right":
                x = left + usable - w
            else:
                x = left
                last = i == len(self._lines) - 1
                if st.align == "justify" and not last and len(line) > 1:
                    space = st.tracking + (usable - w) / (len(line) - 1)
            draw_text(canv, x, y, line, st, space)


class Rule(Flowable):
    """A horizontal line across the 版心 (the red separator; the rules of the 版记)."""

    def __init__(self, thickness: float, color=(0, 0, 0), space_before: float = 0.0, dash: tuple | None = None) -> None:
        super().__init__()
        self.thickness, self.color, self.space_before, self.dash = thickness, color, space_before, dash

    def wrap(self, availWidth, availHeight):
        self.width = availWidth
        return availWidth, self.space_before + self.thickness

    def draw(self):
        c = self.canv
        c.setStrokeColorRGB(*self.color)
        c.setLineWidth(self.thickness)
        if self.dash:
            c.setDash(*self.dash)
        c.line(0, self.thickness / 2, self.width, self.thickness / 2)
        c.setDash()


def table(header, rows, cell: Style, head: Style, width: float) -> PdfTable:
    """Sized by columns.fit, from ``cell.size`` down to 9 pt."""
    pad = 4.0
    sizes = tuple(x for x in (cell.size, 12.0, 10.5, 9.0) if x <= cell.size)
    size, widths = fit(header, rows, lambda z: replace(cell, size=z, tracking=0), sizes, width, 2 * pad)
    c, h = (
        replace(cell, size=size, leading=size * 1.5, tracking=0),
        replace(head, size=size, leading=size * 1.5, tracking=0),
    )
    data = [[Para(x, replace(h, align="center")) for x in header]] if header else []
    data += [
        [
            Para(x, replace(c, align="left" if _textual(x) or (header is None and j) else "center"))
            for j, x in enumerate(r)
        ]
        for r in rows
    ]
    t = PdfTable(data, colWidths=widths, repeatRows=1 if header else 0)
    t.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("FONTNAME", (0, 0), (-1, -1), c.font),
                ("LEFTPADDING", (0, 0), (-1, -1), pad),
                ("RIGHTPADDING", (0, 0), (-1, -1), pad),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return t


def _textual(x: str) -> bool:
    """Long text is set flush left, short values and figures centred."""
    return len(x) > 8


class Imprint(Flowable):
    """版记: thick rule, 抄送, thin rule, 印发机关 … 印发日期, thick rule, drawn at the foot of the
    page it lands on (it takes the rest of the page); ``landed`` tells the renderer which page."""

    def __init__(self, copies: str | None, printer: str, printed: str, st: Style) -> None:
        super().__init__()
        self.copies, self.printer, self.printed, self.st = copies, printer, printed, st
        self.landed: int | None = None

    def _own(self, width: float) -> tuple[list[str], float]:
        if not self.copies:
            return [], self.st.leading + 4
        label = self.copies[:3]  # 抄送：, lines after the first align under the text after the colon
        rest = break_lines(self.copies[3:], width - 2 * self.st.em - self.st.measure(label), self.st.measure)
        lines = [label + rest[0], *rest[1:]]
        return lines, (len(lines) + 1) * self.st.leading + 4

    def wrap(self, availWidth, availHeight):
        self.width = availWidth
        self._lines, own = self._own(availWidth)
        self.height = availHeight if availHeight >= own else own
        return self.width, self.height

    def draw(self):
        c, st = self.canv, self.st
        self.landed = c.getPageNumber()
        lead, thick, thin = st.leading, 0.35 * g.MM, 0.25 * g.MM
        y = 0.0
        c.setStrokeColorRGB(0, 0, 0)
        c.setLineWidth(thick)
        c.line(0, y, self.width, y)
        draw_text(c, st.em, y + (lead - st.size) / 2 + st.size * 0.12, self.printer, st)
        draw_text(
            c,
            self.width - st.em - st.measure(self.printed),
            y + (lead - st.size) / 2 + st.size * 0.12,
            self.printed,
            st,
        )
        y += lead
        c.setLineWidth(thin if self._lines else thick)
        c.line(0, y, self.width, y)
        hang = st.measure(self._lines[0][:3]) if self._lines else 0
        for i, line in reversed(list(enumerate(self._lines))):
            draw_text(c, st.em + (hang if i else 0), y + (lead - st.size) / 2 + st.size * 0.12, line, st)
            y += lead
        if self._lines:
            c.setLineWidth(thick)
            c.line(0, y, self.width, y)
