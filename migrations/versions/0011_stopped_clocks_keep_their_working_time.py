"""a clock stopped while running keeps the working time of its last running period

Stopping a running clock used to leave that period out of `used_seconds` (only time banked at
pauses was kept), so the ticket page, breach explanations and the dashboard's median read 0 for
most stopped clocks. Stopping now banks the period; this adds it to the clocks stopped before.
A clock stopped while paused (`paused_at` set) had banked everything at its pause.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

from sla.calendar import WorkingCalendar
from tanggap.db import UtcDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

BATCH = 5000
clocks = sa.table(
    "sla_clocks",
    sa.column("id", sa.Integer),
    sa.column("state", sa.String),
    sa.column("calendar_spec", sa.JSON),
    sa.column("run_from", UtcDateTime),
    sa.column("stopped_at", UtcDateTime),
    sa.column("paused_at", UtcDateTime),
    sa.column("used_seconds", sa.Float),
)


def upgrade() -> None:
    bind = op.get_bind()
    calendars: dict[str, WorkingCalendar] = {}
    after = 0
    while True:
        rows = list(bind.execute(
            sa.select(clocks.c.id, clocks.c.calendar_spec, clocks.c.run_from, clocks.c.stopped_at,
                      clocks.c.used_seconds)
            .where(clocks.c.state == "stopped", clocks.c.paused_at.is_(None), clocks.c.id > after,
                   clocks.c.stopped_at > clocks.c.run_from)
            .order_by(clocks.c.id).limit(BATCH)))
        if not rows:
            return
        bind.execute(
            clocks.update().where(clocks.c.id == sa.bindparam("clock_id"))
            .values(used_seconds=sa.bindparam("used"), run_from=sa.bindparam("end")),
            [_banked(row, calendars) for row in rows])
        after = rows[-1].id


def _banked(row: Any, calendars: dict[str, WorkingCalendar]) -> dict[str, Any]:
    key = json.dumps(row.calendar_spec, sort_keys=True)
    calendar = calendars.get(key) or calendars.setdefault(key, WorkingCalendar.from_spec(row.calendar_spec))
    last_period = calendar.between(row.run_from, row.stopped_at).total_seconds()
    return {"clock_id": row.id, "used": row.used_seconds + last_period, "end": row.stopped_at}


def downgrade() -> None:
    """The banked time cannot be told apart from time banked at pauses: nothing to undo."""
