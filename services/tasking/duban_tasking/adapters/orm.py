"""Tasking's own tables: units directory, matters, tasks, notices, reports, attachments, spot checks."""

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from duban_common.attachment_rows import attachment_table
from duban_common.columns import (
    counter,
    flag,
    instant,
    log_head,
    occurred_at,
    task_record,
    task_ref,
    tenant_entity,
    tenant_settings,
    uuid_key,
)
from duban_common.outbox import InfraTables
from duban_common.sequences import sequence_table
from duban_common.signoff import SignoffTables
from duban_common.sql import UTCDateTime
from duban_common.tenancy import tenant_column
from duban_common.unit_directory import entry_columns

metadata = MetaData()
infra = InfraTables(metadata)
signoff = SignoffTables(metadata)  # drafts of the units' completion reports and the replies to a superior office

units = Table(
    "units",
    metadata,
    *entry_columns(),  # tenant, code, name, type, head, contact, phone: what the unit events carry
    flag("active", default=True),
    Column("deactivated_at", UTCDateTime),
    # 1 at registration, one more at each change, carried by the unit events (0: never published,
    # a unit from before the directory was published: the service publishes it at start)
    Column("version", Integer, nullable=False, server_default="0"),
)

matters = Table(
    "matters",
    metadata,
    *tenant_entity(),
    Column("title", String(500), nullable=False),
    Column("content", Text, nullable=False),
    Column("origin", JSON, nullable=False),
    Column("lead_unit", String(40)),
    Column("co_units", JSON, nullable=False),
    Column("requested_due_on", String(10)),
    Column("status", String(30), nullable=False),  # awaiting_assignment | assigned | completed
    counter("progress"),
    instant("registered_at"),
)

tasks = Table(
    "tasks",
    metadata,
    *tenant_entity(),
    Column("matter_id", String(36), ForeignKey("matters.id"), nullable=False, index=True),
    Column("lead_unit", String(40), nullable=False),
    Column("co_units", JSON, nullable=False),
    Column("responsible_person", String(100)),
    Column("requirement", Text),
    Column("weight", Float, nullable=False, default=1.0),
    Column("status", String(30), nullable=False),
    counter("progress"),
    Column("version", Integer, nullable=False, default=1),  # +1 on every state change; events carry it
    counter("declines"),
    Column("notice_no", String(40)),
    Column("due_on", Date),  # learned from deadline.set
    Column("deadline_label", String(60)),  # 会后1个月, 交办后1周 (deadline.set rule_label)
    Column("acknowledge_by", UTCDateTime),  # the sign-for and decline limits, as the deadline service announces them
    Column("decline_until", UTCDateTime),
    instant("assigned_at"),
    Column("acknowledged_at", UTCDateTime),
    Column("completed_at", UTCDateTime),
)

notice_sequences = sequence_table(metadata)  # gapless numbering: duban_common.sequences

notices = Table(
    "notices",
    metadata,
    tenant_column(primary_key=True),  # each tenant numbers its own notices
    Column("number", String(40), primary_key=True),
    Column("year", Integer, nullable=False),
    Column("seq", Integer, nullable=False),
    Column("notice_type", String(30), nullable=False),
    task_ref(),
    instant("issued_at"),
    UniqueConstraint("tenant", "year", "notice_type", "seq", name="uq_notice_seq"),
)

reports = Table(
    "reports",
    metadata,  # progress reports, co-unit input and completion reports
    *task_record(),
    Column("type", String(20), nullable=False),  # progress | input | completion
    Column("unit", String(40), nullable=False),
    Column("text", Text, nullable=False),
    Column("progress", Integer),
    Column("attachments", JSON, nullable=False),
    occurred_at(),
)

attachments = attachment_table(metadata)  # files for a task's reports; the bytes are in the Object Store

task_history = Table(
    "task_history",
    metadata,
    *log_head(),
    task_ref(),
    Column("event_type", String(100), nullable=False),
    Column("event_id", String(200), nullable=False),
    occurred_at(),
    Column("detail", JSON, nullable=False),
)

spot_checks = Table(
    "spot_checks",
    metadata,
    uuid_key(),
    tenant_column(),
    Column("kind", String(40), nullable=False),
    Column("rate", Float, nullable=False),
    Column("seed", Integer, nullable=False),
    Column("population", Integer, nullable=False),
    instant("drawn_at"),
)

# A tenant's minimum spot-check rate (「复核率应在30%以上」); none: the service's default.
spot_check_settings = tenant_settings("spot_check_settings", metadata, Column("min_rate", Float, nullable=False))

spot_check_draws = Table(
    "spot_check_draws",
    metadata,  # every task considered by a draw, selected or not
    Column("check_id", String(36), ForeignKey("spot_checks.id"), primary_key=True),
    Column("task_id", String(36), primary_key=True),
    tenant_column(),
    Column("selected", Boolean, nullable=False),
    Column("result", String(20)),  # satisfied | not_satisfied
    Column("note", Text),
    Column("result_at", UTCDateTime),
)

# 办理结果回传: one reply per matter that came from another platform, kept once it is written;
# a superior assignment's waits as a draft for its sign-off chain (decision 0023).
replies = Table(
    "replies",
    metadata,
    tenant_column(primary_key=True),
    Column("matter_id", String(36), primary_key=True),
    Column("id", String(36), nullable=False, unique=True),
    Column("status", String(20), nullable=False),  # awaiting_signoff | published | refused (its chain refused it)
    Column("text", Text, nullable=False),
    Column("attachment_refs", JSON, nullable=False),
    instant("closed_at"),
    Column("closed_by", String(100)),  # the office's reviewer who accepted the last task
    Column("draft_id", String(36)),  # the sign-off draft, for a reply that waits for its chain
    Column("signed_by", String(100)),
    Column("published_at", UTCDateTime),
)
