"""Columns that the services' tables declare alike, each concept defined once: a row's key (a
UUID, or a serial number for a log), the task a row is about, the instant it records, its
counters and flags, the heads that a task's records and a tenant's logs begin with, and the
table of a tenant's settings.

A table built from these says what its rows are, and the same concept keeps one type, one
length and one nullability in every service's database. Each function returns new Column
objects (a Column belongs to one table)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, Column, Integer, MetaData, String, Table

from .sql import UTCDateTime
from .tenancy import tenant_column


def uuid_key() -> Column:
    """A row's key: a UUID as text, made by the service that writes the row."""
    return Column("id", String(36), primary_key=True)


def serial_key() -> Column:
    """A log's key: numbered by the database in the order the rows were written."""
    return Column("id", Integer, primary_key=True, autoincrement=True)


def task_ref() -> Column:
    """The task a row is about (tasking's task id): required and indexed, a task's rows are read together."""
    return Column("task_id", String(36), nullable=False, index=True)


def task_key() -> Column:
    """The key of a table that keeps one row per task."""
    return Column("task_id", String(36), primary_key=True)


def instant(name: str, **options: Any) -> Column:
    """An instant the row always has (an optional one is a plain ``Column(name, UTCDateTime)``)."""
    return Column(name, UTCDateTime, nullable=False, **options)


def occurred_at() -> Column:
    """When what the row records happened (by the writing service's clock)."""
    return instant("at")


def updated_at() -> Column:
    """When the row was last written."""
    return instant("updated_at")


def counter(name: str) -> Column:
    """How many times something happened, from 0."""
    return Column(name, Integer, nullable=False, default=0)


def flag(name: str, *, default: bool = False) -> Column:
    """A yes/no the row always has."""
    return Column(name, Boolean, nullable=False, default=default)


def task_record(**tenant_options: Any) -> list[Column]:
    """The head of a record that belongs to a task: its own UUID, the tenant, the task."""
    return [uuid_key(), tenant_column(**tenant_options), task_ref()]


def tenant_entity() -> list[Column]:
    """The head of a tenant's record that has a UUID of its own; the tenant indexed, the records are listed per tenant."""
    return [uuid_key(), tenant_column(index=True)]


def task_projection() -> list[Column]:
    """The head of what a service keeps of each task it learns of from events: one row per task,
    its tenant (indexed: listed per tenant) and its matter."""
    return [task_key(), tenant_column(index=True), Column("matter_id", String(36), nullable=False)]


def log_head() -> list[Column]:
    """The head of a tenant's log: the serial key (the order of writing), then the tenant."""
    return [serial_key(), tenant_column()]


def tenant_settings(name: str, metadata: MetaData, *columns: Column) -> Table:
    """A table of one row per tenant: its settings (``columns``) as it last set them, and when."""
    return Table(name, metadata, tenant_column(primary_key=True), *columns, updated_at())
