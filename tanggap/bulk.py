"""Bulk writes for set-based work: COPY on PostgreSQL, executemany elsewhere."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy import JSON, Table, insert
from sqlalchemy.orm import Session


def bulk_insert(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert many rows in this session's transaction. Rows must share their keys."""
    if not rows:
        return
    if session.get_bind().dialect.name != "postgresql":
        session.execute(insert(table), list(rows))
        return
    columns = list(rows[0])
    json_columns = {c.key for c in table.columns if isinstance(c.type, JSON)}
    # COPY bypasses the ORM, so the Python-side scalar defaults are filled in here.
    defaults = {
        c.key: getattr(c.default, "arg", None)
        for c in table.columns
        if c.key not in columns and c.default is not None and c.default.is_scalar
    }
    columns += list(defaults)
    # COPY sends every row in one stream: ~100x fewer round trips and parses than executemany.
    raw = session.connection().connection.driver_connection
    assert raw is not None
    with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            values = {**defaults, **row}
            copy.write_row([orjson.dumps(values[c]).decode() if c in json_columns else values[c] for c in columns])
