"""The escalation ladder as data (DESIGN.md §5: "two bulletins, one transfer"). Pure: no I/O.

A task climbs by its urge count: urged for being overdue without a report (逾期不报), again
every ``reurge_workdays`` while it stays so, or by hand. A return for rework is not an urge: it
takes the first rung's bulletin, once (「逾期不报被催办1次或因办理质量不高退回重办的…予以通报」).
A missed written explanation is recorded; it is an urge only where the tenant's ladder says so
(``explanation_missing_urges``). Each rung is taken at most once per task.
"""

from __future__ import annotations

from pydantic import BaseModel, Field, model_validator

ACTIONS = {
    "bulletin_office": "督查室通报",
    "bulletin_government": "政府办公室通报",
    "explanation": "单位主要负责人书面说明并提出整改措施",
    "admonition": "约谈单位主要负责人",
    "transfer": "移交纪委监委",
    # the county rules' own ladder: 「在《督查专报》上进行通报批评；通报批评后仍未办理的…公开通报批评」
    "censure_in_special_report": "在《督查专报》上通报批评",
    "public_censure": "公开通报批评",
}


class Step(BaseModel):
    at_urges: int = Field(ge=1, le=20, description="the rung is taken when the task's urge count reaches this")
    actions: list[str] = Field(min_length=1)
    deduction: float = Field(0, ge=0, le=100, description="assessment points taken from the unit")
    explanation_workdays: int = Field(3, ge=1, le=30, description="limit for the written explanation, when required")
    also_on: list[str] = Field(
        default_factory=list, description="other triggers that take this rung at once, e.g. rectification_unmet"
    )

    @model_validator(mode="after")
    def _known_actions(self):
        unknown = [a for a in self.actions if a not in ACTIONS]
        if unknown:
            raise ValueError(f"unknown actions {unknown}; known: {sorted(ACTIONS)}")
        return self


class Ladder(BaseModel):
    steps: list[Step] = Field(min_length=1, max_length=10)
    reurge_workdays: int = Field(5, ge=1, le=60)
    urge_deduction: float = Field(1, ge=0, le=100, description="points per urge notice")
    copy_to: list[str] = Field(
        default_factory=list, description="unit codes copied on urge notices; empty: all copy_recipient units"
    )
    explanation_missing_urges: bool = Field(
        False, description="a written explanation not given in time counts as an urge (else it is recorded only)"
    )
    approval_reminder_workdays: int = Field(
        2, ge=1, le=30, description="working days a draft may wait at one sign-off step before its approver is reminded"
    )

    @model_validator(mode="after")
    def _ordered(self):
        levels = [s.at_urges for s in self.steps]
        if levels != sorted(set(levels)):
            raise ValueError("steps must have strictly increasing at_urges")
        if any("transfer" in s.actions for s in self.steps[:-1]):
            raise ValueError("only the last step may transfer the case")
        return self


DEFAULT_LADDER = Ladder(
    steps=[
        Step(at_urges=1, actions=["bulletin_office"], deduction=2),
        Step(at_urges=2, actions=["bulletin_government", "explanation"], deduction=5, also_on=["rectification_unmet"]),
        Step(at_urges=3, actions=["transfer"], deduction=10),
    ]
)


# The county rules (the first reference document): censured in the special report, then publicly.
COUNTY_RULES_LADDER = Ladder(
    steps=[
        Step(at_urges=1, actions=["censure_in_special_report"], deduction=2),
        Step(at_urges=2, actions=["public_censure"], deduction=5),
    ]
)
PRESETS: dict[str, Ladder] = {
    "default": DEFAULT_LADDER,
    "county_notice": DEFAULT_LADDER,
    "bozhou": DEFAULT_LADDER,
    "county_rules": COUNTY_RULES_LADDER,
}


def steps_reached(ladder: Ladder, urges: int, taken: set[int], trigger: str | None = None) -> list[tuple[int, Step]]:
    """(step number from 1, step) of every rung reached by ``urges`` (or by ``trigger``) and not yet taken."""
    return [
        (n, s)
        for n, s in enumerate(ladder.steps, start=1)
        if (s.at_urges <= urges or (trigger is not None and trigger in s.also_on)) and n not in taken
    ]
