"""E-mails nobody can tell were delivered (failed for good, or stuck in `sending` when the
sending process died) are listed for admins, who send them again or record them as sent."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from states.errors import NotFound, PermissionDenied
from tanggap import commands as c
from tanggap.bootstrap import Tanggap
from tanggap.clock import FrozenClock
from tanggap.db import InboxRow, OutboxRow
from tanggap.pipeline.notifications import STUCK_AFTER
from tanggap.staff.handlers import SettleEmail
from tests.conftest import detached
from tests.web.staff_helpers import sign_in


def pending_email(app: Tanggap, to: str = "kepala.pupr@kupang.go.id") -> int:
    now = app.clock.now()
    with app.uow() as uow:
        message = OutboxRow(topic="sla.breach", report_id=None, payload={}, created_at=now, attempts=0)
        uow.session.add(message)
        uow.session.flush()
        row = InboxRow(outbox_id=message.id, recipient="pupr.head", kind="sla.breach", title="Pelanggaran SLA #7",
                       body="Laporan #7 melewati batas waktu.", email=to, email_status="pending", created_at=now)
        uow.session.add(row)
        uow.session.flush()
        inbox_id = row.id
        uow.commit()
    return inbox_id


def claimed_and_lost(app: Tanggap) -> int:
    """Handed to the mailer by a process that then died: it stays `sending`."""
    inbox_id = pending_email(app)
    assert [e.inbox_id for e in app.handle(c.ClaimEmails())] == [inbox_id]
    return inbox_id


def email(app: Tanggap, inbox_id: int) -> InboxRow:
    with app.uow() as uow:
        row = uow.session.scalar(select(InboxRow).where(InboxRow.id == inbox_id))
        assert row is not None
        return detached(uow.session, row)


def test_an_email_is_listed_only_once_it_has_been_sending_for_longer_than_a_round_could_take(
    web: Flask, app: Tanggap, clock: FrozenClock
) -> None:
    inbox_id = claimed_and_lost(app)
    client = web.test_client()
    sign_in(client, "admin")
    clock.advance(STUCK_AFTER - timedelta(minutes=1))
    assert f'id="email-{inbox_id}"' not in client.get("/admin/tokens").text
    clock.advance(timedelta(minutes=1))
    page = client.get("/admin/tokens").text
    assert f'id="email-{inbox_id}"' in page and "kepala.pupr@kupang.go.id" in page


def test_an_admin_sends_a_stuck_email_again_and_the_next_round_picks_it_up(
    web: Flask, app: Tanggap, clock: FrozenClock
) -> None:
    inbox_id = claimed_and_lost(app)
    clock.advance(STUCK_AFTER)
    client = web.test_client()
    token = sign_in(client, "admin")
    answer = client.post(f"/admin/emails/{inbox_id}", data={"csrf_token": token, "decision": "resend"})
    assert answer.status_code == 303
    row = email(app, inbox_id)
    assert (row.email_status, row.email_next_at) == ("pending", clock.now())
    assert "admin" in (row.email_error or "")
    assert [e.inbox_id for e in app.handle(c.ClaimEmails())] == [inbox_id]


def test_an_admin_records_a_failed_email_as_sent_and_it_leaves_the_list(
    web: Flask, app: Tanggap, clock: FrozenClock
) -> None:
    inbox_id = claimed_and_lost(app)
    app.handle(c.RecordEmailResults(((inbox_id, "550 mailbox unavailable"),), max_attempts=1))
    assert email(app, inbox_id).email_status == "failed"
    client = web.test_client()
    token = sign_in(client, "admin")
    assert f'id="email-{inbox_id}"' in client.get("/admin/tokens").text
    client.post(f"/admin/emails/{inbox_id}", data={"csrf_token": token, "decision": "sent"})
    row = email(app, inbox_id)
    assert (row.email_status, row.emailed_at, row.email_error) == ("sent", clock.now(), "counted as sent by admin")
    assert f'id="email-{inbox_id}"' not in client.get("/admin/tokens").text


def test_an_email_that_is_still_being_sent_or_was_delivered_cannot_be_settled(
    app: Tanggap, clock: FrozenClock
) -> None:
    sending = claimed_and_lost(app)
    with pytest.raises(NotFound):
        app.handle(SettleEmail("admin", sending, resend=True))
    assert email(app, sending).email_status == "sending"
    delivered = claimed_and_lost(app)
    app.handle(c.RecordEmailResults(((delivered, None),), max_attempts=3))
    clock.advance(STUCK_AFTER)
    with pytest.raises(NotFound):
        app.handle(SettleEmail("admin", delivered, resend=True))
    assert email(app, delivered).email_status == "sent"


@pytest.mark.parametrize("persona", ["supervisor", "hr", "dispatcher", "pupr.head", "pupr.officer"])
def test_only_admins_see_or_settle_undelivered_emails(
    web: Flask, app: Tanggap, clock: FrozenClock, persona: str
) -> None:
    inbox_id = claimed_and_lost(app)
    clock.advance(STUCK_AFTER)
    client = web.test_client()
    token = sign_in(client, persona)
    assert client.get("/admin/tokens").status_code in (403, 404)
    refused = client.post(f"/admin/emails/{inbox_id}", data={"csrf_token": token, "decision": "resend"})
    assert refused.status_code in (403, 404)
    with pytest.raises(PermissionDenied):
        app.handle(SettleEmail(persona, inbox_id, resend=True))
    assert email(app, inbox_id).email_status == "sending"


def test_settling_needs_the_forms_csrf_token(web: Flask, app: Tanggap, clock: FrozenClock) -> None:
    inbox_id = claimed_and_lost(app)
    clock.advance(STUCK_AFTER)
    client = web.test_client()
    sign_in(client, "admin")
    assert client.post(f"/admin/emails/{inbox_id}", data={"decision": "resend"}).status_code == 400
    assert email(app, inbox_id).email_status == "sending"
