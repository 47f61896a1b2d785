"""SLA deadlines shown as a request's expected time."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, column, func, inspect, select, table
from sqlalchemy.orm import Session

from tanggap.db import UtcDateTime

_HAS_CLOCKS: WeakKeyDictionary[Engine, bool] = WeakKeyDictionary()
SLA_CLOCKS = table("sla_clocks", column("report_id"), column("state"), column("due_at", UtcDateTime()))


def expected_datetimes(session: Session, report_ids: Sequence[int]) -> dict[int, datetime]:
    """The earliest running SLA deadline of each report. Empty while the SLA tables do not
    exist: checked once per engine, since asking inside a failed query would end the transaction."""
    if not report_ids or not _has_clocks(session):
        return {}
    query = (
        select(SLA_CLOCKS.c.report_id, func.min(SLA_CLOCKS.c.due_at))
        .where(SLA_CLOCKS.c.report_id.in_(report_ids), SLA_CLOCKS.c.state == "running")
        .group_by(SLA_CLOCKS.c.report_id)
    )
    return {int(rid): due for rid, due in session.execute(query) if due is not None}


def _has_clocks(session: Session) -> bool:
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    if engine not in _HAS_CLOCKS:
        _HAS_CLOCKS[engine] = inspect(session.connection()).has_table("sla_clocks")
    return _HAS_CLOCKS[engine]
