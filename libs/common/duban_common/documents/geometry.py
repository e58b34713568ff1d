"""The page of GB/T 9704-2012: A4, 版心 156 mm × 225 mm, 22 lines of 28 characters in 3号.
Sizes in points (1 pt = 1/72 in); the Chinese sizes as the standard names them."""

from __future__ import annotations

MILLIMETRE = 72 / 25.4
PAGE_W, PAGE_H = 210 * MILLIMETRE, 297 * MILLIMETRE
TOP, BOTTOM, LEFT, RIGHT = 37 * MILLIMETRE, 35 * MILLIMETRE, 28 * MILLIMETRE, 26 * MILLIMETRE
TEXT_W, TEXT_H = PAGE_W - LEFT - RIGHT, PAGE_H - TOP - BOTTOM
LINES, CHARS = 22, 28
PITCH = TEXT_H / LINES  # line pitch of the body (28.99 pt)
SIZE_1, SIZE_2, SIZE_3, SIZE_4, SIZE_SMALL_4 = 26.0, 22.0, 16.0, 14.0, 12.0  # 一号, 二号, 三号, 四号, 小四
CELL = TEXT_W / CHARS  # one character of the body: 15.79 pt, so 28 fit where 3号 alone would fit 27
TRACKING = CELL - SIZE_3  # spacing added to each body character (negative)
MARK_TOP = 35 * MILLIMETRE  # 发文机关标志: top edge 35 mm below the top of the 版心
MARK_MAX = 15 * MILLIMETRE  # at most 15 mm high
RED_LINE_GAP = 4 * MILLIMETRE  # the red line 4 mm under the 发文字号
PAGE_NO_GAP = 7 * MILLIMETRE  # the page number's dashes 7 mm under the 版心
RED = (0xC0 / 255, 0, 0)  # the red of the 标志 and the separator line (#C00000)
