"""tagging and notifications

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 20:13:58.977841
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tagger_heads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("artefact", sa.LargeBinary(), nullable=False),
        sa.Column("model_sha", sa.String(length=64), nullable=False),
        sa.Column("method", sa.String(length=32), nullable=False),
        sa.Column("label_count", sa.Integer(), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("trained_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tagger_heads")),
    )
    op.create_table(
        "duplicate_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("original_id", sa.Integer(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decided_by", sa.String(length=80), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["original_id"], ["reports.id"], name=op.f("fk_duplicate_links_original_id_reports")),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"], name=op.f("fk_duplicate_links_report_id_reports")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duplicate_links")),
        sa.UniqueConstraint("report_id", "original_id", name="uq_duplicate_links_pair"),
    )
    with op.batch_alter_table("duplicate_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_duplicate_links_report_id"), ["report_id"], unique=False)

    op.create_table(
        "report_tags",
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("model_sha", sa.String(length=64), nullable=True),
        sa.Column("head_version", sa.Integer(), nullable=True),
        sa.Column("hints", sa.JSON(), nullable=False),
        sa.Column("analysis", sa.JSON(), nullable=False),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("decision", sa.JSON(), nullable=False),
        sa.Column("phash", sa.String(length=16), nullable=True),
        sa.Column("embedding", sa.LargeBinary(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"], name=op.f("fk_report_tags_report_id_reports")),
        sa.PrimaryKeyConstraint("report_id", name=op.f("pk_report_tags")),
    )
    op.create_table(
        "training_labels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["category"], ["categories.code"], name=op.f("fk_training_labels_category_categories")),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"], name=op.f("fk_training_labels_report_id_reports")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_labels")),
    )
    with op.batch_alter_table("training_labels", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_training_labels_report_id"), ["report_id"], unique=False)

    op.create_table(
        "inbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(length=200), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=True),
        sa.Column("email_status", sa.String(length=16), nullable=True),
        sa.Column("email_attempts", sa.Integer(), nullable=False),
        sa.Column("email_error", sa.Text(), nullable=True),
        sa.Column("email_next_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("emailed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["outbox_id"], ["outbox.id"], name=op.f("fk_inbox_outbox_id_outbox")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox")),
        sa.UniqueConstraint("outbox_id", "recipient", name="uq_inbox_outbox_recipient"),
    )
    with op.batch_alter_table("inbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inbox_recipient"), ["recipient"], unique=False)

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("email")

    with op.batch_alter_table("inbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbox_recipient"))

    op.drop_table("inbox")
    with op.batch_alter_table("training_labels", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_training_labels_report_id"))

    op.drop_table("training_labels")
    op.drop_table("report_tags")
    with op.batch_alter_table("duplicate_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_duplicate_links_report_id"))

    op.drop_table("duplicate_links")
    op.drop_table("tagger_heads")
