"""Signing in and out, the language switch and the idle timeout."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from states.model import Role
from tanggap.access import StaffUser
from tanggap.staff import handlers as staff
from web.staff.common import LoggedIn, me, run, signed_in

bp = Blueprint("auth", __name__)
HOMES = {
    Role.OPD_OFFICER: "tickets.queue",
    Role.OPD_HEAD: "tickets.queue",
    Role.DISPATCHER: "triage.index",
    Role.SUPERVISOR: "dashboard.index",
    Role.ADMIN: "dashboard.index",
    Role.HR: "hr.breaches",
}
LANGUAGES = ("id", "en")
GENERATION = "generation"  # the account's session generation this cookie was issued under
SIGNED_IN_AT = "signed_in_at"  # the absolute limit counts from here, whatever the activity


def still_valid(user: StaffUser) -> bool:
    """A cookie is honoured only under the account's current generation (not signed out, no
    password change, not deactivated since) and within SESSION_ABSOLUTE_HOURS of signing in."""
    age = time.time() - float(session.get(SIGNED_IN_AT, 0))
    limit = current_app.config["SESSION_ABSOLUTE_HOURS"] * 3600
    return session.get(GENERATION) == user.generation and 0 <= age <= limit


@bp.get("/login")
def login_form() -> ResponseReturnValue:
    return render_template("staff/login.html", next=request.args.get("next", ""))


@bp.post("/login")
def login() -> ResponseReturnValue:
    form = request.form
    result: staff.LoginResult = run(staff.LogIn(form.get("username", "").strip(), form.get("password", ""),
                                                request.remote_addr or "-"))
    if result.locked:
        flash(_("Terlalu banyak percobaan gagal. Tunggu 15 menit lalu coba lagi."))
        return render_template("staff/login.html", next=form.get("next", "")), 429
    if result.user is None:
        flash(_("Nama pengguna atau kata sandi salah."))
        return render_template("staff/login.html", next=form.get("next", "")), 401
    session.clear()  # a new session id at sign-in: no fixation
    login_user(LoggedIn(result.user))
    session.permanent = True
    session["seen"] = session[SIGNED_IN_AT] = time.time()
    session[GENERATION] = result.user.generation
    return redirect(_safe_next(form.get("next", "")) or url_for(HOMES[result.user.role]), 303)


def _safe_next(target: str) -> str | None:
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and not parts.netloc and not parts.scheme:
        return target
    return None


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    if current_user.is_authenticated:
        run(staff.EndSessions(me().username))  # a copy of this cookie kept elsewhere stops working too
    logout_user()
    session.clear()
    flash(_("Anda sudah keluar."))
    return redirect(url_for(".login_form"), 303)


@bp.post("/bahasa")
def language() -> ResponseReturnValue:
    chosen = request.form.get("lang", "id")
    session["lang"] = chosen if chosen in LANGUAGES else "id"
    return redirect(_safe_next(request.form.get("next", "")) or url_for(".home"), 303)


@bp.get("/")
def home() -> ResponseReturnValue:
    return signed_in() or redirect(url_for(HOMES[me().role]), 303)


def idle_timeout() -> ResponseReturnValue | None:
    """Sign out a session left idle longer than STAFF_IDLE_MINUTES."""
    if not current_user.is_authenticated:
        return None
    now, seen = time.time(), float(session.get("seen", 0))
    if now - seen > current_app.config["STAFF_IDLE_MINUTES"] * 60:
        logout_user()
        session.clear()
        flash(_("Sesi berakhir karena tidak aktif. Silakan masuk lagi."))
        return redirect(url_for("auth.login_form", next=request.path), 303)
    session["seen"] = now
    return None
