"""The schema steps every service's Alembic history takes for the tables libs/common declares:
the outbox and inbox (outbox.InfraTables), the notice sequences (sequences.sequence_table) and
a task's attachments (attachment_rows.attachment_table) and the sign-off drafts (signoff.SignoffTables). A revision calls these instead of
repeating the definitions, so the tables come out the same in every service's database.

These functions are history, like the revisions that call them: once released, one is never
edited. A later change to one of these tables is a new function here, called by a new revision
of each service that has the table.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from .db import UTCDateTime


def _instant(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, UTCDateTime(timezone=True), nullable=nullable)


def _create_index(table: str, column: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)


def _drop_index(table: str, column: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_index(batch_op.f(f"ix_{table}_{column}"))


def create_outbox_and_inbox() -> None:
    """The outbox (events waiting for the relay) and the inbox (events a consumer processed)."""
    op.create_table(
        "inbox",
        sa.Column("consumer", sa.String(length=100), nullable=False),
        sa.Column("event_key", sa.String(length=800), nullable=False),
        sa.Column("event_type", sa.String(length=200), nullable=False),
        _instant("processed_at"),
        sa.PrimaryKeyConstraint("consumer", "event_key"),
    )
    op.create_table(
        "outbox",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        _instant("created_at"),
        _instant("published_at", nullable=True),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("event_id"),
    )
    _create_index("outbox", "published_at")


def drop_outbox_and_inbox() -> None:
    _drop_index("outbox", "published_at")
    op.drop_table("outbox")
    op.drop_table("inbox")


def create_notice_sequences() -> None:
    """One gapless sequence of document numbers per tenant, year and notice type."""
    op.create_table(
        "notice_sequences",
        sa.Column("tenant", sa.String(length=40), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("notice_type", sa.String(length=30), nullable=False),
        sa.Column("last_value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "year", "notice_type"),
    )


def drop_notice_sequences() -> None:
    op.drop_table("notice_sequences")


def create_attachments() -> None:
    """Which task each attached file belongs to, its original name, size, type and digest
    (the bytes are in the NATS Object Store, duban_common.attachments)."""
    op.create_table(
        "attachments",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant", sa.String(length=40), nullable=False),
        sa.Column("task_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("unit", sa.String(length=40), nullable=True),
        _instant("uploaded_at"),
        sa.PrimaryKeyConstraint("id"),
    )
    _create_index("attachments", "task_id")


def drop_attachments() -> None:
    _drop_index("attachments", "task_id")
    op.drop_table("attachments")


def _create_drafts(when: UTCDateTime) -> None:
    op.create_table(
        "drafts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant", sa.String(length=40), nullable=False),
        sa.Column("doc_type", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("task_id", sa.String(length=64), nullable=True),
        sa.Column("period", sa.String(length=20), nullable=True),
        sa.Column("unit", sa.String(length=64), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("chain", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("next_step", sa.Integer(), nullable=False),
        sa.Column("waiting_role", sa.String(length=30), nullable=True),
        sa.Column("waiting_since", when, nullable=True),
        sa.Column("reminded_at", when, nullable=True),
        sa.Column("number", sa.String(length=60), nullable=True),
        sa.Column("created_at", when, nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("issued_at", when, nullable=True),
        sa.Column("refused_at", when, nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant", "key", name="uq_drafts_tenant_key"),
    )
    op.create_index("ix_drafts_waiting", "drafts", ["tenant", "status", "waiting_role"], unique=False)
    op.create_index("ix_drafts_task", "drafts", ["tenant", "task_id"], unique=False)


def _create_draft_steps(when: UTCDateTime) -> None:
    op.create_table(
        "draft_steps",
        sa.Column("draft_id", sa.String(length=36), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("tenant", sa.String(length=40), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("role", sa.String(length=30), nullable=False),
        sa.Column("person", sa.String(length=200), nullable=False),
        sa.Column("person_name", sa.String(length=200), nullable=False),
        sa.Column("decision", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("at", when, nullable=False),
        sa.PrimaryKeyConstraint("draft_id", "step"),
    )


def _create_signoff_chains(when: UTCDateTime) -> None:
    op.create_table(
        "signoff_chains",
        sa.Column("tenant", sa.String(length=40), nullable=False),
        sa.Column("doc_type", sa.String(length=40), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("updated_at", when, nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "doc_type"),
    )


def create_signoff_tables() -> None:
    """A service's sign-off drafts, their steps and the tenants' chains (signoff.SignoffTables)."""
    when = UTCDateTime(timezone=True)
    _create_drafts(when)
    _create_draft_steps(when)
    _create_signoff_chains(when)


def drop_signoff_tables() -> None:
    op.drop_table("signoff_chains")
    op.drop_table("draft_steps")
    op.drop_index("ix_drafts_task", table_name="drafts")
    op.drop_index("ix_drafts_waiting", table_name="drafts")
    op.drop_table("drafts")
