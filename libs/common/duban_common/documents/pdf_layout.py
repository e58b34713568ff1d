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


def draw_text(canv, left: float, baseline: float, text: str, style: Style, char_space: float | None = None) -> None:
    text_object = canv.beginText(left, baseline)
    text_object.setFont(style.font, style.size)
    text_object.setCharSpace(style.tracking if char_space is None else char_space)
    text_object.setFillColorRGB(*style.color)
    if style.bold:  # the free serif has one weight: 小标宋 is drawn filled and stroked
        canv.setStrokeColorRGB(*style.color)
        canv.setLineWidth(style.size * 0.035)
        text_object.setTextRenderMode(2)
    text_object.textOut(text)
    canv.drawText(text_object)


class Para(Flowable):
    """A paragraph on the grid; splits across pages between lines."""

    def __init__(self, text: str, style: Style, lines: list[str] | None = None, first: bool = True) -> None:
        super().__init__()
        self.text, self.text_style, self._lines, self.first = text, style, lines, first

    def _break(self, width: float) -> list[str]:
        style = self.text_style
        usable = width - (style.left + style.right) * style.em
        first_w = usable - (style.indent * style.em if self.first else 0)
        head = break_lines(self.text, first_w, style.measure)
        if len(head) <= 1:
            return head
        rest = break_lines(self.text[len(head[0]) :], usable, style.measure)
        return [head[0], *rest]

    def wrap(self, availWidth, availHeight):
        self.width = availWidth
        if self._lines is None:
            self._lines = self._break(availWidth)
        self.height = len(self._lines) * self.text_style.leading
        return self.width, self.height

    def split(self, availWidth, availHeight):
        self.wrap(availWidth, availHeight)
        fitting = int(availHeight // self.text_style.leading)
        if fitting <= 0 or fitting >= len(self._lines):
            return []
        rest_text = "".join(self._lines[fitting:])
        return [
            Para("".join(self._lines[:fitting]), self.text_style, self._lines[:fitting], self.first),
            Para(rest_text, self.text_style, self._lines[fitting:], first=False),
        ]

    def draw(self):
        style, canv = self.text_style, self.canv
        for index, line in enumerate(self._lines):
            baseline = self.height - (index + 1) * style.leading + (style.leading - style.size) / 2 + style.size * 0.12
            left = style.left * style.em + (style.indent * style.em if (index == 0 and self.first) else 0)
            usable = self.width - left - style.right * style.em
            line_width = style.measure(line)
            space = None
            if style.align == "center":
                start = left + (usable - line_width) / 2
            elif style.align == "right":
                start = left + usable - line_width
            else:
                start = left
                last = index == len(self._lines) - 1
                if style.align == "justify" and not last and len(line) > 1:
                    space = style.tracking + (usable - line_width) / (len(line) - 1)
            draw_text(canv, start, baseline, line, style, space)


class Rule(Flowable):
    """A horizontal line across the 版心 (the red separator; the rules of the 版记)."""

    def __init__(self, thickness: float, color=(0, 0, 0), space_before: float = 0.0, dash: tuple | None = None) -> None:
        super().__init__()
        self.thickness, self.color, self.space_before, self.dash = thickness, color, space_before, dash

    def wrap(self, availWidth, availHeight):
        self.width = availWidth
        return availWidth, self.space_before + self.thickness

    def draw(self):
        canvas = self.canv
        canvas.setStrokeColorRGB(*self.color)
        canvas.setLineWidth(self.thickness)
        if self.dash:
            canvas.setDash(*self.dash)
        canvas.line(0, self.thickness / 2, self.width, self.thickness / 2)
        canvas.setDash()


def table(header, rows, cell: Style, head: Style, width: float) -> PdfTable:
    """Sized by columns.fit, from ``cell.size`` down to 9 pt."""
    pad = 4.0
    sizes = tuple(x for x in (cell.size, 12.0, 10.5, 9.0) if x <= cell.size)
    size, widths = fit(header, rows, lambda z: replace(cell, size=z, tracking=0), sizes, width, 2 * pad)
    cell_style, head_style = (
        replace(cell, size=size, leading=size * 1.5, tracking=0),
        replace(head, size=size, leading=size * 1.5, tracking=0),
    )
    data = [[Para(x, replace(head_style, align="center")) for x in header]] if header else []
    data += [
        [
            Para(x, replace(cell_style, align="left" if _textual(x) or (header is None and j) else "center"))
            for j, x in enumerate(r)
        ]
        for r in rows
    ]
    pdf_table = PdfTable(data, colWidths=widths, repeatRows=1 if header else 0)
    pdf_table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("FONTNAME", (0, 0), (-1, -1), cell_style.font),
                ("LEFTPADDING", (0, 0), (-1, -1), pad),
                ("RIGHTPADDING", (0, 0), (-1, -1), pad),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return pdf_table


def _textual(text: str) -> bool:
    """Long text is set flush left, short values and figures centred."""
    return len(text) > 8


class Imprint(Flowable):
    """版记: thick rule, 抄送, thin rule, 印发机关 … 印发日期, thick rule, drawn at the foot of the
    page it lands on (it takes the rest of the page); ``landed`` tells the renderer which page."""

    def __init__(self, copies: str | None, printer: str, printed: str, style: Style) -> None:
        super().__init__()
        self.copies, self.printer, self.printed, self.text_style = copies, printer, printed, style
        self.landed: int | None = None

    def _own(self, width: float) -> tuple[list[str], float]:
        if not self.copies:
            return [], self.text_style.leading + 4
        label = self.copies[:3]  # 抄送：, lines after the first align under the text after the colon
        rest = break_lines(
            self.copies[3:], width - 2 * self.text_style.em - self.text_style.measure(label), self.text_style.measure
        )
        lines = [label + rest[0], *rest[1:]]
        return lines, (len(lines) + 1) * self.text_style.leading + 4

    def wrap(self, availWidth, availHeight):
        self.width = availWidth
        self._lines, own = self._own(availWidth)
        self.height = availHeight if availHeight >= own else own
        return self.width, self.height

    def draw(self):
        canvas, style = self.canv, self.text_style
        self.landed = canvas.getPageNumber()
        lead, thick, thin = style.leading, 0.35 * g.MILLIMETRE, 0.25 * g.MILLIMETRE
        level = 0.0
        canvas.setStrokeColorRGB(0, 0, 0)
        canvas.setLineWidth(thick)
        canvas.line(0, level, self.width, level)
        draw_text(canvas, style.em, level + (lead - style.size) / 2 + style.size * 0.12, self.printer, style)
        draw_text(
            canvas,
            self.width - style.em - style.measure(self.printed),
            level + (lead - style.size) / 2 + style.size * 0.12,
            self.printed,
            style,
        )
        level += lead
        canvas.setLineWidth(thin if self._lines else thick)
        canvas.line(0, level, self.width, level)
        hang = style.measure(self._lines[0][:3]) if self._lines else 0
        for index, line in reversed(list(enumerate(self._lines))):
            draw_text(
                canvas,
                style.em + (hang if index else 0),
                level + (lead - style.size) / 2 + style.size * 0.12,
                line,
                style,
            )
            level += lead
        if self._lines:
            canvas.setLineWidth(thick)
            canvas.line(0, level, self.width, level)
