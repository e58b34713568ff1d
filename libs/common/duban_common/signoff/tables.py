"""The tables of a service's own drafts, added to its metadata (like outbox.InfraTables) so that
each owning service creates them with its own migration."""

from __future__ import annotations

from sqlalchemy import JSON, Column, Index, Integer, MetaData, String, Table, Text, UniqueConstraint

from ..columns import instant, occurred_at, updated_at, uuid_key
from ..db import UTCDateTime
from ..tenancy import tenant_column


def _drafts(metadata: MetaData) -> Table:
    return Table(
        "drafts",
        metadata,
        uuid_key(),
        tenant_column(),
        Column("doc_type", String(40), nullable=False),
        Column("key", String(300), nullable=False),  # what made it (a trigger key): created once
        Column("title", String(300), nullable=False),
        Column("task_id", String(64)),
        Column("period", String(20)),
        Column("unit", String(64)),  # the unit a unit-side draft belongs to (its head signs it)
        Column("payload", JSON, nullable=False),
        Column("chain", JSON, nullable=False),  # the chain as it was when the draft was made
        Column("status", String(12), nullable=False),  # pending / issued / refused
        Column("next_step", Integer, nullable=False),
        Column("waiting_role", String(30)),  # the role of the next step while pending
        Column("waiting_since", UTCDateTime),
        Column("reminded_at", UTCDateTime),
        Column("number", String(60)),
        instant("created_at"),
        Column("created_by", String(200), nullable=False),
        Column("issued_at", UTCDateTime),
        Column("refused_at", UTCDateTime),
        UniqueConstraint("tenant", "key", name="uq_drafts_tenant_key"),
        Index("ix_drafts_waiting", "tenant", "status", "waiting_role"),
        Index("ix_drafts_task", "tenant", "task_id"),
    )


def _draft_steps(metadata: MetaData) -> Table:
    return Table(
        "draft_steps",
        metadata,
        Column("draft_id", String(36), primary_key=True),
        Column("step", Integer, primary_key=True),
        tenant_column(),
        Column("action", String(10), nullable=False),
        Column("role", String(30), nullable=False),
        Column("person", String(200), nullable=False),  # who: the token's subject, compared between steps
        Column("person_name", String(200), nullable=False),  # as documents name them
        Column("decision", String(10), nullable=False),  # approve / refuse
        Column("reason", Text),
        occurred_at(),
    )


def _signoff_chains(metadata: MetaData) -> Table:
    return Table(
        "signoff_chains",
        metadata,
        tenant_column(primary_key=True),
        Column("doc_type", String(40), primary_key=True),
        Column("definition", JSON, nullable=False),
        updated_at(),
        Column("updated_by", String(200), nullable=False),
    )


class SignoffTables:
    def __init__(self, metadata: MetaData) -> None:
        self.drafts = _drafts(metadata)
        self.draft_steps = _draft_steps(metadata)
        self.signoff_chains = _signoff_chains(metadata)
