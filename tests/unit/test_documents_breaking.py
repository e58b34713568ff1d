"""Chinese line breaking (禁则) and title breaking: pure, measured in characters here."""

from __future__ import annotations

import random

import pytest

from duban_common.documents.breaking import CLOSING, MIN_TITLE_LINE, OPENING, break_lines, title_lines


def em(text: str) -> float:
    """Chinese characters one em, digits and Latin letters half."""
    return sum(0.5 if ch.isascii() else 1.0 for ch in text)


def test_a_closing_mark_that_would_start_a_line_takes_the_character_before_it_along():
    # the line is full just before "；": the old bulletin started a line with "；退回重办…"
    text = "期内共催办十二次，通报三次，下发督办单两件，移交纪委监委零件；退回重办四次，批准延期一次。"
    width = text.index("；")
    lines = break_lines(text, width, em)
    assert "".join(lines) == text
    assert all(line[0] not in CLOSING for line in lines[1:]), lines
    assert lines[0] == text[: width - 1] and lines[1].startswith("件；退回重办")


def test_an_opening_mark_never_ends_a_line_and_paired_marks_stay_whole():
    text = "请县教育局牵头办理（协办：县财政局），并于“十一月底”前报送——不得延误……"
    for width in range(6, 30):
        lines = break_lines(text, width, em)
        assert "".join(lines) == text
        assert all(line[-1] not in OPENING for line in lines[:-1]), (width, lines)
        assert all(line[0] not in CLOSING for line in lines[1:]), (width, lines)
        assert not any(line.endswith("—") and not line.endswith("——") for line in lines), (width, lines)


def test_numbers_are_never_split():
    text = "按期办结率83.3%，平均办理用时12.5个工作日，考核扣分合计3.5分，联系电话0851-84621234。"
    for width in range(8, 40):
        lines = break_lines(text, width, em)
        for number in ("83.3%", "12.5", "3.5", "0851-84621234"):
            assert any(number in line for line in lines), (width, number, lines)


def test_random_text_keeps_every_rule():
    rng = random.Random(7)
    alphabet = "督办事项交由你单位牵头办理" + "，。；：、）」》！？" + "（「《“" + "0123456789"
    for _ in range(200):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 120)))
        width = rng.randint(4, 28)
        lines = break_lines(text, width, em)
        assert "".join(lines) == text
        assert all(em(line) <= width or len(line) == 1 for line in lines[:-1])


@pytest.mark.parametrize(
    "title",
    [
        "关于2026年第四季度政务督查督办工作情况的通报",  # the old layout left 「报」 alone on a line
        "关于“县城老旧小区供暖管网改造工程进度严重滞后群众反映强烈”办理情况的督查专报",
        "关于移送“城区主干道破损路面修复”督办问题线索的函",
        "关于“关于推进老旧小区改造推进老旧小区改造推进老旧小区改造推进老旧小区改造推进老旧小区改造推进老旧小区改造…”办理情况的督查专报",
    ],
)
def test_a_title_breaks_between_words_and_never_leaves_a_character_alone(title):
    lines = title_lines(title, 20, em)
    assert "".join(lines) == title
    assert all(len(line) >= MIN_TITLE_LINE for line in lines), lines
    assert all(em(line) <= 20 for line in lines), lines
    assert all(line[0] not in CLOSING and line[-1] not in OPENING for line in lines), lines
    assert not any(a[-1].isdigit() and b[0].isdigit() for a, b in zip(lines, lines[1:])), lines


def test_the_bulletins_title_breaks_after_the_period_not_inside_a_word():
    assert title_lines("关于2026年第四季度政务督查督办工作情况的通报", 20, em) == [
        "关于2026年第四季度政务",
        "督查督办工作情况的通报",
    ]
    assert title_lines("督办事项交办单", 20, em) == ["督办事项交办单"]
