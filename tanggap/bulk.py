"""Bulk writes for set-based work: one JSON document on PostgreSQL, executemany elsewhere."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Table, insert, text
from sqlalchemy.orm import Session


def bulk_insert(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert many rows in this session's transaction. Rows must share their keys."""
    if not rows:
        return
    if session.get_bind().dialect.name != "postgresql":
        session.execute(insert(table), list(rows))
        return
    columns = list(rows[0])
    # This bypasses the ORM, so the Python-side scalar defaults are filled in here.
    defaults = {
        c.key: getattr(c.default, "arg", None)
        for c in table.columns
        if c.key not in columns and c.default is not None and c.default.is_scalar
    }
    columns += list(defaults)
    # One JSON document the server unpacks into rows: a single parameter, parsed in C on both
    # sides, where COPY's per-row adaptation in Python cost more than the insert itself.
    listed = ", ".join(columns)
    session.execute(
        text(f"INSERT INTO {table.name} ({listed}) SELECT {listed} "
             f"FROM json_populate_recordset(NULL::{table.name}, CAST(:rows AS json))"),
        {"rows": orjson.dumps([{**defaults, **row} for row in rows], default=_aware,
                              option=orjson.OPT_PASSTHROUGH_DATETIME).decode()},
    )


def _aware(value: Any) -> str:
    """Datetimes as the UtcDateTime column type would store them: aware only, in UTC."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} cannot be stored; pass an aware one")
        return value.astimezone(UTC).isoformat()
    raise TypeError(f"cannot store {type(value).__name__} in a bulk insert")
