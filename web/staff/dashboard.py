"""The performance dashboard and the admin's API tokens."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from states.errors import DomainError
from tanggap import commands as c
from tanggap.staff import handlers as staff
from tanggap.staff.queries import admin as admin_views
from tanggap.staff.queries import dashboard as dashboard_views
from web.deps import tanggap
from web.sealed import seal, unseal
from web.staff.common import done, mapped, me, refused, run, signed_in

bp = Blueprint("dashboard", __name__)


bp.before_request(signed_in)


@bp.get("/dashboard")
@mapped
def index() -> ResponseReturnValue:
    app = tanggap()
    view = dashboard_views.dashboard(app.reader(), me(), app.clock.now(), app.settings.annual_target)
    peak = max((w.responses for w in view["trend"]), default=0) or 1
    return render_template("staff/dashboard.html", d=view, peak=peak, chart=_trend_chart(view["trend"]))


def _trend_chart(trend: list[dashboard_views.WeekTrend]) -> dict[str, Any]:
    """The weekly trend as data for staff.js to draw, its texts already in the page's language."""
    opds = sorted({opd for w in trend for opd in w.by_opd})
    return {
        "weeks": [w.week for w in trend],
        "labels": [f"{w.monday:%d/%m}" for w in trend],
        "responses": [w.responses for w in trend],
        "by_opd": {opd: [w.by_opd.get(opd, 0) for w in trend] for opd in opds},
        "colours": dict(zip(opds, colours(len(opds)), strict=True)),
        "on_time_rate": [None if w.on_time_rate is None else round(w.on_time_rate * 100, 1) for w in trend],
        "text": {"responses": _("Jumlah tanggapan"), "on_time": _("Tepat waktu (%)"),
                 "week": _("Minggu mulai Senin (WITA)")},
    }


# Twelve colours told apart at a glance, also by most people with a colour-vision deficiency
# (Paul Tol's "muted" scheme plus four of his "light" ones); more OPDs than that get hues spaced
# evenly around the wheel, so no two share a colour either.
PALETTE = ("#332288", "#88CCEE", "#44AA99", "#117733", "#999933", "#DDCC77", "#CC6677", "#882255", "#AA4499",
           "#EE8866", "#77AADD", "#BBCC33")


def colours(n: int) -> list[str]:
    if n <= len(PALETTE):
        return list(PALETTE[:n])
    return [f"hsl({round(360 * i / n)}, 65%, 45%)" for i in range(n)]


SHOWN_ONCE = "shown_once"  # a new secret, between the POST that made it and the one page that shows it


@bp.get("/admin/tokens")
@mapped
def tokens() -> ResponseReturnValue:
    """Payroll tokens and Open311 keys; a new secret shows on the first page after it was made,
    and never again: a refresh of that page shows the list without it."""
    reader = tanggap().reader()
    return render_template("staff/tokens.html", tokens=admin_views.api_tokens(reader, me()),
                           keys=admin_views.open311_keys(reader, me()),
                           emails=admin_views.undelivered_emails(reader, me(), tanggap().clock.now()),
                           fetches=admin_views.given_up_fetches(reader, me()),
                           pipeline=admin_views.pipeline_status(reader, me(), tanggap().clock.now()),
                           secret=unseal(session.pop(SHOWN_ONCE, None)))


@bp.post("/admin/tokens")
@mapped
def issue_token() -> ResponseReturnValue:
    return _issued(staff.IssueApiToken(me().username, request.form.get("name", "")), "token")


@bp.post("/admin/tokens/<int:token_id>/revoke")
def revoke_token(token_id: int) -> ResponseReturnValue:
    return done(staff.RevokeApiToken(me().username, token_id), _("Token dicabut."), url_for(".tokens"))


@bp.post("/admin/open311-keys")
@mapped
def issue_key() -> ResponseReturnValue:
    return _issued(staff.IssueClientKey(me().username, request.form.get("name", "")), "key")


def _issued(cmd: c.Command, kind: str) -> ResponseReturnValue:
    """Issue a token or key, then redirect: the secret rides in the session to the next page only,
    so a refresh neither posts again nor shows it twice. It rides sealed (encrypted, five minutes):
    the session cookie itself is only signed, and readable by whoever holds it."""
    try:
        secret: str = run(cmd)
    except DomainError as err:
        return refused(err, url_for(".tokens"))
    session[SHOWN_ONCE] = seal({"kind": kind, "name": getattr(cmd, "name", "").strip(), "value": secret})
    return redirect(url_for(".tokens") + ("#new-token" if kind == "token" else "#new-key"), 303)


@bp.post("/admin/open311-keys/<int:key_id>/revoke")
def revoke_key(key_id: int) -> ResponseReturnValue:
    return done(staff.RevokeClientKey(me().username, key_id), _("Kunci API dicabut."), url_for(".tokens"))


@bp.post("/admin/emails/<int:inbox_id>")
def settle_email(inbox_id: int) -> ResponseReturnValue:
    resend = request.form.get("decision") == "resend"
    message = _("E-mail akan dikirim ulang.") if resend else _("E-mail dicatat terkirim.")
    return done(staff.SettleEmail(me().username, inbox_id, resend), message, url_for(".tokens"))

