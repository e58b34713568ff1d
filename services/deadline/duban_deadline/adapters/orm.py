"""The deadline service's own tables (nobody else reads them, DESIGN.md §2)."""

from sqlalchemy import JSON, Boolean, Column, Date, Index, Integer, MetaData, String, Table, Text

from duban_common.columns import (
    instant,
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
    instant("due_at"),
    Column("rule", String(60), nullable=False),
    Column("provisional", Boolean, nullable=False),
    Column("note", Text),
    instant("set_at"),
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
    instant("due_at"),
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
    instant("due_at"),
    Column("state", String(12), nullable=False),  # pending | fired | skipped | cancelled
    instant("created_at"),
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
    instant("requested_at"),
    Column("requested_by", String(200)),
    Column("channel", String(20), nullable=False),  # http | event (tasking)
    Column("status", String(12), nullable=False),  # pending | approved | denied
    Column("decided_at", UTCDateTime),
    Column("decided_by", String(200)),
    Column("decision_reason", Text),
    Column("granted_due_on", Date),
)


# Per-tenant calendar data and policy overrides.
def _calendar_data(name: str, key: Column, *columns: Column) -> Table:
    """A table of a tenant's calendar data (its own holidays, the official schedules of the years),
    keyed by the tenant and ``key``: what the working-day counts of the tenant's deadlines read."""
    return Table(name, metadata, tenant_column(primary_key=True), key, *columns)


local_holidays = _calendar_data(
    "local_holidays",
    Column("day", Date, primary_key=True),
    Column("name", String(200), nullable=False),
    instant("added_at"),
)

year_schedules = _calendar_data(
    "year_schedules",
    Column("year", Integer, primary_key=True),
    Column("holidays", JSON, nullable=False),  # ["2027-01-01", ...]
    Column("working_weekends", JSON, nullable=False),
    Column("source", String(500)),
    instant("loaded_at"),
)

# The tenant's policy overrides (domain.settings.PolicyOverrides), only what the tenant set.
tenant_policies = tenant_settings("tenant_policies", metadata, Column("overrides", JSON, nullable=False))
