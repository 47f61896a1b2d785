"""sla engine

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 19:57:36.806696
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "allowance_policies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.Column("effective_month", sa.String(length=7), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allowance_policies")),
    )
    op.create_table(
        "ledger_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_head")),
    )
    op.create_table(
        "sla_calendars",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_calendars")),
        sa.UniqueConstraint("name", name=op.f("uq_sla_calendars_name")),
    )
    op.create_table(
        "sla_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("metric", sa.String(length=16), nullable=False),
        sa.Column("opd", sa.String(length=32), nullable=True),
        sa.Column("category", sa.String(length=64), nullable=True),
        sa.Column("priority", sa.String(length=16), nullable=True),
        sa.Column("target_amount", sa.Float(), nullable=False),
        sa.Column("target_unit", sa.String(length=16), nullable=False),
        sa.Column("calendar", sa.String(length=64), nullable=False),
        sa.Column("warn_at", sa.JSON(), nullable=False),
        sa.Column("pause_on", sa.JSON(), nullable=False),
        sa.Column("effective_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["calendar"], ["sla_calendars.name"], name=op.f("fk_sla_rules_calendar_sla_calendars")),
        sa.ForeignKeyConstraint(["category"], ["categories.code"], name=op.f("fk_sla_rules_category_categories")),
        sa.ForeignKeyConstraint(["opd"], ["opds.code"], name=op.f("fk_sla_rules_opd_opds")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_rules")),
        sa.UniqueConstraint("rule_id", "version", name="uq_sla_rules_rule_version"),
    )
    op.create_table(
        "sla_clocks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("metric", sa.String(length=16), nullable=False),
        sa.Column("opd", sa.String(length=32), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=False),
        sa.Column("rule_version", sa.Integer(), nullable=False),
        sa.Column("calendar_spec", sa.JSON(), nullable=False),
        sa.Column("target_seconds", sa.Float(), nullable=False),
        sa.Column("warn_at", sa.JSON(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("run_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_seconds", sa.Float(), nullable=False),
        sa.Column("paused_seconds", sa.Float(), nullable=False),
        sa.Column("paused_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("pause_reason", sa.String(length=32), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_alert_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("pending", sa.JSON(), nullable=False),
        sa.Column("recorded", sa.JSON(), nullable=False),
        sa.Column("holders", sa.JSON(), nullable=False),
        sa.Column("stopped_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("overdue_seconds", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"], name=op.f("fk_sla_clocks_report_id_reports")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_clocks")),
    )
    with op.batch_alter_table("sla_clocks", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sla_clocks_next_alert",
            ["next_alert_at"],
            unique=False,
            sqlite_where=sa.text("next_alert_at IS NOT NULL"),
            postgresql_where=sa.text("next_alert_at IS NOT NULL"),
        )
        batch_op.create_index(batch_op.f("ix_sla_clocks_report_id"), ["report_id"], unique=False)
        batch_op.create_index(
            "ix_sla_clocks_running_due",
            ["due_at"],
            unique=False,
            sqlite_where=sa.text("state = 'running'"),
            postgresql_where=sa.text("state = 'running'"),
        )

    op.create_table(
        "sla_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clock_id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opd", sa.String(length=32), nullable=True),
        sa.Column("officer", sa.String(length=80), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["clock_id"], ["sla_clocks.id"], name=op.f("fk_sla_alerts_clock_id_sla_clocks")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_alerts")),
        sa.UniqueConstraint("clock_id", "kind", name="uq_sla_alerts_clock_kind"),
    )
    op.create_table(
        "sla_breaches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clock_id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("opd", sa.String(length=32), nullable=True),
        sa.Column("officer", sa.String(length=80), nullable=True),
        sa.Column("metric", sa.String(length=16), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=False),
        sa.Column("rule_version", sa.Integer(), nullable=False),
        sa.Column("calendar_spec", sa.JSON(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("working_seconds", sa.Float(), nullable=False),
        sa.Column("paused_seconds", sa.Float(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("chain_seq", sa.Integer(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["clock_id"], ["sla_clocks.id"], name=op.f("fk_sla_breaches_clock_id_sla_clocks")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_breaches")),
        sa.UniqueConstraint("chain_seq", name=op.f("uq_sla_breaches_chain_seq")),
        sa.UniqueConstraint("clock_id", name=op.f("uq_sla_breaches_clock_id")),
    )
    with op.batch_alter_table("sla_breaches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sla_breaches_due_at"), ["due_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_sla_breaches_report_id"), ["report_id"], unique=False)

    op.create_table(
        "sla_fulfilments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("breach_id", sa.Integer(), nullable=False),
        sa.Column("fulfilled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("overdue_seconds", sa.Float(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("chain_seq", sa.Integer(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["breach_id"], ["sla_breaches.id"], name=op.f("fk_sla_fulfilments_breach_id_sla_breaches")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_fulfilments")),
        sa.UniqueConstraint("breach_id", name=op.f("uq_sla_fulfilments_breach_id")),
        sa.UniqueConstraint("chain_seq", name=op.f("uq_sla_fulfilments_chain_seq")),
    )
    op.create_table(
        "sla_waivers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("breach_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("waived_by", sa.String(length=80), nullable=False),
        sa.Column("waived_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("chain_seq", sa.Integer(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["breach_id"], ["sla_breaches.id"], name=op.f("fk_sla_waivers_breach_id_sla_breaches")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_waivers")),
        sa.UniqueConstraint("breach_id", name=op.f("uq_sla_waivers_breach_id")),
        sa.UniqueConstraint("chain_seq", name=op.f("uq_sla_waivers_chain_seq")),
    )
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("awaiting_info", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("pause_reason", sa.String(length=32), nullable=True))


    # The chain's head exists from the start, so concurrent first appenders lock the same row.
    op.execute("INSERT INTO ledger_head (id, seq, hash) VALUES (1, 0, '" + "0" * 64 + "')")


def downgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_column("pause_reason")
        batch_op.drop_column("awaiting_info")

    op.drop_table("sla_waivers")
    op.drop_table("sla_fulfilments")
    with op.batch_alter_table("sla_breaches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sla_breaches_report_id"))
        batch_op.drop_index(batch_op.f("ix_sla_breaches_due_at"))

    op.drop_table("sla_breaches")
    op.drop_table("sla_alerts")
    with op.batch_alter_table("sla_clocks", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_sla_clocks_running_due",
            sqlite_where=sa.text("state = 'running'"),
            postgresql_where=sa.text("state = 'running'"),
        )
        batch_op.drop_index(batch_op.f("ix_sla_clocks_report_id"))
        batch_op.drop_index(
            "ix_sla_clocks_next_alert",
            sqlite_where=sa.text("next_alert_at IS NOT NULL"),
            postgresql_where=sa.text("next_alert_at IS NOT NULL"),
        )

    op.drop_table("sla_clocks")
    op.drop_table("sla_rules")
    op.drop_table("sla_calendars")
    op.drop_table("ledger_head")
    op.drop_table("allowance_policies")
