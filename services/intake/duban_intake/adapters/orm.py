"""Intake's own tables. No other service reads them."""

from sqlalchemy import JSON, Boolean, Column, Integer, LargeBinary, MetaData, String, Table, Text, UniqueConstraint

from duban_common.columns import flag, instant, tenant_entity
from duban_common.outbox import InfraTables
from duban_common.sql import UTCDateTime
from duban_common.tenancy import tenant_column
from duban_common.unit_directory import unit_table

metadata = MetaData()
infra = InfraTables(metadata)
# The tenants' units directories, kept from tasking's unit events (adapters/units.py).
units = unit_table(metadata)

tenants = Table(
    "tenants",
    metadata,
    Column("slug", String(40), primary_key=True),
    Column("name", String(200), nullable=False),
    flag("active", default=True),
    instant("created_at"),
    Column("offboarded_at", UTCDateTime),  # intake stopped; every record is kept
    # printed on the tenant's documents (duban_common.documents.issuing reads them)
    Column("issuing_body", String(200)),  # 发文机关: 余庆县人民政府办公室
    Column("contact_person", String(100)),  # the office's contact person (附注)
    Column("contact_phone", String(40)),  # the office's telephone (附注)
)

# A tenant's own DOCX template per document type (duban_common.documents.template), in place of
# the built-in layout; keyed by slug like the tenant it belongs to
tenant_templates = Table(
    "tenant_templates",
    metadata,
    Column("slug", String(40), primary_key=True),
    Column("kind", String(40), primary_key=True),  # duban_common.documents.model.KINDS
    Column("content", LargeBinary, nullable=False),
    Column("sha256", String(64), nullable=False),
    instant("uploaded_at"),
)

# Per tenant and kind: must a submission be reviewed even when every item has a lead unit?
triage_policies = Table(
    "triage_policies",
    metadata,
    tenant_column(primary_key=True),
    Column("kind", String(40), primary_key=True),
    Column("review_required", Boolean, nullable=False),
)

submissions = Table(
    "submissions",
    metadata,
    *tenant_entity(),
    Column("source", String(500), nullable=False),
    Column("external_id", String(200), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("channel", String(10), nullable=False),  # nats | http | import
    Column("status", String(20), nullable=False),  # registered | pending | refused
    Column("pending_reason", String(30)),  # no_lead_unit | review_required
    Column("title", String(500), nullable=False),
    Column("data", JSON, nullable=False),  # validated data WITHOUT the citizen's personal data
    instant("sent_at"),
    instant("received_at"),
    Column("decided_at", UTCDateTime),
    Column("decision_note", Text),
    UniqueConstraint("tenant", "source", "external_id", name="uq_submission_identity"),
)

# A citizen's name and phone, encrypted (Fernet); only masked forms leave intake.
citizen_contacts = Table(
    "citizen_contacts",
    metadata,
    Column("submission_id", String(36), primary_key=True),
    tenant_column(),
    Column("name_enc", LargeBinary),
    Column("phone_enc", LargeBinary),
    Column("name_masked", String(100)),
    Column("phone_masked", String(40)),
)

registrations = Table(
    "registrations",
    metadata,
    Column("matter_id", String(36), primary_key=True),
    Column("submission_id", String(36), nullable=False, index=True),
    tenant_column(),
    Column("item_seq", Integer, nullable=False),
    instant("registered_at"),
)
