"""The document model of bulletins and special reports: pure functions, no I/O."""

from __future__ import annotations

from datetime import date

import pytest

from document_samples import figures, stats
from duban_reporting.domain.bulletin import ESCALATION_ROWS, EscalationLine, bulletin, late_units, on_time_units
from duban_reporting.domain.documents import Table, numbered, sections
from duban_reporting.domain.special_report import MatterLine, TaskLine, special_report

ISSUER = "县人民政府督查室"
COPIES = ("县委组织部", "县纪委监委")


def text(doc) -> str:
    return "\n".join(doc.texts())


def issue_bulletin(figures_by_unit, escalations, number: str, issued_on: date, copies_to=()):
    """A bulletin addressed to every unit, as the supervision office issues it."""
    return bulletin(
        figures_by_unit,
        escalations,
        number=number,
        issuer=ISSUER,
        issued_on=issued_on,
        addressee="各单位：",
        copies_to=copies_to,
    )


def report(matters, day: date, *, topic=None, number="n", addressee="县人民政府领导："):
    """A special report to the county's leaders, issued on the day it speaks of, copied to no one."""
    return special_report(
        matters, topic=topic, as_of=day, number=number, issuer=ISSUER, issued_on=day, addressee=addressee, copies_to=()
    )


def test_bulletin_names_units_on_time_and_late_with_their_figures():
    units = {
        "fgj": figures(2, 2, 2, days=3),
        "zjj": figures(1, 1, 1, days=5),
        "jyj": figures(1, 0, 0, overdue=1, urges=2, bulletins=1),
        "wjj": figures(2, 2, 1, overdue=1, urges=1, days=9),
        "nyj": figures(assigned=3),
    }
    s = stats(units)
    esc = [
        EscalationLine(date(2026, 12, 8), "urged", "县教育局", "修缮校舍（来电13912345678）", "督办〔2026〕3号"),
        EscalationLine(date(2026, 12, 8), "deducted", "县教育局", "修缮校舍", None, 0.5),
    ]
    doc = issue_bulletin(s, esc, "督查通报〔2026〕3号", date(2027, 1, 5), copies_to=COPIES)
    assert doc.title == "关于2026年第四季度政务督查督办工作情况的通报"
    assert doc.masthead == "县人民政府督查室政务督查通报" and doc.signature == (ISSUER, "2027年1月5日")
    assert [sec.heading for sec in doc.sections] == [
        "一、总体情况",
        "二、各单位办理情况",
        "三、催办督办及约谈情况",
        "四、下一步工作要求",
    ]
    overall = doc.sections[0].blocks[0]
    assert "共交办督办任务9项，审核办结5项，其中按期办结4项，按期办结率80.0%；到期未报送办结报告（逾期）2项" in overall
    assert "催办3次，通报1次" in doc.sections[0].blocks[1]
    commended, censured = doc.sections[1].blocks[0], doc.sections[1].blocks[1]
    assert commended.startswith("（一）按期办结情况。县发展和改革局、县住房和城乡建设局共2个单位")
    assert (
        "县卫生健康局（逾期1项，超期办结1项，催办1次）" in censured
        and "县教育局（逾期1项，催办2次，通报1次）" in censured
    )
    assert "县农业农村局" not in commended + censured  # nothing due, nothing closed: neither praised nor censured
    # the ranking and the measures are annexes; the text says where to find them (a bulletin of 2 to 4 pages)
    assert [a.title for a in doc.annexes] == ["各单位督办事项办理情况排名表", "催办督办措施明细表"]
    assert (
        "县发展和改革局、县住房和城乡建设局、县卫生健康局位列前3名，各单位排名及办理数据详见附件1"
        in doc.sections[1].blocks[2]
    )
    assert "期内催办督办措施共2项（催办1项，扣分1项），明细详见附件2。" == doc.sections[2].blocks[0]
    ranking = doc.annexes[0].blocks[0]
    assert isinstance(ranking, Table)
    assert [r[1] for r in ranking.rows] == ["县发展和改革局", "县住房和城乡建设局", "县卫生健康局", "县教育局"]
    assert [r[-1] for r in ranking.rows] == ["", "", "约谈", "约谈"]  # zjj is in the bottom 3 but closed all on time
    assert ranking.rows[2][2:8] == ("2", "2", "1", "1", "50.0%", "9.0")
    talk = doc.sections[2].blocks[-1]
    assert "县卫生健康局、县教育局" in talk and "约谈" in talk
    table = doc.annexes[1].blocks[0]
    assert table.rows[0] == ("2026年12月8日", "县教育局", "修缮校舍（来电139****5678）", "督办〔2026〕3号", "催办")
    assert table.rows[1][-1] == "扣分0.5分"
    assert "13912345678" not in text(doc) and "（二）被通报批评的单位" in doc.sections[3].blocks[1]


def test_bulletin_of_a_quiet_period_says_so_instead_of_empty_tables():
    doc = issue_bulletin(stats({"nyj": figures(assigned=1)}), [], "督查通报〔2026〕1号", date(2026, 12, 1))
    body = text(doc)
    assert "本期没有到期或办结的任务。" in body and "期内未发生催办、通报、督办单或移交纪委监委的情况。" in body
    assert "按期办结率—" in body and "被通报批评" not in body and "抄送" not in body


def test_unit_classification_and_escalation_table_cap():
    rows = [
        {"unit": "a", "completed": 2, "completed_on_time": 2, "overdue": 0},
        {"unit": "b", "completed": 2, "completed_on_time": 1, "overdue": 0},
        {"unit": "c", "completed": 0, "completed_on_time": 0, "overdue": 1},
        {"unit": "d", "completed": 0, "completed_on_time": 0, "overdue": 0},
    ]
    assert [u["unit"] for u in on_time_units(rows)] == ["a"] and [u["unit"] for u in late_units(rows)] == ["b", "c"]
    lines = [EscalationLine(date(2026, 12, 1), "urged", "县教育局", f"事项{i}") for i in range(ESCALATION_ROWS + 5)]
    s = stats({"jyj": figures(1, 0, 0, overdue=1, urges=len(lines))})
    doc = issue_bulletin(s, lines, "n", date(2026, 12, 1))
    table = doc.annexes[1].blocks[0]
    assert len(table.rows) == ESCALATION_ROWS and table.note == "另有5条未列出，详见督办台账。"


def task(
    unit="县教育局", *, status="办理中", due=date(2026, 12, 7), done=None, overdue=False, late=False, urges=0
) -> TaskLine:
    return TaskLine(unit, "", "督办〔2026〕5号", status, due, done, overdue, late, urges)


def matter(title: str, *tasks: TaskLine, status="办理中", escalations=()) -> MatterLine:
    return MatterLine(
        title,
        "网民留言（张*三 139****5678）",
        date(2026, 11, 20),
        status,
        40,
        tasks[0].unit if tasks else "",
        "",
        "督办〔2026〕5号",
        date(2026, 12, 7),
        tuple(tasks),
        tuple(escalations),
    )


def test_special_report_on_one_matter():
    esc = (EscalationLine(date(2026, 12, 8), "urged", "县教育局", "修缮校舍"),)
    one = [matter("修缮校舍", task(overdue=True, urges=1), escalations=esc)]
    doc = report(one, date(2026, 12, 8), number="督查专报〔2026〕1号")
    assert doc.title == "关于“修缮校舍”办理情况的督查专报" and doc.kind == "special_report"
    assert [s.heading for s in doc.sections] == [
        "一、基本情况",
        "二、办理进展",
        "三、逾期及催办督办情况",
        "四、结论和建议",
    ]
    assert (
        "该事项来源于网民留言（张*三 139****5678），于2026年11月20日立项，由县教育局牵头办理"
        in doc.sections[0].blocks[0]
    )
    progress = doc.sections[1].blocks[1]
    assert progress.rows == (
        ("1", "修缮校舍", "县教育局", "督办〔2026〕5号", "办理中", "2026年12月7日", "—", "逾期未办结"),
    )
    assert "逾期未办结的任务1项：县教育局承办的“修缮校舍”（时限2026年12月7日，已催办1次）" in doc.sections[2].blocks[0]
    assert "建议对县教育局进一步加大督办力度" in "".join(doc.sections[3].blocks)


def test_special_report_on_a_campaign_and_a_closed_one():
    ms = [
        matter("甲", task("县教育局", status="已办结", done=date(2026, 12, 1)), status="已办结"),
        matter("乙", task("县卫生健康局", status="已办结", done=date(2026, 12, 9), late=True), status="已办结"),
        matter("丙", task("县财政局")),
    ]
    doc = report(ms, date(2026, 12, 10), topic="网民留言类督办事项", number="督查专报〔2026〕2号")
    assert doc.title == "关于网民留言类督办事项办理情况的督查专报"
    assert (
        doc.sections[0]
        .blocks[0]
        .startswith("本专报涉及网民留言类督办事项共3项（分解为3项任务），其中已办结2项，尚未办结1项")
    )
    assert [r[-1] for r in doc.sections[1].blocks[1].rows] == ["按期办结", "超期办结", "正在办理"]
    assert "已办结2项，按期办结率50.0%；尚未办结1项，其中逾期0项" in doc.sections[3].blocks[0]
    closed = report([ms[0]], date(2026, 12, 10))
    assert closed.sections[-1].blocks == ("“甲”的1项任务已全部按期办结，建议予以销号。",)
    assert "没有逾期事项，也未采取催办督办措施" in closed.sections[2].blocks[0]
    with pytest.raises(ValueError):
        report([], date(2026, 12, 10), topic="x", addressee="")


def test_section_numbering_skips_empty_parts():
    assert [s.heading for s in sections(("甲", ("a",)), ("乙", ()), ("丙", ("c",)))] == ["一、甲", "二、丙"]
    assert [numbered(i) for i in (1, 4, 10, 11, 12)] == ["一", "四", "十", "十一", "十二"]


def test_campaign_topic_names_what_the_filter_selects():
    from duban_reporting.domain.special_report import campaign_topic

    assert campaign_topic(kind_label="网民留言") == "网民留言类督办事项"
    assert (
        campaign_topic(period_label="2026年第四季度", unit_name="县教育局", text="供暖", kind_label="网民留言")
        == "2026年第四季度县教育局承办的涉及“供暖”的网民留言类督办事项"
    )


def test_a_long_matter_title_is_shortened_in_the_reports_title_but_kept_in_the_body():
    long = "关于" + "推进老旧小区改造" * 20
    doc = report([matter(long, task())], date(2026, 12, 8))
    assert doc.title.endswith("…”办理情况的督查专报") and len(doc.title) < 80
    assert doc.sections[1].blocks[1].rows[0][1] == long
