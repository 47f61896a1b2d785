"""Who may see a ticket is defined once (tanggap/access.py, Scope): the ticket page's check and the
queues' SQL must agree on every seeded ticket, for every staff user of the demo data."""

from __future__ import annotations

from sqlalchemy import select

from tanggap.access import StaffUser, may_see, scoped
from tanggap.bootstrap import Tanggap
from tanggap.db import ReportRow, UserRow


def test_the_sql_scope_and_may_see_agree_on_every_demo_ticket_for_every_user(demo_app: Tanggap) -> None:
    with demo_app.uow() as uow:
        s = uow.session
        tickets = list(s.execute(select(ReportRow.id, ReportRow.opd, ReportRow.officer)))
        users = [StaffUser.of(u) for u in s.scalars(select(UserRow))]
        checked = {}
        for user in users:
            in_sql = set(s.scalars(scoped(select(ReportRow.id), user)))
            in_python = {rid for rid, opd, officer in tickets if may_see(user, opd, officer)}
            assert in_sql == in_python, user.username
            checked[user.role.value] = checked.get(user.role.value, 0) + len(in_python)
    # The comparison covered every kind of user, and officers saw part of their OPD, not all of it.
    assert len(tickets) > 100
    assert {"dispatcher", "opd_officer", "opd_head", "supervisor", "hr", "admin"} <= set(checked)
    officers = [u for u in users if u.role.value == "opd_officer"]
    heads = {u.opd: u for u in users if u.role.value == "opd_head"}
    with demo_app.uow() as uow:
        some = next(o for o in officers if o.opd in heads)
        seen_by_officer = set(uow.session.scalars(scoped(select(ReportRow.id), some)))
        seen_by_head = set(uow.session.scalars(scoped(select(ReportRow.id), heads[some.opd])))
    assert seen_by_officer < seen_by_head
