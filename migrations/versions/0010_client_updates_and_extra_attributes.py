"""Open311 clients: extra attributes kept with the report, citizens' comments answered once per
client update id, and the update feed's time index

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("report_attributes") as batch:
        batch.add_column(sa.Column("declared", sa.Boolean(), nullable=False, server_default=sa.true()))
    op.create_table(
        "client_updates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client", sa.String(length=80), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("client_update_id", sa.String(length=255), nullable=False),
        sa.Column("event_seq", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name=op.f("fk_client_updates_report_id_reports"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_client_updates")),
        sa.UniqueConstraint("client", "report_id", "client_update_id", name="uq_client_updates_client_update"),
    )
    op.create_index("ix_report_events_at", "report_events", ["at", "id"])


def downgrade() -> None:
    op.drop_index("ix_report_events_at", table_name="report_events")
    op.drop_table("client_updates")
    with op.batch_alter_table("report_attributes") as batch:
        batch.drop_column("declared")
