"""queue deadline on reports, per-category duplicate radius

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The due time of the ticket's open response clock, kept on the report so the OPD queue
    # reads one index in deadline order instead of joining every open clock.
    with op.batch_alter_table("reports") as batch:
        batch.add_column(sa.Column("response_due_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE reports SET response_due_at = (SELECT MIN(c.due_at) FROM sla_clocks c"
        " WHERE c.report_id = reports.id AND c.metric = 'response' AND c.stopped_at IS NULL)"
    )
    # The queue's scope (OPD, state) in deadline order; the officer is carried so an officer's
    # count ("mine or unassigned") and a category filter's count never visit the table.
    op.create_index("ix_reports_queue", "reports", ["opd", "state", "response_due_at", "id", "officer", "category"])
    op.drop_index("ix_reports_opd_state", table_name="reports")  # a prefix of the queue's index
    # (report_id, metric) already leads with report_id: one index less to keep up on every clock write.
    op.drop_index("ix_sla_clocks_report_id", table_name="sla_clocks")
    # How far apart two reports of this category may be and still be one problem (metres).
    with op.batch_alter_table("categories") as batch:
        batch.add_column(sa.Column("duplicate_radius_m", sa.Float(), nullable=False, server_default="50"))


def downgrade() -> None:
    with op.batch_alter_table("categories") as batch:
        batch.drop_column("duplicate_radius_m")
    op.create_index("ix_sla_clocks_report_id", "sla_clocks", ["report_id"])
    op.create_index("ix_reports_opd_state", "reports", ["opd", "state"])
    op.drop_index("ix_reports_queue", table_name="reports")
    with op.batch_alter_table("reports") as batch:
        batch.drop_column("response_due_at")
