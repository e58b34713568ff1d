"""Chinese line breaking for both renderers (禁则): no line starts with closing punctuation and
none ends with opening punctuation; numbers and Latin words, 「——」 and 「……」 never split.
Titles break where the words allow, balanced, never leaving a character alone. Pure."""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import combinations

CLOSING = frozenset("，。；：、）」』》！？”’〕】〉,.;:!?)]%…—·")
OPENING = frozenset("（「『《“‘〔【〈([")
# unbreakable runs: numbers with their signs and separators, Latin words, paired dashes and ellipses
_TOKEN = re.compile(r"[0-9A-Za-z][0-9A-Za-z.,%:/\-+*@_]*[0-9A-Za-z%]|[0-9A-Za-z]|——|……|.", re.S)
# words a title may break after / before without splitting one (no dictionary: the function words of titles)
_AFTER = frozenset("的于、和及与年度月日”》）")
_BEFORE = frozenset("关“《（")
_WORD_STARTS = (
    "工作",
    "情况",
    "办理",
    "督查",
    "督办",
    "通报",
    "专报",
    "交办",
    "催办",
    "移送",
    "事项",
    "问题",
    "落实",
    "有关",
)
MIN_TITLE_LINE = 4  # characters on any line of a title (never one alone)

Measure = Callable[[str], float]


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def break_lines(text: str, width: float, measure: Measure) -> list[str]:
    """Greedy lines no wider than ``width``; a closing mark that would start a line pulls the
    previous token down with it, an opening mark that would end one goes down too."""
    lines: list[list[str]] = []
    line: list[str] = []
    for tok in tokens(text):
        if line and measure("".join(line) + tok) > width:
            carry: list[str] = []
            if tok[0] in CLOSING:  # pull back until the new line starts with something else
                while len(line) > 1 and (not carry or carry[0][0] in CLOSING):
                    carry.insert(0, line.pop())
            while len(line) > 1 and line[-1][-1] in OPENING:
                carry.insert(0, line.pop())
            lines.append(line)
            line = carry
        if not line and measure(tok) > width:  # a run longer than a line: split it by characters
            for character in tok[:-1]:
                line.append(character)
                if measure("".join(line)) > width:
                    lines.append(line[:-1])
                    line = [character]
            tok = tok[-1]
        line.append(tok)
    if line or not lines:
        lines.append(line)
    return ["".join(x) for x in lines]


def _break_cost(text: str, index: int) -> float | None:
    """None where a title must not break before ``index``; else how much it would hurt a word."""
    before, after = text[index - 1], text[index]
    if after in CLOSING or before in OPENING:
        return None
    if re.match(r"[0-9A-Za-z]", before) and re.match(r"[0-9A-Za-z%]", after):
        return None
    if text.count("〔", 0, index) > text.count("〕", 0, index):  # inside 〔2026〕
        return None
    if before in _AFTER or after in _BEFORE or text.startswith(_WORD_STARTS, index):
        return 0.0
    return 12.0


def title_lines(title: str, width: float, measure: Measure, max_lines: int = 4) -> list[str]:
    """The title in as few lines as fit, each at least MIN_TITLE_LINE characters, breaking
    between words, balanced, longer lines above shorter ones (梯形)."""
    if measure(title) <= width:
        return [title]
    length = len(title)
    costs = {
        i: c for i in range(MIN_TITLE_LINE, length - MIN_TITLE_LINE + 1) if (c := _break_cost(title, i)) is not None
    }
    em_width = measure("国")
    for line_count in range(2, max_lines + 1):
        best: tuple[float, list[str]] | None = None
        for cuts in combinations(sorted(costs), line_count - 1):
            bounds = (0, *cuts, length)
            parts = [title[a:b] for a, b in zip(bounds, bounds[1:])]
            if any(len(p) < MIN_TITLE_LINE for p in parts):
                continue
            widths = [measure(p) for p in parts]
            if max(widths) > width:
                continue
            inverted = sum(1 for a, b in zip(widths, widths[1:]) if b > a + em_width / 2)
            cost = sum(costs[c] for c in cuts) + (max(widths) - min(widths)) / em_width + 2 * inverted
            if best is None or cost < best[0]:
                best = (cost, parts)
        if best:
            return best[1]
    return break_lines(title, width, measure)
