"""duban_common.columns: each concept has one declaration, and every call makes new columns, so
one group can head any number of tables in the same metadata."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, Integer, MetaData, String, Table
from sqlalchemy.schema import CreateTable

from duban_common import columns
from duban_common.sql import UTCDateTime


def test_groups_make_new_columns_for_every_table():
    metadata = MetaData()
    first = Table("first", metadata, *columns.task_record(), columns.occurred_at())
    second = Table("second", metadata, *columns.task_record(index=True), columns.occurred_at())
    assert [c.name for c in first.columns] == ["id", "tenant", "task_id", "at"]
    assert first.c.task_id is not second.c.task_id
    assert second.c.tenant.index and not first.c.tenant.index
    assert first.c.task_id.index and not first.c.task_id.nullable
    assert {ix.name for ix in second.indexes} == {"ix_second_tenant", "ix_second_task_id"}


def test_a_group_declares_what_the_spelt_out_columns_did():
    """The same DDL as the columns written out by hand (what the services' tables had before)."""
    by_group = Table(
        "log",
        MetaData(),
        *columns.log_head(),
        columns.task_ref(),
        columns.counter("urges"),
        columns.flag("closed"),
        columns.instant("due_at", index=True),
    )
    by_hand = Table(
        "log",
        MetaData(),
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("tenant", String(40), nullable=False),
        Column("task_id", String(36), nullable=False, index=True),
        Column("urges", Integer, nullable=False, default=0),
        Column("closed", Boolean, nullable=False, default=False),
        Column("due_at", UTCDateTime, nullable=False, index=True),
    )
    assert str(CreateTable(by_group)) == str(CreateTable(by_hand))
    assert [(c.name, c.default.arg if c.default else None) for c in by_group.columns] == [
        (c.name, c.default.arg if c.default else None) for c in by_hand.columns
    ]


def test_tenant_settings_is_keyed_by_the_tenant_and_says_when():
    table = columns.tenant_settings("ladders", MetaData(), Column("definition", JSON, nullable=False))
    assert [c.name for c in table.primary_key] == ["tenant"]
    assert [c.name for c in table.columns] == ["tenant", "definition", "updated_at"]
    assert not table.c.updated_at.nullable
