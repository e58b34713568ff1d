"""Submissions published by other platforms on ``duban.in.<tenant>.<kind>``."""

from duban_common.consumer import Delivery
from duban_common.outbox import UnitOfWork

from ..adapters.protect import Protector
from ..adapters.units import DIRECTORY
from ..service_layer import handlers


async def on_submission(data: dict, delivery: Delivery, uow: UnitOfWork, *, protector: Protector) -> None:
    """A submission is a document of the platform that sends it, not an event of the contract: its
    data comes as sent, and ``accept`` checks it as it checks one that came over HTTP."""
    subject_kind = delivery.subject.split(".")[3]
    await handlers.accept(uow, delivery.envelope, protector, channel="nats", subject_kind=subject_kind)


# Every type goes to on_submission, which refuses (dead-letters) unknown kinds with the reason.
HANDLERS = {"submissions": {"*": on_submission}, "units": DIRECTORY.handlers()}  # units: intake's copy of the directory
