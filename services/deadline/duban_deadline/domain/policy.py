"""Deadline policies: DESIGN.md §5 as the default table. Pure: no I/O.

A period is counted from the day of assignment (not counted itself); a period that
ends on a non-working day runs to the next working day; a missing day of month takes
the month's last day. Every rule is a per-tenant setting (``domain.settings``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from duban_common.calendar import Span, WorkCalendar, months_after
from duban_common.contracts.events import MatterOrigin

UNITS = ("workdays", "days", "weeks", "half_months", "months")
BeyondMaximum = Literal["cap", "refuse"]


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


WEEK = Period("days", 7)  # "1 week" is a policy setting: calendar days by default, "workdays 5" if a tenant says so

DEFAULT_RULES: dict[str, Rule] = {r.name: r for r in (
    Rule("office_itself", Period("workdays", 10)),
    Rule("one_unit", Period("workdays", 15)),
    Rule("with_co_units", Period("workdays", 25)),
    Rule("meeting_plenary", Period("months", 1)),
    Rule("meeting_executive", Period("days", 15)),
    Rule("meeting_office", WEEK),
    Rule("meeting_weekly", WEEK),
    Rule("meeting_topic", WEEK),
    Rule("meeting_special_body", WEEK),
    Rule("instruction_principal", WEEK),
    Rule("instruction_deputy", WEEK),
    Rule("online_message", Period("workdays", 10)),
    Rule("proposal", Period("months", 3), maximum=Period("months", 6)),
    Rule("proposal_led_by_leader", Period("months", 6), maximum=Period("months", 6)),
    Rule("document_single", Period("workdays", 5)),
    Rule("document_multi", Period("workdays", 7)),
    Rule("document_investigation", Period("workdays", 20)),
    Rule("document_urgent", Period("workdays", 3)),
    Rule("superior_no_deadline", Period("months", 3)),
)}


def rule_name(origin: MatterOrigin, has_co_units: bool) -> str:
    k = origin.kind
    if k == "meeting_decision" and origin.meeting_type:
        return f"meeting_{origin.meeting_type}"
    if k == "leader_instruction" and origin.leader_role:
        return f"instruction_{origin.leader_role}"
    if k == "online_message":
        return "online_message"
    if k in ("deputy_suggestion", "cppcc_proposal"):
        return "proposal_led_by_leader" if origin.led_by_leader else "proposal"
    if k == "document" and origin.handling:
        return f"document_{origin.handling}"
    if k == "superior_assignment":
        return "superior_no_deadline"
    return "with_co_units" if has_co_units else "one_unit"


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

    def to_json(self) -> dict:
        return {
            "start_on": self.start_on.isoformat(), "rule": self.rule.name, "period": self.rule.period.to_json(),
            "maximum": self.rule.maximum.to_json() if self.rule.maximum else None,
            "requested_due_on": self.requested_due_on.isoformat() if self.requested_due_on else None,
            "beyond_maximum": self.beyond_maximum,
            "extended_to": self.extended_to.isoformat() if self.extended_to else None,
        }

    @classmethod
    def from_json(cls, d: dict) -> "Basis":
        day = lambda v: date.fromisoformat(v) if v else None  # noqa: E731
        rule = Rule(d["rule"], Period.from_json(d["period"]), Period.from_json(d.get("maximum")))
        return cls(date.fromisoformat(d["start_on"]), rule, day(d.get("requested_due_on")), d.get("beyond_maximum", "cap"),
                   day(d.get("extended_to")))


def cap_of(cal: WorkCalendar, basis: Basis) -> Span | None:
    return basis.rule.maximum.apply(cal, basis.start_on) if basis.rule.maximum else None


def evaluate(cal: WorkCalendar, basis: Basis) -> Deadline:
    start_on, rule = basis.start_on, basis.rule
    if basis.extended_to is not None:
        span = cal.roll_forward(basis.extended_to)
        return Deadline(start_on, span.day, "extension", span.provisional)
    requested = basis.requested_due_on
    if requested is not None:
        due = cal.roll_forward(requested)
        cap = cap_of(cal, basis)
        if cap is not None and due.day > cap.day:
            if basis.beyond_maximum == "refuse":
                span = rule.period.apply(cal, start_on)
                return Deadline(start_on, span.day, rule.name, span.provisional,
                                f"要求的办理期限 {requested.isoformat()} 超过最长期限 {cap.day.isoformat()}，不予采用，按规定期限 {span.day.isoformat()} 计")
            return Deadline(start_on, cap.day, rule.name, cap.provisional,
                            f"要求的办理期限 {requested.isoformat()} 超过最长期限，已按 {cap.day.isoformat()} 计")
        return Deadline(start_on, due.day, "requested", due.provisional)
    span = rule.period.apply(cal, start_on)
    return Deadline(start_on, span.day, rule.name, span.provisional)


def basis_for(origin: MatterOrigin, start_on: date, *, has_co_units: bool, requested_due_on: date | None,
              rules: dict[str, Rule] = DEFAULT_RULES, beyond_maximum: BeyondMaximum = "cap") -> Basis:
    return Basis(start_on, rules[rule_name(origin, has_co_units)], requested_due_on, beyond_maximum)


def compute(cal: WorkCalendar, origin: MatterOrigin, start_on: date, *, has_co_units: bool,
            requested_due_on: date | None, rules: dict[str, Rule] = DEFAULT_RULES,
            beyond_maximum: BeyondMaximum = "cap") -> Deadline:
    basis = basis_for(origin, start_on, has_co_units=has_co_units, requested_due_on=requested_due_on, rules=rules,
                      beyond_maximum=beyond_maximum)
    return evaluate(cal, basis)
