"""configuration audit trail: who changed routing or a working calendar, when, from what to what

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Append-only: the application inserts rows and never updates or deletes them.
    op.create_table(
        "config_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("subject_kind", sa.String(length=32), nullable=False),
        sa.Column("subject_key", sa.String(length=64), nullable=False),
        sa.Column("field", sa.String(length=64), nullable=False),
        sa.Column("old_value", sa.JSON(), nullable=True),
        sa.Column("new_value", sa.JSON(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_config_changes")),
    )
    # A subject's history in time order, and its last change, read one index range.
    op.create_index("ix_config_changes_subject", "config_changes", ["subject_kind", "subject_key", "at"])


def downgrade() -> None:
    op.drop_index("ix_config_changes_subject", table_name="config_changes")
    op.drop_table("config_changes")
