"""The short fault suite on PostgreSQL: the database server (a private cluster started with
initdb/pg_ctl, never the machine's own) is stopped and started while a load flows; lost 0,
doubled 0, every consumer drained, no service restarted by hand."""

from __future__ import annotations

import pytest

from .conftest import check
from .scenarios import SHORT, restart_postgres

pytestmark = pytest.mark.e2e


def test_postgres_restart_during_a_load(postgres_system, tmp_path, rng):
    check(restart_postgres(postgres_system, SHORT, rng), tmp_path, postgres_system)
