"""The supervision office's own limit for issuing the assignment notice (DESIGN.md §5). Pure.

1 working day after a leader's instruction; 2 after an office, weekly or topic meeting; 3
after a plenary or executive meeting or a special body's meeting (「专门机构研究确定事项的分解交办
须在会后…3个工作日内下达」); 1 week after the people's congress closed for the work report tasks. Issuing later is shown (``deadline.notice_late``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from duban_common.calendar import WorkCalendar
from duban_common.contracts.events import MatterOrigin

from .policy import WEEK, Period, rule_name

DEFAULT_NOTICE_LIMITS: dict[str, Period] = {
    "instruction_principal": Period("workdays", 1),
    "instruction_deputy": Period("workdays", 1),
    "meeting_office": Period("workdays", 2),
    "meeting_weekly": Period("workdays", 2),
    "meeting_topic": Period("workdays", 2),
    "meeting_special_body": Period("workdays", 3),
    "meeting_plenary": Period("workdays", 3),
    "meeting_executive": Period("workdays", 3),
    "work_report_task": WEEK,  # counted from the congress (origin_on)
}


@dataclass(frozen=True)
class NoticeCheck:
    limit_rule: str
    origin_on: date
    limit_on: date
    issued_on: date
    late_workdays: int

    @property
    def issued_by(self) -> str:
        """Who issues the notice: a special body's office its own matters, the supervision office the rest."""
        return "special_body" if self.limit_rule == "meeting_special_body" else "supervision_office"

    @property
    def late(self) -> bool:
        return self.issued_on > self.limit_on

    @property
    def note(self) -> str:
        return (
            f"交办通知应于 {self.limit_on.isoformat()} 前发出，实际 {self.issued_on.isoformat()} 发出，"
            f"迟 {self.late_workdays} 个工作日"
        )


def limit_key(origin: MatterOrigin) -> str | None:
    if origin.kind in ("meeting_decision", "leader_instruction"):
        return rule_name(origin, False)
    if origin.kind == "work_report_task":
        return "work_report_task"
    return None


def check(
    cal: WorkCalendar, origin: MatterOrigin, issued_on: date, limits: dict[str, Period] = DEFAULT_NOTICE_LIMITS
) -> NoticeCheck | None:
    """None when no limit applies (another kind, or the origin day is unknown)."""
    key = limit_key(origin)
    origin_on = origin.origin_on or origin.meeting_held_on
    if key is None or key not in limits or origin_on is None:
        return None
    limit_on = limits[key].apply(cal, origin_on).day
    late = cal.workdays_between(limit_on, issued_on) if issued_on > limit_on else 0
    # issued on a non-working day after the limit: as late as on the next working day
    if issued_on > limit_on and late == 0:
        late = 1
    return NoticeCheck(key, origin_on, limit_on, issued_on, late)
