"""The one place that declares JetStream streams and durable consumers.

Services bind to what is declared here. Start-up compares the live configuration
with the declaration and fails loudly on drift (STYLE.md 8): a durable consumer whose
filter or redelivery settings changed behind our back would otherwise keep running
with the old behaviour, silently.
"""

from __future__ import annotations

from dataclasses import dataclass

from nats.js import JetStreamContext
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    DeliverPolicy,
    DiscardPolicy,
    ObjectStoreConfig,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)
from nats.js.errors import NotFoundError

from .logging import get_logger
from .settings import ServiceSettings

log = get_logger(__name__)


class ConfigDrift(RuntimeError):
    """Live JetStream configuration differs from the declaration."""


@dataclass(frozen=True)
class StreamSpec:
    name: str
    family: str  # in, ev, out, dlq, audit
    # nothing stored can be deleted or purged through the API (the audit anchors: anchors.py);
    # a stream created so cannot be changed back (nats-server refuses the update)
    append_only: bool = False

    @property
    def subjects(self) -> list[str]:
        return [f"duban.{self.family}.>"]


STREAMS: dict[str, StreamSpec] = {
    s.name: s
    for s in (
        StreamSpec("DUBAN_IN", "in"),
        StreamSpec("DUBAN_EV", "ev"),
        StreamSpec("DUBAN_OUT", "out"),
        StreamSpec("DUBAN_DLQ", "dlq"),
        StreamSpec("DUBAN_AUDIT", "audit", append_only=True),
    )
}


# The Object Store bucket of report attachments (duban_common.attachments); its stream is
# OBJ_<bucket>, replicated like the streams above.
ATTACHMENTS_BUCKET = "DUBAN_ATTACHMENTS"
ATTACHMENTS_STREAM = f"OBJ_{ATTACHMENTS_BUCKET}"


@dataclass(frozen=True)
class ConsumerSpec:
    """One durable consumer per (service, purpose); replicas of a service share it.

    ``filter_subject`` is one subject filter or several (nats-server 2.10+). A consumer with a
    ``refuse`` reason takes what its filter matches only to dead-letter it with that reason
    (``{subject}`` is replaced): it is how a stream that stores more than a service can
    process says so, instead of keeping it unread for ever."""

    service: str
    purpose: str
    stream: str
    filter_subject: str | tuple[str, ...]
    refuse: str = ""

    @property
    def durable(self) -> str:
        return f"{self.service}-{self.purpose}"

    @property
    def filters(self) -> tuple[str, ...]:
        return (self.filter_subject,) if isinstance(self.filter_subject, str) else self.filter_subject


CONSUMERS: tuple[ConsumerSpec, ...] = (
    ConsumerSpec("intake", "submissions", "DUBAN_IN", "duban.in.*.*"),
    # the units directory (tasking's unit.* events), kept by each service that needs it (unit_directory.py)
    ConsumerSpec("intake", "units", "DUBAN_EV", "duban.ev.*.unit.>"),
    # DUBAN_IN stores duban.in.>; what is not duban.in.<tenant>.<kind> is dead-lettered here
    # (a tenant's platform cannot publish it: natsauth allows duban.in.<tenant>.* only)
    ConsumerSpec(
        "intake",
        "strays",
        "DUBAN_IN",
        ("duban.in.*", "duban.in.*.*.>"),
        refuse="subject {subject!r} is not duban.in.<tenant>.<kind>: submissions are published on a subject of exactly "
        "four tokens",
    ),
    ConsumerSpec("tasking", "matters", "DUBAN_EV", "duban.ev.*.matter.registered"),
    ConsumerSpec("tasking", "deadlines", "DUBAN_EV", "duban.ev.*.deadline.set"),
    ConsumerSpec("deadline", "tasks", "DUBAN_EV", "duban.ev.*.task.>"),
    ConsumerSpec("deadline", "extensions", "DUBAN_EV", "duban.ev.*.extension.requested"),
    ConsumerSpec("escalation", "deadlines", "DUBAN_EV", "duban.ev.*.deadline.>"),
    ConsumerSpec("escalation", "tasks", "DUBAN_EV", "duban.ev.*.task.>"),
    ConsumerSpec("escalation", "matters", "DUBAN_EV", "duban.ev.*.matter.registered"),
    ConsumerSpec("escalation", "extensions", "DUBAN_EV", "duban.ev.*.extension.decided"),
    ConsumerSpec("escalation", "units", "DUBAN_EV", "duban.ev.*.unit.>"),
    ConsumerSpec("escalation", "notifications", "DUBAN_OUT", "duban.out.*.notification.>"),
    ConsumerSpec("reporting", "projections", "DUBAN_EV", "duban.ev.>"),
)

# What a stream stores that no consumer above reads, and why (tests/unit/test_stream_coverage.py
# derives, for every stream, that each subject it stores is read by a consumer or named here).
UNCONSUMED: dict[str, str] = {
    "duban.out.>": "each tenant's platform reads its own duban.out.<tenant>.> with its durable consumer platform-<tenant> "
    "(natsauth.out_consumer_config), created when the tenant is onboarded",
    "duban.audit.>": "the audit chains' anchored heads, read by `duban audit verify` (anchors.py)",
    "duban.dlq.>": "dead letters are for operators: kept in DUBAN_DLQ and read by hand (CONTRACT.md, dead letters)",
}


def consumers_of(service: str) -> list[ConsumerSpec]:
    return [c for c in CONSUMERS if c.service == service]


def stream_config(spec: StreamSpec, settings: ServiceSettings) -> StreamConfig:
    return StreamConfig(
        name=spec.name,
        subjects=spec.subjects,
        retention=RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        num_replicas=settings.stream_replicas,
        duplicate_window=settings.duplicate_window_s,
        discard=DiscardPolicy.OLD,
        max_age=0,  # kept until operators set a retention; events are the replay source
        deny_delete=spec.append_only,
        deny_purge=spec.append_only,
    )


def server_max_deliver(settings: ServiceSettings) -> int:
    # The consumer runner dead-letters at settings.max_deliver; the server limit sits
    # slightly above so that the runner, not the server, always makes the last decision
    # (a message the server stops redelivering on its own would be stuck silently).
    return settings.max_deliver + 2


def consumer_config(spec: ConsumerSpec, settings: ServiceSettings) -> ConsumerConfig:
    return ConsumerConfig(
        name=spec.durable,
        durable_name=spec.durable,
        filter_subject=spec.filters[0] if len(spec.filters) == 1 else None,
        filter_subjects=list(spec.filters) if len(spec.filters) > 1 else None,
        deliver_policy=DeliverPolicy.ALL,
        ack_policy=AckPolicy.EXPLICIT,
        ack_wait=settings.ack_wait_s,
        max_deliver=server_max_deliver(settings),
        max_ack_pending=settings.max_ack_pending,
    )


_STREAM_FIELDS = ("subjects", "storage", "num_replicas", "duplicate_window", "retention", "deny_delete", "deny_purge")
_CONSUMER_FIELDS = (
    "filter_subject",
    "filter_subjects",
    "deliver_policy",
    "ack_policy",
    "ack_wait",
    "max_deliver",
    "max_ack_pending",
)


def _diff(want, have, fields) -> dict[str, tuple]:
    out = {}
    for field in fields:
        wanted, had = getattr(want, field), getattr(have, field)
        if isinstance(wanted, float) or isinstance(had, float):
            if abs(float(wanted or 0) - float(had or 0)) > 1e-3:
                out[field] = (wanted, had)
        elif wanted != had:
            out[field] = (wanted, had)
    return out


async def ensure_streams(js: JetStreamContext, settings: ServiceSettings) -> None:
    for spec in STREAMS.values():
        want = stream_config(spec, settings)
        try:
            info = await js.stream_info(spec.name)
        except NotFoundError:
            await js.add_stream(want)
            log.info("stream created", stream=spec.name)
            continue
        drift = _diff(want, info.config, _STREAM_FIELDS)
        if drift:
            raise ConfigDrift(f"stream {spec.name} differs from its declaration (field: declared, live): {drift}")


async def ensure_attachments_bucket(js: JetStreamContext, settings: ServiceSettings) -> None:
    try:
        info = await js.stream_info(ATTACHMENTS_STREAM)
    except NotFoundError:
        await js.create_object_store(
            ATTACHMENTS_BUCKET,
            config=ObjectStoreConfig(
                description="report attachments, <tenant>/<id>",
                storage=StorageType.FILE,
                replicas=settings.stream_replicas,
            ),
        )
        log.info("object store created", bucket=ATTACHMENTS_BUCKET)
        return
    if info.config.num_replicas != settings.stream_replicas:
        raise ConfigDrift(
            f"object store {ATTACHMENTS_BUCKET} differs from its declaration (field: declared, live): "
            f"{{'num_replicas': ({settings.stream_replicas}, {info.config.num_replicas})}}"
        )


async def ensure_consumer(js: JetStreamContext, spec: ConsumerSpec, settings: ServiceSettings) -> None:
    want = consumer_config(spec, settings)
    try:
        info = await js.consumer_info(spec.stream, spec.durable)
    except NotFoundError:
        await js.add_consumer(spec.stream, want)
        log.info("consumer created", consumer=spec.durable, stream=spec.stream)
        return
    drift = _diff(want, info.config, _CONSUMER_FIELDS)
    if not drift:
        return
    if settings.provision_update:
        await js.add_consumer(spec.stream, want)  # the server updates a durable in place
        log.warning("consumer updated to its declaration", consumer=spec.durable, drift=str(drift))
        return
    raise ConfigDrift(
        f"consumer {spec.durable} on {spec.stream} differs from its declaration (field: declared, live): {drift}; "
        "fix the declaration, or start once with DUBAN_PROVISION_UPDATE=true to update it"
    )


async def provision(js: JetStreamContext, service: str, settings: ServiceSettings) -> list[ConsumerSpec]:
    await ensure_streams(js, settings)
    await ensure_attachments_bucket(js, settings)
    specs = consumers_of(service)
    for spec in specs:
        await ensure_consumer(js, spec, settings)
    return specs
