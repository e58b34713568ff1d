"""Escalation's own tables."""

from sqlalchemy import JSON, Boolean, Column, Date, Float, Integer, MetaData, String, Table, Text, UniqueConstraint

from duban_common.attachment_rows import attachment_table
from duban_common.columns import (
    counter,
    flag,
    instant,
    log_head,
    occurred_at,
    task_key,
    task_projection,
    task_record,
    task_ref,
    tenant_entity,
    tenant_settings,
    updated_at,
)
from duban_common.outbox import InfraTables
from duban_common.sequences import sequence_table
from duban_common.signoff import SignoffTables
from duban_common.sql import UTCDateTime
from duban_common.tenancy import tenant_column
from duban_common.unit_directory import unit_table


def _per_step() -> list[Column]:
    """The head of a row kept per task and ladder step (the rung that took the actions or asked for the explanation)."""
    return [task_key(), Column("step", Integer, primary_key=True), tenant_column()]


metadata = MetaData()
infra = InfraTables(metadata)
notice_sequences = sequence_table(metadata)
attachments = attachment_table(metadata)  # files for the units' written explanations; the bytes are in the Object Store
signoff = SignoffTables(metadata)  # drafts of notices, bulletins and transfers waiting for their sign-off chains
units = unit_table(metadata)  # the tenants' units directories, kept from tasking's unit events (notify.DIRECTORY)

# What escalation knows of each task, learned from events.
watched_tasks = Table(
    "watched_tasks",
    metadata,
    *task_projection(),
    Column("unit", String(40)),
    # the task's version (task.* events carry it) that named the unit: an older task.assigned or
    # task.reassigned processed after a newer one (a redelivery) leaves the unit alone
    Column("unit_version", Integer),
    Column("title", String(500)),
    Column("due_on", Date),
    Column("due_at", UTCDateTime),
    counter("urges"),
    counter("returns"),
    flag("overdue"),
    flag("closed"),
    updated_at(),
    # triggers (overdue, returned) that came before the task's assignment: [{"reason", "key"}],
    # taken when task.assigned names the unit to escalate to
    Column("waiting", JSON),
)

# Every fact the transfer dossier needs, in order: assignments, deadlines, extensions, urges, ...
dossier_entries = Table(
    "dossier_entries",
    metadata,
    *log_head(),
    Column("matter_id", String(36), nullable=False, index=True),
    Column("task_id", String(36), index=True),
    Column("type", String(60), nullable=False),
    occurred_at(),
    Column("data", JSON, nullable=False),
)

ladders = tenant_settings("ladders", metadata, Column("definition", JSON, nullable=False))

urges = Table(
    "urges",
    metadata,
    *task_record(),
    Column("urge_no", Integer, nullable=False),
    Column("notice_no", String(40)),  # taken when its 催办单 is issued (signed off)
    Column("reason", String(40), nullable=False),
    Column("note", Text),  # what the office wrote, for a manual urge
    Column("urged_by", String(200)),  # who urged by hand (name and unit from the token)
    Column("trigger_key", String(300), nullable=False, unique=True),  # one urge per trigger, ever
    occurred_at(),
    UniqueConstraint("task_id", "urge_no", name="uq_urge_no"),
)

steps_taken = Table(
    "steps_taken",
    metadata,
    *_per_step(),
    Column("actions", JSON, nullable=False),
    occurred_at(),
)

explanations = Table(
    "explanations",
    metadata,
    *_per_step(),
    Column("unit", String(40), nullable=False),
    instant("required_at"),
    instant("due_at"),
    Column("submitted_at", UTCDateTime),
    Column("text", Text),
    Column("attachments", JSON),
)

deductions = Table(
    "deductions",
    metadata,
    *tenant_entity(),
    Column("unit", String(40), nullable=False),
    Column("task_id", String(36), nullable=False),
    Column("points", Float, nullable=False),
    Column("reason", String(200), nullable=False),
    occurred_at(),
)

cases = Table(
    "cases",
    metadata,
    *tenant_entity(),
    Column("task_id", String(36), nullable=False, unique=True),
    instant("opened_at"),
    Column("dossier", JSON, nullable=False),
)

timers = Table(
    "escalation_timers",
    metadata,
    Column("key", String(200), primary_key=True),  # kind:task:n — a timer exists once
    tenant_column(),
    task_ref(),
    Column("kind", String(20), nullable=False),  # reurge | explanation
    instant("due_at", index=True),
    Column("fired_at", UTCDateTime),
    flag("cancelled"),
)

deliveries = Table(
    "deliveries",
    metadata,
    Column("id", String(200), primary_key=True),  # the notification event's id: one delivery per notification
    tenant_column(),
    Column("channel", String(20), nullable=False),
    Column("recipient", String(200), nullable=False),
    Column("subject", String(300)),
    Column("text", Text, nullable=False),
    Column("template", String(60), nullable=False),
    Column("ref", JSON, nullable=False),
    instant("send_at", index=True),
    counter("attempts"),
    Column("status", String(20), nullable=False),  # queued | sent | failed
    Column("sent_at", UTCDateTime),
    Column("last_error", Text),
)

# 督办单 and its approval chain: proposed by the office's deputy director, approved by the
# responsible leader, signed by the director; only then numbered and issued.
supervision_orders = Table(
    "supervision_orders",
    metadata,
    *task_record(index=True),
    Column("requirement", Text, nullable=False),
    Column("status", String(20), nullable=False),  # proposed | approved | issued
    Column("proposed_by", String(100), nullable=False),
    instant("proposed_at"),
    Column("approved_by", String(100)),
    Column("approved_at", UTCDateTime),
    Column("signed_by", String(100)),
    Column("signed_at", UTCDateTime),
    Column("notice_no", String(40)),
)

# At the last rung the office judges the unit's written explanation (充分 / 不充分, with the reason;
# none at all is 不充分): only 不充分 drafts a transfer, which the government's leader approves.
explanation_assessments = Table(
    "explanation_assessments",
    metadata,
    task_key(),
    tenant_column(index=True),
    Column("step", Integer, nullable=False),  # the rung that asked for it
    instant("required_at"),
    Column("adequate", Boolean),  # None until the office assesses
    Column("reason", Text),
    Column("assessed_by", String(200)),
    Column("assessed_at", UTCDateTime),
    Column("draft_id", String(36)),  # the transfer's draft (不充分 only)
)
