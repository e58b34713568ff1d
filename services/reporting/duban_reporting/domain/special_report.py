"""The special report (督查专报) to the leaders on one matter or on a campaign (a set of matters):
background, the progress of each task, what is overdue and how it was escalated, a conclusion.
Pure: no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .bulletin import EscalationLine, escalation_table
from .documents import OfficialDocument, Table, chinese_date, masked, pct, sections

TITLE_CHARS = 60  # of a matter's title inside the report's title


@dataclass(frozen=True)
class TaskLine:
    unit: str  # the lead unit's name
    co_units: str  # co-units' names, joined
    notice_no: str | None
    status: str  # as the office writes it (办理中)
    due_on: date | None
    completed_on: date | None
    overdue: bool  # still open after its deadline
    late: bool  # closed after its deadline
    urges: int = 0

    @property
    def timeliness(self) -> str:
        if self.completed_on:
            return "超期办结" if self.late else "按期办结"
        return "逾期未办结" if self.overdue else "正在办理"


@dataclass(frozen=True)
class MatterLine:
    title: str
    source: str  # 来源, with personal data masked
    registered_on: date | None
    status: str
    progress: int  # percent
    lead: str
    co_units: str  # co-units' names, joined
    notice_no: str | None
    due_on: date | None
    tasks: tuple[TaskLine, ...]
    escalations: tuple[EscalationLine, ...] = ()


def _day(day: date | None) -> str:
    return chinese_date(day) if day else "未定"


def _background(matters: list[MatterLine], topic: str, single: bool) -> tuple[str | Table, ...]:
    if single:
        matter = matters[0]
        co_units_clause = f"，{matter.co_units}协助办理" if matter.co_units else ""
        return (
            f"该事项来源于{matter.source}，于{_day(matter.registered_on)}立项，由{matter.lead or '督查室'}牵头办理{co_units_clause}，"
            f"交办单号{matter.notice_no or '—'}，办理时限为{_day(matter.due_on)}。当前办理状态为{matter.status}，办理进度{matter.progress}%。",
        )
    tasks = [t for m in matters for t in m.tasks]
    done = sum(1 for m in matters if m.status == "已办结")
    overdue = sum(1 for t in tasks if t.overdue)
    rows = tuple(
        (str(i + 1), m.title, m.source, m.lead or "—", m.status, chinese_date(m.due_on) if m.due_on else "—")
        for i, m in enumerate(matters)
    )
    return (
        f"本专报涉及{topic}共{len(matters)}项（分解为{len(tasks)}项任务），其中已办结{done}项，尚未办结{len(matters) - done}项；"
        f"逾期未办结的任务{overdue}项。",
        Table(("序号", "事项名称", "来源", "牵头单位", "办理状态", "办理时限"), rows),
    )


def _progress(matters: list[MatterLine]) -> tuple[str | Table, ...]:
    rows = tuple(
        (
            str(i + 1),
            m.title,
            t.unit + (f"（协办：{t.co_units}）" if t.co_units else ""),
            t.notice_no or "—",
            t.status,
            chinese_date(t.due_on) if t.due_on else "—",
            chinese_date(t.completed_on) if t.completed_on else "—",
            t.timeliness,
        )
        for i, (m, t) in enumerate((m, t) for m in matters for t in m.tasks)
    )
    if not rows:
        return ("事项尚未交办。",)
    return (
        "各项任务办理进展如下：",
        Table(("序号", "事项", "承办单位", "交办单号", "办理状态", "办理时限", "办结日期", "办理时效"), rows),
    )


def _overdue(matters: list[MatterLine]) -> tuple[str | Table, ...]:
    pairs = [(m, t) for m in matters for t in m.tasks]
    overdue = [
        f"{t.unit}承办的“{m.title}”（时限{chinese_date(t.due_on) if t.due_on else '—'}，已催办{t.urges}次）"
        for m, t in pairs
        if t.overdue
    ]
    late = [
        f"{t.unit}承办的“{m.title}”（时限{chinese_date(t.due_on) if t.due_on else '—'}，{chinese_date(t.completed_on) if t.completed_on else ''}办结）"
        for m, t in pairs
        if t.late
    ]
    lines = sorted((e for m in matters for e in m.escalations), key=lambda e: (e.day, e.unit_name, e.fact))
    blocks: list[str | Table] = []
    if overdue:
        blocks.append(f"逾期未办结的任务{len(overdue)}项：{'；'.join(overdue)}。")
    if late:
        blocks.append(f"超期办结的任务{len(late)}项：{'；'.join(late)}。")
    if lines:
        blocks += [f"已采取催办督办措施{len(lines)}项：", escalation_table(lines)]
    return tuple(blocks) or ("截至目前，没有逾期事项，也未采取催办督办措施。",)


def _conclusion(matters: list[MatterLine], topic: str) -> tuple[str, ...]:
    tasks = [t for m in matters for t in m.tasks]
    closed = [t for t in tasks if t.completed_on]
    open_ = [t for t in tasks if not t.completed_on]
    overdue_units = list(dict.fromkeys(t.unit for t in tasks if t.overdue))
    rate = pct(round(100.0 * sum(1 for t in closed if not t.late) / len(closed), 1) if closed else None)
    if tasks and not open_ and not any(t.late for t in tasks):
        return (f"{topic}的{len(tasks)}项任务已全部按期办结，建议予以销号。",)
    out = [
        f"{topic}共{len(tasks)}项任务，已办结{len(closed)}项，按期办结率{rate}；尚未办结{len(open_)}项，"
        f"其中逾期{sum(1 for t in tasks if t.overdue)}项。"
    ]
    if overdue_units:
        out.append(
            f"建议对{'、'.join(overdue_units)}进一步加大督办力度，限期办结；对多次催办仍不落实的，依照有关规定启动问责程序。"
        )
    if open_:
        out.append("对正在办理的事项继续跟踪督办，确保按期办结，办结后及时销号。")
    return tuple(out)


def special_report(
    matters: list[MatterLine],
    *,
    topic: str | None,
    as_of: date,
    number: str,
    issuer: str,
    issued_on: date,
    addressee: str,
    copies_to: tuple[str, ...],
) -> OfficialDocument:
    """One matter (``topic`` None: the matter's title names it) or a campaign named by ``topic``."""
    if not matters:
        raise ValueError("a special report needs at least one matter")
    single = topic is None
    title = matters[0].title
    name = f"“{title if len(title) <= TITLE_CHARS else title[:TITLE_CHARS] + '…'}”" if single else topic or ""
    doc = OfficialDocument(
        kind="special_report",
        issuer=issuer,
        number=number,
        title=f"关于{name}办理情况的督查专报",
        addressee=addressee,
        opening=f"截至{chinese_date(as_of)}，{issuer}对{name}的办理情况进行了督查。现将有关情况报告如下。",
        sections=sections(
            ("基本情况", _background(matters, name, single)),
            ("办理进展", _progress(matters)),
            ("逾期及催办督办情况", _overdue(matters)),
            ("结论和建议", _conclusion(matters, name)),
        ),
        issued_on=issued_on,
        copies_to=copies_to,
    )
    return masked(doc)


def campaign_topic(
    *,
    period_label: str | None = None,
    kind_label: str | None = None,
    unit_name: str | None = None,
    text: str | None = None,
    leader: str | None = None,
    status_label: str | None = None,
) -> str:
    """What a campaign's filter selects, as a title would say it: 2026年第四季度县教育局承办的涉及“供暖”的网民留言类督办事项."""
    return "".join(
        (
            period_label or "",
            f"{leader}批示或领衔的" if leader else "",
            f"{unit_name}承办的" if unit_name else "",
            f"涉及“{text}”的" if text else "",
            f"{kind_label}类" if kind_label else "",
            f"{status_label}的" if status_label else "",
            "督办事项",
        )
    )
