"""the breach ledger's tables refuse UPDATE and DELETE in the database itself

Breaches, fulfilments and waivers are chained by hash and never edited: a waiver or a fulfilment
is a row of its own. A role that can write to these tables could still rewrite them, so the
database refuses it, as it does for `config_changes` (0009). Production should also connect as a
role that holds only INSERT and SELECT on them (README, "The breach ledger in production").

Revision ID: 0015
Revises: 0011
"""

from __future__ import annotations

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

TABLES = ("sla_breaches", "sla_fulfilments", "sla_waivers")


def message(table: str) -> str:
    return f"{table} is append-only: record a waiver or a new row instead"


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in TABLES:
        if postgres:
            op.execute(f"""
                CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION '{message(table)}'; END $$""")
            op.execute(f"""
                CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
                FOR EACH ROW EXECUTE FUNCTION {table}_append_only()""")
            continue
        for action in ("UPDATE", "DELETE"):
            op.execute(f"""
                CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table}
                BEGIN SELECT RAISE(ABORT, '{message(table)}'); END""")


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in TABLES:
        if postgres:
            op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
            op.execute(f"DROP FUNCTION {table}_append_only()")
            continue
        for action in ("update", "delete"):
            op.execute(f"DROP TRIGGER {table}_no_{action}")
