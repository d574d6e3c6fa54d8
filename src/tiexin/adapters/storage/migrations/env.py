"""Alembic environment: runs on the connection that `tiexin.adapters.storage.migrate` passes."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from tiexin.adapters.storage.tables import include_object_for, metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        include_object=include_object_for(connection.dialect.name),
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


_connection = context.config.attributes.get("connection")
if not isinstance(_connection, Connection):
    raise RuntimeError("run migrations with tiexin.adapters.storage.migrate(engine)")
_run(_connection)
