"""Table columns as wide as their content: numbers never break, names rarely. Pure; both
renderers use it (the PDF with the real font's widths, the DOCX with an estimate)."""

from __future__ import annotations

from .breaking import tokens


class Estimate:
    """Widths without a font at hand (the DOCX): a Chinese character is 1 em, others half."""

    def __init__(self, size: float) -> None:
        self.size = size

    def measure(self, text: str) -> float:
        return sum(self.size if ord(ch) > 0x2E7F else self.size * 0.55 for ch in text)


def _cell_min(text: str, style, header: bool) -> float:
    """The narrowest a cell may be: its widest unbreakable run (a number stays whole); a name
    keeps up to six characters on a line, a header two."""
    if header:
        return style.measure(text[:2]) if text else 0.0
    run = max((style.measure(t) for t in tokens(text)), default=0.0)
    return max(run, min(style.measure(text), 6 * style.size))


def column_widths(
    header: tuple[str, ...] | None, rows, style, width: float, pad: float, natural_only: bool
) -> list[float] | None:
    """Columns as wide as their content where it fits; otherwise (unless ``natural_only``) the
    spare width goes to the columns that need it most, and no column is narrower than its longest
    number. None: the columns do not fit at this size. ``style`` is anything with ``measure(text)``
    and ``size`` (a Style here, an estimate in the DOCX)."""
    all_rows = [r for r in ([header] if header else []) + list(rows)]
    column_count = len(all_rows[0])
    # a header may wrap (to two characters a line); the cells below it should not
    natural = [
        max([style.measure(r[j]) for r in rows] + [_cell_min(header[j], style, True) if header else 0.0]) + pad
        for j in range(column_count)
    ]
    if header is None:  # a form: the label column as wide as its longest label, the value takes the rest
        return [natural[0], width - natural[0]] if column_count == 2 and natural[0] < width / 2 else None
    if sum(natural) <= width:
        extra = (width - sum(natural)) / column_count
        return [w + extra for w in natural]
    if natural_only:
        return None
    least = [max(_cell_min(r[j], style, i == 0) for i, r in enumerate(all_rows)) + pad for j in range(column_count)]
    if sum(least) > width:
        return None
    need = [nat - lo for nat, lo in zip(natural, least)]
    spare = width - sum(least)
    return [lo + spare * nd / sum(need) for lo, nd in zip(least, need)]


def fit(
    header: tuple[str, ...] | None, rows, measure_at, sizes: tuple[float, ...], width: float, pad: float
) -> tuple[float, list[float]]:
    """(size, column widths): the largest size at which every cell fits on one line; else the
    largest at which the columns fit with long cells wrapped; else the smallest size with every
    column squeezed in proportion. ``measure_at(size)`` gives something with ``measure`` and ``size``."""
    for natural_only in (True, False):
        for size in sizes:
            if widths := column_widths(header, rows, measure_at(size), width, pad, natural_only):
                return size, widths
    style = measure_at(sizes[-1])
    all_rows = ([header] if header else []) + list(rows)
    least = [
        max(_cell_min(r[j], style, header is not None and i == 0) for i, r in enumerate(all_rows)) + pad
        for j in range(len(all_rows[0]))
    ]
    return sizes[-1], [w * width / sum(least) for w in least]
