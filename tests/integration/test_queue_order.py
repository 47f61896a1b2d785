"""The OPD queue's order across pages: tickets with a deadline first, soonest first, then those
without one (no rule covered them), oldest first; no ticket twice, none left out."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from tanggap import commands as c
from tanggap.bootstrap import Tanggap
from tanggap.clock import FrozenClock
from tanggap.db import ReportRow
from tanggap.staff.queries import common as common_views
from tanggap.staff.queries import queue as queue_views


def assigned(app: Tanggap) -> int:
    rid: int = app.handle(c.SubmitReport("Jalan berlubang", "jalan-rusak", -10.16, 123.6))
    app.handle(c.ClassifyReport(rid, "dispatcher", category="jalan-rusak"))
    app.handle(c.AssignReport(rid, "dispatcher"))
    return rid


@pytest.mark.parametrize("page_size", [1, 2, 3, 7])
def test_pages_hold_every_ticket_once_deadlines_first(
    app: Tanggap, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch, page_size: int
) -> None:
    ids = []
    for _ in range(6):
        ids.append(assigned(app))
        clock.advance(timedelta(minutes=37))
    without = [ids[1], ids[4]]  # as if no rule had covered them
    with app.uow() as uow:
        uow.session.execute(update(ReportRow).where(ReportRow.id.in_(without)).values(response_due_at=None))
        uow.commit()
        deadlines = {rid: due for rid, due in uow.session.execute(select(ReportRow.id, ReportRow.response_due_at))}
    monkeypatch.setattr(queue_views, "PAGE_SIZE", page_size)
    head = common_views.user(app.reader(), "pupr.head")
    seen: list[int] = []
    for page in range(1, 7 // page_size + 3):
        listing = queue_views.queue(app.reader(), head, queue_views.QueueFilter(page=page), clock.now())
        assert listing.total == 6
        seen += [row.id for row in listing.rows]
    timed = sorted((i for i in ids if i not in without), key=lambda i: (deadlines[i], i))
    assert seen == timed + sorted(without)
