"""Figures of a period per unit and per kind, the unit ranking and the assessment. Pure: no I/O.

Definitions (also given to users in the statistics answer, in Chinese):
- assigned: tasks first assigned in the period (counted under the task's current lead unit);
- completed: tasks closed out (task.completed) in the period and still closed;
- completed_on_time: of those, closed on or before their deadline (an approved extension counts);
- overdue: deadlines that passed in the period without a completion report (deadline.overdue);
- on_time_rate: completed_on_time / completed, in percent; None when nothing was completed;
- avg_handling_workdays: working days from assignment to close-out, over the completed tasks;
- returns: completions sent back for rework (task.returned); extensions: approved extensions;
- spot_checks: spot-check callbacks (回访) recorded in the period (task.spot_checked), satisfied
  (spot_checks_satisfied) or not (spot_checks_not_satisfied, which reopen the task); counted for the
  unit that led the task when it was checked;
- satisfaction_rate: spot_checks_satisfied / spot_checks, in percent; None when nothing was checked;
- urges, bulletins, supervision orders, transfers, deductions: escalation's facts, for the unit they name;
  score = 100 − deductions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

COUNTS = (
    "assigned",
    "completed",
    "completed_on_time",
    "overdue",
    "urges",
    "returns",
    "extensions",
    "spot_checks_satisfied",
    "spot_checks_not_satisfied",
    "bulletins",
    "supervision_orders",
    "transfers",
)
BASE_SCORE = 100.0

DEFINITIONS = {
    "assigned": "统计期内交办的任务数（按当前牵头单位统计）",
    "completed": "统计期内审核办结（销号）的任务数",
    "completed_on_time": "办结时间不晚于办理时限（含经批准延期后的时限）的任务数",
    "overdue": "统计期内到期而未报送办结报告的任务数",
    "on_time_rate": "按期办结率 = 按期办结数 ÷ 办结数（%）",
    "avg_handling_workdays": "从交办到办结的平均工作日数",
    "urges": "催办次数",
    "returns": "退回重办次数",
    "extensions": "经批准的延期次数",
    "spot_checks": "统计期内登记回访结果的抽查任务数",
    "spot_checks_satisfied": "回访满意的任务数",
    "spot_checks_not_satisfied": "回访不满意、重新办理的任务数",
    "satisfaction_rate": "回访满意率 = 回访满意数 ÷ 回访数（%）",
    "bulletins": "通报次数",
    "supervision_orders": "督办单件数",
    "transfers": "移交纪委监委件数",
    "deductions": "考核扣分合计",
    "score": "考核得分 = 100 − 扣分",
    "admonition": "考核得分最低的后N名单位（全部按期办结、无逾期且未扣分的除外）及期内有移交纪委监委的单位，建议约谈（N为本地区设定）",
}


@dataclass
class Figures:
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTS, 0))
    handling_days_total: float = 0.0
    handling_days_n: int = 0
    deductions: float = 0.0  # assessment points taken (escalation.deducted)

    def add(self, name: str, count: int) -> None:
        self.counts[name] += int(count or 0)

    @property
    def on_time_rate(self) -> float | None:
        done = self.counts["completed"]
        return round(100.0 * self.counts["completed_on_time"] / done, 1) if done else None

    @property
    def spot_checks(self) -> int:
        return self.counts["spot_checks_satisfied"] + self.counts["spot_checks_not_satisfied"]

    @property
    def satisfaction_rate(self) -> float | None:
        return round(100.0 * self.counts["spot_checks_satisfied"] / self.spot_checks, 1) if self.spot_checks else None

    @property
    def avg_handling_workdays(self) -> float | None:
        return round(self.handling_days_total / self.handling_days_n, 1) if self.handling_days_n else None

    @property
    def active(self) -> bool:
        return any(self.counts.values())

    def as_dict(self) -> dict:
        return {
            **self.counts,
            "on_time_rate": self.on_time_rate,
            "avg_handling_workdays": self.avg_handling_workdays,
            "spot_checks": self.spot_checks,
            "satisfaction_rate": self.satisfaction_rate,
            "deductions": round(self.deductions, 2),
            "score": round(BASE_SCORE - self.deductions, 1),
        }


def ranked(units: dict[str, Figures]) -> list[str]:
    """Units that had something due or closed in the period, best first: on-time rate (a unit
    with overdue tasks and nothing completed counts as 0%), then fewer handling days, then
    fewer overdue, then the code (stable)."""

    def key(code: str):
        figures = units[code]
        rate = figures.on_time_rate if figures.on_time_rate is not None else 0.0
        days = figures.avg_handling_workdays if figures.avg_handling_workdays is not None else float("inf")
        return (-rate, days, figures.counts["overdue"], code)

    eligible = [c for c, f in units.items() if f.counts["completed"] or f.counts["overdue"]]
    return sorted(eligible, key=key)


def admonitions(order: list[str], units: dict[str, Figures], bottom: int) -> set[str]:
    """The admonition rule (建议约谈), one per tenant with its own ``bottom``:

    - the ``bottom`` ranked units with the lowest score (100 − deductions; among equal scores the
      one placed lower in the ranking first), except a unit that closed everything on time, let
      nothing fall overdue and lost no points; and
    - every unit with a transfer to the discipline body (移交纪委监委) in the period, ranked or not.
    """
    place = {code: i for i, code in enumerate(order)}
    by_score = sorted(order, key=lambda code: (BASE_SCORE - units[code].deductions, -place[code]))
    candidates = [code for code in by_score if not _flawless(units[code])]
    flagged = set(candidates[:bottom]) if bottom > 0 else set()
    return flagged | {code for code, figures in units.items() if figures.counts["transfers"]}


def _flawless(figures: Figures) -> bool:
    return figures.on_time_rate == 100.0 and figures.counts["overdue"] == 0 and not figures.deductions
