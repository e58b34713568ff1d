"""The fonts of a document: the names the DOCX gives (what county offices have installed) and
the free fonts the PDF embeds in their place (docs/documents.md says which and why).

The free fonts come from PyPI (pylopdf-fonts-zh-cn: Noto Serif SC and Noto Sans SC, SIL OFL
1.1) as OpenType with CFF outlines, which reportlab cannot embed. For each PDF, :func:`subset`
builds a small TrueType font of just the characters the document uses: the glyphs are turned
into quadratic outlines once each (cached) and put into a new font, so a document embeds a few
hundred glyphs instead of 30,000 and depends on no font installed on any machine."""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass
from functools import cache

import pylopdf_fonts_zh_cn
from fontTools.fontBuilder import FontBuilder
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont


@dataclass(frozen=True)
class Role:
    """A typeface role of GB/T 9704: the font an office's Word has, and what the PDF embeds."""

    docx: str  # the East Asian font the DOCX names
    face: str  # serif | sans: the free font embedded in the PDF
    bold: bool = False  # drawn heavier in the PDF (fill and stroke), as 小标宋 is heavier than 宋体


TITLE = Role("方正小标宋简体", "serif", bold=True)  # 发文机关标志, 标题, 附件标题
BODY = Role("仿宋_GB2312", "serif")  # 正文, 主送, 落款, 版记
HEI = Role("黑体", "sans")  # 一级标题 一、; 附件 label
KAI = Role("楷体_GB2312", "serif")  # 二级标题 （一）
SONG = Role("宋体", "serif")  # 页码
LATIN = "Times New Roman"  # digits and Latin letters in the DOCX
FREE_FONTS = {"serif": "Noto Serif SC", "sans": "Noto Sans SC"}


class Face:
    """One free font, loaded once; glyphs turned into TrueType outlines on first use."""

    def __init__(self, path) -> None:
        self.font = TTFont(path, lazy=True)
        self.cmap = self.font.getBestCmap()
        self.glyphs = self.font.getGlyphSet()
        self.hmtx = self.font["hmtx"]
        self.upem = self.font["head"].unitsPerEm
        hhea = self.font["hhea"]
        self.ascent, self.descent = hhea.ascent, hhea.descent
        self._converted: dict[str, object] = {}
        self._lock = threading.Lock()

    def _glyph(self, name: str):
        glyph = self._converted.get(name)
        if glyph is None:
            pen = TTGlyphPen(self.glyphs)
            self.glyphs[name].draw(Cu2QuPen(pen, self.upem / 1000, reverse_direction=True))
            glyph = self._converted[name] = pen.glyph()
        return glyph

    def subset(self, chars: set[str], name: str) -> bytes:
        """A TrueType font with the glyphs of ``chars`` (those the font has) and .notdef."""
        with self._lock:
            cmap = {ord(c): self.cmap[ord(c)] for c in chars if ord(c) in self.cmap}
            order = [".notdef", *sorted(set(cmap.values()) - {".notdef"})]
            glyf = {n: self._glyph(n) for n in order}
        builder = FontBuilder(self.upem, isTTF=True)
        builder.setupGlyphOrder(order)
        builder.setupCharacterMap(cmap)
        builder.setupGlyf(glyf)
        builder.setupHorizontalMetrics({n: self.hmtx[n] for n in order})
        builder.setupHorizontalHeader(ascent=self.ascent, descent=self.descent)
        builder.setupNameTable({"familyName": name, "styleName": "Regular", "psName": name})
        builder.setupOS2(
            sTypoAscender=self.ascent,
            sTypoDescender=self.descent,
            usWinAscent=self.ascent,
            usWinDescent=-self.descent,
            fsType=0,
        )
        builder.setupPost()
        out = io.BytesIO()
        builder.save(out)
        return out.getvalue()


@cache
def face(kind: str) -> Face:
    return Face(pylopdf_fonts_zh_cn.serif_path() if kind == "serif" else pylopdf_fonts_zh_cn.sans_path())
