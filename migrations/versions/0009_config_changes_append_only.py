"""the configuration audit trail refuses UPDATE and DELETE in the database itself

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

MESSAGE = "config_changes is append-only: record a new change instead"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION config_changes_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION '{MESSAGE}'; END $$""")
        op.execute("""
            CREATE TRIGGER config_changes_append_only BEFORE UPDATE OR DELETE ON config_changes
            FOR EACH ROW EXECUTE FUNCTION config_changes_append_only()""")
        return
    for action in ("UPDATE", "DELETE"):
        op.execute(f"""
            CREATE TRIGGER config_changes_no_{action.lower()} BEFORE {action} ON config_changes
            BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER config_changes_append_only ON config_changes")
        op.execute("DROP FUNCTION config_changes_append_only()")
        return
    for action in ("update", "delete"):
        op.execute(f"DROP TRIGGER config_changes_no_{action}")
