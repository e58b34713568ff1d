"""``duban rebuild intake``: intake's copy of the units directory made again from the unit events."""

from duban_common.unit_rebuild import command

from .adapters.orm import metadata, units
from .config import IntakeSettings

run = command(IntakeSettings, "intake", metadata, units)
