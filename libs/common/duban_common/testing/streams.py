"""Reading what a JetStream stream holds, for tests that check what was published."""

from __future__ import annotations

from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import DeliverPolicy
from nats.js.errors import NotFoundError


async def stored_messages(js: JetStreamContext, subject: str, *, wait_s: float = 30.0) -> list[Msg]:
    """Every message the stream holds on ``subject`` (wildcards allowed) at the call, in stream order.

    It reads exactly as many messages as the stream counts for the subject. Reading until no
    message came for a while would end early on a loaded machine and drop the rest silently;
    this read can only get slower, and ``wait_s`` bounds the wait for each message.
    """
    try:
        stream = await js.find_stream_name_by_subject(subject)
    except NotFoundError:
        return []
    state = (await js.stream_info(stream, subjects_filter=subject)).state
    expected = sum((state.subjects or {}).values())
    if not expected:
        return []
    sub = await js.subscribe(subject, stream=stream, ordered_consumer=True, deliver_policy=DeliverPolicy.ALL)
    try:
        return [await sub.next_msg(timeout=wait_s) for _ in range(expected)]
    finally:
        await sub.unsubscribe()
