"""Signing in and out, CSRF, security headers, language and the idle timeout."""

from __future__ import annotations

import time
import uuid

from flask import Flask

from tanggap.bootstrap import Tanggap
from tests.web.staff_helpers import assigned_report, csrf, sign_in, version


def test_the_login_page_speaks_bahasa_by_default_and_english_after_the_switch(web: Flask) -> None:
    client = web.test_client()
    page = client.get("/login")
    assert "Masuk petugas" in page.text and 'lang="id"' in page.text
    client.post("/bahasa", data={"lang": "en", "csrf_token": csrf(page.text)})
    english = client.get("/login")
    assert "Staff sign-in" in english.text and 'lang="en"' in english.text


def test_a_persona_signs_in_lands_on_their_home_and_signs_out(web: Flask) -> None:
    client = web.test_client()
    token = sign_in(client, "pupr.officer")
    assert client.get("/").headers["Location"].endswith("/queue")
    out = client.post("/logout", data={"csrf_token": token})
    assert out.status_code == 303
    assert client.get("/queue").status_code == 302


def test_a_wrong_password_is_refused(web: Flask) -> None:
    client = web.test_client()
    token = csrf(client.get("/login").text)
    response = client.post("/login", data={"username": "hr", "password": "salah", "csrf_token": token})
    assert response.status_code == 401
    assert "Nama pengguna atau kata sandi salah" in response.text


def test_repeated_failures_lock_the_name_even_with_the_right_password_afterwards(web: Flask, app: Tanggap) -> None:
    from tanggap import commands as c

    name = f"tamu-{uuid.uuid4().hex[:6]}"
    app.handle(c.CreateUser(name, "hr", "Tamu", None, "benar-sekali-2026"))
    client = web.test_client()
    token = csrf(client.get("/login").text)
    statuses = [client.post("/login", data={"username": name, "password": "x", "csrf_token": token}).status_code
                for _ in range(5)]
    locked = client.post("/login", data={"username": name, "password": "benar-sekali-2026", "csrf_token": token})
    assert statuses == [401] * 5
    assert locked.status_code == 429


def test_staff_pages_send_strangers_to_the_login_page(web: Flask) -> None:
    response = web.test_client().get("/queue")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_form_without_a_csrf_token_is_refused_and_changes_nothing(web: Flask, app: Tanggap) -> None:
    rid = assigned_report(app)
    client = web.test_client()
    sign_in(client, "pupr.officer")
    before = version(app, rid)
    response = client.post(f"/tickets/{rid}/respond", data={"response": "Sudah", "version": str(before)})
    assert response.status_code == 400
    assert version(app, rid) == before


def test_pages_carry_security_headers_and_the_cookie_is_secure(web: Flask) -> None:
    client = web.test_client()
    page = client.get("/login")
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert page.headers["X-Frame-Options"] == "DENY"
    cookie = page.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "<script>" not in page.text


def test_an_idle_session_is_signed_out(web: Flask) -> None:
    client = web.test_client()
    sign_in(client, "pupr.head")
    with client.session_transaction() as session:
        session["seen"] = time.time() - 31 * 60
    response = client.get("/queue")
    assert response.status_code == 303 and "/login" in response.headers["Location"]
    assert client.get("/queue").status_code == 302


def test_every_string_of_the_staff_ui_and_the_citizen_pages_has_an_english_translation() -> None:
    import re
    from pathlib import Path

    from babel.messages.pofile import read_po

    root = Path(__file__).resolve().parents[2] / "web"
    with (root / "translations/en/LC_MESSAGES/messages.po").open("rb") as src:
        catalogue = read_po(src)
    pattern = re.compile(r"""\b(?:_|lazy_gettext|gettext)\(\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")""")
    files = [*root.glob("templates/**/*.html"), *root.glob("staff/*.py"), root / "citizen.py"]
    used = {m.group(1) or m.group(2) for f in files for m in pattern.finditer(f.read_text())}
    missing = sorted(s for s in used if not (catalogue.get(s) and catalogue.get(s).string))
    assert len(used) > 100
    assert missing == []
