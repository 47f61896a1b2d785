"""The performance dashboard and the admin's API tokens."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from states.errors import DomainError
from tanggap import staff, staff_views
from web.deps import tanggap
from web.staff.common import mapped, me, refused, run, signed_in

bp = Blueprint("dashboard", __name__)


bp.before_request(signed_in)


@bp.get("/dashboard")
@mapped
def index() -> ResponseReturnValue:
    app = tanggap()
    view = staff_views.dashboard(app.uow(), me(), app.clock.now(), app.settings.annual_target)
    peak = max((w.responses for w in view["trend"]), default=0) or 1
    return render_template("staff/dashboard.html", d=view, peak=peak, chart=_trend_chart(view["trend"]))


def _trend_chart(trend: list[staff_views.WeekTrend]) -> dict[str, Any]:
    """The weekly trend as data for staff.js to draw, its texts already in the page's language."""
    opds = sorted({opd for w in trend for opd in w.by_opd})
    return {
        "weeks": [w.week for w in trend],
        "labels": [f"{w.monday:%d/%m}" for w in trend],
        "responses": [w.responses for w in trend],
        "by_opd": {opd: [w.by_opd.get(opd, 0) for w in trend] for opd in opds},
        "on_time_rate": [None if w.on_time_rate is None else round(w.on_time_rate * 100, 1) for w in trend],
        "text": {"responses": _("Jumlah tanggapan"), "on_time": _("Tepat waktu (%)"),
                 "week": _("Minggu mulai Senin (WITA)")},
    }


@bp.get("/admin/tokens")
@mapped
def tokens() -> ResponseReturnValue:
    return render_template("staff/tokens.html", tokens=staff_views.api_tokens(tanggap().uow(), me()), new=None)


@bp.post("/admin/tokens")
@mapped
def issue_token() -> ResponseReturnValue:
    try:
        token = run(staff.IssueApiToken(me().username, request.form.get("name", "")))
    except DomainError as err:
        return refused(err, "/admin/tokens")
    rows = staff_views.api_tokens(tanggap().uow(), me())
    return render_template("staff/tokens.html", tokens=rows, new=token, message=_("Token dibuat."))
