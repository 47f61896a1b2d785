"""Someone who owns the database rewrites the ledger: the append-only guards are lifted first,
as a table owner could, so the tests can show what `ledger verify` still catches."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine

LEDGER = ("sla_breaches", "sla_fulfilments", "sla_waivers", "objections", "objection_decisions")


@contextmanager
def guards_lifted(engine: Engine) -> Iterator[Any]:
    """A connection, in one transaction, on which UPDATE and DELETE of ledger rows go through."""
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))  # owner: triggers off
            yield conn
            return
        listed = ", ".join(f"'{t}'" for t in LEDGER)
        triggers = conn.execute(
            text(f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ({listed})")).all()
        for name, _sql in triggers:
            conn.execute(text(f'DROP TRIGGER "{name}"'))
        yield conn
        for _name, sql in triggers:
            conn.execute(text(sql))
