"""Deadline policies: DESIGN.md §5 as the default table. Pure: no I/O.

Each rule says when its period starts (``counted_from``: the meeting or instruction itself,
the assignment, or the receipt of the document; the start day is not counted) and what
satisfies it (``satisfied_by``: a feedback report on where the work stands, or the
completion). A period that ends on a non-working day runs to the next working day; a missing
day of month takes the month's last day. Every rule is a per-tenant setting
(``domain.settings``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any, Literal

from duban_common.calendar import Span, WorkCalendar, months_after
from duban_common.contracts.events import MatterOrigin

UNITS = ("workdays", "days", "weeks", "half_months", "months")
COUNTED_FROM = ("origin", "assignment", "receipt")
SATISFIED_BY = ("feedback", "completion")
BeyondMaximum = Literal["cap", "refuse"]
CountedFrom = Literal["origin", "assignment", "receipt"]
SatisfiedBy = Literal["feedback", "completion"]


@dataclass(frozen=True)
class Period:
    unit: str  # workdays | days | weeks | half_months | months
    amount: int

    def apply(self, cal: WorkCalendar, start: date) -> Span:
        if self.unit == "workdays":
            return cal.add_workdays(start, self.amount)
        if self.unit == "days":
            return cal.add_days(start, self.amount)
        if self.unit == "weeks":
            return cal.add_days(start, 7 * self.amount)
        if self.unit == "half_months":  # 半个月 = 15 days; two halves make a calendar month
            months, half = divmod(self.amount, 2)
            return cal.roll_forward(months_after(start, months) + timedelta(days=15 * half))
        if self.unit == "months":
            return cal.add_months(start, self.amount)
        raise ValueError(f"unknown period unit {self.unit!r}")

    @property
    def label(self) -> str:
        """The period as the documents write it: 1个月, 半个月, 1周, 10个工作日."""
        amount, unit = self.amount, self.unit
        if unit == "days" and amount % 7 == 0:
            amount, unit = amount // 7, "weeks"
        if unit == "days" and amount % 15 == 0:
            amount, unit = amount // 15, "half_months"
        if unit == "half_months" and amount % 2 == 0:
            amount, unit = amount // 2, "months"
        if unit == "half_months":
            return "半个月" if amount == 1 else f"{amount / 2:g}个月"
        return f"{amount}" + {"workdays": "个工作日", "days": "日", "weeks": "周", "months": "个月"}[unit]

    def to_json(self) -> dict:
        return {"unit": self.unit, "amount": self.amount}

    @classmethod
    def from_json(cls, data: dict | None) -> "Period | None":
        return cls(data["unit"], int(data["amount"])) if data else None


@dataclass(frozen=True)
class Rule:
    name: str
    period: Period
    maximum: Period | None = None  # an explicit due date later than this is capped or refused
    counted_from: CountedFrom = "assignment"
    satisfied_by: SatisfiedBy = "completion"

    @property
    def label(self) -> str:
        """会后1个月, 交办后1周, 收文后3个月: when the period starts and how long it runs."""
        return f"{FROM_LABELS[self.counted_from]}{self.period.label}"


FROM_LABELS = {"origin": "会后", "assignment": "交办后", "receipt": "收文后"}
ORIGIN_LABELS = {"meeting_decision": "会后", "leader_instruction": "批示后"}  # what "origin" is, per kind


def label_of(rule: Rule, kind: str | None = None) -> str:
    """The rule as the ledger and the task show it; an instruction counts 批示后, a meeting 会后
    (without the matter's kind, the rule's name says which)."""
    if rule.counted_from == "origin":
        kind = kind or ("leader_instruction" if rule.name.startswith("instruction_") else "meeting_decision")
        return f"{ORIGIN_LABELS.get(kind, '事发后')}{rule.period.label}"
    return rule.label


WEEK = Period("days", 7)  # "1 week" is a policy setting: calendar days by default, "workdays 5" if a tenant says so

FEEDBACK: SatisfiedBy = "feedback"
COMPLETION: SatisfiedBy = "completion"

# The county notice counts meetings and the principal leader's instructions from the meeting or
# the instruction (「会后1个月内」, 「须在1周内」), topic meetings, a deputy leader's instructions and
# special bodies from the assignment (「交办后1周内」); each asks for 「落实情况…反馈」, a feedback
# report. Online messages, documents and proposals ask for the result (「办结」「上报办理结果」「答复」).
DEFAULT_RULES: dict[str, Rule] = {
    r.name: r
    for r in (
        Rule("office_itself", Period("workdays", 10), satisfied_by=FEEDBACK),
        Rule("one_unit", Period("workdays", 15), satisfied_by=FEEDBACK),
        Rule("with_co_units", Period("workdays", 25), satisfied_by=FEEDBACK),
        Rule("meeting_plenary", Period("months", 1), counted_from="origin", satisfied_by=FEEDBACK),
        Rule("meeting_executive", Period("days", 15), counted_from="origin", satisfied_by=FEEDBACK),
        Rule("meeting_office", WEEK, counted_from="origin", satisfied_by=FEEDBACK),
        Rule("meeting_weekly", WEEK, counted_from="origin", satisfied_by=FEEDBACK),
        Rule("meeting_topic", WEEK, satisfied_by=FEEDBACK),
        Rule("meeting_special_body", WEEK, satisfied_by=FEEDBACK),
        Rule("instruction_principal", WEEK, counted_from="origin", satisfied_by=FEEDBACK),
        Rule("instruction_deputy", WEEK, satisfied_by=FEEDBACK),
        Rule("online_message", Period("workdays", 10)),
        Rule("proposal", Period("months", 3), maximum=Period("months", 6)),
        Rule("proposal_led_by_leader", Period("months", 6), maximum=Period("months", 6)),
        Rule("document_single", Period("workdays", 5)),
        Rule("document_multi", Period("workdays", 7)),
        Rule("document_investigation", Period("workdays", 20)),
        Rule("document_urgent", Period("workdays", 3)),
        Rule("superior_no_deadline", Period("months", 3), counted_from="receipt", satisfied_by=FEEDBACK),
    )
}


RuleScheme = Literal["by_source", "by_handler"]
# The county rules (the first reference document) count 督办件 by who handles them; online messages,
# proposals and documents keep their own rules in either scheme.
BY_HANDLER_KINDS = ("meeting_decision", "leader_instruction", "superior_assignment", "work_report_task")


def by_handler(origin: MatterOrigin, has_co_units: bool) -> str:
    """County rules: 「县政府办公室（含督查室）督办件，一般应在10个工作日内…；转交乡镇或部门的督办件…15个工作日…；
    由乡镇和部门协办的督办件…25个工作日」."""
    if origin.handled_by_office:
        return "office_itself"
    return "with_co_units" if has_co_units else "one_unit"


def rule_name(origin: MatterOrigin, has_co_units: bool, scheme: RuleScheme = "by_source") -> str:
    kind = origin.kind
    if scheme == "by_handler" and kind in BY_HANDLER_KINDS:
        return by_handler(origin, has_co_units)
    if kind == "meeting_decision" and origin.meeting_type:
        return f"meeting_{origin.meeting_type}"
    if kind == "leader_instruction" and origin.leader_role:
        return f"instruction_{origin.leader_role}"
    if kind == "online_message":
        return "online_message"
    if kind in ("deputy_suggestion", "cppcc_proposal"):
        return "proposal_led_by_leader" if origin.led_by_leader else "proposal"
    if kind == "document" and origin.handling:
        return f"document_{origin.handling}"
    if kind == "superior_assignment":
        return "superior_no_deadline"
    return by_handler(origin, has_co_units)


@dataclass(frozen=True)
class Deadline:
    start_on: date
    due_on: date
    rule: str
    provisional: bool
    note: str | None = None


@dataclass(frozen=True)
class Basis:
    """What a deadline was computed from, kept with it so that a calendar change recomputes
    it the same way (and not with a policy the tenant changed since)."""

    start_on: date
    rule: Rule
    requested_due_on: date | None = None
    beyond_maximum: BeyondMaximum = "cap"
    extended_to: date | None = None  # the due day of the last approved extension
    feedback_due_on: date | None = None  # a feedback rule met: the next feedback's day (monthly by default)
    fed_back_on: date | None = None  # the day of the feedback report that met the last period
    feedback_opened_on: date | None = None  # the due day that report met: the period now running opened then

    def to_json(self) -> dict:
        return {
            "start_on": self.start_on.isoformat(),
            "rule": self.rule.name,
            "period": self.rule.period.to_json(),
            "maximum": self.rule.maximum.to_json() if self.rule.maximum else None,
            "counted_from": self.rule.counted_from,
            "satisfied_by": self.rule.satisfied_by,
            "requested_due_on": self.requested_due_on.isoformat() if self.requested_due_on else None,
            "beyond_maximum": self.beyond_maximum,
            "extended_to": self.extended_to.isoformat() if self.extended_to else None,
            "feedback_due_on": self.feedback_due_on.isoformat() if self.feedback_due_on else None,
            "fed_back_on": self.fed_back_on.isoformat() if self.fed_back_on else None,
            "feedback_opened_on": self.feedback_opened_on.isoformat() if self.feedback_opened_on else None,
        }

    @classmethod
    def from_json(cls, data: dict) -> "Basis":
        day = lambda v: date.fromisoformat(v) if v else None  # noqa: E731
        # a basis stored before rules said when they start and what satisfies them: from the assignment, by the completion
        period = Period.from_json(data["period"])
        assert period is not None  # every rule has its period
        rule = Rule(
            data["rule"],
            period,
            Period.from_json(data.get("maximum")),
            data.get("counted_from", "assignment"),
            data.get("satisfied_by", COMPLETION),
        )
        return cls(
            date.fromisoformat(data["start_on"]),
            rule,
            day(data.get("requested_due_on")),
            data.get("beyond_maximum", "cap"),
            day(data.get("extended_to")),
            day(data.get("feedback_due_on")),
            day(data.get("fed_back_on")),
            day(data.get("feedback_opened_on")),
        )


def cap_of(cal: WorkCalendar, basis: Basis) -> Span | None:
    return basis.rule.maximum.apply(cal, basis.start_on) if basis.rule.maximum else None


def evaluate(cal: WorkCalendar, basis: Basis) -> Deadline:
    start_on, rule = basis.start_on, basis.rule
    if basis.extended_to is not None:
        span = cal.roll_forward(basis.extended_to)
        return Deadline(start_on, span.day, "extension", span.provisional)
    if basis.feedback_due_on is not None:
        span = cal.roll_forward(basis.feedback_due_on)
        note = (
            f"已于 {basis.fed_back_on.isoformat()} 反馈办理情况，下次反馈应于 {span.day.isoformat()} 前"
            if basis.fed_back_on
            else f"反馈被退回重办，应于 {span.day.isoformat()} 前重新反馈"
        )
        return Deadline(start_on, span.day, rule.name, span.provisional, note)
    requested = basis.requested_due_on
    if requested is not None:
        due = cal.roll_forward(requested)
        cap = cap_of(cal, basis)
        if cap is not None and due.day > cap.day:
            if basis.beyond_maximum == "refuse":
                span = rule.period.apply(cal, start_on)
                return Deadline(
                    start_on,
                    span.day,
                    rule.name,
                    span.provisional,
                    f"要求的办理期限 {requested.isoformat()} 超过最长期限 {cap.day.isoformat()}，不予采用，按规定期限 {span.day.isoformat()} 计",
                )
            return Deadline(
                start_on,
                cap.day,
                rule.name,
                cap.provisional,
                f"要求的办理期限 {requested.isoformat()} 超过最长期限，已按 {cap.day.isoformat()} 计",
            )
        return Deadline(start_on, due.day, "requested", due.provisional)
    span = rule.period.apply(cal, start_on)
    return Deadline(start_on, span.day, rule.name, span.provisional)


def start_day(rule: Rule, origin: MatterOrigin, assigned_on: date) -> date:
    """The day the rule's period is counted from: the meeting, the instruction or the receipt when
    the rule says so and the day is known (never later than the assignment), else the assignment."""
    if rule.counted_from == "assignment":
        return assigned_on
    day = origin.meeting_held_on if origin.kind == "meeting_decision" and origin.meeting_held_on else origin.origin_on
    return min(day, assigned_on) if day is not None else assigned_on


def basis_for(
    origin: MatterOrigin,
    assigned_on: date,
    *,
    has_co_units: bool,
    requested_due_on: date | None,
    rules: dict[str, Rule] = DEFAULT_RULES,
    beyond_maximum: BeyondMaximum = "cap",
    scheme: RuleScheme = "by_source",
) -> Basis:
    rule = rules[rule_name(origin, has_co_units, scheme)]
    return Basis(start_day(rule, origin, assigned_on), rule, requested_due_on, beyond_maximum)


def compute(cal: WorkCalendar, origin: MatterOrigin, assigned_on: date, **basis: Any) -> Deadline:
    """The deadline in one call: ``evaluate`` of ``basis_for`` (``basis``: its keyword arguments)."""
    return evaluate(cal, basis_for(origin, assigned_on, **basis))


def counts_feedback(basis: Basis) -> bool:
    """Whether a progress report meets this deadline: a feedback rule's own period (an explicit due
    date asked for by the matter is a date for the result, met by the completion)."""
    return basis.rule.satisfied_by == FEEDBACK and basis.requested_due_on is None


def after_feedback(cal: WorkCalendar, basis: Basis, due_on: date, reported_on: date, every: Period) -> Basis | None:
    """The basis once a feedback report of ``reported_on`` met the period due on ``due_on``: the next
    feedback is due ``every`` later (分月报告, monthly by default), stepped on past the report day.
    None when the report meets no period: the rule asks for the completion, or the period now
    running opened after the report (a second report in the month already met is a progress record)."""
    if not counts_feedback(basis):
        return None
    if basis.feedback_opened_on is not None and reported_on <= basis.feedback_opened_on:
        return None
    nxt = every.apply(cal, due_on).day
    while nxt <= reported_on:
        nxt = every.apply(cal, nxt).day
    return replace(basis, feedback_due_on=nxt, fed_back_on=reported_on, feedback_opened_on=due_on, extended_to=None)


def feedback_returned(basis: Basis) -> Basis | None:
    """The basis once the office returned the feedback report that met the last period (退回重办):
    that period is open again, due on the day the report met. None: no feedback met a period."""
    if basis.fed_back_on is None or basis.feedback_opened_on is None:
        return None
    return replace(basis, feedback_due_on=basis.feedback_opened_on, fed_back_on=None, feedback_opened_on=None)
