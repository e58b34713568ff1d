"""The deadline service's own tables (nobody else reads them, DESIGN.md §2)."""

from sqlalchemy import JSON, Boolean, Column, Date, Index, Integer, MetaData, String, Table, Text

from duban_common.columns import (
    log_head,
    occurred_at,
    task_projection,
    task_record,
    task_ref,
    tenant_settings,
)
from duban_common.outbox import InfraTables
from duban_common.sql import UTCDateTime
from duban_common.tenancy import tenant_column

metadata = MetaData()
infra = InfraTables(metadata)

# One row per task: its current deadline, what it was computed from, and the task's state.
deadlines = Table(
    "deadlines",
    metadata,
    *task_projection(),
    Column("start_on", Date, nullable=False),
    Column("due_on", Date, nullable=False),
    Column("due_at", UTCDateTime, nullable=False),
    Column("rule", String(60), nullable=False),
    Column("provisional", Boolean, nullable=False),
    Column("note", Text),
    Column("set_at", UTCDateTime, nullable=False),
    Column(
        "status", String(30), nullable=False, server_default="open"
    ),  # open | declined | completion_submitted | completed
    Column("lead_unit", String(40)),
    Column("co_units", JSON),
    Column("origin", JSON),
    Column("assigned_at", UTCDateTime),
    Column("basis", JSON),  # domain.policy.Basis: recomputed from this when the calendar changes
    Column("revision", Integer, nullable=False, server_default="1"),
    Column("notice_limit_on", Date),
    Column("notice_late_workdays", Integer),
    Column("acknowledged_at", UTCDateTime),
    Column("last_progress_at", UTCDateTime),
    Column("closed_at", UTCDateTime),
    Index("ix_deadlines_tenant_status_due", "tenant", "status", "due_on"),
)

# Every deadline a task had, in order (the first, each extension, each calendar recompute).
deadline_history = Table(
    "deadline_history",
    metadata,
    *log_head(),
    task_ref(),
    Column("revision", Integer, nullable=False),
    Column("due_on", Date, nullable=False),
    Column("due_at", UTCDateTime, nullable=False),
    Column("previous_due_on", Date),
    Column("provisional", Boolean, nullable=False),
    Column("reason", String(40), nullable=False),
    Column("note", Text),
    Column("extension_id", String(36)),
    occurred_at(),
)

# Durable timers. The firing loop claims pending rows whose due_at has come
# (FOR UPDATE SKIP LOCKED on PostgreSQL), marks them and writes their event in one transaction.
timers = Table(
    "timers",
    metadata,
    *task_record(),
    Column("kind", String(20), nullable=False),  # acknowledgement | decline | reminder | progress | overdue
    Column("seq", Integer, nullable=False, server_default="0"),
    Column("ref_on", Date),
    Column("due_at", UTCDateTime, nullable=False),
    Column("state", String(12), nullable=False),  # pending | fired | skipped | cancelled
    Column("created_at", UTCDateTime, nullable=False),
    Column("fired_at", UTCDateTime),  # fired, skipped or cancelled at (the service's clock)
    Column("fired_by", String(80)),  # the replica that fired it
    Column("event_id", String(200)),
    Column("deferrals", Integer, nullable=False, server_default="0"),
    Column("note", Text),
    Index("ix_timers_state_due", "state", "due_at"),
)

extensions = Table(
    "extensions",
    metadata,
    *task_record(),
    Column("reason", Text, nullable=False),
    Column("requested_due_on", Date, nullable=False),
    Column("current_due_on", Date),
    Column("requested_at", UTCDateTime, nullable=False),
    Column("requested_by", String(200)),
    Column("channel", String(20), nullable=False),  # http | event (tasking)
    Column("status", String(12), nullable=False),  # pending | approved | denied
    Column("decided_at", UTCDateTime),
    Column("decided_by", String(200)),
    Column("decision_reason", Text),
    Column("granted_due_on", Date),
)

# Per-tenant calendar data and policy overrides.
local_holidays = Table(
    "local_holidays",
    metadata,
    tenant_column(primary_key=True),
    Column("day", Date, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("added_at", UTCDateTime, nullable=False),
)

year_schedules = Table(
    "year_schedules",
    metadata,
    tenant_column(primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("holidays", JSON, nullable=False),  # ["2027-01-01", ...]
    Column("working_weekends", JSON, nullable=False),
    Column("source", String(500)),
    Column("loaded_at", UTCDateTime, nullable=False),
)

# domain.settings.PolicyOverrides, only what the tenant set
tenant_policies = tenant_settings("tenant_policies", metadata, Column("overrides", JSON, nullable=False))
