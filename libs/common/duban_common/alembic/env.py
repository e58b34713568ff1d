"""The Alembic environment every Duban service shares (see duban_common.migrations).

Migrations run on a connection handed in by the caller (``config.attributes``), inside the
caller's transaction; there is no URL in any ini file.
"""

from __future__ import annotations

from alembic import context

from duban_common.migrations import compared

config = context.config
connection = config.attributes["connection"]

context.configure(
    connection=connection,
    target_metadata=config.attributes["metadata"],
    version_table=config.attributes["version_table"],
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
    compare_type=True,
    compare_server_default=True,
    include_object=compared(connection.dialect.name, config.attributes["metadata"]),
)
with context.begin_transaction():
    context.run_migrations()
