"""Tasking's domain rules besides the state machine. Pure: no I/O."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from duban_common.sequences import format_number

UNIT_TYPES = ("office", "supervision_office", "department", "township", "agency", "copy_recipient", "discipline_body")
ASSIGNABLE_TYPES = ("office", "supervision_office", "department", "township", "agency")
NOTICE_TYPES = {"assignment": "督办"}  # notice type → the word before 〔year〕 in its number


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    type: str
    active: bool = True

    @property
    def can_lead(self) -> bool:
        return self.active and self.type in ASSIGNABLE_TYPES


def assignable_lead(lead_unit: str | None, directory: dict[str, Unit]) -> Unit | None:
    """The unit a newly registered matter can be assigned to at once, if any."""
    if not lead_unit:
        return None
    unit = directory.get(lead_unit)
    return unit if unit is not None and unit.can_lead else None


def notice_number(notice_type: str, year: int, seq: int) -> str:
    """督办〔2026〕17号"""
    return format_number(NOTICE_TYPES[notice_type], year, seq)


def rolled_up_progress(tasks: list[tuple[float, int, bool]]) -> tuple[int, bool]:
    """(weight, progress 0–100, completed) of each task → the matter's progress and whether it is done."""
    if not tasks:
        return 0, False
    total = sum(w for w, _, _ in tasks)
    progress = sum(w * (100 if done else p) for w, p, done in tasks) / total if total else 0
    return int(round(progress)), all(done for _, _, done in tasks)


def draw_sample(population: list[str], rate: float, seed: int) -> list[str]:
    """At least ``rate`` of the population (rounded up), drawn reproducibly from ``seed``."""
    if not population:
        return []
    sample_size = min(len(population), math.ceil(len(population) * rate))
    return sorted(random.Random(seed).sample(sorted(population), sample_size))
