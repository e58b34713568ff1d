"""A tenant's deadline policy: DESIGN.md §5 defaults, overridden per tenant. Pure: no I/O.

The tenant stores only its overrides (:class:`PolicyOverrides`); :func:`effective` merges
them over the defaults. Validation names the field that is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .notice import DEFAULT_NOTICE_LIMITS
from .policy import DEFAULT_RULES, UNITS, BeyondMaximum, CountedFrom, Period, Rule, RuleScheme, SatisfiedBy, label_of

Unit = Literal[UNITS]  # type: ignore[valid-type]


class PeriodIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    unit: Unit
    amount: int = Field(ge=1, le=3660)

    def to_period(self) -> Period:
        return Period(self.unit, self.amount)


class RuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    period: PeriodIn
    maximum: PeriodIn | None = None
    counted_from: CountedFrom | None = Field(
        None, description="origin (the meeting or instruction), assignment or receipt; default: the rule's"
    )
    satisfied_by: SatisfiedBy | None = Field(
        None, description="feedback (a progress report in time) or completion; default: the rule's"
    )


class SettingsIn(BaseModel):
    """Timer and light settings; each one a tenant may change."""

    model_config = ConfigDict(extra="forbid")
    reminder_workdays: int = Field(
        2, ge=0, le=30, description="pre-deadline reminder, working days before the due day (0: none)"
    )
    reminder_time: time = Field(
        time(9, 0), description="reminders and progress prompts go out at this time on a working day"
    )
    due_time: time | None = Field(
        None, description="a task is due at this time of its last working day (default: the service's)"
    )
    acknowledge_workdays: int = Field(1, ge=1, le=30, description="sign-for limit after assignment")
    decline_workdays: int = Field(
        2, ge=1, le=30, description="a unit may send the task back within this many working days"
    )
    yellow_workdays: int | None = Field(
        None,
        ge=0,
        le=60,
        description="yellow light this many working days before the due day (default: reminder_workdays)",
    )
    progress_reports_monthly: bool = True
    feedback_every: PeriodIn = Field(
        default_factory=lambda: PeriodIn(unit="months", amount=1),
        description="after a feedback report met a feedback rule, the next is due this much later (分月报告)",
    )
    beyond_maximum: Literal["cap", "refuse"] = Field(
        "cap", description="a requested due date beyond the rule's maximum is capped at it, or refused"
    )
    rule_scheme: RuleScheme = Field(
        "by_source",
        description="by_source: meetings and instructions by their kind (the county notice); "
        "by_handler: 10 / 15 / 25 working days by who handles the item (the county rules)",
    )

    @field_validator("reminder_time", "due_time")
    @classmethod
    def _local_time(cls, value: time | None) -> time | None:
        # A time of day on the tenant's working calendar (its own zone): with a UTC offset it would
        # compare with neither the other setting nor the service's default.
        if value is not None and value.tzinfo is not None:
            raise ValueError("a time of day on the tenant's calendar, without a UTC offset (e.g. 17:30)")
        return value

    @model_validator(mode="after")
    def _reminder_before_due(self):
        if self.due_time is not None and self.reminder_time >= self.due_time:
            raise ValueError("reminder_time must be earlier than due_time")
        return self


# Each reference document as a preset a tenant chooses when it is onboarded, as overrides of the
# defaults (which were built from the county notice and Bozhou's rules); the tenant's own
# overrides then change any single rule.
PRESETS: dict[str, dict] = {
    "default": {},
    "county_notice": {},  # meetings and instructions by their kind, counted from the meeting or the assignment
    "bozhou": {},  # feedback monthly; 「逾期不报被催办1次」 is the ladder's first trigger (escalation)
    # the county rules: 督办件 by who handles them, 10 / 15 / 25 working days
    "county_rules": {"settings": {"rule_scheme": "by_handler"}},
}


def _only_known(given: dict, known, what: str) -> dict:
    """``given`` when each of its keys is one of ``known``; otherwise the error names the others."""
    unknown = sorted(set(given) - set(known))
    if unknown:
        raise ValueError(f"unknown {what} {unknown}; known: {sorted(known)}")
    return given


class PolicyOverrides(BaseModel):
    model_config = ConfigDict(extra="forbid")
    preset: str = Field("default", description=f"the reference document the tenant follows: {', '.join(PRESETS)}")
    rules: dict[str, RuleIn] = Field(default_factory=dict)
    notice_limits: dict[str, PeriodIn] = Field(default_factory=dict)
    settings: SettingsIn = Field(default_factory=SettingsIn)

    @field_validator("rules")
    @classmethod
    def _known_rules(cls, value: dict) -> dict:
        return _only_known(value, DEFAULT_RULES, "rule(s)")

    @field_validator("preset")
    @classmethod
    def _known_preset(cls, value: str) -> str:
        if value not in PRESETS:
            raise ValueError(f"unknown preset {value!r}; known: {sorted(PRESETS)}")
        return value

    def over_preset(self) -> "PolicyOverrides":
        """The preset's overrides with the tenant's own over them (a setting the tenant set wins)."""
        base = PRESETS[self.preset]
        mine = self.model_dump(mode="json", exclude_unset=True)
        settings = {**base.get("settings", {}), **mine.get("settings", {})}
        return PolicyOverrides.model_validate(
            {
                "preset": self.preset,
                "rules": {**base.get("rules", {}), **mine.get("rules", {})},
                "notice_limits": {**base.get("notice_limits", {}), **mine.get("notice_limits", {})},
                "settings": settings,
            }
        )

    @field_validator("notice_limits")
    @classmethod
    def _known_limits(cls, value: dict) -> dict:
        return _only_known(value, DEFAULT_NOTICE_LIMITS, "notice limit(s)")


@dataclass(frozen=True)
class TenantPolicy:
    rules: dict[str, Rule] = field(default_factory=lambda: dict(DEFAULT_RULES))
    notice_limits: dict[str, Period] = field(default_factory=lambda: dict(DEFAULT_NOTICE_LIMITS))
    reminder_workdays: int = 2
    reminder_time: time = time(9, 0)
    due_time: time = time(17, 30)
    acknowledge_workdays: int = 1
    decline_workdays: int = 2
    yellow_workdays: int = 2
    progress_reports_monthly: bool = True
    feedback_every: Period = Period("months", 1)
    beyond_maximum: BeyondMaximum = "cap"
    rule_scheme: RuleScheme = "by_source"


def effective(overrides: PolicyOverrides | None, *, default_due_time: time = time(17, 30)) -> TenantPolicy:
    chosen = (overrides or PolicyOverrides()).over_preset()
    rules = dict(DEFAULT_RULES)
    for name, rule in chosen.rules.items():
        default = DEFAULT_RULES[name]
        rules[name] = Rule(
            name,
            rule.period.to_period(),
            rule.maximum.to_period() if rule.maximum else None,
            rule.counted_from or default.counted_from,
            rule.satisfied_by or default.satisfied_by,
        )
    limits = {**DEFAULT_NOTICE_LIMITS, **{k: v.to_period() for k, v in chosen.notice_limits.items()}}
    chosen_settings = chosen.settings
    return TenantPolicy(
        rules=rules,
        notice_limits=limits,
        reminder_workdays=chosen_settings.reminder_workdays,
        reminder_time=chosen_settings.reminder_time,
        due_time=chosen_settings.due_time or default_due_time,
        acknowledge_workdays=chosen_settings.acknowledge_workdays,
        decline_workdays=chosen_settings.decline_workdays,
        yellow_workdays=chosen_settings.reminder_workdays
        if chosen_settings.yellow_workdays is None
        else chosen_settings.yellow_workdays,
        progress_reports_monthly=chosen_settings.progress_reports_monthly,
        feedback_every=chosen_settings.feedback_every.to_period(),
        beyond_maximum=chosen_settings.beyond_maximum,
        rule_scheme=chosen_settings.rule_scheme,
    )


def describe(policy: TenantPolicy, overrides: PolicyOverrides | None) -> dict:
    """The effective policy as the API shows it, with what the tenant changed marked."""
    chosen = overrides or PolicyOverrides()
    return {
        "preset": chosen.preset,
        "rules": {
            name: {
                "period": r.period.to_json(),
                "maximum": r.maximum.to_json() if r.maximum else None,
                "counted_from": r.counted_from,
                "satisfied_by": r.satisfied_by,
                "label": label_of(r),
                "overridden": name in chosen.rules,
            }
            for name, r in sorted(policy.rules.items())
        },
        "notice_limits": {
            k: {**p.to_json(), "overridden": k in chosen.notice_limits} for k, p in sorted(policy.notice_limits.items())
        },
        "settings": {
            "reminder_workdays": policy.reminder_workdays,
            "reminder_time": policy.reminder_time.strftime("%H:%M"),
            "due_time": policy.due_time.strftime("%H:%M"),
            "acknowledge_workdays": policy.acknowledge_workdays,
            "decline_workdays": policy.decline_workdays,
            "yellow_workdays": policy.yellow_workdays,
            "progress_reports_monthly": policy.progress_reports_monthly,
            "feedback_every": policy.feedback_every.to_json(),
            "beyond_maximum": policy.beyond_maximum,
            "rule_scheme": policy.rule_scheme,
        },
        "overrides": chosen.model_dump(mode="json", exclude_unset=True),
    }
