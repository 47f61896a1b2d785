"""Set-based writes: bulk inserts (one JSON document on PostgreSQL, executemany elsewhere), grouped
UPDATEs of changed columns, and a pause of the cyclic collector for a batch."""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, cast

import orjson
from sqlalchemy import Table, bindparam, insert, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session


@contextmanager
def collector_paused(enabled: bool = True) -> Iterator[None]:
    """Pause Python's cyclic garbage collector for one set-based batch. A batch allocates tens of
    thousands of short-lived, acyclic objects (rows, clocks, dicts) that reference counting frees
    anyway; reading and building 10,000 due clocks took 0.32-0.41 s with the collector's passes and
    0.21-0.23 s without. It runs again as soon as the batch ends, and is left alone if something
    else paused it. The switch is process-wide, so only a process that runs batches alone (the
    command line, a Prefect worker, a benchmark) passes enabled=True; `tanggap serve`, whose web
    threads share the process, never pauses it."""
    if not enabled or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def bulk_insert(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert many rows in this session's transaction. Rows must share their keys."""
    if not rows:
        return
    if session.get_bind().dialect.name != "postgresql":
        session.execute(insert(table), list(rows))
        return
    session.connection().exec_driver_sql(*json_insert(table, rows))


def moved_columns(before: Mapping[str, Any], now: Mapping[str, Any], columns: Iterable[str]) -> tuple[str, ...]:
    """The columns whose value changed: an untouched column stays out of the UPDATE."""
    return tuple(sorted(k for k in columns if before.get(k) != now[k]))


def update_by_group(session: Session, table: Table, groups: Mapping[tuple[str, ...], list[dict[str, Any]]],
                    match: Mapping[str, str]) -> list[tuple[int, int]]:
    """One executemany UPDATE per set of changed columns. Each row holds `new_<column>` values and
    the parameters named in `match` (column -> parameter) for its WHERE clause. Returns, per
    group, (rows matched, rows sent), for callers that check a version."""
    counts = []
    for columns, rows in groups.items():
        statement = (
            update(table)
            .where(*(table.c[column] == bindparam(param) for column, param in match.items()))
            .values({k: bindparam(f"new_{k}", type_=table.c[k].type) for k in columns})
        )
        counts.append((cast(CursorResult[Any], session.execute(statement, rows)).rowcount, len(rows)))
    return counts


def json_insert(table: Table, rows: Sequence[dict[str, Any]]) -> tuple[str, tuple[str]]:
    """PostgreSQL: the statement and its one parameter, a JSON document the server unpacks into
    rows. One parameter parsed in C on both sides, where per-row adaptation in Python (COPY,
    executemany) cost more than the insert itself. Usable on the raw driver connection too."""
    columns = list(rows[0])
    # This bypasses the ORM, so the Python-side scalar defaults are filled in here.
    defaults = {
        c.key: getattr(c.default, "arg", None)
        for c in table.columns
        if c.key not in columns and c.default is not None and c.default.is_scalar
    }
    listed = ", ".join([*columns, *defaults])
    _refuse_naive(rows)
    # orjson writes aware datetimes as RFC 3339 with their offset, which timestamptz reads exactly.
    document = orjson.dumps([{**defaults, **row} for row in rows]).decode()
    return (f"INSERT INTO {table.name} ({listed}) SELECT {listed} "
            f"FROM json_populate_recordset(NULL::{table.name}, CAST(%s AS json))", (document,))


def _refuse_naive(rows: Sequence[dict[str, Any]]) -> None:
    """As the UtcDateTime column type does: a naive datetime would be read in the server's zone."""
    for row in rows:
        for key, value in row.items():
            if type(value) is datetime and value.tzinfo is None:
                raise ValueError(f"naive datetime {value!r} in {key!r} cannot be stored; pass an aware one")
