"""``duban rebuild escalation``: escalation's copy of the units directory made again from the unit events."""

from duban_common.unit_rebuild import command

from .adapters.orm import metadata, units
from .config import EscalationSettings

run = command(EscalationSettings, "escalation", metadata, units)
