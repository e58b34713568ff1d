"""Submissions published by other platforms on ``duban.in.<tenant>.<kind>``."""

from duban_common.consumer import Delivery
from duban_common.outbox import UnitOfWork

from ..adapters.units import DIRECTORY
from ..service_layer import handlers


def handler_table(protector) -> dict:
    async def on_submission(delivery: Delivery, uow: UnitOfWork) -> None:
        subject_kind = delivery.subject.split(".")[3]
        await handlers.accept(uow, delivery.envelope, protector, channel="nats", subject_kind=subject_kind)

    # Every type goes to on_submission, which refuses (dead-letters) unknown kinds with the reason.
    return {"submissions": {"*": on_submission}, "units": DIRECTORY.handlers()}
