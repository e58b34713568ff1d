"""Reporting's read models, built only from events and rebuilt from the EV stream
(``duban rebuild reporting``): ``READ_MODEL`` lists what a rebuild replaces."""

from sqlalchemy import (
    DDL,
    JSON,
    Boolean,
    Column,
    Date,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    event,
)

from duban_common.columns import counter, instant, occurred_at, task_key, task_ref, updated_at
from duban_common.outbox import InfraTables
from duban_common.sequences import sequence_table
from duban_common.signoff import SignoffTables
from duban_common.sql import UTCDateTime
from duban_common.tenancy import tenant_column
from duban_common.unit_directory import unit_table

from . import ledger_search

metadata = MetaData()
infra = InfraTables(metadata)

# One row per matter: the ledger (台账).
ledger = Table(
    "ledger",
    metadata,
    Column("matter_id", String(36), primary_key=True),
    tenant_column(),
    Column("kind", String(40)),
    Column("source", String(500)),
    Column("external_id", String(200)),
    Column("title", String(500)),  # mobile numbers written in it are masked
    Column("lead_unit", String(40)),  # the task's lead unit (the first task's when split)
    Column("lead_units", JSON),  # every task's lead unit, in assignment order
    Column("co_units", JSON),
    Column("submitted_lead_unit", String(40)),  # as registered, until a task exists
    Column("submitted_co_units", JSON),
    Column("notice_no", String(300)),  # 督办〔2026〕17号 (several, joined with 、, when split)
    Column("meeting_type", String(20)),
    Column("meeting_title", String(300)),
    Column("decision_seq", Integer),
    Column("leader_name", String(100)),
    Column("led_by_leader", String(100)),
    Column("origin_on", Date),
    Column("citizen_name", String(100)),  # arrives masked (张*三)
    Column("citizen_phone", String(40)),  # arrives masked (139****5678)
    Column("task_id", String(36)),  # when the matter has exactly one task
    Column("status", String(30), nullable=False),
    counter("progress"),
    Column("progress_at", UTCDateTime),  # time of the matter.progressed applied (they may arrive out of order)
    Column("completed_at", UTCDateTime),
    Column("registered_at", UTCDateTime),
    Column("assigned_at", UTCDateTime),
    Column("due_on", Date),  # the nearest deadline of the open tasks (the latest once all are closed)
    Column("due_at", UTCDateTime),
    Column("deadline_rule", String(60)),
    Column("deadline_label", String(60)),  # 会后1个月, 交办后1周: when the rule counts from (deadline.set rule_label)
    Column(
        "yellow_from", UTCDateTime
    ),  # the light turns yellow then, as the deadline service announced (its tenant's policy)
    Column("provisional", Boolean),
    counter("urges"),
    counter("returns"),
    counter("extensions"),
    # The ledger's filters and sorts at a million matters (bench/ledger.py; migration 0002):
    # status and the lights (status IN the open ones, due_at ranges; counted from the index alone),
    # a status within a registration period, counted from the index alone (migration 0004)
    Index("ix_ledger_tenant_status_registered", "tenant", "status", "registered_at", "matter_id"),
    Index("ix_ledger_tenant_due_matter", "tenant", "due_at", "matter_id"),
    Index("ix_ledger_tenant_registered_matter", "tenant", "registered_at", "matter_id"),
    Index("ix_ledger_tenant_kind_leader", "tenant", "kind", "leader_name", "led_by_leader"),
    Index("ix_ledger_tenant_title", "tenant", "title"),
    Index("ix_ledger_tenant_urges_matter", "tenant", "urges", "matter_id"),
    # a matter's status (and tenant) by its id: a unit's matters of a status counted from ledger_units (migration 0011)
    Index("ix_ledger_matter_status", "matter_id", "status", "tenant"),
)
# The lights: open statuses and due_at ranges, counted from the index alone. On SQLite the index
# also carries the matter id, so a red light's page is sorted from the index; on PostgreSQL the
# wider index made counting a status slower, and its planner sorts a page without it
# (migration 0005; bench/ledger.py).
Index("ix_ledger_tenant_status_due", ledger.c.tenant, ledger.c.status, ledger.c.due_at, ledger.c.due_on).ddl_if(
    dialect="postgresql"
)
Index(
    "ix_ledger_tenant_status_due_matter",
    ledger.c.tenant,
    ledger.c.status,
    ledger.c.due_at,
    ledger.c.due_on,
    ledger.c.matter_id,
).ddl_if(dialect="sqlite")
# Sorted descending with NULLs last, then by matter id (ledger_query.order_by): SQLite reads the
# ascending indexes backwards for it; PostgreSQL files NULLs last ascending, so these orders have
# their own indexes there (newest first, latest deadline first, titles Z to A).
for _column in ("registered_at", "due_at", "title"):
    Index(
        f"ix_ledger_tenant_{_column.removesuffix('_at')}_desc",
        ledger.c.tenant,
        ledger.c[_column].desc().nulls_last(),
        ledger.c.matter_id.desc(),
    ).ddl_if(dialect="postgresql")
# The ledger's text search (``q``: LIKE '%…%' on the title, notice number and external number) on
# PostgreSQL: trigram indexes (pg_trgm; they index Chinese text too), combined by a bitmap OR.
# A search for a hotline number no longer scans the ledger (bench/ledger.py; migration 0003).
# SQLite has its own (ledger_search.py).
event.listen(metadata, "before_create", DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(dialect="postgresql"))
for _column in ("title", "notice_no", "external_id"):
    Index(
        f"ix_ledger_{_column}_trgm", ledger.c[_column], postgresql_using="gin", postgresql_ops={_column: "gin_trgm_ops"}
    ).ddl_if(dialect="postgresql")
# On SQLite: an FTS5 trigram table kept by triggers on the ledger (adapters/ledger_search.py;
# migration 0006), created by DDL: alembic's comparison leaves its tables alone.
for _statement in ledger_search.SQLITE_DDL:
    event.listen(ledger, "after_create", DDL(_statement).execute_if(dialect="sqlite"))
metadata.info["ddl_tables"] = ledger_search.TABLES

# Every unit on a matter (lead or co-unit of any of its tasks): the ledger's unit filter.
ledger_units = Table(
    "ledger_units",
    metadata,
    Column("matter_id", String(36), primary_key=True),
    Column("unit", String(40), primary_key=True),
    Column("role", String(4), primary_key=True),  # lead | co
    tenant_column(),
    Index("ix_ledger_units_tenant_unit_matter", "tenant", "unit", "matter_id"),
)

# The latest known state of every task; the ledger's matter status and the statistics derive from these.
task_states = Table(
    "task_states",
    metadata,
    task_key(),
    Column("matter_id", String(36), nullable=False, index=True),
    tenant_column(),
    Column("kind", String(40)),
    Column("lead_unit", String(40)),
    Column("co_units", JSON),
    Column("notice_no", String(60)),
    Column("status", String(30), nullable=False),
    Column("version", Integer, nullable=False),  # 0: known only from a deadline or other fact so far
    Column("assignment_version", Integer),  # version of the (re)assignment the units and notice come from
    Column("assigned_at", UTCDateTime),
    Column("completed_at", UTCDateTime),
    Column("handling_workdays", Integer),  # assignment to close-out, in working days
    Column("due_on", Date),
    Column("due_at", UTCDateTime),
    Column("deadline_rule", String(60)),
    Column("deadline_label", String(60)),
    Column("yellow_from", UTCDateTime),
    Column("provisional", Boolean),
    Column("deadline_revision", Integer),
    Column("transferred_at", UTCDateTime),  # escalation transferred it to the discipline body
    # counted facts of this task (see task_facts); summed per matter into the ledger
    counter("urges"),
    counter("returns"),
    counter("extensions"),
    # the statistics' aggregates, read from the index alone (migration 0002)
    Index("ix_task_states_assigned", "tenant", "assigned_at", "lead_unit", "kind"),
    Index(
        "ix_task_states_completed",
        "tenant",
        "completed_at",
        "status",
        "due_at",
        "handling_workdays",
        "lead_unit",
        "kind",
    ),
    # a fact's task's unit and kind, read from the index alone when the facts of a period are counted (migration 0012)
    Index("ix_task_states_task_unit_kind", "task_id", "tenant", "lead_unit", "kind"),
)

# Countable facts about tasks, one per event (returns, extensions, overdue, ...), with the instant
# they happened: statistics count them per period.
task_facts = Table(
    "task_facts",
    metadata,
    Column("fact_key", String(800), primary_key=True),  # the event's identity
    tenant_column(),
    task_ref(),
    Column("fact", String(40), nullable=False),
    occurred_at(),
    Column("unit", String(40)),  # the unit the fact names (urged, deducted, ...), when it names one
    Column("points", Float),  # assessment points deducted (escalation.deducted)
    Index("ix_task_facts_tenant_fact_at", "tenant", "fact", "at"),
    Index(
        "ix_task_facts_tenant_at", "tenant", "at", "fact", "task_id", "unit", "points"
    ),  # the statistics' facts of a period
)

# Submissions the office refused to register (不予立项), for the statistics per kind.
rejected_submissions = Table(
    "rejected_submissions",
    metadata,
    Column("submission_id", String(36), primary_key=True),
    tenant_column(),
    Column("kind", String(40), nullable=False),
    instant("rejected_at"),
    Index("ix_rejected_tenant_at", "tenant", "rejected_at"),
)

# Published bulletins and special reports (not a read model: a rebuild leaves them alone). The files
# live in the row, so every replica serves them and PostgreSQL backs them up with the rest.
reports = Table(
    "reports",
    metadata,
    Column("report_id", String(36), primary_key=True),
    tenant_column(),
    Column("kind", String(30), nullable=False),  # quarterly_bulletin | special_report
    Column("year", Integer, nullable=False),  # of the number: the year it was issued
    Column("seq", Integer, nullable=False),
    Column("report_no", String(60), nullable=False),  # 督查通报〔2026〕3号
    Column("title", String(500), nullable=False),
    Column("period", JSON, nullable=False),  # {"label", "from", "to"}
    Column("subject", JSON, nullable=False),  # what was asked: the period, the matter or the campaign's filter
    Column("dedup_key", String(300), nullable=False),  # the Idempotency-Key, or the natural key (see README)
    Column(
        "fingerprint", String(64), nullable=False
    ),  # sha256 of the subject: the same key with another request is refused
    Column("issuer", String(100), nullable=False),
    Column("issued_on", Date, nullable=False),
    instant("published_at"),
    Column("published_by", String(100)),
    Column("event_id", String(200), nullable=False),
    Column("docx_sha256", String(64), nullable=False),
    Column("pdf_sha256", String(64), nullable=False),
    Column("docx", LargeBinary, nullable=False),
    Column("pdf", LargeBinary, nullable=False),
    UniqueConstraint("tenant", "dedup_key", name="uq_reports_tenant_dedup_key"),
    UniqueConstraint("tenant", "kind", "year", "seq", name="uq_reports_number"),
    Index("ix_reports_tenant_published", "tenant", "published_at"),
)
# The reporting rhythm (not a read model: a rebuild leaves them alone). Each tenant's next period
# to draft per kind (monthly_summary, quarterly_bulletin, annual_assessment): the row is claimed
# when ``due_at`` (the first instant after the period) has passed, like deadline's timers.
rhythm_cursors = Table(
    "rhythm_cursors",
    metadata,
    tenant_column(primary_key=True),
    Column("kind", String(30), primary_key=True),
    Column("next_start", Date, nullable=False),  # first day of the next period to draft
    instant("due_at"),  # that period's end (exclusive): drafted from then
    updated_at(),
    Index("ix_rhythm_cursors_due", "due_at"),
)

# One draft per tenant, kind and period, whatever the replicas and restarts (the primary key),
# drafted by the rhythm or asked for by hand (POST reports). Its sign-off is the draft of the same
# id in ``drafts`` (duban_common.signoff), whose last step issues (numbers, publishes) it.
rhythm_drafts = Table(
    "rhythm_drafts",
    metadata,
    Column("draft_id", String(36), nullable=False),
    tenant_column(primary_key=True),
    Column("kind", String(30), primary_key=True),
    Column("period_start", Date, primary_key=True),
    Column("period_end", Date, primary_key=True),  # a bulletin asked for by hand may cover any span
    Column("label", String(60), nullable=False),  # 2026年第四季度
    Column("title", String(500), nullable=False),
    Column("state", String(12), nullable=False),  # waiting | issued | refused
    Column("summary", JSON, nullable=False),  # the figures when drafted: totals, ranking, admonitions
    instant("drafted_at"),
    Column("decided_at", UTCDateTime),
    Column("decided_by", String(200)),  # who took the step that issued or refused it
    Column("note", String(2000)),  # the reason of a refusal
    Column("report_id", String(36)),  # the published report, once issued
    UniqueConstraint("draft_id", name="uq_rhythm_drafts_draft_id"),
    Index("ix_rhythm_drafts_tenant_state", "tenant", "state", "drafted_at"),
)

# The sign-off of reporting's drafts: drafts, draft_steps, signoff_chains (docs/decisions/0022-sign-off.md).
signoff = SignoffTables(metadata)

# Gapless numbers of bulletins and special reports, per tenant, year and kind (duban_common.sequences).
sequences = sequence_table(metadata)

# The tenants' units directories, kept from tasking's unit events (unit names in exports and the dashboard).
units = unit_table(metadata)

READ_MODEL = (ledger, ledger_units, task_states, task_facts, rejected_submissions, units)
PROJECTIONS_CONSUMER = "reporting-projections"
