"""Sessions end for real: a per-account generation bumped on sign-out, a password change and
deactivation, and an absolute limit of 12 hours from sign-in."""

from __future__ import annotations

import time

from flask import Flask
from flask.testing import FlaskClient

from tanggap.bootstrap import Tanggap
from tanggap.staff import handlers as staff
from tests.web.staff_helpers import sign_in


def _stolen_copy(web: Flask, victim: FlaskClient) -> FlaskClient:
    """Another browser holding a copy of the victim's session cookie."""
    cookie = victim.get_cookie("session")
    assert cookie is not None
    thief = web.test_client()
    thief.set_cookie("session", cookie.value)
    return thief


def _refused(client: FlaskClient) -> None:
    answer = client.get("/queue")
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/login")
    assert "Masuk petugas" in client.get(answer.headers["Location"]).text


def test_a_stolen_cookie_replayed_after_sign_out_goes_to_the_login_page(web: Flask) -> None:
    victim = web.test_client()
    token = sign_in(victim, "pupr.officer")
    thief = _stolen_copy(web, victim)
    assert thief.get("/queue").status_code == 200  # the copy works...
    victim.post("/logout", data={"csrf_token": token})
    _refused(thief)  # ...until its owner signs out


def test_a_password_change_and_a_deactivation_end_every_open_session(web: Flask, app: Tanggap) -> None:
    phone, laptop = web.test_client(), web.test_client()
    sign_in(phone, "pupr.officer")
    sign_in(laptop, "pupr.head")
    app.handle(staff.ChangePassword("pupr.officer", "pupr.officer", "kata-sandi-baru-2026"))
    _refused(phone)
    app.handle(staff.DeactivateUser("admin", "pupr.head"))
    _refused(laptop)
    again = web.test_client()
    sign_in(again, "pupr.officer", "kata-sandi-baru-2026")
    assert again.get("/queue").status_code == 200


def test_a_busy_session_still_ends_twelve_hours_after_sign_in(web: Flask) -> None:
    client = web.test_client()
    sign_in(client, "dispatcher")
    with client.session_transaction() as session:
        session["signed_in_at"] = time.time() - 12 * 3600 + 60
        session["seen"] = time.time()  # active a moment ago: the idle timeout would not end it
    assert client.get("/triage").status_code == 200
    with client.session_transaction() as session:
        session["signed_in_at"] = time.time() - 12 * 3600 - 60
    answer = client.get("/triage")
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/login")


def test_only_an_admin_changes_another_persons_password_or_closes_an_account(app: Tanggap) -> None:
    import pytest

    from states.errors import InvalidInput, PermissionDenied

    with pytest.raises(PermissionDenied):
        app.handle(staff.ChangePassword("pupr.head", "pupr.officer", "kata-sandi-baru-2026"))
    with pytest.raises(PermissionDenied):
        app.handle(staff.DeactivateUser("supervisor", "pupr.officer"))
    with pytest.raises(InvalidInput, match="at least 12"):
        app.handle(staff.ChangePassword("pupr.officer", "pupr.officer", "pendek"))


def test_a_new_api_secret_rides_to_its_one_showing_sealed_not_readable_in_the_cookie(web: Flask) -> None:
    import re

    client = web.test_client()
    token = sign_in(client, "admin")
    issued = client.post("/admin/tokens", data={"csrf_token": token, "name": "Gaji BKPSDM"})
    cookie = client.get_cookie("session")
    assert cookie is not None
    carried = web.session_interface.get_signing_serializer(web).loads(cookie.value)  # type: ignore[attr-defined]
    shown = client.get(issued.headers["Location"]).text
    secret = re.search(r'id="new-token-value" translate="no">([^<]+)<', shown)
    assert secret and len(secret.group(1)) > 20
    assert secret.group(1) not in str(carried)  # what the cookie carries is sealed
