"""The staff handlers on fake repositories: sign-in throttling, sessions ending, templates within
an OPD head's reach, tokens for admins only, tickets only for those who may see them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from states.errors import InvalidInput, NotFound, PermissionDenied
from tanggap import commands as c
from tanggap.staff import handlers as staff
from tests.fakes import FakeApp
from tests.handlers.conftest import PASSWORD, assigned


def _log_in(app: FakeApp, password: str, address: str = "198.51.100.7") -> staff.LoginResult:
    result: staff.LoginResult = app.handle(staff.LogIn("pupr.officer", password, address))
    return result


def test_the_right_password_signs_in_and_a_wrong_one_does_not(app: FakeApp) -> None:
    assert _log_in(app, PASSWORD).user is not None
    assert _log_in(app, "salah-sandi").user is None
    assert [ok for _, _, ok in app.uow.staff.attempts] == [True, False]


def test_five_failures_lock_the_address_out_even_with_the_right_password(app: FakeApp) -> None:
    for _ in range(staff.MAX_FAILURES):
        assert not _log_in(app, "salah-sandi").locked
    blocked = _log_in(app, PASSWORD)
    assert (blocked.user, blocked.locked) == (None, True)
    assert _log_in(app, PASSWORD, address="203.0.113.9").user is not None  # another address still may
    app.clock.advance(staff.FAILURE_WINDOW)
    assert _log_in(app, PASSWORD).user is not None


def test_signing_out_changing_a_password_and_deactivating_end_every_session(app: FakeApp) -> None:
    user = app.uow.reference.users["pupr.officer"]
    app.handle(staff.EndSessions("pupr.officer"))
    app.handle(staff.ChangePassword("pupr.officer", "pupr.officer", "kata-sandi-baru-123"))
    assert user.session_generation == 2
    with pytest.raises(PermissionDenied):
        app.handle(staff.ChangePassword("pupr.other", "pupr.officer", "kata-sandi-jahat-12"))
    with pytest.raises(InvalidInput, match="at least"):
        app.handle(staff.ChangePassword("admin", "pupr.officer", "pendek"))
    app.handle(staff.DeactivateUser("admin", "pupr.officer"))
    assert (user.active, user.session_generation) == (False, 3)
    assert _log_in(app, "kata-sandi-baru-123").user is None


def test_an_opd_head_edits_templates_of_their_own_opd_only(app: FakeApp) -> None:
    own = app.handle(staff.DefineResponseTemplate("pupr.head", "jalan-rusak", "Ditambal", "Lubang sudah ditambal."))
    with pytest.raises(PermissionDenied):
        app.handle(staff.DefineResponseTemplate("dlhk.head", "jalan-rusak", "Diambil alih", "…", template_id=own))
    with pytest.raises(PermissionDenied):  # the template's own category decides, not the one sent
        app.handle(staff.DefineResponseTemplate("dlhk.head", "sampah-menumpuk", "Diambil alih", "…",
                                                template_id=own))
    assert app.uow.staff.templates[own].title == "Ditambal"


def test_only_admins_issue_payroll_tokens_and_names_are_unique(app: FakeApp) -> None:
    with pytest.raises(PermissionDenied):
        app.handle(staff.IssueApiToken("hr", "gaji"))
    token = app.handle(staff.IssueApiToken("admin", "gaji"))
    assert len(token) > 30 and staff.token_hash(token) == app.uow.staff.tokens[1].token_hash
    with pytest.raises(InvalidInput, match="already exists"):
        app.handle(staff.IssueApiToken("admin", "gaji"))
    app.handle(staff.RevokeApiToken("admin", 1))
    with pytest.raises(InvalidInput, match="already revoked"):
        app.handle(staff.RevokeApiToken("admin", 1))


def test_a_ticket_out_of_reach_is_not_found_and_an_officer_takes_one_of_their_opd(app: FakeApp) -> None:
    rid = assigned(app, officer=None)
    with pytest.raises(NotFound):
        app.handle(staff.ActOnTicket(c.RespondReport(rid, "dlhk.officer", response="Bukan milik kami")))
    with pytest.raises(PermissionDenied):
        app.handle(staff.TakeTicket(rid, "dispatcher"))
    app.handle(staff.TakeTicket(rid, "pupr.other"))
    assert app.uow.reports.get(rid).officer == "pupr.other"
    app.clock.advance(timedelta(minutes=5))
    with pytest.raises(NotFound):
        app.handle(staff.RedactReport(rid, "dlhk.head", "photo", "wajah"))
    app.handle(staff.RedactReport(rid, "pupr.head", "photo", "wajah orang terlihat"))
    assert app.uow.reports.get(rid).photo_redacted
