"""One realistic document of every type, built by the services' own document builders: the read-back
tests (tests/unit/test_documents_readback.py) and the page images (scripts/document_pages.py)
use them, so what is looked at is what is tested."""

from __future__ import annotations

from datetime import date

from duban_common.documents import Document, Issuing
from duban_escalation.domain import notices
from duban_reporting.domain import periods
from duban_reporting.domain.bulletin import EscalationLine, bulletin
from duban_reporting.domain.special_report import MatterLine, TaskLine, special_report
from duban_reporting.domain.statistics import Figures, admonitions, ranked
from duban_tasking.domain.notice import assignment_notice

ISSUING = Issuing("余庆县人民政府办公室", "孙丽", "0851-84621234")
COPIES = ("县委组织部", "县纪委监委", "县作风建设办公室")
NAMES = {
    "fgj": "县发展和改革局",
    "zjj": "县住房和城乡建设局",
    "jyj": "县教育局",
    "wjj": "县卫生健康局",
    "nyj": "县农业农村局",
    "czj": "县财政局",
    "scjgj": "县市场监督管理局",
    "rsj": "县人力资源和社会保障局",
    "jtj": "县交通运输局",
    "yjj": "县应急管理局",
    "cgj": "县城市管理局",
    "cgz": "城关镇人民政府",
    "xlz": "兴隆镇人民政府",
    "sthj": "市生态环境局本县分局",
}


def figures(assigned=0, completed=0, on_time=0, overdue=0, urges=0, bulletins=0, days=None) -> Figures:
    f = Figures()
    for name, n in (
        ("assigned", assigned),
        ("completed", completed),
        ("completed_on_time", on_time),
        ("overdue", overdue),
        ("urges", urges),
        ("bulletins", bulletins),
    ):
        f.add(name, n)
    if days is not None:
        f.handling_days_total, f.handling_days_n = days * completed, completed
    return f


def stats(units: dict[str, Figures], bottom: int = 3, period: str = "2026-Q4") -> dict:
    """The shape of reporting's statistics answer (service_layer.statistics.report), built from Figures with the domain's ranking."""
    order = ranked(units)
    flagged = admonitions(order, units, bottom)
    rank = {c: i + 1 for i, c in enumerate(order)}
    by_unit = [
        {"unit": c, "unit_name": NAMES[c], **f.as_dict(), "rank": rank.get(c), "admonition": c in flagged}
        for c, f in units.items()
    ]
    total = Figures()
    for f in units.values():
        for k, n in f.counts.items():
            total.add(k, n)
    ranking = [
        {
            "rank": rank[c],
            "unit": c,
            "unit_name": NAMES[c],
            "on_time_rate": units[c].on_time_rate,
            "avg_handling_workdays": units[c].avg_handling_workdays,
            "overdue": units[c].counts["overdue"],
            "score": units[c].as_dict()["score"],
            "admonition": c in flagged,
        }
        for c in order
    ]
    by_kind = [{"kind": "meeting_decision", "kind_label": "会议议定事项", **total.as_dict()}]
    return {
        "period": periods.parse(period).as_dict(),
        "totals": total.as_dict(),
        "by_unit": by_unit,
        "by_kind": by_kind,
        "ranking": ranking,
    }


def issued(number: str, day: date, addressee: str) -> dict:
    """How a sample document is issued: its number, the issuing office, the day, to whom, copied to COPIES."""
    return {"number": number, "issuer": ISSUING.body, "issued_on": day, "addressee": addressee, "copies_to": COPIES}


def _bulletin() -> Document:
    units = {
        c: figures(
            4 + i % 5,
            3 + i % 4,
            3 + i % 4 - (i % 3 == 0),
            overdue=i % 4 == 1,
            urges=i % 6,
            bulletins=i % 3 == 2,
            days=3 + i % 7,
        )
        for i, c in enumerate(NAMES)
    }
    matters = [
        "城区主干道破损路面修复",
        "老旧小区供暖管网改造",
        "农村饮水安全巩固提升",
        "中小学校舍维修加固",
        "集贸市场食品安全整治",
    ]
    lines = [
        EscalationLine(
            date(2026, 10, 9 + i % 20),
            ("urged", "bulletined", "deducted", "explanation_required")[i % 4],
            NAMES[list(NAMES)[i % len(NAMES)]],
            matters[i % len(matters)],
            f"督办〔2026〕{40 + i}号",
            0.5 if i % 4 == 2 else None,
        )
        for i in range(36)
    ]
    to_all = "各乡镇人民政府，县政府各部门、各直属机构："
    d = bulletin(stats(units), lines, **issued("督查通报〔2026〕4号", date(2027, 1, 6), to_all))
    return d.document(ISSUING)


def _special_report() -> Document:
    def task(unit, status, due, done=None, overdue=False, late=False, urges=0):
        return TaskLine(unit, "", "督办〔2026〕57号", status, due, done, overdue, late, urges)

    ms = [
        MatterLine(
            "关于县城老旧小区冬季供暖温度不达标的网民留言",
            "网民留言（张*三 139****5678）",
            date(2026, 11, 20),
            "办理中",
            60,
            "县住房和城乡建设局",
            "城关镇人民政府",
            "督办〔2026〕57号",
            date(2026, 12, 7),
            (task("县住房和城乡建设局", "办理中", date(2026, 12, 7), overdue=True, urges=2),),
            (EscalationLine(date(2026, 12, 8), "urged", "县住房和城乡建设局", "供暖温度不达标", "督办〔2026〕57号"),),
        ),
        MatterLine(
            "关于兴隆镇集中供热管网老化漏水的来电",
            "12345热线",
            date(2026, 11, 24),
            "已办结",
            100,
            "兴隆镇人民政府",
            "",
            "督办〔2026〕61号",
            date(2026, 12, 4),
            (task("兴隆镇人民政府", "已办结", date(2026, 12, 4), date(2026, 12, 3)),),
        ),
    ]
    topic = "2026年第四季度涉及“供暖”的网民留言类督办事项"
    day = date(2026, 12, 10)
    d = special_report(ms, topic=topic, as_of=day, **issued("督查专报〔2026〕9号", day, "县人民政府领导："))
    return d.document(ISSUING)


FACTS = notices.TaskFacts(
    title="城区主干道破损路面修复",
    unit="县交通运输局",
    notice_no="督办〔2026〕17号",
    assigned_on=date(2026, 10, 19),
    due_on=date(2026, 11, 2),
    earlier_urges=(date(2026, 11, 3), date(2026, 11, 9)),
)
DOSSIER = {
    "matter": {
        "title": "城区主干道破损路面修复",
        "content": "群众反映城区人民路、解放路多处路面破损，雨天积水，影响出行安全（来电13912345678）。",
        "registered_at": "2026-10-16T02:00:00+00:00",
    },
    "tasks": [
        {
            "notice_no": "督办〔2026〕17号",
            "lead_unit": "jtj",
            "co_units": ["cgj"],
            "assigned_at": "2026-10-19T02:00:00+00:00",
        }
    ],
    "units": [
        {"code": "jtj", "name": "县交通运输局", "head": "张驰", "contact": "孔洁"},
        {"code": "cgj", "name": "县城市管理局", "head": "华山", "contact": "金燕"},
    ],
    "urges": [
        {"urge_no": 1, "at": "2026-11-03T01:00:00+00:00", "notice_no": "催办〔2026〕31号", "reason": "overdue"},
        {"urge_no": 2, "at": "2026-11-09T01:00:00+00:00", "notice_no": "催办〔2026〕36号", "reason": "overdue_again"},
    ],
    "bulletins": [{"step": 3, "issued_by": "县人民政府督查室"}],
    "explanations": [{"step": 4, "due_at": "2026-11-20T09:30:00+00:00", "submitted_at": None}],
    "assessment": {
        "adequate": False,
        "assessment": "不充分",
        "reason": "逾期未提交书面说明，也未说明延误原因",
        "assessed_by": "supervision_office:demo",
        "assessed_at": "2026-11-23T02:00:00+00:00",
    },
    "approvals": [
        {"action": "提出", "role": "supervision_office", "person": "赵明", "at": "2026-11-24T02:00:00+00:00"},
        {"action": "批准", "role": "leader", "person": "王建国", "at": "2026-11-26T02:00:00+00:00"},
    ],
    "timeline": [
        {"type": "matter", "at": "2026-10-16T02:00:00+00:00"},
        {"type": "assigned", "at": "2026-10-19T02:00:00+00:00", "notice_no": "督办〔2026〕17号"},
        {"type": "deadline", "at": "2026-10-19T02:00:00+00:00", "due_on": "2026-11-02"},
        {
            "type": "urge",
            "at": "2026-11-03T01:00:00+00:00",
            "urge_no": 1,
            "notice_no": "催办〔2026〕31号",
            "reason": "overdue",
        },
        {
            "type": "urge",
            "at": "2026-11-09T01:00:00+00:00",
            "urge_no": 2,
            "notice_no": "催办〔2026〕36号",
            "reason": "overdue_again",
        },
        {"type": "bulletin", "at": "2026-11-13T01:00:00+00:00"},
        {"type": "explanation_required", "at": "2026-11-16T01:00:00+00:00"},
    ],
}


def transfer_letter(dossier: dict, names: dict[str, str]) -> Document:
    """The sample 移送函 of ``dossier``: the office sends the case to the county's discipline commission."""
    return notices.transfer_letter(
        FACTS,
        dossier,
        number="督办移〔2026〕1号",
        addressee="县纪委监委：",
        issuing=ISSUING,
        issued_on=date(2026, 11, 27),
        names=names,
    )


def samples() -> dict[str, Document]:
    """document type (as file names say it) → the document."""
    return {
        "交办单": assignment_notice(
            number="督办〔2026〕17号",
            issuing=ISSUING,
            title="城区主干道破损路面修复",
            content="群众反映城区人民路、解放路多处路面破损，雨天积水，影响出行安全。请牵头组织修复，并建立巡查机制。",
            lead_unit="县交通运输局",
            co_units=["县城市管理局"],
            responsible="张驰",
            requirement=None,
            due_on=date(2026, 11, 2),
            issued_on=date(2026, 10, 19),
        ),
        "催办单": notices.urge_notice(
            FACTS,
            number="催办〔2026〕41号",
            urge_no=3,
            reason="overdue_again",
            issuing=ISSUING,
            issued_on=date(2026, 11, 12),
            reply_by=date(2026, 11, 17),
            copies_to=COPIES,
        ),
        "督办单": notices.supervision_order(
            FACTS,
            number="督办单〔2026〕5号",
            requirement="请县交通运输局主要负责同志亲自督促，"
            "于11月30日前完成人民路、解放路破损路面修复，并将修复前后照片及验收材料报县人民政府督查室。",
            proposed_by="赵明",
            approved_by="王建国",
            signed_by="赵明",
            issuing=ISSUING,
            issued_on=date(2026, 11, 16),
            reply_by=date(2026, 11, 23),
            copies_to=COPIES,
        ),
        "督查通报": _bulletin(),
        "督查专报": _special_report(),
        "移送函": transfer_letter(DOSSIER, NAMES | {"jtj": "县交通运输局"}),
    }
