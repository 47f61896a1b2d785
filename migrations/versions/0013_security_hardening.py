"""security hardening: sign-in throttles per (account, client) and per account, a session
generation per user, and redaction marks on reports

Revision ID: 0013
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN: a batch copy of `users` or `reports` on SQLite would drop a table that
    # other tables' foreign keys point at.
    op.add_column("users", sa.Column("session_generation", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("reports", sa.Column("description_redacted", sa.Boolean(), nullable=False,
                                       server_default=sa.false()))
    op.add_column("reports", sa.Column("photo_redacted", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "login_throttles",
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("username", "address", name=op.f("pk_login_throttles")),
    )


def downgrade() -> None:
    op.drop_table("login_throttles")
    # ALTER TABLE ... DROP COLUMN as it is (SQLite 3.35+), for the same reason.
    for table, column in (("reports", "photo_redacted"), ("reports", "description_redacted"),
                          ("users", "session_generation")):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
