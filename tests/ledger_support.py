"""Rows for reporting's ledger table, written straight into it by the tests of its queries."""

from __future__ import annotations

from datetime import datetime


def ledger_row(matter_id: str, tenant: str, registered_at: datetime | None, **columns) -> dict:
    """An assigned matter's ledger row, titled 事项, with no urges, returns, extensions, progress or units,
    unless ``columns`` says otherwise."""
    quiet = {"urges": 0, "returns": 0, "extensions": 0, "progress": 0, "lead_units": [], "co_units": []}
    row = {"matter_id": matter_id, "tenant": tenant, "status": "assigned", "title": "事项", **quiet}
    return {**row, "registered_at": registered_at, **columns}
