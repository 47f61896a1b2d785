"""The command centre's triage queue."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue

from tanggap.staff.queries import queue as queue_views
from web.deps import tanggap
from web.staff.common import mapped, me, signed_in

bp = Blueprint("triage", __name__, url_prefix="/triage")


bp.before_request(signed_in)


@bp.get("")
@mapped
def index() -> ResponseReturnValue:
    app = tanggap()
    page = int(request.args["page"]) if request.args.get("page", "").isdigit() else 1
    view = queue_views.triage(app.reader(), me(), app.clock.now(), page)
    flags = queue_views.triage_flags(app.reader(), [r.id for r in view.rows])
    return render_template("staff/triage.html", q=view, flags=flags, now=app.clock.now())
