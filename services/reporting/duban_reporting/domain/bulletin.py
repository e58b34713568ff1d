"""The periodic bulletin (政务督查通报) from a period's statistics: units on time are commended,
units late are named with their figures, the ranking with the units flagged for an admonition
talk (约谈), and the escalations of the period. Pure: no I/O."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from duban_common.documents import Annex

from .documents import OfficialDocument, Table, chinese_date, masked, pct, sections
from .model import ESCALATION_LABEL

ESCALATION_ROWS = 100  # rows of the escalation table; the rest is counted under it


@dataclass(frozen=True)
class EscalationLine:
    """One urge, bulletin, explanation demand, deduction, supervision order or transfer."""

    day: date  # Asia/Shanghai
    fact: str  # urged, bulletined, ... (task_facts)
    unit_name: str
    matter: str  # the matter's title
    notice_no: str | None = None
    points: float | None = None

    @property
    def action(self) -> str:
        label = ESCALATION_LABEL.get(self.fact, self.fact)
        return f"{label}{self.points:g}分" if self.fact == "deducted" and self.points else label

    def row(self) -> tuple[str, ...]:
        return (chinese_date(self.day), self.unit_name, self.matter, self.notice_no or "—", self.action)


ESCALATION_HEADER = ("日期", "单位", "事项", "交办单号", "措施")


def escalation_table(lines: list[EscalationLine]) -> Table:
    shown = lines[:ESCALATION_ROWS]
    note = f"另有{len(lines) - len(shown)}条未列出，详见督办台账。" if len(lines) > len(shown) else None
    return Table(ESCALATION_HEADER, tuple(line.row() for line in shown), note)


def on_time_units(by_unit: list[dict]) -> list[dict]:
    """Units that closed something in the period, all of it on time, and let nothing fall overdue."""
    return [u for u in by_unit if u["completed"] and u["completed_on_time"] == u["completed"] and not u["overdue"]]


def late_units(by_unit: list[dict]) -> list[dict]:
    """Units with a task overdue in the period or closed after its deadline."""
    return [u for u in by_unit if u["overdue"] or u["completed_on_time"] < u["completed"]]


def _late_detail(unit: dict) -> str:
    parts = [
        f"逾期{unit['overdue']}项" if unit["overdue"] else "",
        f"超期办结{unit['completed'] - unit['completed_on_time']}项"
        if unit["completed_on_time"] < unit["completed"]
        else "",
        f"催办{unit['urges']}次" if unit["urges"] else "",
        f"通报{unit['bulletins']}次" if unit["bulletins"] else "",
    ]
    return f"{unit['unit_name']}（{'，'.join(p for p in parts if p)}）"


def _overall(
    totals: dict, by_kind: list[dict], label: str, notices_late: Sequence[dict] = ()
) -> tuple[str | Table, ...]:
    days = (
        f"平均办理用时{totals['avg_handling_workdays']:.1f}个工作日。"
        if totals["avg_handling_workdays"] is not None
        else ""
    )
    first = (
        f"{label}，共交办督办任务{totals['assigned']}项，审核办结{totals['completed']}项，其中按期办结{totals['completed_on_time']}项，"
        f"按期办结率{pct(totals['on_time_rate'])}；到期未报送办结报告（逾期）{totals['overdue']}项。{days}"
    )
    second = (
        f"期内共催办{totals['urges']}次，通报{totals['bulletins']}次，"
        f"下发督办单{totals['supervision_orders']}件，移交纪委监委{totals['transfers']}件；"
        f"退回重办{totals['returns']}次，批准延期{totals['extensions']}次；考核扣分合计{totals['deductions']:g}分。"
    )
    blocks: list[str | Table] = [first, second]
    if notices_late:  # per issuer: the office, a special body's office (交办超时)
        by = "、".join(f"{x['issued_by_label']}{x['count']}件" for x in notices_late)
        blocks.append(f"期内交办通知超过规定时限下发{sum(x['count'] for x in notices_late)}件（{by}）。")
    if by_kind:
        blocks.append(
            Table(
                ("事项类别", "交办", "办结", "按期办结", "逾期", "按期办结率"),
                tuple(
                    (
                        k["kind_label"] or "其他",
                        str(k["assigned"]),
                        str(k["completed"]),
                        str(k["completed_on_time"]),
                        str(k["overdue"]),
                        pct(k["on_time_rate"]),
                    )
                    for k in by_kind
                ),
            )
        )
    return tuple(blocks)


RANKING_TITLE = "各单位督办事项办理情况排名表"
MEASURES_TITLE = "催办督办措施明细表"


def ranking_table(stats: dict) -> Table:
    figures = {u["unit"]: u for u in stats["by_unit"]}
    rows = tuple(
        (
            str(r["rank"]),
            r["unit_name"],
            *(str(figures[r["unit"]][k]) for k in ("assigned", "completed", "completed_on_time", "overdue")),
            pct(r["on_time_rate"]),
            "—" if r["avg_handling_workdays"] is None else f"{r['avg_handling_workdays']:.1f}",
            str(figures[r["unit"]]["urges"]),
            str(figures[r["unit"]]["bulletins"]),
            f"{r['score']:g}",
            "约谈" if r["admonition"] else "",
        )
        for r in stats["ranking"]
    )
    header = (
        "排名",
        "单位",
        "交办",
        "办结",
        "按期办结",
        "逾期",
        "按期办结率",
        "平均用时（工作日）",
        "催办",
        "通报",
        "得分",
        "备注",
    )
    return Table(header, rows)


def _units(stats: dict, ranking_annex: int | None) -> tuple[str | Table, ...]:
    by_unit, ranking = stats["by_unit"], stats["ranking"]
    if not ranking:
        return ("本期没有到期或办结的任务。",)
    good, late = on_time_units(by_unit), late_units(by_unit)
    commended = (
        f"{'、'.join(u['unit_name'] for u in good)}共{len(good)}个单位按期办结期内全部任务，无逾期事项，予以通报表扬。"
        if good
        else "本期没有按期办结全部任务的单位。"
    )
    censured = (
        f"以下{len(late)}个单位存在逾期或超期办结的情况，予以通报批评：{'；'.join(_late_detail(u) for u in late)}。"
        if late
        else "本期各单位均按期办结，无逾期事项。"
    )
    top = "、".join(r["unit_name"] for r in ranking[:3])
    return (
        "（一）按期办结情况。" + commended,
        "（二）未按期办结情况。" + censured,
        f"（三）单位排名。按按期办结率、平均办理用时、逾期件数依次排名，{top}位列前{min(3, len(ranking))}名，"
        f"各单位排名及办理数据详见附件{ranking_annex}。",
    )


def _admonition_rule(bottom: int | None) -> str:
    if bottom is None:
        return "考核得分排名靠后及期内有移交纪委监委情况的单位"
    if bottom == 0:
        return "期内有移交纪委监委情况的单位"
    return f"考核得分排名后{bottom}位及期内有移交纪委监委情况的单位"


def _escalations(
    stats: dict, lines: list[EscalationLine], issuer: str, measures_annex: int | None
) -> tuple[str | Table, ...]:
    flagged = [r["unit_name"] for r in stats["ranking"] if r["admonition"]]
    flagged += [u["unit_name"] for u in stats["by_unit"] if u["admonition"] and u.get("rank") is None]
    talk = (
        f"按照{_admonition_rule(stats.get('admonition_bottom'))}建议约谈的规定，由{issuer}提请对{'、'.join(flagged)}主要负责人进行约谈。"
        if flagged
        else "本期没有需要约谈的单位。"
    )
    if not lines:
        return ("期内未发生催办、通报、督办单或移交纪委监委的情况。", talk)
    counts = Counter(ESCALATION_LABEL.get(line.fact, line.fact) for line in lines)
    summary = "，".join(f"{k}{n}项" for k, n in counts.items())
    return (f"期内催办督办措施共{len(lines)}项（{summary}），明细详见附件{measures_annex}。", talk)


TITLES = {
    "quarterly_bulletin": "关于{label}政务督查督办工作情况的通报",
    "monthly_summary": "{label}督查督办工作情况汇总",
    "annual_assessment": "关于{label}度督查督办工作考核结果的通报",
}


def title_of(kind: str, label: str) -> str:
    """The title of a period's document: the quarterly bulletin, the monthly summary, the annual assessment."""
    return TITLES[kind].format(label=label)


def bulletin(
    stats: dict,
    escalations: list[EscalationLine],
    *,
    number: str,
    issuer: str,
    issued_on: date,
    addressee: str,
    copies_to: tuple[str, ...],
    kind: str = "quarterly_bulletin",
) -> OfficialDocument:
    """``stats`` is the statistics answer of the period (service_layer.statistics.report); ``kind``
    one of TITLES: the three documents of the reporting rhythm share the bulletin's parts."""
    period, totals = stats["period"], stats["totals"]
    label = period["label"]
    span = f"{chinese_date(period['from'])}至{chinese_date(period['to'])}"
    late = late_units(stats["by_unit"])
    demands = [
        "（一）各单位要对照本通报逐项梳理未办结事项，明确责任人和完成时限，确保按期办结。",
        *([f"（二）被通报批评的单位要在5个工作日内向{issuer}书面报告原因和整改措施。"] if late else []),
        f"（{'三' if late else '二'}）{issuer}将持续跟踪督办，对整改不力、多次催办仍不落实的单位，按规定提请问责。",
    ]
    annexes = [Annex(RANKING_TITLE, (ranking_table(stats),))] if stats["ranking"] else []
    if escalations:
        annexes.append(Annex(MEASURES_TITLE, (escalation_table(escalations),)))
    ranking_annex = 1 if stats["ranking"] else None
    measures_annex = len(annexes) if escalations else None
    doc = OfficialDocument(
        kind=kind,
        issuer=issuer,
        number=number,
        title=title_of(kind, label),
        addressee=addressee,
        opening=f"为推动各项决策部署落地见效，{issuer}对{label}（{span}）督办事项的办理情况进行了跟踪督查。现将有关情况通报如下。",
        sections=sections(
            ("总体情况", _overall(totals, stats["by_kind"], label, stats.get("notices_late", []))),
            ("各单位办理情况", _units(stats, ranking_annex)),
            ("催办督办及约谈情况", _escalations(stats, escalations, issuer, measures_annex)),
            ("下一步工作要求", tuple(demands)),
        ),
        issued_on=issued_on,
        copies_to=copies_to,
        annexes=tuple(annexes),
    )
    return masked(doc)
