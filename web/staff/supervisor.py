"""Supervisors: SLA rules with versions and a preview, calendars, routing, templates, waivers
and the photo tagger's health."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from states.errors import DomainError, InvalidInput
from tanggap import commands as c
from tanggap import wita
from tanggap.config import DISPLAY_TZ
from tanggap.config_audit import ConfigSubject
from tanggap.payroll import replay as replay_service
from tanggap.staff import handlers as staff
from tanggap.staff.queries import admin as admin_views
from tanggap.staff.queries import calendars as calendar_views
from tanggap.staff.queries import history as history_views
from tanggap.staff.queries import routing as routing_views
from tanggap.staff.queries import rules as rule_views
from tanggap.wita import TimeInputError, parse_time
from web.deps import tanggap
from web.staff.appeals import done_or_explained
from web.staff.common import done, mapped, me, page_lang, refused, run, signed_in

bp = Blueprint("supervisor", __name__, url_prefix="/supervisor")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


bp.before_request(signed_in)


@bp.errorhandler(InvalidInput)
def bad_query(err: InvalidInput) -> ResponseReturnValue:
    """A page asked with a bad filter (a preview's metric or time): 400, the problem named."""
    response = current_app.make_response(refused(err, request.path))
    response.status_code = 400
    return response


@bp.get("/rules")
@mapped
def rules() -> ResponseReturnValue:
    app = tanggap()
    found = rule_views.rules(app.reader(), me())
    coverage = rule_views.rule_coverage(app.reader(), me(), app.clock.now())
    categories, opds = routing_views.routing(app.reader(), me())
    calendars = calendar_views.calendars(app.reader(), me())
    preview = _preview(request.args) if request.args.get("metric") else None
    return render_template("staff/rules.html", rules=found, coverage=coverage, categories=categories, opds=opds,
                           calendars=calendars, preview=preview, args=request.args)


def _preview(args: Any) -> dict[str, Any]:
    app = tanggap()
    at = _local_time(args.get("at")) or app.clock.now()
    row = rule_views.preview_rule(app.reader(), me(), args["metric"], args.get("opd") or None,
                                   args.get("category") or None, args.get("priority") or None, at)
    return {"row": row, "at": at}


def _local_time(raw: str | None) -> datetime | None:
    """A datetime-local field, read as WITA."""
    if not raw:
        return None
    try:
        return parse_time(raw, "effective_from", naive_is_wita=True)
    except TimeInputError as err:
        raise InvalidInput(err.field, err.message) from err


def _rule_command(form: Any, rule_id: int | None) -> c.DefineRule:
    try:
        amount = float(form.get("target_amount", "").strip().replace(",", "."))  # "2,5" as typed in Indonesia
        warn_at = tuple(float(x) for x in form.get("warn_at", "0.5,0.75").split(",") if x.strip())
    except ValueError as err:
        raise InvalidInput("target_amount", "must be a number") from err
    return c.DefineRule(
        me().username, form.get("metric", ""), amount, form.get("target_unit", ""), form.get("calendar", ""),
        rule_id=rule_id, opd=form.get("opd") or None, category=form.get("category") or None,
        priority=form.get("priority") or None, warn_at=warn_at,
        effective_from=_local_time(form.get("effective_from")), retire=form.get("retire") == "1",
        note=form.get("note") or None,
    )


@bp.post("/rules")
def new_rule() -> ResponseReturnValue:
    return _save_rule(None)


@bp.post("/rules/<int:rule_id>")
def edit_rule(rule_id: int) -> ResponseReturnValue:
    return _save_rule(rule_id)


def _save_rule(rule_id: int | None) -> ResponseReturnValue:
    back = url_for(".rules")
    try:
        cmd = _rule_command(request.form, rule_id)
    except DomainError as err:
        return refused(err, back)
    return done(cmd, _("Aturan SLA disimpan sebagai versi baru."), back)


@bp.get("/calendars")
@mapped
def calendars() -> ResponseReturnValue:
    app = tanggap()
    found = calendar_views.calendars(app.reader(), me())
    year = wita.in_wita(app.clock.now()).year
    holidays = {k.name: calendar_views.public_holidays(k.spec, year, page_lang()) for k in found}
    history = history_views.config_history(app.reader(), me(), ConfigSubject.CALENDAR)
    return render_template("staff/calendars.html", calendars=found, holidays=holidays, days=DAYS, year=year,
                           history=history)


@bp.post("/calendars/<name>")
def save_calendar(name: str) -> ResponseReturnValue:
    back = url_for(".calendars")
    form = request.form
    hours = {d: _windows(form.get(f"hours_{d}", "")) for d in DAYS}
    spec: dict[str, Any] = {"timezone": form.get("timezone", DISPLAY_TZ),
                            "hours": {d: w for d, w in hours.items() if w}}
    if form.get("holidays_country"):
        spec["holidays"] = {"country": form["holidays_country"],
                            "categories": [x.strip() for x in form.get("holidays_categories", "public").split(",")]}
    extra = [x.strip() for x in form.get("extra_holidays", "").split() if x.strip()]
    if extra:
        spec["extra_holidays"] = extra
    make_up = _make_up_days(form.get("extra_working_days", ""))
    if make_up:
        spec["extra_working_days"] = make_up
    cmd = c.DefineCalendar(name, spec, me().username, request.form.get("note") or None)
    return done(cmd, _("Kalender kerja disimpan."), back)


def _windows(raw: str) -> list[str]:
    return [w.strip() for w in raw.split(",") if w.strip()]


def _make_up_days(raw: str) -> dict[str, list[str]]:
    """One make-up day a line, "YYYY-MM-DD HH:MM-HH:MM,HH:MM-HH:MM"; the calendar checks the
    dates and windows and names the bad one. A date given twice keeps the windows of both."""
    days: dict[str, list[str]] = {}
    for line in raw.splitlines():
        day, _sep, windows = line.strip().partition(" ")
        if day:
            days.setdefault(day, []).extend(_windows(windows))
    return days


@bp.get("/routing")
@mapped
def routing() -> ResponseReturnValue:
    categories, opds = routing_views.routing(tanggap().reader(), me())
    history = history_views.config_history(tanggap().reader(), me(), ConfigSubject.CATEGORY)
    return render_template("staff/routing.html", categories=categories, opds=opds, history=history,
                           radius_min=staff.MIN_RADIUS_M, radius_max=staff.MAX_RADIUS_M)


@bp.post("/routing/<category>")
def save_routing(category: str) -> ResponseReturnValue:
    back = url_for(".routing")
    raw = request.form.get("duplicate_radius_m")
    try:
        run(staff.SetRouting(me().username, category, request.form.get("opd", ""), _radius(raw),
                             note=request.form.get("note") or None))
    except InvalidInput as err:
        return _bad_radius(err, category, raw, back) if err.field == "duplicate_radius_m" else refused(err, back)
    except DomainError as err:
        return refused(err, back)
    flash(_("Rute kategori disimpan."))
    return redirect(back, 303)


def _bad_radius(err: InvalidInput, category: str, raw: str | None, back: str) -> ResponseReturnValue:
    """Names the category and the value as typed, in the page's language."""
    message = _("Radius duplikat %(category)s tidak valid: %(value)s. Isi angka %(low)s-%(high)s meter.",
                category=category, value=raw, low=f"{staff.MIN_RADIUS_M:g}", high=f"{staff.MAX_RADIUS_M:g}")
    return render_template("staff/pesan.html", message=message, details=[], back=back), 422


def _radius(raw: str | None) -> float | None:
    """Metres as typed; a decimal comma is fine. No field at all keeps the current radius.
    Text that is no number becomes NaN, which the service refuses after checking who asks."""
    if raw is None:
        return None
    try:
        return float(raw.strip().replace(",", "."))
    except ValueError:
        return math.nan


@bp.post("/templates")
def save_template() -> ResponseReturnValue:
    form = request.form
    raw_id = form.get("template_id", "")
    cmd = staff.DefineResponseTemplate(me().username, form.get("category", ""), form.get("title", ""),
                                       form.get("body", ""), int(raw_id) if raw_id.isdigit() else None,
                                       retire=form.get("retire") == "1")
    return done(cmd, _("Templat tanggapan disimpan."), url_for(".routing"))


@bp.post("/breaches/<int:breach_id>/waive")
def waive(breach_id: int) -> ResponseReturnValue:
    cmd = c.WaiveBreach(breach_id, me().username, request.form.get("reason", ""))
    return done_or_explained(cmd, _("Pelanggaran dibebaskan."), url_for("hr.breach", breach_id=breach_id))


@bp.get("/tagger")
@mapped
def tagger() -> ResponseReturnValue:
    return render_template("staff/tagger.html", h=admin_views.tagger_health(tanggap().reader(), me()))


# --- what-if: a draft rule replayed over a past month ---------------------------------------



@bp.get("/replay")
@mapped
def replay() -> ResponseReturnValue:
    """The draft form; with a draft in the query, what it would have done over the chosen month."""
    app = tanggap()
    month = request.args.get("month") or _last_month(app.clock.now())
    page = {"rules": rule_views.rules(app.reader(), me()), "calendars": calendar_views.calendars(app.reader(), me()),
            "args": request.args, "month": month}
    categories, opds = routing_views.routing(app.reader(), me())
    page.update(categories=categories, opds=opds)
    if "target_amount" not in request.args:
        return render_template("staff/replay.html", result=None, draft=None, **page)
    try:
        draft = _draft(request.args)
        result = replay_service.what_if(app.uow(), replay_service.period(month), app.clock.now(), draft)
    except DomainError as err:
        return refused(err, url_for(".replay"))
    return render_template("staff/replay.html", result=result, draft=draft, **page)


def _last_month(now: datetime) -> str:
    return wita.previous_month(now)


def _draft(form: Any) -> dict[str, Any]:
    """The draft as the replay reads it: a new version of the chosen rule, or a new rule."""
    cmd = _rule_command(form, None)
    raw_id = (form.get("rule_id") or "").strip()
    if raw_id and not raw_id.isdigit():
        raise InvalidInput("rule_id", f"{raw_id!r} is not a rule number")
    return {"rule_id": int(raw_id) if raw_id else None, "metric": cmd.metric, "target_amount": cmd.target_amount,
            "target_unit": cmd.target_unit, "calendar": cmd.calendar, "opd": cmd.opd, "category": cmd.category,
            "priority": cmd.priority, "pause_on": ["awaiting_citizen"] if form.get("pause") == "1" else []}


@bp.post("/replay/save")
def save_replayed() -> ResponseReturnValue:
    """Keep the draft: it becomes a new rule version (or a new rule), effective now."""
    back = url_for(".rules")
    try:
        draft = _draft(request.form)
    except DomainError as err:
        return refused(err, url_for(".replay"))
    cmd = c.DefineRule(me().username, draft["metric"], draft["target_amount"], draft["target_unit"],
                       draft["calendar"], rule_id=draft["rule_id"], opd=draft["opd"], category=draft["category"],
                       priority=draft["priority"], pause_on=tuple(draft["pause_on"]),
                       note=request.form.get("note") or None)
    return done(cmd, _("Draf disimpan sebagai versi baru aturan SLA."), back)
