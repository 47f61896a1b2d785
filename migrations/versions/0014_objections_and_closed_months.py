"""objections to breaches, supervisors' decisions, evidence files, and closed months; all append-only

Objections and decisions are ledger rows (chain_seq, prev_hash, hash) in the same chain as
breaches, fulfilments and waivers. The database itself refuses UPDATE and DELETE on these tables,
as 0009 does for config_changes.

Revision ID: 0014
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

APPEND_ONLY = ("objections", "objection_decisions", "objection_evidence", "closed_months", "closed_month_files")


def _chain() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("chain_seq", sa.Integer(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "objections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("breach_id", sa.Integer(), nullable=False),
        sa.Column("officer", sa.String(length=80), nullable=True),
        sa.Column("filed_by", sa.String(length=80), nullable=False),
        sa.Column("reason_code", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("window_ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        *_chain(),
        sa.ForeignKeyConstraint(["breach_id"], ["sla_breaches.id"], name=op.f("fk_objections_breach_id_sla_breaches")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_objections")),
        sa.UniqueConstraint("chain_seq", name=op.f("uq_objections_chain_seq")),
    )
    op.create_index(op.f("ix_objections_breach_id"), "objections", ["breach_id"])
    op.create_table(
        "objection_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("objection_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("waiver_id", sa.Integer(), nullable=True),
        sa.Column("decided_by", sa.String(length=80), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        *_chain(),
        sa.ForeignKeyConstraint(["objection_id"], ["objections.id"],
                                name=op.f("fk_objection_decisions_objection_id_objections")),
        sa.ForeignKeyConstraint(["waiver_id"], ["sla_waivers.id"],
                                name=op.f("fk_objection_decisions_waiver_id_sla_waivers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_objection_decisions")),
        sa.UniqueConstraint("objection_id", name=op.f("uq_objection_decisions_objection_id")),
        sa.UniqueConstraint("chain_seq", name=op.f("uq_objection_decisions_chain_seq")),
    )
    op.create_table(
        "objection_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("objection_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["objection_id"], ["objections.id"],
                                name=op.f("fk_objection_evidence_objection_id_objections")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_objection_evidence")),
    )
    op.create_index(op.f("ix_objection_evidence_objection_id"), "objection_evidence", ["objection_id"])
    op.create_table(
        "closed_months",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("closed_by", sa.String(length=80), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("month", name=op.f("pk_closed_months")),
    )
    op.create_table(
        "closed_month_files",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["month"], ["closed_months.month"],
                                name=op.f("fk_closed_month_files_month_closed_months")),
        sa.PrimaryKeyConstraint("month", "name", name=op.f("pk_closed_month_files")),
    )
    for table in APPEND_ONLY:
        _refuse_rewrites(table)


def _refuse_rewrites(table: str) -> None:
    message = f"{table} is append-only: record a new row instead"
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION '{message}'; END $$""")
        op.execute(f"""
            CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION {table}_append_only()""")
        return
    for action in ("UPDATE", "DELETE"):
        op.execute(f"""
            CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table}
            BEGIN SELECT RAISE(ABORT, '{message}'); END""")


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in reversed(APPEND_ONLY):
        if postgres:
            op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
            op.execute(f"DROP FUNCTION {table}_append_only()")
        else:
            for action in ("update", "delete"):
                op.execute(f"DROP TRIGGER {table}_no_{action}")
    op.drop_table("closed_month_files")
    op.drop_table("closed_months")
    op.drop_index(op.f("ix_objection_evidence_objection_id"), table_name="objection_evidence")
    op.drop_table("objection_evidence")
    op.drop_table("objection_decisions")
    op.drop_index(op.f("ix_objections_breach_id"), table_name="objections")
    op.drop_table("objections")
